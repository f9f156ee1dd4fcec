"""The ``vigie`` command line.

Sub-commands live in their own modules (``cli_rules``, ``cli_feeds``,
``cli_alerts``). Heavy imports (spaCy, Prefect) happen inside the commands so
that ``vigie --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Optional

import typer

from vigie.runtime import prefect_env
from vigie.cli import exiting, verbosity
from vigie.cli.readable import Typer
from vigie.cli.alerts import app as alerts_app
from vigie.cli.feeds import app as feeds_app
from vigie.cli.init import init as init_command
from vigie.cli.deploy import deploy as deploy_command
from vigie.cli.serve import HostOption, PortOption, prepare_api, run_server, serve_on_schedule
from vigie.cli.rules import app as rules_app
from vigie.cli.backtest import backtest as backtest_command
from vigie.cli.stories import app as stories_app
from vigie.cli.web import web as web_command
from vigie.cli.common import ConfigOption, config_path, load_or_exit, open_store, store_error_exit
from vigie.config import Config
from vigie.errors import ConfigError, LocalServerError, StoreError

app = Typer(
    name="vigie",
    help="vigie: watch news feeds and article folders, match them against your rules, alert on new developments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(rules_app, name="rules", help="Check rule files and preview what they match.")
app.add_typer(feeds_app, name="feeds", help="Fetch and parse feeds without storing or alerting.")
app.add_typer(alerts_app, name="alerts", help="What was sent, pending or failed, and why.")
app.add_typer(stories_app, name="stories", help="Stories: what vigie grouped, the rules and sources, the alerts.")
rules_app.command("backtest")(backtest_command)
app.command("init")(init_command)
app.command("deploy")(deploy_command)
app.command("web")(web_command)

def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"vigie {package_version('vigie')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Optional[Path] = ConfigOption,
    version: bool = typer.Option(False, "--version", help="Print vigie's version and exit.", callback=_print_version,
                                 is_eager=True),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print what vigie does (INFO logs, Prefect's task logs, "
                                 "apprise's own; secrets masked)."),
    debug: bool = typer.Option(False, "--debug", help="Also print vigie's DEBUG logs, and the traceback behind every error."),
) -> None:
    """vigie: watch news feeds and article folders, match them against your rules, alert on new developments."""
    ctx.obj = {"config": config}
    verbosity.choose(quiet=quiet, verbose=verbose, debug=debug)
    ctx.call_on_close(verbosity.reset)


VerboseOption: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's task logs and apprise's own (secrets masked).")


def _prepare_prefect(config: Config, verbose: bool) -> None:
    verbose = verbose or verbosity.verbose()  # vigie -v run is vigie run -v
    prefect_env.apply(config.data_dir, verbose=verbose, run_timeout=config.timeouts.run.total_seconds())
    if verbosity.quiet():
        os.environ["PREFECT_LOGGING_LEVEL"] = "ERROR"
    elif not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@app.command()
def run(ctx: typer.Context, config: Optional[Path] = ConfigOption, verbose: bool = VerboseOption,
        dry_run: bool = typer.Option(False, "--dry-run", help="Fetch, match and decide, and print what would be "
                                     "alerted; store nothing, send nothing (no Prefect flow run).")) -> None:
    """Run one monitoring cycle as a Prefect flow run, then print a summary and the alerts."""
    config = config_path(config, ctx)
    cfg = load_or_exit(config)
    if dry_run:
        from vigie.cli.dryrun import dry_run as rehearse

        return rehearse(cfg)
    with open_store(cfg, write=True):
        pass  # a store that refuses writes is one error line now, not a traceback from a task
    _prepare_prefect(cfg, verbose)
    prepare_api(cfg)  # a local Prefect server left running (vigie server, vigie serve) spares starting one
    from sqlalchemy.exc import SQLAlchemyError

    from vigie.runtime.temp_server import run_flow, start_temporary_server

    try:
        server = start_temporary_server(cfg.data_dir)  # None: a server is chosen, or Prefect starts its own
        from flows.monitor import monitor  # imported late: Prefect start-up is slow; meanwhile the server starts

        summary = run_flow(monitor, str(config.resolve()), server)
    except LocalServerError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except (StoreError, SQLAlchemyError) as exc:
        raise store_error_exit(exc, cfg.store_url) from None
    except ConfigError as exc:
        verbosity.explain(exc)
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except RuntimeError as exc:
        if "ephemeral Prefect API server" not in str(exc):
            raise
        wait = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "?")
        typer.secho(f"error: Prefect's temporary API server did not start within {wait} s (on a busy machine, raise "
                    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or keep one running with `vigie server`)",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    from vigie.runtime.summarize import print_summary

    print_summary(summary, cfg, quiet=verbosity.quiet())


@app.command()
def serve(ctx: typer.Context, config: Optional[Path] = ConfigOption, verbose: bool = VerboseOption,
          host: str = HostOption, port: Optional[int] = PortOption) -> None:
    """Run the monitoring cycle now, then on the configured schedule, until stopped (Ctrl-C or SIGTERM).

    One line is printed per run. Stopping lets the current run finish (30 s at most; stop again to cancel it) and does not pause the schedule: a restart keeps its slots.
    """
    config = config_path(config, ctx)
    cfg = load_or_exit(config)
    _prepare_prefect(cfg, verbose)
    serve_on_schedule(cfg, config, host, port)


@app.command()
def server(ctx: typer.Context, config: Optional[Path] = ConfigOption, host: str = HostOption,
           port: Optional[int] = PortOption) -> None:
    """Run a local Prefect server (and its UI) for this configuration until stopped.

    vigie run and vigie serve of the same data_dir use it instead of starting their own: repeated runs start faster, and every run shows in one UI.
    """
    config = config_path(config, ctx)
    cfg = load_or_exit(config)
    prefect_env.apply(cfg.data_dir)
    run_server(cfg, host, port)


@app.command("config")
def show_config(ctx: typer.Context, config: Optional[Path] = ConfigOption) -> None:
    """Validate the configuration file and print it, secrets hidden."""
    config = config_path(config, ctx)
    cfg = load_or_exit(config)
    from vigie.store.db import engine_url_for_display

    typer.echo(f"config:   {cfg.path}")
    typer.echo(f"data dir: {cfg.data_dir}")
    typer.echo(f"store:    {engine_url_for_display(cfg.store_url)}")
    typer.echo(f"rules:    {', '.join(str(r) for r in cfg.rules)}")
    typer.echo(f"schedule: {cfg.schedule.describe()}")
    typer.echo(f"sources:  {len(cfg.sources)}")
    for s in cfg.source_objects():
        typer.echo(f"  - {s.kind.value:6} {s.id}")  # the id: as written, ${SECRETS} unexpanded
    typer.echo(f"targets:  {len(cfg.targets)}")
    for t in cfg.targets:
        typer.echo(f"  - {t.name}: {t.shown_url} tags={list(t.tags)}")


def main() -> None:
    exiting.install()  # after a flow run, skip Python's slow final teardown (vigie.cli.exiting)
    prefect_env.apply()
    try:
        app()
    except KeyboardInterrupt:
        exiting.record(130)
        sys.exit(130)
    except SystemExit as exc:
        exiting.record(exc.code)
        raise
    exiting.record(0)
