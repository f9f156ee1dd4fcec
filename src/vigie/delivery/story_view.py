"""Stories as an analyst reads them (``vigie stories``): what each is about, its rules, sources and alerts,
and its timeline, each article marked new, development or repeat, with why.

Read-only. The alerts and the state of their deliveries come from the outbox (``list_alerts``), the
timeline from the stories stage's own rows (``story_rows.timeline``); "why" comes from what was
recorded: the rules that matched the article, what its development alert said was new, its copies.

May import: vigie.common, vigie.models, vigie.store, vigie.stories, vigie.delivery.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Connection, Engine, func, select

from vigie.common.times import utc
from vigie.delivery.outbox import AlertLine, list_alerts
from vigie.models import WhatIsNew
from vigie.store import schema as t
from vigie.store.db import reader
from vigie.stories.story_rows import timeline


@dataclass(frozen=True)
class StoryLine:
    id: int
    title: str  # its first headline
    created_at: datetime  # publication time of its first article
    updated_at: datetime
    rules: tuple[str, ...]  # every rule that fired in it, the opening one first
    sources: tuple[str, ...]
    articles: int
    developments: int
    alerts: tuple[AlertLine, ...]  # oldest first


@dataclass(frozen=True)
class Step:
    """One article of a story's timeline."""

    published: datetime
    article_id: str
    title: str
    source_id: str
    mark: str  # "new" (opened the story) | "development" | "repeat"
    why: str
    rules: tuple[str, ...]
    alert_ids: tuple[int, ...]


def list_stories(engine: Engine, *, limit: int = 30, rule: str | None = None) -> list[StoryLine]:
    """The stories most recently updated first; ``rule``: only those where that rule fired."""
    s, sr = t.stories, t.story_rules
    with reader(engine) as conn:
        q = select(s).order_by(s.c.updated_at.desc(), s.c.id.desc()).limit(limit)
        if rule is not None:
            q = q.where(s.c.id.in_(select(sr.c.story_id).where(sr.c.rule_id == rule)))
        rows = conn.execute(q).all()
        return _lines(conn, engine, rows)


def get_story(engine: Engine, story_id: int) -> tuple[StoryLine, list[Step]] | None:
    """One story and its timeline, or None when there is no such story (or retention forgot it)."""
    with reader(engine) as conn:
        row = conn.execute(select(t.stories).where(t.stories.c.id == story_id)).first()
        if row is None:
            return None
        line = _lines(conn, engine, [row])[0]
        return line, _steps(conn, line)


def _lines(conn: Connection, engine: Engine, rows: Sequence[Any]) -> list[StoryLine]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    sr, sa, src, a = t.story_rules, t.story_articles, t.article_sources, t.alerts
    rules: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(select(sr.c.story_id, sr.c.rule_id).where(sr.c.story_id.in_(ids)).order_by(sr.c.added_at, sr.c.rule_id)):
        rules[r.story_id].append(r.rule_id)
    sources: dict[int, set[str]] = defaultdict(set)
    for r in conn.execute(select(sa.c.story_id, src.c.source_id).join(src, src.c.article_id == sa.c.article_id)
                          .where(sa.c.story_id.in_(ids))):
        sources[r.story_id].add(r.source_id)
    alert_ids = list(conn.execute(select(a.c.id).where(a.c.story_id.in_(ids))).scalars())
    alerts: dict[int, list[AlertLine]] = defaultdict(list)
    for ln in sorted(list_alerts(engine, alert_ids=alert_ids, limit=max(len(alert_ids), 1)), key=lambda x: x.alert.id):
        alerts[ln.alert.story_id or 0].append(ln)
    out = []
    for r in rows:
        opener = r.rule_id
        fired = [opener] + [x for x in rules.get(r.id, []) if x != opener]
        out.append(StoryLine(
            id=r.id, title=r.title, created_at=utc(r.created_at), updated_at=utc(r.updated_at),
            rules=tuple(fired), sources=tuple(sorted(sources.get(r.id, set()))),
            articles=int(r.article_count or 0), developments=int(r.development_count or 0),
            alerts=tuple(alerts.get(r.id, [])),
        ))
    return out


def _steps(conn: Connection, story: StoryLine) -> list[Step]:
    entries = timeline(conn, story.id)
    ids = [e.article_id for e in entries]
    m, src = t.matches, t.article_sources
    matched: dict[str, list[str]] = defaultdict(list)
    copies: dict[str, int] = {}
    if ids:
        for r in conn.execute(select(m.c.article_id, m.c.rule_id).where(m.c.article_id.in_(ids)).order_by(m.c.rule_id)):
            matched[r.article_id].append(r.rule_id)
        for r in conn.execute(select(src.c.article_id, func.count()).where(src.c.article_id.in_(ids)).group_by(src.c.article_id)):
            copies[r[0]] = int(r[1])
    by_article: dict[str, list[AlertLine]] = defaultdict(list)
    for ln in story.alerts:
        by_article[ln.alert.article_id or ""].append(ln)
    steps = []
    for n, e in enumerate(entries):
        alerted = by_article.get(e.article_id, [])
        rules = tuple(matched.get(e.article_id, ()))
        if n == 0:
            mark, why = "new", f"opened the story ({', '.join(rules) or 'its rule'} matched)"
        elif e.development:
            mark, why = "development", _what_was_new([ln.alert.payload.new for ln in alerted])
        else:
            mark = "repeat"
            why = ("published before the story began (fetched late)" if e.published < story.created_at
                   else "nothing new to the story: no new name, figure or event")
        if copies.get(e.article_id, 1) > 1:
            why += f"; seen in {copies[e.article_id]} sources"
        steps.append(Step(e.published, e.article_id, e.title, e.source_id, mark, why, rules,
                          tuple(ln.alert.id for ln in alerted)))
    return steps


def _what_was_new(news: Sequence[WhatIsNew]) -> str:
    """What a development brought, as its alert recorded it."""
    for new in news:
        parts = [f"{label} {', '.join(values)}" for label, values in
                 (("names", new.names), ("figures", new.facts), ("events", new.events), ("terms", new.terms)) if values]
        if parts:
            return "new " + "; new ".join(parts)
    return "brought something the story did not have (no alert of its own recorded it)"
