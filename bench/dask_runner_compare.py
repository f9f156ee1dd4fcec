"""Why vigie's Dask executor talks to Dask's client itself rather than through Prefect's DaskTaskRunner.

    python -m bench.dask_runner_compare [--feeds 40]

One process, one measurement each, inside a Prefect flow both times, on the same changed feeds
(bench_parallel's) cut into the same 8 batches, over a Dask LocalCluster of 2 worker processes:

* ``DaskTaskRunner``: the flow's task runner is prefect-dask's, with that LocalCluster; a
  ``parse-batch`` task is mapped over the batches, each batch a task run reported to Prefect's API
  from the Dask worker that runs it; the runner starts its cluster when the flow run starts and
  closes it when the run ends;
* ``executor: dask``: the flow calls ``cycle.parse_all`` as vigie's flow does (one task), which
  hands the batches to Dask's client (``vigie.runtime.dask_cluster``); the cluster's start-up is in
  the figure too, as in a flow run of ``prefect worker start``.

Prefect's API is the temporary local server Prefect starts for a flow run without one (started
before either measurement). Not registered in ``python -m bench``: a one-off comparison behind a
design choice, written down in the README (Performance, table 8).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.bench_parallel import changed_feeds


def main(argv: list[str] | None = None) -> int:
    from vigie.runtime import prefect_env

    # Telemetry off, the temporary server's start-up timeout for a busy machine, Prefect's state in a folder of its own.
    prefect_env.apply(Path(tempfile.mkdtemp(prefix="vigie-dask-compare-")))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=40)
    args = ap.parse_args(argv)

    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect_dask import DaskTaskRunner

    from vigie.common.executor import ExecutorConfig
    from vigie.runtime import cycle, processes
    from vigie.runtime.processes import batches, parse_batch

    fetched = changed_feeds(args.feeds)
    parts = batches(fetched, 2)  # 8 batches, as the executor cuts them for 2 workers
    executor = ExecutorConfig(kind="dask", workers=2)
    parse_task = task(name="parse-batch", cache_policy=NO_CACHE)(parse_batch)
    cluster = {"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}

    @flow(name="warm-up")
    def warm_up() -> None:
        """Starts Prefect's temporary server before anything is timed."""

    @flow(name="dask-task-runner", task_runner=DaskTaskRunner(cluster_kwargs=cluster))
    def with_task_runner() -> int:
        futures = parse_task.map(parts)
        return sum(len(p.entries) for f in futures for p in f.result())

    @flow(name="dask-client")
    def with_client() -> int:
        processes.start(executor)
        return sum(len(p.entries) for p in cycle.parse_all(fetched, executor))

    warm_up()
    figures = []
    for name, run in (("DaskTaskRunner, parse-batch mapped", with_task_runner), ("executor: dask (the client)", with_client)):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        entries = run()
        figures.append((name, time.perf_counter() - t0, entries, load))
        processes.shutdown()
    for name, seconds, entries, load in figures:
        print(f"{name:40s} {seconds:7.1f} s  {entries:,} entries  (load {load:.1f}, {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":  # Dask's workers are spawned: they import this module, and must not run it
    raise SystemExit(main())
