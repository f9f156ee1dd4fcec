"""`python -m vigie` is the `vigie` command."""

from vigie.cli.main import main

main()
