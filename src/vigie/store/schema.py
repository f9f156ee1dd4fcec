"""Tables of the store (SQLAlchemy Core), shared by SQLite and PostgreSQL: the head schema.

The queries use these; ``vigie.store.migrations`` builds them, step by step, in every
store. A change here goes with a new migration that makes it (tests/test_migrations.py
checks that a migrated store is exactly this).

Constraints carry the guarantees, not timing: an article id is a primary key,
an alert has a unique ``dedupe_key``, a delivery is unique per (alert, target),
so two overlapping runs cannot record or send the same thing twice.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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

# The migration runner's ledger (vigie.store.migrations.runner creates it).
schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("applied_at", TS, nullable=False),
)

# One row per configured feed: conditional-GET validators and health.
feeds = Table(
    "feeds",
    metadata,
    Column("source_id", String(2000), primary_key=True),
    Column("location", String(2000), nullable=False),  # current URL (a permanent redirect updates it)
    Column("etag", String(1000)),
    Column("last_modified", String(200)),
    Column("last_fetch_at", TS),
    Column("last_success_at", TS),
    Column("last_error", Text),
    Column("last_error_at", TS),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS),
    Column("reported_down", Boolean, nullable=False, default=False),
    Column("entries_seen", Integer, nullable=False, default=0),
    # The lease of the run fetching it now (vigie.ingest.leases), and the cycle that last claimed it.
    Column("claimed_by", String(200)),
    Column("claimed_until", TS),
    Column("cycle_at", TS),
    Index("ix_feeds_cycle_at", "cycle_at"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(600), primary_key=True),
    Column("source_id", String(2000), nullable=False),
    Column("url", String(2000)),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("language", String(16), nullable=False),
    Column("published", TS, nullable=False),
    Column("updated", TS),
    Column("first_seen", TS, nullable=False),
    Column("fingerprint", JSON),  # MinHash signature for near-duplicate detection
    Column("duplicate_of", String(600)),  # canonical article when this one is a near-duplicate
    Index("ix_articles_url", "url"),
    Index("ix_articles_first_seen", "first_seen"),
)

# Locality-sensitive hashing buckets of the MinHash signatures: a near-duplicate
# candidate is an article sharing at least one bucket, found through the index
# instead of comparing with every stored article.
minhash_bands = Table(
    "minhash_bands",
    metadata,
    Column("bucket", String(64), primary_key=True),  # "<band>:<hash of the band's rows>"
    Column("article_id", String(600), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_minhash_bands_article_id", "article_id"),  # retention, and the foreign-key check when an article goes
)

# The same article seen in several sources (syndication).
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
    Column("terms", JSON, nullable=False),  # every entity/term the story has had
    Column("first_article_id", String(600), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("article_count", Integer, nullable=False, default=1),
    Column("source_count", Integer, nullable=False, default=1),
    # What the story already knows, so a later article is a development only when it
    # brings something outside these sets (see vigie.stories.developments).
    Column("names", JSON, nullable=False, default=list),  # proper names seen in titles/ledes, casefolded
    Column("facts", JSON, nullable=False, default=list),  # numbers seen in titles/ledes
    Column("keywords", JSON, nullable=False, default=list),  # content words of titles/ledes (for joining, not for developments)
    Column("languages", JSON, nullable=False, default=list),
    Column("development_count", Integer, nullable=False, default=0),
    Column("silent_count", Integer, nullable=False, default=0),
    # Stories are events across rules and languages (migration 0003): what joining and
    # developments compare, NULL in stories older than that migration.
    Column("entities", JSON),  # canonical entities and names seen in titles/ledes, folded
    Column("entity_counts", JSON),  # {entity: how many of its articles named it}
    Column("events", JSON),  # event classes its articles reported (vigie.stories.events)
    Column("escalated", JSON),  # rules already told that the story grows fast
    Column("last_published", TS),  # publication time of its newest article
    Column("actors", JSON),  # parties that acted or spoke in its articles, folded (migration 0005)
    Index("ix_stories_rule_updated", "rule_id", "updated_at"),
    Index("ix_stories_updated", "updated_at"),
)

# The rules that fired in a story (``stories.rule_id`` is the one that opened it); each
# keeps its own policy: the first article it matched there is its "new story".
story_rules = Table(
    "story_rules",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("rule_id", String(200), primary_key=True),
    Column("first_article_id", String(600), nullable=False),
    Column("added_at", TS, nullable=False),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", String(600), primary_key=True),
    Column("added_at", TS, nullable=False),
    Column("development", Boolean, nullable=False, default=False),
    Index("ix_story_articles_article_id", "article_id"),  # novelty's "which story holds this article", retention
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(800), nullable=False, unique=True),
    Column("rule_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(32), nullable=False, default="info"),
    Column("story_id", Integer),
    Column("article_id", String(600)),
    Column("title", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("digest_due_at", TS),  # when a digest window closes; NULL for immediate alerts
    Index("ix_alerts_created", "created_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(200), nullable=False),
    Column("status", String(16), nullable=False, default="pending"),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", TS),
    Column("claimed_by", String(200)),  # the run that holds it while sending
    Column("claimed_until", TS),
    Column("sent_at", TS),
    UniqueConstraint("alert_id", "target", name="uq_delivery_alert_target"),
    Index("ix_deliveries_status", "status", "next_attempt_at"),
)
