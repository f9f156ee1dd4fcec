"""What every ``vigie`` sub-command shares: loading the configuration and opening the store the same way.

A store that cannot be opened or written (a read-only SQLite file or folder, a server that
refuses) is one ``error:`` line and exit status 1, never a traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from vigie.cli import verbosity
from vigie.config import DEFAULT_CONFIG, Config, load_config
from vigie.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)


# The one --config option of every command (given before or after a sub-command name).
ConfigOption: Any = typer.Option(
    None, "--config", "-c", metavar="FILE", help="The configuration file (default: $VIGIE_CONFIG, else ./vigie.yaml).", show_default=False
)


def given_config(given: Path | None, ctx: typer.Context | None = None) -> Path | None:
    """The ``--config`` a person wrote: after the command, else before it (``vigie -c X run``,
    ``vigie alerts -c X list``, kept in each group's ``ctx.obj``), else None."""
    node: Any = ctx  # typer's Context, whose parents are click's
    while given is None and node is not None:
        if isinstance(node.obj, dict):
            given = node.obj.get("config")
        node = node.parent
    return given


def config_path(given: Path | None, ctx: typer.Context | None = None) -> Path:
    """The configuration file a command uses: ``--config`` (see ``given_config``), else ``default_config_path()``."""
    return given_config(given, ctx) or default_config_path()


def default_config_path() -> Path:
    """``$VIGIE_CONFIG``, else ``vigie.yaml`` in the current folder."""
    return Path(os.environ.get("VIGIE_CONFIG", DEFAULT_CONFIG))


def load_or_exit(path: Path) -> Config:
    """Load the configuration, or print its one-line error and exit with status 2."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        verbosity.explain(exc)
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    log.debug("configuration %s: %d source(s), %d target(s), rules %s, data in %s", config.path, len(config.sources),
              len(config.targets), ", ".join(str(r) for r in config.rules), config.data_dir)
    return config


def store_error_exit(exc: BaseException, url: str) -> typer.Exit:
    """Print the one line that says why the store at ``url`` refused, and the Exit(1) to raise."""
    from vigie.store.db import engine_url_for_display

    verbosity.explain(exc)
    if isinstance(exc, StoreError):
        message = str(exc)
    else:
        cause = getattr(exc, "orig", None) or exc  # the driver's own words, without the SQL
        message = f"store {engine_url_for_display(url)}: {cause.__class__.__name__}: {cause}"
    if any(word in message.lower() for word in ("readonly", "read-only", "permission denied", "unable to open")):
        message += " (the store and its folder must be writable by this user)"
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


@contextmanager
def open_store(config: Config, *, write: bool) -> Iterator[Engine]:
    """The store's engine, disposed of at the end; with ``write``, first proven writable.

    The probe writes a row and rolls it back: SQLite opens a read-only file and even begins a
    write transaction on it, and only refuses at the first write, which would otherwise come
    mid-run, deep inside a Prefect task.
    """
    from sqlalchemy import delete, insert
    from sqlalchemy.exc import SQLAlchemyError

    from vigie.store import schema
    from vigie.store.db import connect

    url = config.store_url
    try:
        engine = connect(url)
    except (StoreError, SQLAlchemyError, OSError) as exc:
        raise store_error_exit(exc, url) from None
    try:
        if write:
            with engine.connect() as conn, conn.begin() as txn:
                probe = schema.schema_migrations
                conn.execute(insert(probe).values(name="vigie-write-probe", applied_at=datetime.now(timezone.utc)))
                conn.execute(delete(probe).where(probe.c.name == "vigie-write-probe"))
                txn.rollback()
        yield engine
    except (StoreError, SQLAlchemyError) as exc:
        raise store_error_exit(exc, url) from None
    finally:
        engine.dispose()
