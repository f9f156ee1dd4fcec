"""How much ``vigie`` says: ``-q`` (errors only), the default, ``-v`` (what it does), ``--debug`` (everything).

    vigie -q run        errors only: no summary unless something failed, logs from ERROR up
    vigie run           the summary; vigie's and Prefect's warnings
    vigie -v run        also vigie's and Prefect's INFO logs, and apprise's own (secrets masked)
    vigie --debug run   vigie's DEBUG logs, and the traceback behind every one-line error

The level is chosen by the top-level options, for one command; the Prefect part goes through
the environment (``PREFECT_LOGGING_LEVEL``, set by the commands that start Prefect) so that
flow-run processes follow it.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

import typer


class Level(IntEnum):
    QUIET = -1
    NORMAL = 0
    VERBOSE = 1
    DEBUG = 2


_LOG_LEVELS = {Level.QUIET: logging.ERROR, Level.NORMAL: logging.WARNING, Level.VERBOSE: logging.INFO,
               Level.DEBUG: logging.DEBUG}
_chosen = Level.NORMAL
_HANDLER_NAME = "vigie-cli"


def choose(*, quiet: bool = False, verbose: bool = False, debug: bool = False) -> Level:
    """Set the level from the top-level options; ``-q`` with ``-v`` or ``--debug`` is a usage error.

    Call ``reset`` when the command is over (the CLI registers it on its context): tests run
    many commands in one process, and a level must not outlive its command.
    """
    global _chosen
    if quiet and (verbose or debug):
        raise typer.BadParameter("-q/--quiet says errors only; it cannot go with -v/--verbose or --debug")
    _chosen = Level.DEBUG if debug else Level.VERBOSE if verbose else Level.QUIET if quiet else Level.NORMAL
    _configure_logging(_chosen)
    return _chosen


def reset() -> None:
    """Back to the default: the ``vigie`` logger as it was before ``choose``."""
    global _chosen
    _chosen = Level.NORMAL
    _configure_logging(Level.NORMAL)


def level() -> Level:
    """The level chosen for this process (NORMAL until ``choose`` is called)."""
    return _chosen


def quiet() -> bool:
    return _chosen is Level.QUIET


def verbose() -> bool:
    """``-v`` or ``--debug``: show Prefect's task logs and apprise's own."""
    return _chosen >= Level.VERBOSE


def debugging() -> bool:
    return _chosen is Level.DEBUG


def explain(exc: BaseException) -> None:
    """Under ``--debug``, print the traceback behind a one-line error (to stderr); otherwise nothing."""
    if debugging():
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


@contextmanager
def reported_by_the_command(*loggers: str) -> Iterator[None]:
    """While a command prints these loggers' problems itself (``feeds check`` prints each fetch error
    on its feed's line), their warnings are not printed a second time; ``-v`` and ``--debug`` keep them."""
    if verbose():
        yield
        return
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in loggers]
    for log, _ in saved:
        log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for log, previous in saved:
            log.setLevel(previous)


def _configure_logging(chosen: Level) -> None:
    """Quiet raises the ``vigie`` logger to ERROR; -v and --debug lower it and give it a stderr handler of its
    own (not propagated: Prefect's console handler on the root logger would print each record twice).
    The default leaves it alone: warnings reach whatever prints them (Prefect's console, or Python's last resort)."""
    log = logging.getLogger("vigie")
    for handler in [h for h in log.handlers if h.get_name() == _HANDLER_NAME]:
        log.removeHandler(handler)
    log.propagate = True
    log.setLevel(_LOG_LEVELS[chosen] if chosen is not Level.NORMAL else logging.NOTSET)
    if chosen >= Level.VERBOSE:
        handler = logging.StreamHandler()  # this command's stderr (a test runner's, under CliRunner)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
