"""Frozen baseline (commit 7ffabeb), the rows of stories: a rule's match of an article, opening and extending a story, its counts.

Every function works inside the caller's transaction (``vigie.stories.batch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from vigie.common.times import utc
from vigie.models import Article, Match, Span
from bench.stories_baseline import schema as t
from vigie.store.sql import insert_ignore, insert_new
from bench.stories_baseline.features import Features
from bench.stories_baseline.joining import StoredStory


@dataclass(frozen=True)
class StoryCounts:
    articles: int
    sources: int  # distinct sources of its articles, copies included


def record_match(conn: Connection, canonical: str, m: Match, terms: tuple[str, ...], now: datetime) -> bool:
    """Store that ``m.rule_id`` fired on the stored article ``canonical``; False when it already had."""
    spans = [_span_json(s) for s in m.spans]
    return insert_new(
        conn, t.matches,
        dict(article_id=canonical, rule_id=m.rule_id, score=m.score, terms=list(terms), spans=spans, matched_at=now),
    )


def story_of(conn: Connection, article_id: str, rule_id: str) -> int | None:
    """The id of the story of ``rule_id`` holding ``article_id``, if any."""
    sa, s = t.story_articles, t.stories
    sid = conn.execute(
        select(sa.c.story_id).join(s, s.c.id == sa.c.story_id).where(sa.c.article_id == article_id, s.c.rule_id == rule_id)
    ).scalar()
    return None if sid is None else int(sid)


def open_story(conn: Connection, rule_id: str, art: Article, canonical: str, feats: Features) -> int:
    """A new story of ``rule_id`` whose first article is ``art``; its id."""
    published = utc(art.published)
    return int(
        conn.execute(
            t.stories.insert().values(
                rule_id=rule_id, title=art.title, terms=sorted(feats.terms), first_article_id=canonical,
                created_at=published, updated_at=published, article_count=1, source_count=1,
                names=sorted(feats.names), facts=sorted(feats.facts), keywords=sorted(feats.keywords),
                languages=[feats.language], development_count=0, silent_count=0,
            ).returning(t.stories.c.id)
        ).scalar_one()
    )


def extend_story(conn: Connection, story: StoredStory, art: Article, feats: Features, *, development: bool) -> None:
    """Add what ``art`` says (``feats``) to what ``story`` knows, and count it as a development or not."""
    s = t.stories
    conn.execute(
        update(s).where(s.c.id == story.id).values(
            terms=sorted(story.terms | feats.terms),
            names=sorted(story.names | feats.names),
            facts=sorted(story.facts | feats.facts),
            keywords=sorted(story.keywords | feats.keywords),
            languages=sorted(story.languages | {feats.language}),
            updated_at=max(story.updated_at, utc(art.published)),
            development_count=s.c.development_count + (1 if development else 0),
            silent_count=s.c.silent_count + (0 if development else 1),
        )
    )


def add_article(conn: Connection, story_id: int, canonical: str, now: datetime, *, development: bool) -> StoryCounts:
    """Put the stored article ``canonical`` in the story; the story's counts after it."""
    conn.execute(
        insert_ignore(conn, t.story_articles, dict(story_id=story_id, article_id=canonical, added_at=now, development=development))
    )
    return refresh_counts(conn, story_id)


def refresh_counts(conn: Connection, story_id: int) -> StoryCounts:
    """Recount a story's articles and sources (a copy from a new source adds a source)."""
    sa, src = t.story_articles, t.article_sources
    articles = conn.execute(select(func.count()).select_from(sa).where(sa.c.story_id == story_id)).scalar_one()
    sources = conn.execute(
        select(func.count(func.distinct(src.c.source_id))).where(src.c.article_id.in_(select(sa.c.article_id).where(sa.c.story_id == story_id)))
    ).scalar_one()
    conn.execute(update(t.stories).where(t.stories.c.id == story_id).values(article_count=articles, source_count=max(1, sources)))
    return StoryCounts(int(articles), max(1, int(sources)))


def source_ids(conn: Connection, canonical: str) -> tuple[str, ...]:
    """The sources the stored article ``canonical`` came from so far (its copies' included)."""
    src = t.article_sources
    return tuple(conn.execute(select(src.c.source_id).where(src.c.article_id == canonical)).scalars())


def _span_json(s: Span) -> dict[str, object]:
    return {"field": s.field, "start": s.start, "end": s.end, "text": s.text, "term": s.term}
