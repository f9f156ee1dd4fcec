"""The parse and normalize stages over batches of sources in worker processes (``executor: processes``).

Same results, in the same order, as in the run's own process: the sources are cut into contiguous
batches, a worker runs the very same pure stage functions on each (``parse.parse_fetched``,
``normalize.normalize``), and the batches' results are put back in their order. Only the sources
with work go to a worker: bytes to parse, entries to normalize; a 304 or a failed fetch is settled
where it is.

The workers are started with ``spawn``, a fresh interpreter: the run's process holds Prefect's
threads, and a forked copy of a threaded process can deadlock on a lock some thread held. Each
worker pays its start-up once (feedparser and the stage modules imported, the language model
loaded: about 1.3 CPU seconds), and the pool is kept for the life of the process, so ``vigie serve`` pays it
once, not at every run, and never per batch. ``start`` launches them as a run begins, while the
fetch stage waits on the network.

A broken feed is a value, as in one process: ``parse_fetched`` never raises for bad bytes. A source
whose bytes kill its worker (a crash in a C parser, memory exhausted) loses its batch: the pool is
replaced, that batch runs again one source at a time, and the source that kills a worker again
becomes that source's error (parse) or an error in the log with its articles skipped (normalize);
every other source goes on. ``vigie.common.faults`` names the places a test kills a worker:
``parse-worker:<source id>`` and ``normalize-worker:<source id>``.

With ``executor: dask`` the same batches go to Dask's workers instead (``vigie.runtime.dask_cluster``,
imported only then); a cluster that cannot be reached makes the stage run here, with a warning.

May import: ``vigie.common``, ``vigie.models``, ``vigie.ingest``.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TypeVar

from vigie.common.executor import ExecutorConfig
from vigie.common.faults import fault_point
from vigie.errors import ExecutorUnavailable
from vigie.ingest import normalize, parse
from vigie.models import Article, Fetched, Parsed
from vigie.runtime.warm import warm_stages

log = logging.getLogger(__name__)

BATCHES_PER_WORKER = 4  # a few batches each: a worker that drew the big feeds does not hold up the others

T = TypeVar("T")
R = TypeVar("R")

_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def _warm() -> None:
    """Each worker's start-up, once: the imports and the language model a batch would otherwise pay."""
    # Ctrl-C at a terminal reaches the whole foreground process group, workers included: the run's own
    # process decides what it means (`vigie serve` lets the run in flight finish), not a worker dying mid-batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_stages()


def _nothing() -> None:
    """A task that makes the pool start one more worker."""


def pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of ``workers`` worker processes, made at first use and kept."""
    with _lock:
        executor = _pools.get(workers)
        if executor is None:
            executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_warm)
            _pools[workers] = executor
        return executor


def _discard(workers: int, broken: ProcessPoolExecutor) -> None:
    """Forget a broken pool (a worker died); the next use makes a new one."""
    with _lock:
        if _pools.get(workers) is broken:
            del _pools[workers]
    broken.shutdown(wait=False, cancel_futures=True)


def start(executor: ExecutorConfig) -> None:
    """Start the worker processes (or the Dask LocalCluster) now, so that they are ready when the parse stage needs them."""
    if executor.kind == "dask":
        from vigie.runtime import dask_cluster

        dask_cluster.start(executor)
        return
    if executor.kind != "processes":
        return
    workers = executor.worker_count()
    running = pool(workers)
    for _ in range(workers):  # no worker is idle yet: each task makes the pool spawn one
        running.submit(_nothing)


def shutdown() -> None:
    """Stop every worker process of this process, and its Dask clients (tests; the interpreter does it at exit anyway)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for executor in pools:
        executor.shutdown(wait=True, cancel_futures=True)
    import sys

    if "vigie.runtime.dask_cluster" in sys.modules:  # only if Dask was used: never imported otherwise
        sys.modules["vigie.runtime.dask_cluster"].shutdown()


def batches(items: Sequence[T], workers: int) -> list[list[T]]:
    """``items`` cut into contiguous batches of nearly equal size, in their order."""
    count = min(len(items), workers * BATCHES_PER_WORKER)
    if count == 0:
        return []
    size, extra = divmod(len(items), count)
    out, at = [], 0
    for k in range(count):
        step = size + (1 if k < extra else 0)
        out.append(list(items[at:at + step]))
        at += step
    return out


