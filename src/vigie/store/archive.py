"""The archive: stored articles read back as ``Article`` values, in the batches runs recorded them.

A run records every article it sees with ``first_seen`` set to the run's start, so the
articles sharing a ``first_seen`` are one run's batch, and replaying the batches in that
order replays the runs (``vigie rules backtest``). What a batch held is rebuilt from
what the store keeps within retention: each article row (title, summary, body,
language, dates; a near or URL duplicate has a row of its own, with ``duplicate_of``),
and each copy seen under the same id in another source, which only left a row in
``article_sources`` and is rebuilt with the stored article's text and its own source
and URL. Authors and tags are not stored: the matcher reads none of them.

May import: vigie.common, vigie.models, vigie.store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterator

from sqlalchemy import Connection, select

from vigie.common.times import utc
from vigie.models import Article
from vigie.store import schema as t


@dataclass(frozen=True)
class Stored:
    """One article as a run saw it: ``group`` is the stored article it is (its own id, or the one it copies)."""

    article: Article
    group: str
    copy: bool = False  # rebuilt from article_sources: the same id seen in another source


@dataclass(frozen=True)
class Batch:
    """The articles one run recorded, at that run's start (``now``)."""

    now: datetime
    items: tuple[Stored, ...]


def read_batches(conn: Connection, since: datetime | None = None) -> list[Batch]:
    """Every batch first seen at or after ``since`` (all when None), oldest first; within a
    batch, stored articles before the copies rebuilt for them, each kind in id order."""
    a, src = t.articles, t.article_sources
    query = select(a.c.id, a.c.source_id, a.c.url, a.c.title, a.c.summary, a.c.body, a.c.language, a.c.published,
                   a.c.updated, a.c.first_seen, a.c.duplicate_of).order_by(a.c.first_seen, a.c.id)
    if since is not None:
        query = query.where(a.c.first_seen >= since)
    by_now: dict[datetime, list[Stored]] = defaultdict(list)
    rows: dict[str, Article] = {}
    explained: set[tuple[str, str]] = set()  # (stored article, source) pairs an article row accounts for
    for r in conn.execute(query):
        art = Article(id=r.id, source_id=r.source_id, url=r.url, title=r.title, summary=r.summary or "", body=r.body or "",
                      language=r.language, published=utc(r.published), updated=utc(r.updated))
        group = r.duplicate_of or r.id
        rows[r.id] = art
        explained.add((group, r.source_id))
        by_now[utc(r.first_seen)].append(Stored(art, group))
    copies = select(src.c.article_id, src.c.source_id, src.c.url, src.c.first_seen).order_by(src.c.first_seen, src.c.article_id)
    if since is not None:
        copies = copies.where(src.c.first_seen >= since)
    for r in conn.execute(copies):
        original = rows.get(r.article_id)
        if original is None or (r.article_id, r.source_id) in explained:
            continue
        by_now[utc(r.first_seen)].append(Stored(replace(original, source_id=r.source_id, url=r.url), r.article_id, copy=True))
    return [Batch(now, tuple(sorted(items, key=lambda s: (s.copy, s.article.id)))) for now, items in sorted(by_now.items())]


def articles_of(batches: list[Batch]) -> Iterator[Stored]:
    """Every article of ``batches``, in replay order."""
    for b in batches:
        yield from b.items
