"""What every ``vigie`` sub-command shares: loading the configuration the same way."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from vigie.config import DEFAULT_CONFIG, Config, load_config
from vigie.errors import ConfigError


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
