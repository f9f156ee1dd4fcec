"""`vigie alerts`: placeholder, filled in by its own issue."""

import typer

app = typer.Typer(help="alerts commands", no_args_is_help=True)
