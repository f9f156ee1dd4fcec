"""`vigie web`: the analyst's pages on this machine.

    vigie web [--host 127.0.0.1] [--port 8700] [--token TOKEN] [-c vigie.yaml]

Bound to loopback by default, where anyone on this machine may use it (as they may read the store).
Bound to any other address it refuses to start without a token (``--token`` or ``VIGIE_WEB_TOKEN``),
which every request must then carry (``vigie.web.auth``). The pages are ``vigie.web``'s.
"""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from vigie.cli.common import ConfigOption, config_path, load_or_exit, open_store

if TYPE_CHECKING:
    from vigie.config import Config

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _warm_up(cfg: "Config") -> None:
    from vigie.rules import compile_rules, load_rules

    compile_rules(load_rules(list(cfg.rules)))


def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help="Address to listen on (other than loopback: a token is required)."),
    port: int = typer.Option(8700, "--port", metavar="PORT", help="Port to listen on."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN", envvar="VIGIE_WEB_TOKEN", show_envvar=True,
                                        help="Required on every request (as ?token= once, then a cookie, or Authorization: Bearer)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Pages for the analyst: stories, alerts (retry), feed health, rules and a rule editor with a live backtest."""
    import uvicorn

    from vigie.web.app import create_app

    local = is_loopback(host)
    if not local and not token:
        typer.secho(f"error: --host {host} is reachable from other machines: give a token (--token or VIGIE_WEB_TOKEN), "
                    "or keep the default --host 127.0.0.1", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if token is not None and len(token) < 16:
        typer.secho("error: the token is too short: use at least 16 characters (python -c 'import secrets; print(secrets.token_urlsafe())')",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    cfg = load_or_exit(config_path(config, ctx))
    with open_store(cfg, write=True) as engine:
        allowed = (*LOOPBACK_NAMES, host) if local else None  # loopback: any other Host is a rebinding attempt
        app = create_app(cfg, engine, token=token, allowed_hosts=allowed)
        shown = f"[{host}]" if ":" in host else host
        # spaCy's tables load on the first compile (seconds): do it now, so the editor's first check is quick.
        threading.Thread(target=_warm_up, args=(cfg,), daemon=True).start()
        typer.echo(f"vigie web: http://{shown}:{port}/" + (f"?token={token}" if token else "") + "  (Ctrl-C to stop)")
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
