"""SQL that SQLite and PostgreSQL write differently, written once for both."""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import Connection, Table


def upsert(conn: Connection, table: Table) -> Any:
    """An INSERT of ``table`` that can take ``.on_conflict_do_update``/``_nothing``, in the connection's dialect."""
    if conn.dialect.name == "postgresql":  # imported with the first statement: SQLite's store never loads it
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, object] | None = None) -> Any:
    """An INSERT that does nothing on a unique conflict, for SQLite and PostgreSQL alike.

    Without ``values`` the statement is for executemany: ``conn.execute(stmt, rows)``."""
    stmt = upsert(conn, table)
    return (stmt.values(values) if values is not None else stmt).on_conflict_do_nothing()


def insert_new(conn: Connection, table: Table, values: Mapping[str, object]) -> bool:
    """Insert one row unless it conflicts; True when it was inserted.

    RETURNING, not ``rowcount``: psycopg reports -1 for ``ON CONFLICT DO NOTHING``.
    """
    first_pk = list(table.primary_key.columns)[0]
    return conn.execute(insert_ignore(conn, table, values).returning(first_pk)).first() is not None
