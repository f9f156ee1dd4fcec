"""Frozen baseline (commit 7ffabeb): the store tables the baseline's story stage reads and writes.

A copy of those tables of ``vigie.store.schema`` at the frozen commit, so that the baseline
runs on its own fresh SQLite store (``metadata.create_all``) whatever later migrations do to
vigie's own tables.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

TS = DateTime(timezone=True)

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
    Column("fingerprint", JSON),
    Column("duplicate_of", String(600)),
    Index("ix_articles_url", "url"),
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
    Column("article_count", Integer, nullable=False, default=1),
    Column("source_count", Integer, nullable=False, default=1),
    Column("names", JSON, nullable=False, default=list),
    Column("facts", JSON, nullable=False, default=list),
    Column("keywords", JSON, nullable=False, default=list),
    Column("languages", JSON, nullable=False, default=list),
    Column("development_count", Integer, nullable=False, default=0),
    Column("silent_count", Integer, nullable=False, default=0),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", String(600), primary_key=True),
    Column("added_at", TS, nullable=False),
    Column("development", Boolean, nullable=False, default=False),
)
