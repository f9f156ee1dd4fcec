"""Retention: forget articles first seen more than ``config.retention`` ago, and alerts
created more than ``config.alert_retention`` ago.

Articles go with their matches, sources and MinHash buckets; a story goes when its
last article has gone. Alerts outlive their articles (they carry their own copy of what
they showed, ``alerts.payload``) for ``alert_retention``, then go with their deliveries;
an alert with a delivery still pending stays until it is sent or given up, whatever its age.

``vigie.delivery.record.record`` calls ``purge_in`` and ``purge_alerts_in`` at the start of
its transaction, so retention needs no separate job; ``purge`` is the same for use on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, exists, select

from vigie.store import schema as t


@dataclass(frozen=True)
class PurgeReport:
    articles: int
    stories: int
    alerts: int = 0


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
    conn.execute(delete(t.story_rules).where(t.story_rules.c.story_id.in_(empty)))
    n_stories = conn.execute(delete(t.stories).where(t.stories.c.id.in_(empty))).rowcount or 0
    return PurgeReport(n_articles, n_stories)


def purge_alerts_in(conn: Connection, cutoff: datetime) -> int:
    """Delete, inside the caller's transaction, alerts created before ``cutoff`` with their
    deliveries, except an alert that still has a pending delivery; the number of alerts gone."""
    pending = exists().where(t.deliveries.c.alert_id == t.alerts.c.id, t.deliveries.c.status == "pending")
    old = select(t.alerts.c.id).where(t.alerts.c.created_at < cutoff, ~pending)
    # Deliveries first and explicitly, as for articles: SQLite cascades only with foreign_keys=ON.
    conn.execute(delete(t.deliveries).where(t.deliveries.c.alert_id.in_(old)))
    return conn.execute(delete(t.alerts).where(t.alerts.c.created_at < cutoff, ~pending)).rowcount or 0


def purge(engine: Engine, now: datetime, retention: timedelta, alert_retention: timedelta | None = None) -> PurgeReport:
    """Forget articles first seen before ``now - retention``, and alerts created before
    ``now - alert_retention`` when it is given (one transaction)."""
    with engine.begin() as conn:
        report = purge_in(conn, now - retention)
        if alert_retention is None:
            return report
        return PurgeReport(report.articles, report.stories, purge_alerts_in(conn, now - alert_retention))
