"""How vigie runs: on top of the stages, beside the command line and ``flows/``.

    prefect_env   before Prefect is imported: telemetry off, time for its server, state under ``data_dir``
    local_server  a local Prefect server for ``vigie serve`` (the ephemeral mode has no scheduler)
    schedule      ``vigie.yaml``'s schedule as Prefect's: an interval on a fixed anchor
    serving       ``vigie serve``'s loop: Prefect's Runner, a run at start, a clean stop
    serve_runs    the served deployment's runs: the run at start, missed slots, one line per run
    deployment    ``prefect.yaml`` generated from ``vigie.yaml`` (``vigie deploy``)
    cycle         the stages in order (``run_cycle``), plain or as the flow's tasks
    processes     parse and normalize over worker processes (``executor: processes``), same results
    dask_cluster  the same batches on Dask's workers (``executor: dask``, ``dask://host:8786``)
    warm          a worker's start-up: feedparser imported, the language model loaded
    summary       ``RunSummary`` and ``StageClock``: what one run did, as data
    summarize     a run's stage outputs turned into its summary, and printed for people

May import every stage; no stage imports it.
"""
