"""The store: SQLite by default, PostgreSQL with the same code when the URL says so.

Only the novelty stage, the outbox, delivery and feed health touch it; matching never does.
"""

from vigie.store.db import connect

__all__ = ["connect"]
