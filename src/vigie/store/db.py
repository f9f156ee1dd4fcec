"""Engine creation and named, transactional migrations."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from vigie.errors import StoreError
from vigie.store import schema


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)


# Append only: a migration that ran somewhere is never edited, a new one is added.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _initial),
]


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL lets a reader (vigie alerts) run beside a writing run; busy_timeout waits
    # for the other writer instead of failing at once.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
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


def apply_migrations(engine: Engine) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names."""
    applied: list[str] = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two workers starting at once: one migrates, the other waits.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7146)")
        schema.schema_migrations.create(conn, checkfirst=True)
        done = set(conn.execute(select(schema.schema_migrations.c.name)).scalars())
        for name, step in MIGRATIONS:
            if name in done:
                continue
            step(conn)
            conn.execute(schema.schema_migrations.insert().values(name=name, applied_at=datetime.now(timezone.utc)))
            applied.append(name)
    return applied


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
