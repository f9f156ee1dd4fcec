"""`vigie init [DIR]`: a commented starter configuration and rule file that check clean.

    DIR/vigie.yaml          data_dir, rules, timezone, schedule, one folder source, the console target
    DIR/rules/watch.yaml    one entity, one term, one rule, each key commented
    DIR/inbox/              the folder source: drop article files here

Existing files are never overwritten (``--force`` does).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

# What the starter writes: (path under DIR, file shipped in vigie/cli/starter).
STARTER_FILES = (("vigie.yaml", "vigie.yaml"), ("rules/watch.yaml", "watch.yaml"))


def write_starter(root: Path, *, force: bool = False) -> list[Path]:
    """Write the starter files under ``root``; return what was written.

    Raises FileExistsError naming the first file that exists, unless ``force``.
    """
    targets = [(root / dest, name) for dest, name in STARTER_FILES]
    if not force:
        for path, _ in targets:
            if path.exists():
                raise FileExistsError(str(path))
    written = []
    for path, name in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(resources.files("vigie.cli").joinpath("starter", name).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(path)
    (root / "inbox").mkdir(parents=True, exist_ok=True)
    return written


def init(
    directory: Path = typer.Argument(Path("."), help="Where to write vigie.yaml, rules/ and inbox/."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist."),
) -> None:
    """Write a commented starter vigie.yaml and rule file (checked clean by vigie config and vigie rules check)."""
    try:
        written = write_starter(directory, force=force)
    except FileExistsError as exc:
        typer.secho(f"error: {exc} exists; nothing written (--force overwrites)", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(f"wrote {path}")
    config = directory / "vigie.yaml"
    typer.echo(f"\nNext: add sources to {config}, then\n  vigie config -c {config}\n  vigie rules check -c {config}\n"
               f"  vigie run -c {config}")
