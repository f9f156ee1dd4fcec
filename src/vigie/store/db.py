"""Engine creation: SQLite connection settings, and the schema brought up to date on connect."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from vigie.errors import StoreError
from vigie.store.migrations import apply_migrations


def _set_wal(cur: DBAPICursor) -> None:
    """Switch the file to WAL. Two processes opening a new store at the same moment race for
    that switch, and SQLite answers the loser "database is locked" at once, without its busy
    handler: wait a little and try again (the winner's switch takes milliseconds)."""
    for attempt in range(200):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets a reader (vigie alerts) run beside a writing run; busy_timeout waits
    # for the other writer instead of failing at once.
    cur.execute("PRAGMA busy_timeout=30000")
    _set_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
    # Let SQLAlchemy's "begin" event (below) open transactions itself: pysqlite's own
    # implicit BEGIN is DEFERRED, and two deferred writers in WAL mode fail with
    # SQLITE_BUSY instead of waiting for each other.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock at the start, so two overlapping runs queue on
    # busy_timeout and each sees what the other committed: the read-then-write in
    # novelty and in delivery claims is then serialized by the database itself.
    # Connections opened with reader() only read, and under WAL need no lock at all.
    if conn.get_execution_options().get("vigie_read_only"):
        conn.exec_driver_sql("BEGIN DEFERRED")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def reader(engine: Engine) -> Connection:
    """A connection for reading only: it does not wait for (or block) a writing run on SQLite."""
    return engine.connect().execution_options(vigie_read_only=True)


def connect(url: str, *, migrate: bool = True) -> Engine:
    """An engine for ``url`` with the schema brought up to date."""
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        if migrate:
            apply_migrations(engine)
        return engine
    except SQLAlchemyError as exc:
        raise StoreError(f"store {engine_url_for_display(url)}: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}") from exc


def engine_url_for_display(url: str) -> str:
    """The store URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as "?"
        return "?"


def table_names(engine: Engine) -> list[str]:
    """The store's tables, sorted."""
    return sorted(inspect(engine).get_table_names())
