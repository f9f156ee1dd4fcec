"""The parse and normalize batches on Dask workers (``executor: dask``, ``executor: dask://host:8786``).

The same batches as ``vigie.runtime.processes`` cuts, the same worker functions (``parse_batch``,
``normalize_batch``), the results put back in the batches' order: the articles are those of one
process. What changes is who runs a batch: the workers of a ``LocalCluster`` this process starts
(``executor: dask``: worker processes, one thread each, no dashboard) or those of a running
``distributed`` scheduler (``dask://host:8786``), on any machine that has vigie installed.

The client, and the LocalCluster, are kept for the life of the process, as the process pool is:
``vigie serve`` starts its cluster once. A flow run of ``prefect worker start`` is a process of its
own, so there the LocalCluster starts with each run; a scheduler address costs a connection.

A scheduler that does not answer (or has no worker, or drops the connection mid-run) raises
``ExecutorUnavailable``, naming the address; the caller runs the stage in its own process with a warning
(``processes._on_executor``): the alerts still go out, later, and the warning is in the run's log.
A scheduler found out of reach is not asked again for a minute (the normalize stage does not wait
for it as the parse stage did).
A worker that dies on a batch (Dask retries a task ``allowed-failures`` times, then gives up with
``KilledWorker``) makes that batch run again one source at a time, as with the process pool.

Dask's own code is imported here only: vigie without the ``dask`` extra never imports it.

May import: ``vigie.common``, ``vigie.runtime.warm``, ``dask``, ``distributed``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from vigie.common.executor import ExecutorConfig
from vigie.errors import ExecutorUnavailable
from vigie.runtime.warm import warm_stages

log = logging.getLogger(__name__)

CONNECT_SECONDS = 10  # a scheduler that has not answered by then is taken as down (Dask's own default is 30 s)
WORKERS_SECONDS = 20  # a scheduler with no worker after this long cannot run anything
RETRY_SECONDS = 60  # a scheduler found down is not asked again before this: normalize does not wait as parse did

T = TypeVar("T")
R = TypeVar("R")

_clients: dict[ExecutorConfig, Any] = {}  # executor -> distributed.Client (its LocalCluster on the client)
_down: dict[ExecutorConfig, tuple[float, str]] = {}  # executor -> when it was found out of reach, and why
_lock = threading.Lock()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as error:  # the extra is not installed: a message that says how to get it
        raise ExecutorUnavailable("executor: dask needs Dask: pip install 'vigie[dask]' (dask, distributed)") from error
    return distributed


def _connect(executor: ExecutorConfig) -> Any:
    distributed = _distributed()
    where = executor.address or "a LocalCluster on this machine"
    try:
        if executor.address is not None:
            client = distributed.Client(executor.address, timeout=CONNECT_SECONDS, set_as_default=False)
        else:
            # Worker processes (the stages hold the GIL), one thread each; no dashboard (it needs bokeh); the
            # scheduler on loopback only. Its HTTP server (health, metrics) still starts: on a free port, since 8787,
            # its default, is taken wherever a Dask scheduler runs already (Dask then warns and moves).
            cluster = distributed.LocalCluster(n_workers=executor.worker_count(), threads_per_worker=1, processes=True,
                                               dashboard_address=None, host="127.0.0.1", silence_logs=logging.WARNING,
                                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            client = distributed.Client(cluster, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ExecutorUnavailable(f"the Dask scheduler at {where} does not answer ({error})") from error
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        # Each worker imports feedparser and loads the language model now, not in its first batch (a worker that
        # starts later, replacing one, pays it in its first batch).
        client.run(warm_stages)
    except (OSError, TimeoutError) as error:
        _close(client)
        raise ExecutorUnavailable(f"the Dask scheduler at {where} has no worker ({error})") from error
    log.info("dask: %s, %d worker thread(s)", executor.describe() if executor.address else where, _threads(client))
    return client


def _threads(client: Any) -> int:
    return sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())


def _close(client: Any) -> None:
    cluster = getattr(client, "cluster", None)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    except Exception as error:  # closing something already gone: nothing left to free
        log.debug("dask: closing: %s", error)


def client(executor: ExecutorConfig) -> Any:
    """This process's client for ``executor``, connected (or its LocalCluster started) at first use and kept."""
    with _lock:
        current = _clients.get(executor)
        if current is not None and current.status == "running":
            return current
        if current is not None:
            _close(current)
        found_down = _down.get(executor)
        if found_down is not None and time.monotonic() - found_down[0] < RETRY_SECONDS:
            raise ExecutorUnavailable(found_down[1])
        try:
            current = _clients[executor] = _connect(executor)
        except ExecutorUnavailable as error:
            _down[executor] = (time.monotonic(), str(error))
            raise
        _down.pop(executor, None)
        return current


def start(executor: ExecutorConfig) -> None:
    """Start the LocalCluster now, in the background, so that its workers are up when the parse stage needs them."""
    if executor.kind != "dask" or executor.address is not None:
        return  # a scheduler address costs a connection only: made when the parse stage needs it

    def starting() -> None:
        try:
            client(executor)
        except ExecutorUnavailable:
            pass  # the parse stage tries again, and says why

    threading.Thread(target=starting, name="vigie-dask-start", daemon=True).start()


def shutdown() -> None:
    """Close every client of this process, and the LocalClusters it started (tests, benchmarks)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
        _down.clear()
    for c in clients:
        _close(c)


def run_batches(work: Callable[[list[T]], list[R]], parts: Callable[[int], list[list[T]]],
                executor: ExecutorConfig, died: Callable[[T], R]) -> list[R]:
    """``work`` over every batch of ``parts(worker threads)`` on the Dask workers, results in the batches' order."""
    distributed = _distributed()
    import dask

    running = client(executor)
    where = executor.address or "the LocalCluster"
    try:
        batches = parts(max(1, _threads(running)))
        # Each batch inside its task, not scattered to a worker beforehand: a worker that dies then loses no batch
        # but its own, which the scheduler can run again elsewhere. A batch of a big stage is megabytes: Dask's
        # warning about large graphs is for graphs that should have been scattered, not for this.
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"}):
            futures = [running.submit(work, batch, pure=False) for batch in batches]
        out: list[R] = []
        for batch, future in zip(batches, futures):
            try:
                out.extend(future.result())
            except distributed.KilledWorker:
                out.extend(_one_at_a_time(running, work, batch, died, distributed))
        return out
    except (OSError, TimeoutError, distributed.CancelledError) as error:
        raise ExecutorUnavailable(f"the Dask scheduler at {where} was lost during the stage ({error})") from error


def _one_at_a_time(running: Any, work: Callable[[list[T]], list[R]], batch: Sequence[T], died: Callable[[T], R],
                   distributed: Any) -> list[R]:
    out: list[R] = []
    for item in batch:
        try:
            out.extend(running.submit(work, [item], pure=False).result())
        except distributed.KilledWorker:
            out.append(died(item))
    return out
