"""Retention: forget articles first seen more than ``config.retention`` ago.

Articles go with their matches, sources and MinHash buckets; a story goes when its
last article has gone. Alerts and deliveries stay: they are the record of what was
said, and carry their own copy of what they showed (``alerts.payload``).

``vigie.delivery.record.record`` calls ``purge_in`` at the start of its transaction, so
retention needs no separate job; ``purge`` is the same for use on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, select

from vigie.store import schema as t


@dataclass(frozen=True)
class PurgeReport:
    articles: int
    stories: int


def purge_in(conn: Connection, cutoff: datetime) -> PurgeReport:
    """Delete, inside the caller's transaction, what was first seen before ``cutoff``."""
    old = select(t.articles.c.id).where(t.articles.c.first_seen < cutoff)
    # Children first and explicitly: the same statements work whether or not the
    # database enforces ON DELETE CASCADE (SQLite only does with foreign_keys=ON).
    for table, col in ((t.matches, t.matches.c.article_id), (t.article_sources, t.article_sources.c.article_id),
                       (t.minhash_bands, t.minhash_bands.c.article_id), (t.story_articles, t.story_articles.c.article_id)):
        conn.execute(delete(table).where(col.in_(old)))
    n_articles = conn.execute(delete(t.articles).where(t.articles.c.first_seen < cutoff)).rowcount or 0
    if not n_articles:
        return PurgeReport(0, 0)
    empty = select(t.stories.c.id).where(~t.stories.c.id.in_(select(t.story_articles.c.story_id)))
    n_stories = conn.execute(delete(t.stories).where(t.stories.c.id.in_(empty))).rowcount or 0
    return PurgeReport(n_articles, n_stories)


def purge(engine: Engine, now: datetime, retention: timedelta) -> PurgeReport:
    """Forget articles first seen before ``now - retention`` (one transaction)."""
    with engine.begin() as conn:
        return purge_in(conn, now - retention)
