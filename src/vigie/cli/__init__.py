"""The ``vigie`` command line, one module per command group.

    main     the typer app: run, serve, server, config, and the groups below
    serve    vigie serve and vigie server, and the reuse of a running local Prefect server
    deploy   vigie deploy: prefect.yaml from vigie.yaml, applied with prefect deploy
    common   what every command shares: the one ``--config`` option, loading the configuration
    init     vigie init: the starter vigie.yaml and rule file (shipped in ``starter/``)
    rules    vigie rules check | test | schema
    feeds    vigie feeds check
    alerts   vigie alerts list | show | retry | send

Heavy imports (spaCy, Prefect) happen inside the commands so that ``vigie --help`` answers
at once. May import every package; nothing imports it but ``vigie.__main__``.
"""
