"""Retention: forget articles older than ``config.retention``.

Articles, their matches, sources and MinHash buckets go (foreign keys cascade);
stories whose last article is older than the retention go with their links. Alerts
and deliveries stay: they are the record of what was said, and carry their own
copy of what they showed (``alerts.payload``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from vigie.store import schema as t


@dataclass(frozen=True)
class PurgeReport:
    articles: int
    stories: int


def purge(engine: Engine, now: datetime, retention: timedelta) -> PurgeReport:
    """Delete articles first seen, and stories last updated, before ``now - retention``."""
    cutoff = now - retention
    with engine.begin() as conn:
        old = select(t.articles.c.id).where(t.articles.c.first_seen < cutoff)
        # Children first: SQLite only cascades when foreign keys are on, and PostgreSQL
        # does it either way; explicit deletes work on both.
        for table, col in ((t.matches, t.matches.c.article_id), (t.article_sources, t.article_sources.c.article_id),
                           (t.minhash_bands, t.minhash_bands.c.article_id), (t.story_articles, t.story_articles.c.article_id)):
            conn.execute(delete(table).where(col.in_(old)))
        n_articles = conn.execute(delete(t.articles).where(t.articles.c.first_seen < cutoff)).rowcount or 0
        stale = select(t.stories.c.id).where(t.stories.c.updated_at < cutoff)
        conn.execute(delete(t.story_articles).where(t.story_articles.c.story_id.in_(stale)))
        n_stories = conn.execute(delete(t.stories).where(t.stories.c.updated_at < cutoff)).rowcount or 0
    return PurgeReport(n_articles, n_stories)
