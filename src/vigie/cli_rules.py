"""`vigie rules`: placeholder, filled in by its own issue."""

import typer

app = typer.Typer(help="rules commands", no_args_is_help=True)
