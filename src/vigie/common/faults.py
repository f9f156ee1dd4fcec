"""Fault injection: named points where a run kills itself, for the crash tests.

``fault_point(name)`` does nothing unless the environment variable ``VIGIE_FAULT_AT``
names that point; then the process sends itself SIGKILL, which is what ``kill -9``, the
OOM killer or a power cut do: no exception, no ``finally``, no flush, no rollback sent
to the store. With ``VIGIE_FAULT_SIGNAL=STOP`` it stops instead (SIGSTOP), so that a test
can cut the store while the run is frozen, then let it go on (SIGCONT).

The points, in the order a monitoring cycle reaches them, are ``POINTS``: after each
stage of ``vigie.runtime.cycle``, and ``novelty-commit`` inside the novelty
transaction, everything written and nothing committed yet. With ``executor: processes``, a worker
process kills itself as it takes a source at ``parse-worker:<source id>`` or
``normalize-worker:<source id>``: a feed whose bytes crash the process parsing it.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "VIGIE_FAULT_AT"
SIGNAL_ENV = "VIGIE_FAULT_SIGNAL"

POINTS = (
    "after-rules", "after-fetch", "after-parse", "after-normalize", "after-full-text", "after-match",
    "novelty-commit", "after-novelty", "after-deliver",
)


def fault_point(name: str) -> None:
    """Kill (or stop) this process here when ``VIGIE_FAULT_AT`` names this point; otherwise return at once."""
    if os.environ.get(FAULT_ENV) != name:
        return
    if os.environ.get(SIGNAL_ENV, "KILL").upper() == "STOP":
        os.kill(os.getpid(), signal.SIGSTOP)
        return  # continued (SIGCONT): the run goes on
    os.kill(os.getpid(), signal.SIGKILL)
