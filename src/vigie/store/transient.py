"""Which store errors are worth trying again: the ones that pass on their own.

A lost connection, a PostgreSQL server restarting, a serialization failure or deadlock, a
pool that had no connection free, SQLite's "database is locked" from another writer: the same
transaction, run again a few seconds later, may well succeed. A read-only file, a missing
table, a constraint violation or a bug will fail the same way every time: retrying only
delays the error. ``retry_when_transient`` says so in the form of Prefect's
``retry_condition_fn``, for the tasks that write the store (the stages are transactional:
a failed attempt leaves nothing behind).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes of PostgreSQL that pass: connection exceptions (08), transaction
# rollbacks (40: serialization failure, deadlock), a server shutting down or starting, too many clients.
_TRANSIENT_CLASSES = ("08", "40")
_TRANSIENT_CODES = ("57P01", "57P02", "57P03", "53300")
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` is a store error that a later attempt may not meet."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in time
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if isinstance(code, str) and code:
        return code[:2] in _TRANSIENT_CLASSES or code in _TRANSIENT_CODES
    return isinstance(exc, sa_exc.OperationalError) and any(words in str(exc.orig).lower() for words in _SQLITE_BUSY)


def retry_when_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's ``retry_condition_fn``: retry a failed task only when its error is transient."""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the task's own error, to be judged
        return is_transient(exc)
    return False
