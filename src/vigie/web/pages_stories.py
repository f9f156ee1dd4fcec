"""Stories pages: the timeline of each rule's stories (filters: rule, severity, language, dates) and one
story with its articles, each new, development or repeat, and what was new.

The stories and their alerts are ``vigie.delivery.story_view``'s (as ``vigie stories`` prints them); a
story's severity is the highest of the rules that fired in it, as the rule files say now.

May import: vigie.common, vigie.config, vigie.delivery, vigie.rules, vigie.store, vigie.web.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigie.delivery.story_view import StoryLine, get_story, list_stories
from vigie.rules import load_rules
from vigie.store import schema as t
from vigie.store.db import reader
from vigie.web.app import web_of

SEVERITIES = ("info", "low", "medium", "high", "critical")
SHOWN = 500  # stories read for one page, most recently updated first


def at_least(level: str, floor: str) -> bool:
    return SEVERITIES.index(level) >= SEVERITIES.index(floor)


def _day(text: str | None, tz: str, end: bool = False) -> datetime | None:
    """A date field (YYYY-MM-DD) as the start (or the end) of that day in the configured zone."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is None:
        return None
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))
    return (start + timedelta(days=1) if end else start).astimezone(timezone.utc)


def _languages(engine: Engine, ids: Sequence[int]) -> dict[int, list[str]]:
    s = t.stories
    out: dict[int, list[str]] = {}
    with reader(engine) as conn:
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(s.c.id, s.c.languages).where(s.c.id.in_(ids[i:i + 500]))):
                out[r.id] = sorted(r.languages or [])
    return out


async def stories(request: Request) -> Response:
    web = web_of(request)
    q = request.query_params
    rule, severity, language = q.get("rule") or None, q.get("severity") or None, q.get("language") or None
    since, until = _day(q.get("since"), web.config.timezone), _day(q.get("until"), web.config.timezone, end=True)
    severity_of = {lr.id: lr.rule.severity for lr in load_rules(list(web.config.rules)).rules}
    lines = list_stories(web.engine, limit=SHOWN, rule=rule)
    langs = _languages(web.engine, [s.id for s in lines])
    all_languages = sorted({x for v in langs.values() for x in v})
    all_rules = sorted(set(severity_of) | {r for s in lines for r in s.rules})

    def level(s: StoryLine) -> str:
        return max((severity_of.get(r, "info") for r in s.rules), key=SEVERITIES.index, default="info")

    def kept(s: StoryLine) -> bool:
        return ((severity not in SEVERITIES or at_least(level(s), severity))
                and (language is None or language in langs.get(s.id, []))
                and (since is None or s.updated_at >= since) and (until is None or s.created_at < until))

    shown = [s for s in lines if kept(s)]
    by_rule: dict[str, list[StoryLine]] = defaultdict(list)
    for s in shown:
        for r in s.rules:  # under each rule that fired in it (of the severity asked for)
            if (rule is None or r == rule) and (severity not in SEVERITIES or at_least(severity_of.get(r, "info"), severity)):
                by_rule[r].append(s)
    timelines = [(r, severity_of.get(r, "?"), sorted(v, key=lambda s: (s.created_at, s.id), reverse=True))
                 for r, v in sorted(by_rule.items())]
    names = {s.id: s.name or s.id for s in web.config.source_objects()}
    return web.page(request, "stories.html", timelines=timelines, count=len(shown), rules=all_rules, severities=SEVERITIES,
                    languages=all_languages, langs=langs, level=level, names=names,
                    chosen={"rule": rule or "", "severity": severity or "", "language": language or "",
                            "since": q.get("since", ""), "until": q.get("until", "")})


async def story(request: Request) -> Response:
    web = web_of(request)
    found = get_story(web.engine, int(request.path_params["story_id"]))
    if found is None:
        raise HTTPException(404, f"no story #{request.path_params['story_id']} (or retention forgot it)")
    line, steps = found
    articles = t.articles
    with reader(web.engine) as conn:
        rows = conn.execute(select(articles.c.id, articles.c.url).where(articles.c.id.in_([s.article_id for s in steps])))
        urls: dict[str, str | None] = {r.id: r.url for r in rows}
    names = {s.id: s.name or s.id for s in web.config.source_objects()}
    return web.page(request, "story.html", story=line, steps=steps, urls=urls, names=names)


ROUTES = [Route("/", stories, name="stories"), Route("/stories", stories), Route("/stories/{story_id:int}", story, name="story")]
