"""The migration runner: a ledger of applied migrations, and one transaction per migration.

The ledger, ``schema_migrations(name, applied_at)``, is the runner's own and is frozen
here like a migration: every store ever made has this very table.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, NamedTuple, Sequence

from sqlalchemy import Column, Connection, DateTime, Engine, MetaData, String, Table, select

# Any constant shared by every vigie process; it names the lock, nothing else.
_ADVISORY_LOCK_KEY = 7146

ledger = Table(
    "schema_migrations",
    MetaData(),
    Column("name", String(200), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


class Migration(NamedTuple):
    name: str
    upgrade: Callable[[Connection], None]


def recorded(conn: Connection) -> set[str]:
    """Names of the migrations the store has recorded (none when it has no ledger yet)."""
    ledger.create(conn, checkfirst=True)
    return set(conn.execute(select(ledger.c.name)).scalars())


def run(engine: Engine, migrations: Sequence[Migration], *, through: str | None = None) -> list[str]:
    """Apply, oldest first, the migrations not yet recorded, up to ``through`` (default: all).

    Each migration runs in the transaction that records it, so a store is always at a
    named step. On PostgreSQL an advisory lock makes a second process starting at the
    same moment wait, then find the work done; on SQLite BEGIN IMMEDIATE does the same.
    """
    names = [m.name for m in migrations]
    if through is not None and through not in names:
        raise ValueError(f"no migration named {through!r}")
    wanted = migrations[: names.index(through) + 1] if through is not None else migrations
    applied: list[str] = []
    while True:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
            done = recorded(conn)
            pending = [m for m in wanted if m.name not in done]
            if not pending:
                return applied
            step = pending[0]
            step.upgrade(conn)
            conn.execute(ledger.insert().values(name=step.name, applied_at=datetime.now(timezone.utc)))
            applied.append(step.name)
