"""Leave a ``vigie`` process that imported Prefect without Python's final teardown.

Once a command is done and every ``atexit`` handler has run (Prefect flushed the run's events
and logs when Python's threads shut down, the temporary server was stopped, ``logging`` flushed),
the interpreter still frees its modules and objects one by one: with Prefect's client loaded,
1.4 to 2 s on a 2-core machine at load 7, 0.4 s on a quiet one (bench/bench_startup.py), for
nothing anyone sees. ``install`` registers, before anything else of vigie's, a last ``atexit``
handler that flushes the standard streams and ends the process with the command's exit code.
Processes that did not import Prefect end as usual.

Only the ``vigie`` entry point installs it (never a test calling the Typer app in-process).
Imports: the standard library only.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys

_code = {"exit": 1}  # an uncaught exception: Python has printed its traceback, the status is 1


def record(code: object) -> None:
    """The exit status ``SystemExit(code)`` stands for (None: 0; a message: 1, Python prints it)."""
    _code["exit"] = 0 if code is None else code if isinstance(code, int) else 1


def _end() -> None:
    if "prefect" not in sys.modules:
        return  # a light process: the usual teardown costs nothing
    logging.shutdown()  # registered with atexit before this handler, so it would run after it
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: nothing more can be said there
    os._exit(_code["exit"])


def install() -> None:
    """Register the quick exit; call first thing in the entry point (``atexit`` runs handlers last-in, first-out)."""
    atexit.register(_end)
