"""`vigie feeds`: placeholder, filled in by its own issue."""

import typer

app = typer.Typer(help="feeds commands", no_args_is_help=True)
