"""What every ``vigie`` sub-command shares: loading the configuration the same way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from vigie.config import DEFAULT_CONFIG, Config, load_config
from vigie.errors import ConfigError


# The one --config option of every command (given before or after a sub-command name).
ConfigOption: Any = typer.Option(
    None, "--config", "-c", help="The configuration file (default: $VIGIE_CONFIG, else ./vigie.yaml).", show_default=False
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
        return load_config(path)
    except ConfigError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
