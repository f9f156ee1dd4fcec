"""The rows of stories: a rule's match of an article, opening and extending a story, its rules and counts.

Every function works inside the caller's transaction (``vigie.stories.batch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Connection, func, select, update

from vigie.common.times import utc
from vigie.models import Article, Match, Span
from vigie.store import schema as t
from vigie.store.sql import insert_ignore, insert_new
from vigie.stories.features import Features
from vigie.stories.joining import StoredStory


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


def story_holding(conn: Connection, article_id: str) -> StoredStory | None:
    """The story holding the stored article ``article_id``, if any (the newest, for stores
    from before stories spanned rules, where one article could be in several)."""
    sa, s = t.story_articles, t.stories
    row = conn.execute(
        select(s).join(sa, s.c.id == sa.c.story_id).where(sa.c.article_id == article_id).order_by(s.c.id.desc()).limit(1)
    ).first()
    return None if row is None else StoredStory.from_row(row)


def add_rule(conn: Connection, story_id: int, rule_id: str, canonical: str, now: datetime) -> bool:
    """Record that ``rule_id`` fired in the story; True when it is the rule's first article there."""
    return insert_new(conn, t.story_rules, dict(story_id=story_id, rule_id=rule_id, first_article_id=canonical, added_at=now))


def rules_of(conn: Connection, story_id: int) -> list[str]:
    """The rules that fired in the story so far."""
    sr = t.story_rules
    return sorted(conn.execute(select(sr.c.rule_id).where(sr.c.story_id == story_id)).scalars())


def open_story(conn: Connection, rule_id: str, art: Article, canonical: str, feats: Features) -> int:
    """A new story, opened by ``rule_id``, whose first article is ``art``; its id."""
    published = utc(art.published)
    return int(
        conn.execute(
            t.stories.insert().values(
                rule_id=rule_id, title=art.title, terms=sorted(feats.terms), first_article_id=canonical,
                created_at=published, updated_at=published, article_count=1, source_count=1,
                names=sorted(feats.names), facts=sorted(feats.facts | feats.numbers | feats.told_facts), keywords=sorted(feats.keywords),
                languages=[feats.language], development_count=0, silent_count=0,
                entities=sorted(feats.entities), events=sorted(feats.events | feats.told_events), escalated=[], last_published=published,
                entity_counts={e: 1 for e in sorted(feats.entities)}, actors=sorted(feats.acted),
            ).returning(t.stories.c.id)
        ).scalar_one()
    )


def extend_story(conn: Connection, story: StoredStory, art: Article, feats: Features, *, development: bool) -> None:
    """Add what ``art`` says (``feats``) to what ``story`` knows, and count it as a development or not."""
    s = t.stories
    published = utc(art.published)
    conn.execute(
        update(s).where(s.c.id == story.id).values(
            terms=sorted(story.terms | feats.terms),
            names=sorted(story.names | feats.names),
            facts=sorted(story.facts | feats.facts | feats.numbers | feats.told_facts),
            keywords=sorted(story.keywords | feats.keywords),
            languages=sorted(story.languages | {feats.language}),
            entities=sorted(story.entities | feats.entities),
            entity_counts=_counted([story.entity_counts, {e: 1 for e in feats.entities}]),
            events=sorted(story.events | feats.events | feats.told_events),
            actors=sorted(story.actors | feats.acted),
            updated_at=max(story.updated_at, published),
            created_at=min(story.created_at, published),
            last_published=max(story.last_published or story.updated_at, published),
            development_count=s.c.development_count + (1 if development else 0),
            silent_count=s.c.silent_count + (0 if development else 1),
        )
    )