def _run_batches(work: Callable[[list[T]], list[R]], items: Sequence[T], workers: int,
                 died: Callable[[T], R]) -> list[R]:
    """``work`` over ``items`` in batches on the pool, results in the items' order.

    A batch whose worker died runs again one item at a time; an item that kills a worker again
    gets ``died(item)``."""
    running = pool(workers)
    parts = batches(items, workers)
    try:
        futures: list[Future[list[R]]] = [running.submit(work, part) for part in parts]
    except BrokenProcessPool:  # a worker of an earlier call died after its results were in
        _discard(workers, running)
        running = pool(workers)
        futures = [running.submit(work, part) for part in parts]
    out: list[R] = []
    for part, future in zip(parts, futures):
        try:
            out.extend(future.result())
        except BrokenProcessPool:
            out.extend(_one_at_a_time(work, part, workers, died))
    return out


def _on_executor(work: Callable[[list[T]], list[R]], items: Sequence[T], executor: ExecutorConfig,
                 died: Callable[[T], R]) -> list[R]:
    """``_run_batches`` on the worker processes, or the same batches on Dask's workers.

    A Dask cluster that cannot be reached is not a reason to skip the run's alerts: the stage runs here,
    in order, with a warning naming the scheduler (the run's log, Prefect's UI)."""
    if executor.kind != "dask":
        return _run_batches(work, items, executor.worker_count(), died)
    from vigie.runtime import dask_cluster

    try:
        return dask_cluster.run_batches(work, lambda workers: batches(items, workers), executor, died)
    except ExecutorUnavailable as error:
        log.warning("%s; this stage runs in the run's own process instead", error)
        return work(list(items))


def _one_at_a_time(work: Callable[[list[T]], list[R]], part: list[T], workers: int, died: Callable[[T], R]) -> list[R]:
    out: list[R] = []
    for item in part:
        running = pool(workers)
        try:
            out.extend(running.submit(work, [item]).result())
        except BrokenProcessPool:
            _discard(workers, running)
            running = pool(workers)
            try:
                out.extend(running.submit(work, [item]).result())  # the first death may have been another item's
            except BrokenProcessPool:
                _discard(workers, running)
                out.append(died(item))
    return out


# --- what a worker runs -------------------------------------------------------------------------

def parse_batch(batch: list[Fetched]) -> list[Parsed]:
    """The parse stage's function on each source of a batch, in a worker."""
    out = []
    for fetched in batch:
        fault_point(f"parse-worker:{fetched.source.id}")
        out.append(parse.parse_fetched(fetched))
    return out


def normalize_batch(batch: list[Parsed], now: datetime) -> list[list[Article]]:
    """The normalize stage's function on each source of a batch, in a worker: one list of articles per source."""
    out = []
    for parsed in batch:
        fault_point(f"normalize-worker:{parsed.source.id}")
        out.append(normalize.normalize(parsed, now))
    return out


# --- the stages ----------------------------------------------------------------------------------

def parse_all(fetched: Sequence[Fetched], executor: ExecutorConfig) -> list[Parsed]:
    """``parse_fetched`` of every source, in order: in this process, or over the worker processes."""
    if executor.kind == "local":
        return [parse.parse_fetched(f) for f in fetched]
    work = [i for i, f in enumerate(fetched) if f.status == "ok" and f.documents]
    out: list[Parsed | None] = [None] * len(fetched)
    for i, f in enumerate(fetched):
        if f.status != "ok" or not f.documents:
            out[i] = parse.parse_fetched(f)  # nothing to parse: a 304 or a failed fetch

    def died(f: Fetched) -> Parsed:
        log.error("%s: the worker process parsing it died; source skipped", f.source.id)
        return Parsed(source=f.source, error=f"{f.source.id}: the worker process parsing this feed died "
                                             "(a crash or memory exhausted while parsing it)")

    if work:
        log.info("parse: %d source(s) over %s", len(work), executor.describe())
        done = _on_executor(parse_batch, [fetched[i] for i in work], executor, died)
        for i, parsed in zip(work, done):
            out[i] = parsed
    return [p for p in out if p is not None]


def normalize_all(parsed: Sequence[Parsed], now: datetime, executor: ExecutorConfig) -> list[Article]:
    """The articles of every parsed source, in order: in this process, or over the worker processes."""
    if executor.kind == "local":
        return [article for p in parsed for article in normalize.normalize(p, now)]
    work = [p for p in parsed if p.entries]

    def died(p: Parsed) -> list[Article]:
        log.error("%s: the worker process normalizing its %d entries died; its articles are skipped this run",
                  p.source.id, len(p.entries))
        return []

    if not work:
        return []
    log.info("normalize: %d source(s) over %s", len(work), executor.describe())
    per_source = _on_executor(functools.partial(normalize_batch, now=now), work, executor, died)
    return [article for articles in per_source for article in articles]
