"""0001_initial: the store's first schema, frozen.

These definitions are a copy, never an import, of the tables as the first release
created them: stores in use recorded "0001_initial" against exactly this, so later
changes go into later migrations and into ``vigie.store.schema`` (the head), not here.
Python-side column defaults are left out: they are not part of the DDL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

TS = DateTime(timezone=True)

feeds = Table(
    "feeds",
    metadata,
    Column("source_id", String(2000), primary_key=True),
    Column("location", String(2000), nullable=False),
    Column("etag", String(1000)),
    Column("last_modified", String(200)),
    Column("last_fetch_at", TS),
    Column("last_success_at", TS),
    Column("last_error", Text),
    Column("last_error_at", TS),
    Column("consecutive_failures", Integer, nullable=False),
    Column("next_attempt_at", TS),
    Column("reported_down", Boolean, nullable=False),
    Column("entries_seen", Integer, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(600), primary_key=True),
    Column("source_id", String(2000), nullable=False),
    Column("url", String(2000)),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("published", TS, nullable=False),
    Column("updated", TS),
    Column("first_seen", TS, nullable=False),
    Column("fingerprint", JSON),
    Column("duplicate_of", String(600)),
    Index("ix_articles_url", "url"),
    Index("ix_articles_first_seen", "first_seen"),
)

minhash_bands = Table(
    "minhash_bands",
    metadata,
    Column("bucket", String(64), primary_key=True),
    Column("article_id", String(600), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
)

article_sources = Table(
    "article_sources",
    metadata,
    Column("article_id", String(600), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", String(2000), primary_key=True),
    Column("url", String(2000)),
    Column("first_seen", TS, nullable=False),
)

matches = Table(
    "matches",
    metadata,
    Column("article_id", String(600), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("rule_id", String(200), primary_key=True),
    Column("score", Float, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("spans", JSON, nullable=False),
    Column("matched_at", TS, nullable=False),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("first_article_id", String(600), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("article_count", Integer, nullable=False),
    Column("source_count", Integer, nullable=False),
    Column("names", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("development_count", Integer, nullable=False),
    Column("silent_count", Integer, nullable=False),
    Index("ix_stories_rule_updated", "rule_id", "updated_at"),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", String(600), primary_key=True),
    Column("added_at", TS, nullable=False),
    Column("development", Boolean, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(800), nullable=False, unique=True),
    Column("rule_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(32), nullable=False),
    Column("story_id", Integer),
    Column("article_id", String(600)),
    Column("title", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("digest_due_at", TS),
    Index("ix_alerts_created", "created_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", TS),
    Column("claimed_by", String(200)),
    Column("claimed_until", TS),
    Column("sent_at", TS),
    UniqueConstraint("alert_id", "target", name="uq_delivery_alert_target"),
    Index("ix_deliveries_status", "status", "next_attempt_at"),
)


def upgrade(conn: Connection) -> None:
    # No checkfirst: on a store where this has not run, any of these tables already
    # being there is a surprise to stop on, not to build around.
    metadata.create_all(conn, checkfirst=False)
