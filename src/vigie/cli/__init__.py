"""The ``vigie`` command line, one module per command group.

    main     the typer app: run, serve, server, config, and the groups below
    serve    vigie serve and vigie server, and the reuse of a running local Prefect server
    deploy   vigie deploy: prefect.yaml from vigie.yaml, applied with prefect deploy
    common   what every command shares: the one ``--config`` option, loading the configuration
    readable the Typer every group is built from: help with readable metavars, not Python types
    verbosity -q / -v / --debug: how much a command says, for that command only
    dryrun   vigie run --dry-run: what a run would alert, nothing stored or sent
    init     vigie init: the starter vigie.yaml and rule file (shipped in ``starter/``)
    rules    vigie rules check | test | schema
    feeds    vigie feeds check
    alerts   vigie alerts list | show | retry | send

Heavy imports (spaCy, Prefect) happen inside the commands so that ``vigie --help`` answers
at once. May import every package; nothing imports it but ``vigie.__main__``.
"""
