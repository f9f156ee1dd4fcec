"""``vigie serve`` and ``vigie server``: the schedule on one machine, and the local Prefect server it needs.

Prefect's ephemeral mode has no scheduler, so ``vigie serve`` needs a Prefect server: the one
``PREFECT_API_URL`` names, else a local one that ``vigie server`` (or another ``vigie serve``)
left running for the same ``data_dir``, else one it starts for itself and stops on exit.
``vigie run`` reuses such a running local server too (``prepare_api``), which spares it the
start of Prefect's temporary server.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Optional

import typer

from vigie.config import Config
from vigie.errors import LocalServerError

HostOption: Any = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                               help="Address the local Prefect server listens on (0.0.0.0: every interface).")
PortOption: Any = typer.Option(None, "--port", metavar="PORT", show_default=False,
                               help="Port of the local Prefect server (default: 4200, else any free port).")


def prepare_api(config: Config) -> str | None:
    """Point Prefect at the local server left running for ``config.data_dir``, when one answers and
    ``PREFECT_API_URL`` is not set; return its API URL. Call before Prefect is imported."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    from vigie.runtime.local_server import running_server

    api = running_server(config.data_dir)
    if api is not None:
        os.environ["PREFECT_API_URL"] = api
    return api


def serve_on_schedule(config: Config, config_file: Path, host: str, port: Optional[int]) -> None:
    """The body of ``vigie serve``, once the configuration is loaded and Prefect's environment set."""
    if os.environ.get("PREFECT_API_URL") or prepare_api(config):
        _serve(config, config_file)
        return
    from vigie.runtime.local_server import local_prefect_server

    try:
        with local_prefect_server(config.data_dir, host=host, port=port or 4200, strict_port=port is not None) as api:
            os.environ["PREFECT_API_URL"] = api  # for the flow-run processes
            typer.echo(f"vigie: local Prefect server at {api.removesuffix('/api')} "
                       f"(state in {config.data_dir / 'prefect'})")
            _serve(config, config_file)
    except LocalServerError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def _serve(config: Config, config_file: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.monitor import monitor
    from vigie.runtime import serving
    from vigie.runtime.schedule import prefect_schedule

    typer.echo(f"vigie: serving {config.path}, {config.schedule.describe()}, first run now; Ctrl-C to stop")
    with temporary_settings(updates={PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
        serving.serve(monitor, schedule=prefect_schedule(config.schedule),
                      parameters={"config_path": str(config_file.resolve())}, zone=config.timezone, echo=typer.echo)


def run_server(config: Config, host: str, port: Optional[int]) -> None:
    """The body of ``vigie server``: a local Prefect server for ``data_dir`` until SIGINT or SIGTERM."""
    from vigie.runtime.local_server import local_prefect_server, running_server

    api = running_server(config.data_dir)
    if api is not None:
        typer.secho(f"error: a local Prefect server already runs for {config.data_dir} at {api.removesuffix('/api')}",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    stop = {"asked": False}

    def asked(signum: int, frame: object) -> None:
        stop["asked"] = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, asked)
    try:
        with local_prefect_server(config.data_dir, host=host, port=port or 4200, strict_port=port is not None) as api:
            typer.echo(f"vigie: local Prefect server at {api.removesuffix('/api')} (state in {config.data_dir / 'prefect'}); "
                       "`vigie run` and `vigie serve` of this configuration use it; Ctrl-C to stop")
            silent = 0  # health checks in a row without an answer: three mean the server is gone
            while not stop["asked"] and silent < 3:
                for _ in range(20):
                    if not stop["asked"]:
                        time.sleep(0.5)
                silent = 0 if stop["asked"] or running_server(config.data_dir, timeout=5) else silent + 1
            if silent:
                raise LocalServerError(f"the local Prefect server stopped answering; see {config.data_dir / 'prefect' / 'server.log'}")
    except LocalServerError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo("vigie: local Prefect server stopped")
