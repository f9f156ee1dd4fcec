"""The store: SQLite by default, PostgreSQL with the same code when the URL says so.

    db           the engine (SQLite pragmas and IMMEDIATE transactions), read-only connections
    migrations/  named migrations, each in its own transaction with its record; 0001 is frozen
    schema       the head schema (SQLAlchemy Core tables) that queries use
    sql          the SQL that SQLite and PostgreSQL write differently (upserts, insert-or-ignore)
    retention    forgetting articles older than ``retention``
    transient    which store errors pass on their own (worth a retry) and which do not

Constraints carry the guarantees (primary keys, unique alert keys, one delivery per alert and
target), not timing. Only feed health, the stories stage, the outbox and delivery touch the
store; matching never does.

May import: ``vigie.errors`` and ``vigie.common``. Every stage may import it.
"""

from vigie.store.db import connect

__all__ = ["connect"]
