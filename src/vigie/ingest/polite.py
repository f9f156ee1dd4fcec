"""Many requests at once, politely: ``total`` worker threads, at most ``per_host`` of them on one host.

Why threads: a poll is mostly waiting on sockets, and a blocking client in a thread costs a
fraction of the CPU of an asyncio client per request (``python -m bench --only lean``: a poll of
1,000 unchanged feeds). The order of the work is kept, and nobody waits while holding a thread:
a job starts only once its host has a free slot, so a thousand feeds of one publisher queue
without stopping the feeds of the others. A job whose redirect leads to another host takes that
host's slot too, waiting for it (``HostSlots.take``) within its own deadline.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class HostSlots:
    """How many requests each host name has now, at most ``per_host``."""

    def __init__(self, per_host: int) -> None:
        self.per_host = max(1, per_host)
        self._used: Counter[str] = Counter()
        self._freed = threading.Condition()

    def try_take(self, host: str) -> bool:
        with self._freed:
            if self._used[host] >= self.per_host:
                return False
            self._used[host] += 1
            return True

    def take(self, host: str, timeout: float) -> bool:
        """A slot of ``host``, waiting at most ``timeout`` seconds for one; False if none came."""
        with self._freed:
            if not self._freed.wait_for(lambda: self._used[host] < self.per_host, timeout=max(0.0, timeout)):
                return False
            self._used[host] += 1
            return True

    def give(self, host: str) -> None:
        with self._freed:
            self._used[host] -= 1
            if self._used[host] <= 0:
                del self._used[host]
            self._freed.notify_all()


def run_politely(items: Sequence[T], host: Callable[[T], str | None], work: Callable[[T], R],
                 slots: HostSlots, total: int) -> list[R]:
    """``work(item)`` for every item (results in the items' order), ``total`` at once at most.

    ``host(item)`` names the host whose slot the item needs (None: none, a local file); the slot is
    taken before the job starts and given back when it ends. ``work`` must not raise. Each job runs in a
    copy of the caller's context: what it logs carries the caller's Prefect run (its logs reach the run).
    """
    results: list[R | None] = [None] * len(items)
    queues: dict[str | None, deque[int]] = {}  # host -> its waiting items, hosts in order of first item
    for i, item in enumerate(items):
        queues.setdefault(host(item), deque()).append(i)

    def job(i: int, name: str | None) -> None:
        try:
            results[i] = work(items[i])
        finally:
            if name is not None:
                slots.give(name)

    workers = max(1, min(total, len(items)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigie-fetch") as pool:
        running: set[Future[None]] = set()
        while queues or running:
            for name in list(queues):
                if len(running) >= workers:
                    break
                waiting = queues[name]
                while waiting and len(running) < workers and (name is None or slots.try_take(name)):
                    running.add(pool.submit(contextvars.copy_context().run, job, waiting.popleft(), name))
                if not waiting:
                    del queues[name]
            if running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()  # a bug in ``work`` surfaces here rather than as a missing result
            elif queues:  # slots shared with another caller, all held: wait for one to free
                time.sleep(0.01)
    return results  # type: ignore[return-value]  # every index was filled