def merge_stories(conn: Connection, into: StoredStory, others: list[StoredStory]) -> StoredStory:
    """Fold ``others`` into ``into`` (their articles, rules, features and alerts); the merged story.

    Two stories of one event arise when a later article, fetched first, opened its
    own; an article that belongs to both shows they are one.
    """
    if not others:
        return into
    s, sa, sr = t.stories, t.story_articles, t.story_rules
    ids = [o.id for o in others]
    for other in ids:  # one at a time: stores from before 0003 may hold an article in several stories
        held = sa.alias("held")
        conn.execute(sa.delete().where(sa.c.story_id == other,
                                       sa.c.article_id.in_(select(held.c.article_id).where(held.c.story_id == into.id))))
        conn.execute(update(sa).where(sa.c.story_id == other).values(story_id=into.id))
    have = set(conn.execute(select(sr.c.rule_id).where(sr.c.story_id == into.id)).scalars())
    for row in conn.execute(select(sr).where(sr.c.story_id.in_(ids)).order_by(sr.c.added_at)).all():
        if row.rule_id not in have:
            have.add(row.rule_id)
            conn.execute(sr.insert().values(story_id=into.id, rule_id=row.rule_id, first_article_id=row.first_article_id,
                                            added_at=row.added_at))
    conn.execute(sr.delete().where(sr.c.story_id.in_(ids)))
    conn.execute(update(t.alerts).where(t.alerts.c.story_id.in_(ids)).values(story_id=into.id))
    every = [into, *others]
    merged = StoredStory(
        id=into.id, title=into.title, terms=frozenset().union(*(x.terms for x in every)),
        names=frozenset().union(*(x.names for x in every)), facts=frozenset().union(*(x.facts for x in every)),
        keywords=frozenset().union(*(x.keywords for x in every)), languages=frozenset().union(*(x.languages for x in every)),
        updated_at=max(x.updated_at for x in every), created_at=min(x.created_at for x in every),
        entities=frozenset().union(*(x.entities for x in every)), events=frozenset().union(*(x.events for x in every)),
        last_published=max((x.last_published or x.updated_at) for x in every),
        entity_counts=_counted([x.entity_counts for x in every]), articles=sum(x.articles for x in every),
        actors=frozenset().union(*(x.actors for x in every)),
    )
    conn.execute(update(s).where(s.c.id == into.id).values(
        terms=sorted(merged.terms), names=sorted(merged.names), facts=sorted(merged.facts), keywords=sorted(merged.keywords),
        languages=sorted(merged.languages), entities=sorted(merged.entities), events=sorted(merged.events),
        updated_at=merged.updated_at, created_at=merged.created_at, last_published=merged.last_published,
        entity_counts=dict(merged.entity_counts), actors=sorted(merged.actors),
        development_count=s.c.development_count + sum(o_dev for o_dev in _counts(conn, ids, s.c.development_count)),
        silent_count=s.c.silent_count + sum(_counts(conn, ids, s.c.silent_count)),
    ))
    conn.execute(s.delete().where(s.c.id.in_(ids)))
    return merged


def _counted(counts: "list[Mapping[str, int]]") -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for key, n in c.items():
            out[key] = out.get(key, 0) + n
    return dict(sorted(out.items()))


def _counts(conn: Connection, ids: list[int], column: Any) -> list[int]:
    return [int(x or 0) for x in conn.execute(select(column).where(t.stories.c.id.in_(ids))).scalars()]


def first_article(conn: Connection, story_id: int, canonical: str, now: datetime) -> StoryCounts:
    """Put the first article, stored just now from one source, in the story opened for it."""
    conn.execute(t.story_articles.insert().values(story_id=story_id, article_id=canonical, added_at=now, development=False))
    return StoryCounts(1, 1)


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


def independent_sources(conn: Connection, story_id: int, since: datetime) -> int:
    """Distinct sources of the story's own articles (not syndicated copies) published since ``since``."""
    sa, a = t.story_articles, t.articles
    return int(conn.execute(
        select(func.count(func.distinct(a.c.source_id))).join(sa, sa.c.article_id == a.c.id)
        .where(sa.c.story_id == story_id, a.c.published >= since)
    ).scalar_one())


def mark_escalated(conn: Connection, story_id: int, rule_id: str) -> bool:
    """Remember that ``rule_id`` was told the story grows fast; False when it already was."""
    s = t.stories
    done = conn.execute(select(s.c.escalated).where(s.c.id == story_id)).scalar() or []
    if rule_id in done:
        return False
    conn.execute(update(s).where(s.c.id == story_id).values(escalated=sorted({*done, rule_id})))
    return True


@dataclass(frozen=True)
class TimelineEntry:
    """One article of a story, for ``vigie alerts show``."""

    published: datetime
    source_id: str
    title: str
    development: bool
    article_id: str


def timeline(conn: Connection, story_id: int) -> list[TimelineEntry]:
    """The story's articles in publication order, each marked whether it was a development."""
    sa, a = t.story_articles, t.articles
    rows = conn.execute(
        select(a.c.id, a.c.published, a.c.source_id, a.c.title, sa.c.development).join(sa, sa.c.article_id == a.c.id)
        .where(sa.c.story_id == story_id).order_by(a.c.published, a.c.id)
    ).all()
    return [TimelineEntry(utc(r.published), r.source_id, r.title, bool(r.development), r.id) for r in rows]


def source_ids(conn: Connection, canonical: str) -> tuple[str, ...]:
    """The sources the stored article ``canonical`` came from so far (its copies' included)."""
    src = t.article_sources
    return tuple(conn.execute(select(src.c.source_id).where(src.c.article_id == canonical)).scalars())


def _span_json(s: Span) -> dict[str, object]:
    return {"field": s.field, "start": s.start, "end": s.end, "text": s.text, "term": s.term}
