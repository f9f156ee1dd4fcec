"""Named migrations of the store, oldest first.

Append only: a migration that ran somewhere is never edited; a change is a new
migration, and ``vigie.store.schema`` (the head, used by queries) is updated to match.
A migration never imports ``vigie.store.schema``: it builds on its own frozen
definitions, so a fresh store and a years-old one go through the very same steps.
"""

from __future__ import annotations

from sqlalchemy import Engine

from vigie.store.migrations import (
    m0001_initial, m0002_article_id_indexes, m0003_event_stories, m0004_feed_leases, m0005_story_actors,
)
from vigie.store.migrations.runner import Migration, run

MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", m0001_initial.upgrade),
    Migration("0002_article_id_indexes", m0002_article_id_indexes.upgrade),
    Migration("0003_event_stories", m0003_event_stories.upgrade),
    Migration("0004_feed_leases", m0004_feed_leases.upgrade),
    Migration("0005_story_actors", m0005_story_actors.upgrade),
)


def apply_migrations(engine: Engine, *, through: str | None = None) -> list[str]:
    """Bring the store up to ``through`` (default: the head); return the names applied now."""
    return run(engine, MIGRATIONS, through=through)


__all__ = ["MIGRATIONS", "Migration", "apply_migrations"]
