"""Novelty: is this article new, which story is it part of, and does it deserve an alert?

One call, ``record()``, runs in ONE transaction (which also applies retention,
``vigie.store.retention``) so that what is stored and what is
announced can never disagree (a crash leaves neither, a commit leaves both):

1. identity -- an article already stored under its id, or under its canonical URL,
   is an *exact duplicate*; one whose text has a MinHash similarity of at least
   ``config.novelty.near_duplicate`` with a stored article (syndicated wire copy,
   lightly edited) is a *near duplicate*. Either way it adds a source to the
   article already stored and nothing else happens: ten outlets, one article;
2. stories -- a new matching article joins the story of the same rule that shares
   most of its headline/lede words (one language; a quarter suffices when it also
   shares two of the rule's canonical entities) or at least two of those entities
   (across languages), within ``config.novelty.story_window``
   of the story's last article; otherwise it starts a story;
3. developments -- an article joining a story is a development only when it brings
   something the story lacked: an entity of the rule, a figure, a name in its
   headline, or two names in its lede (``vigie.stories.features``; across languages only
   entities and figures count, names being spelt differently); otherwise it is
   added silently and counted;
4. alerts -- by the rule's policy (``each`` | ``new_story`` | ``developments``), an
   alert and one delivery per routed target are written through ``vigie.delivery.outbox``,
   with the digest window end when the rule collects a digest.

On PostgreSQL an advisory transaction lock makes concurrent ``record()`` calls take
turns (on SQLite the IMMEDIATE transaction does the same), so two workers never open
two stories for one event; the unique keys make a replayed batch record nothing.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Protocol, Sequence

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from vigie.stories import minhash
from vigie.config import Config
from vigie.delivery.digest import window_end
from vigie.errors import StoreError
from vigie.models import Article, Match, RulePolicy, Span
from vigie.common.times import utc
from vigie.delivery.outbox import record_alert
from vigie.delivery.routing import route
from vigie.store.sql import insert_ignore, insert_new
from vigie.store import schema as t
from vigie.store.db import reader
from vigie.store.retention import purge_in
from vigie.stories.features import Features, features, lede, term_words

log = logging.getLogger(__name__)

_PG_NOVELTY_LOCK = 7147
MIN_WORDS_FOR_NEAR_DUPLICATE = 6  # below this, two headlines alike by chance would merge
SAME_LANGUAGE_JOIN = 0.5  # share of the article's headline/lede words already in the story
SAME_LANGUAGE_JOIN_WITH_TERMS = 0.25  # ... when it also shares two or more of the rule's entities
CROSS_LANGUAGE_TERMS = 2  # canonical entities in common to join a story in another language
HEALTH_RULE = "_feed_health"


class HealthEvent(Protocol):
    source_id: str
    kind: str  # "down" | "recovered"
    message: str


@dataclass(frozen=True)
class NoveltyReport:
    """What one ``record()`` call did."""

    new_articles: int = 0
    already_seen: int = 0  # same id from the same source: a re-fetch
    duplicates: int = 0  # same id or canonical URL, from another source
    near_duplicates: int = 0  # same text, lightly edited or syndicated
    new_stories: int = 0
    developments: int = 0
    silent: int = 0  # joined a story without an alert
    alerts: int = 0
    alert_ids: tuple[int, ...] = ()
    purged_articles: int = 0  # forgotten by retention (config.retention)


def record(
    engine: Engine,
    articles: Sequence[Article],
    matches: Sequence[Match],
    policies: Mapping[str, RulePolicy],
    config: Config,
    now: datetime,
    health_events: Sequence[HealthEvent] = (),
) -> NoveltyReport:
    """Store articles, matches, story changes and the resulting alerts in one transaction.

    Every article is stored (unmatched ones too: they are what later copies are
    recognised against); a match whose article is not in ``articles`` is ignored. A
    rule without a policy gets the defaults (alert on new stories and developments,
    immediately, to every target). Calling it again with the same batch records
    nothing new, so a retried task is harmless.
    """
    now = utc(now)  # type: ignore[assignment]
    by_article: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        by_article[m.article_id].append(m)
    names = {s.id: s.name for s in config.source_objects()}
    counts: Counter[str] = Counter()
    alert_ids: list[int] = []
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Per schema: stores living side by side in one database do not wait for each other.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_NOVELTY_LOCK}, hashtext(current_schema()))")
                # Every lookup here is by key. A store filling up faster than autovacuum
                # analyzes it (the first runs) would otherwise get sequential scans of the
                # LSH bucket table for each article: 6 ms instead of 0.1 ms per lookup.
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            purged = purge_in(conn, now - config.retention)
            known = _Known(conn, articles)
            for art in sorted(articles, key=lambda a: (utc(a.published), a.id)):
                canonical, status = _identify(conn, art, config, now, known)
                counts[status] += 1
                if status == "seen":
                    continue
                for m in sorted(by_article.get(art.id, ()), key=lambda x: x.rule_id):
                    policy = policies.get(m.rule_id) or RulePolicy(rule_id=m.rule_id, severity=m.severity, notify=m.notify)
                    ctx = _Ctx(conn, config, now, names, counts, alert_ids)
                    _on_match(ctx, art, canonical, m, policy)
            for event in health_events:
                ctx = _Ctx(conn, config, now, names, counts, alert_ids)
                _on_health(ctx, event)
    except SQLAlchemyError as exc:
        raise StoreError(f"novelty: recording {len(articles)} articles failed: {exc.__class__.__name__}: {exc}") from exc
    return NoveltyReport(
        new_articles=counts["new"],
        already_seen=counts["seen"],
        duplicates=counts["exact"],
        near_duplicates=counts["near"],
        new_stories=counts["new_story"],
        developments=counts["development"],
        silent=counts["silent"],
        alerts=len(alert_ids),
        alert_ids=tuple(alert_ids),
        purged_articles=purged.articles,
    )


@dataclass
class _Ctx:
    conn: Connection
    config: Config
    now: datetime
    source_names: Mapping[str, str]
    counts: Counter[str]
    alert_ids: list[int]


# --- identity --------------------------------------------------------------------


def known_ids(engine: Engine, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the store already holds (e.g. so a full-text page is fetched once, not every poll)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    with reader(engine) as conn:
        for i in range(0, len(wanted), 500):
            found.update(conn.execute(select(t.articles.c.id).where(t.articles.c.id.in_(wanted[i : i + 500]))).scalars())
    return found


def _fingerprint_text(art: Article) -> str:
    return "\n".join(x for x in (art.title, art.summary, art.body) if x)


def _add_source(conn: Connection, canonical: str, art: Article, now: datetime) -> bool:
    return insert_new(conn, t.article_sources, dict(article_id=canonical, source_id=art.source_id, url=art.url, first_seen=now))


class _Known:
    """Which of a batch's ids and URLs the store already holds, read in a few queries up front.

    Inside record()'s transaction nobody else writes (IMMEDIATE on SQLite, the advisory
    lock on PostgreSQL), so the maps stay true as long as this batch's own inserts are
    added to them.
    """

    def __init__(self, conn: Connection, articles: Sequence[Article]) -> None:
        a = t.articles
        self.ids: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        ids = sorted({x.id for x in articles})
        urls = sorted({x.url for x in articles if x.url})
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(a.c.id, a.c.duplicate_of).where(a.c.id.in_(ids[i : i + 500]))):
                self.ids[r.id] = r.duplicate_of or r.id
        for i in range(0, len(urls), 500):
            for r in conn.execute(select(a.c.url, a.c.id, a.c.duplicate_of).where(a.c.url.in_(urls[i : i + 500])).order_by(a.c.id)):
                self.urls.setdefault(r.url, r.duplicate_of or r.id)

    def add(self, art: Article, canonical: str) -> None:
        self.ids.setdefault(art.id, canonical)
        if art.url:
            self.urls.setdefault(art.url, canonical)


def _identify(conn: Connection, art: Article, config: Config, now: datetime, known: _Known) -> tuple[str, str]:
    """The id of the stored article ``art`` is (itself or the one it duplicates), and how it was found:
    "new", "seen" (a re-fetch), "exact" (same id or URL from another source) or "near"."""
    canonical = known.ids.get(art.id)
    if canonical is not None:
        return canonical, ("exact" if _add_source(conn, canonical, art, now) else "seen")
    canonical = known.urls.get(art.url) if art.url else None
    if canonical is not None:
        _insert_article(conn, art, now, sig=None, duplicate_of=canonical)
        known.add(art, canonical)
        return canonical, ("exact" if _add_source(conn, canonical, art, now) else "seen")
    text = _fingerprint_text(art)
    sig = minhash.signature(text) if len(minhash.words(text)) >= MIN_WORDS_FOR_NEAR_DUPLICATE else []
    near = _near_duplicate(conn, sig, config.novelty.near_duplicate) if sig else None
    if near is not None:
        _insert_article(conn, art, now, sig=None, duplicate_of=near)
        known.add(art, near)
        _add_source(conn, near, art, now)
        return near, "near"
    _insert_article(conn, art, now, sig=sig or None, duplicate_of=None)
    known.add(art, art.id)
    _add_source(conn, art.id, art, now)
    if sig:
        # executemany of one cached statement (a multi-VALUES insert is compiled anew each time)
        conn.execute(insert_ignore(conn, t.minhash_bands), [dict(bucket=b, article_id=art.id) for b in minhash.buckets(sig)])
    return art.id, "new"


def _insert_article(conn: Connection, art: Article, now: datetime, *, sig: list[int] | None, duplicate_of: str | None) -> None:
    conn.execute(
        insert_ignore(
            conn,
            t.articles,
            dict(
                id=art.id, source_id=art.source_id, url=art.url, title=art.title, summary=art.summary, body=art.body,
                language=art.language, published=utc(art.published), updated=utc(art.updated), first_seen=now,
                fingerprint=sig, duplicate_of=duplicate_of,
            ),
        )
    )


def _near_duplicate(conn: Connection, sig: list[int], threshold: float) -> str | None:
    """The stored canonical article most similar to ``sig``, if at least ``threshold`` alike."""
    b, a = t.minhash_bands, t.articles
    # Two plain indexed lookups; most articles have no candidate and stop after the first.
    ids = list(conn.execute(select(b.c.article_id).where(b.c.bucket.in_(minhash.buckets(sig))).distinct()).scalars())
    if not ids:
        return None
    best, best_sim = None, 0.0
    for row in conn.execute(select(a.c.id, a.c.fingerprint).where(a.c.id.in_(ids), a.c.duplicate_of.is_(None))):
        sim = minhash.similarity(sig, row.fingerprint or [])
        if sim >= threshold and (sim > best_sim or (sim == best_sim and best is not None and row.id < best)):
            best, best_sim = row.id, sim
    return best


# --- stories ---------------------------------------------------------------------


def _terms_of(m: Match) -> tuple[str, ...]:
    return m.terms or tuple(sorted({s.term for s in m.spans}))


def _on_match(ctx: _Ctx, art: Article, canonical: str, m: Match, policy: RulePolicy) -> None:
    conn = ctx.conn
    inserted = insert_new(
        conn,
        t.matches,
        dict(article_id=canonical, rule_id=m.rule_id, score=m.score, terms=list(_terms_of(m)),
             spans=[_span_json(s) for s in m.spans], matched_at=ctx.now),
    )
    if not inserted:
        # The rule already fired on this article (from another source): its story
        # just counts one more source, silently.
        sid = conn.execute(
            select(t.story_articles.c.story_id)
            .join(t.stories, t.stories.c.id == t.story_articles.c.story_id)
            .where(t.story_articles.c.article_id == canonical, t.stories.c.rule_id == m.rule_id)
        ).scalar()
        if sid is not None:
            _refresh_counts(conn, sid)
        return

    feats = features(art, _terms_of(m))
    published = utc(art.published)
    assert published is not None
    story = _best_story(conn, m.rule_id, feats, published, ctx.config.novelty.story_window)
    news: dict[str, list[str]] = {}
    if story is None:
        sid = conn.execute(
            t.stories.insert().values(
                rule_id=m.rule_id, title=art.title, terms=sorted(feats.terms), first_article_id=canonical,
                created_at=published, updated_at=published, article_count=1, source_count=1,
                names=sorted(feats.names), facts=sorted(feats.facts), keywords=sorted(feats.keywords),
                languages=[feats.language], development_count=0, silent_count=0,
            ).returning(t.stories.c.id)
        ).scalar_one()
        development, kind = False, "new_story"
        ctx.counts["new_story"] += 1
    else:
        sid = story.id
        # A name is new only if the story never had the word at all (as a name, as a
        # plain word, or inside one of the rule's entities: "Jong-un", "South").
        known = set(story.names) | set(story.keywords) | term_words(set(story.terms) | feats.terms)
        new_names = {n for n in feats.names if n not in known and not all(p in known for p in n.split("-"))}
        news = {
            "terms": sorted(feats.terms - set(story.terms)),
            "names": sorted(new_names),
            "facts": sorted(feats.facts - set(story.facts)),
        }
        if feats.language in set(story.languages):
            development = bool(news["terms"] or news["facts"] or (feats.title_names & new_names) or len(new_names) >= 2)
        else:
            # Names are spelt differently across languages ("Poutine", "Putin"): only the
            # rule's canonical entities and figures can tell news from translation.
            news["names"] = []
            development = bool(news["terms"] or news["facts"])
        if not development:
            news = {}
        kind = "development" if development else "silent"
        ctx.counts[kind] += 1
        conn.execute(
            update(t.stories).where(t.stories.c.id == sid).values(
                terms=sorted(set(story.terms) | feats.terms),
                names=sorted(set(story.names) | feats.names),
                facts=sorted(set(story.facts) | feats.facts),
                keywords=sorted(set(story.keywords) | feats.keywords),
                languages=sorted(set(story.languages) | {feats.language}),
                updated_at=max(utc(story.updated_at), published),  # type: ignore[type-var]
                development_count=t.stories.c.development_count + (1 if development else 0),
                silent_count=t.stories.c.silent_count + (0 if development else 1),
            )
        )
    conn.execute(insert_ignore(conn, t.story_articles, dict(story_id=sid, article_id=canonical, added_at=ctx.now, development=development)))
    article_count, source_count = _refresh_counts(conn, sid)

    if policy.alert == "each":
        alert_kind, key = "each", f"each:{m.rule_id}:{canonical}"
    elif kind == "new_story":
        alert_kind, key = "new_story", f"story:{m.rule_id}:{canonical}"
    elif kind == "development" and policy.alert == "developments":
        alert_kind, key = "development", f"dev:{m.rule_id}:{sid}:{canonical}"
    else:
        return
    story_title = conn.execute(select(t.stories.c.title).where(t.stories.c.id == sid)).scalar_one()
    payload = _payload(ctx, art, canonical, m, policy, alert_kind, sid, story_title, article_count, source_count, news)
    try:
        due = window_end(policy.digest, ctx.now, ctx.config.timezone)
    except ValueError as exc:
        log.warning("rule %s: %s; delivering immediately", m.rule_id, exc)
        due = None
    aid = record_alert(
        conn, dedupe_key=key, rule_id=m.rule_id, kind=alert_kind, title=art.title, payload=payload,
        created_at=ctx.now, targets=route(ctx.config, policy.notify or m.notify), severity=policy.severity or m.severity,
        story_id=sid, article_id=canonical, digest_due_at=due,
    )
    if aid is not None:
        ctx.alert_ids.append(aid)


def _best_story(conn: Connection, rule_id: str, feats: Features, published: datetime, window: timedelta):  # type: ignore[no-untyped-def]
    """The open story of ``rule_id`` this article belongs to, or None."""
    s = t.stories
    rows = conn.execute(
        select(s).where(s.c.rule_id == rule_id, s.c.updated_at >= published - window, s.c.created_at <= published + window)
    ).all()
    words = feats.keywords | feats.names
    best, best_score = None, 0.0
    for row in rows:
        known = set(row.keywords) | set(row.names)
        containment = len(words & known) / len(words) if words else 0.0
        shared_terms = len(feats.terms & set(row.terms))
        same_language = feats.language in set(row.languages)
        if same_language:
            joins = containment >= SAME_LANGUAGE_JOIN or (shared_terms >= CROSS_LANGUAGE_TERMS and containment >= SAME_LANGUAGE_JOIN_WITH_TERMS)
        else:
            joins = shared_terms >= CROSS_LANGUAGE_TERMS
        score = containment + 0.25 * shared_terms
        if joins and (score > best_score or (score == best_score and best is not None and row.id < best.id)):
            best, best_score = row, score
    return best


def _refresh_counts(conn: Connection, story_id: int) -> tuple[int, int]:
    sa, src = t.story_articles, t.article_sources
    articles = conn.execute(select(func.count()).select_from(sa).where(sa.c.story_id == story_id)).scalar_one()
    sources = conn.execute(
        select(func.count(func.distinct(src.c.source_id))).where(src.c.article_id.in_(select(sa.c.article_id).where(sa.c.story_id == story_id)))
    ).scalar_one()
    conn.execute(update(t.stories).where(t.stories.c.id == story_id).values(article_count=articles, source_count=max(1, sources)))
    return int(articles), max(1, int(sources))


# --- payloads --------------------------------------------------------------------


def _span_json(s: Span) -> dict[str, object]:
    return {"field": s.field, "start": s.start, "end": s.end, "text": s.text, "term": s.term}


def snippets(art: Article, spans: Sequence[Span], *, context: int = 90, limit: int = 3) -> list[dict[str, object]]:
    """Up to ``limit`` extracts around the matched spans, as segments [text, is_match].

    Windows are chosen so that every matched term shows in context before any term
    shows twice: the reader sees why the rule fired (Kim Jong Un *and* Koursk), not
    the first name five times. The summary and body come first: the title is shown
    as the headline anyway, so it gives a window only for a term found nowhere else. Offsets that do not fit the text (a span computed on
    another version of it) are re-found by the span's text, or skipped: a snippet
    never shows a wrong highlight.
    """
    order = {"summary": 0, "body": 1, "title": 2}
    resolved: list[tuple[int, int, int, str]] = []  # (field rank, start, end, term)
    for s in spans:
        text = art.field_text(s.field)
        start, end = s.start, s.end
        if text[start:end] != s.text:
            start = text.find(s.text)
            if start < 0 or not s.text:
                continue
            end = start + len(s.text)
        resolved.append((order[s.field], start, end, s.term))
    resolved = sorted(set(resolved))
    fields = {rank: name for name, rank in order.items()}
    covered: set[str] = set()
    out: list[dict[str, object]] = []
    for rank, first, _end, term in resolved:
        if term in covered or len(out) >= limit:
            continue
        fieldname = fields[rank]
        text = art.field_text(fieldname)
        # This span and the matches close enough after it to show with it.
        ranges = [(s0, e0) for r, s0, e0, _t in resolved if r == rank and first <= s0 < first + 2 * context]
        covered |= {t for r, s0, _e, t in resolved if r == rank and first <= s0 < first + 2 * context}
        last = max(e for _, e in ranges)
        lo, hi = max(0, first - context), min(len(text), last + context)
        if lo > 0:  # start and end on word boundaries
            sp = text.find(" ", lo, first)
            lo = sp + 1 if sp >= 0 else lo
        if hi < len(text):
            sp = text.rfind(" ", last, hi)
            hi = sp if sp >= 0 else hi
        segs: list[list[object]] = []
        pos = lo
        for s0, e0 in sorted(set(ranges)):
            if s0 < pos or e0 > hi:
                continue
            if s0 > pos:
                segs.append([text[pos:s0], False])
            segs.append([text[s0:e0], True])
            pos = e0
        if pos < hi:
            segs.append([text[pos:hi], False])
        out.append({"field": fieldname, "segments": segs, "cut_before": lo > 0, "cut_after": hi < len(text)})
    return out


def _payload(
    ctx: _Ctx, art: Article, canonical: str, m: Match, policy: RulePolicy, kind: str, story_id: int, story_title: str,
    article_count: int, source_count: int, news: Mapping[str, list[str]],
) -> dict[str, object]:
    """Everything the templates render, copied into the alert so it stays readable after retention."""
    srcs = ctx.conn.execute(
        select(t.article_sources.c.source_id).where(t.article_sources.c.article_id == canonical)
    ).scalars().all()
    return {
        "rule_id": m.rule_id,
        "rule_name": policy.name or m.rule_id,
        "severity": policy.severity or m.severity,
        "kind": kind,
        "headline": art.title,
        "url": art.url,
        "source": ctx.source_names.get(art.source_id) or art.source_id,
        "sources": sorted({ctx.source_names.get(s) or s for s in srcs} | {ctx.source_names.get(art.source_id) or art.source_id}),
        "published": utc(art.published).isoformat(),  # type: ignore[union-attr]
        "language": art.language,
        "extract": lede(art, 500),
        "terms": list(_terms_of(m)),
        "snippets": snippets(art, m.spans),
        "new": {k: list(v) for k, v in news.items() if v},
        "story_id": story_id,
        "story_title": story_title,
        "story_articles": article_count,
        "story_sources": source_count,
        "score": m.score,
    }


# --- feed health -----------------------------------------------------------------


def _on_health(ctx: _Ctx, event: HealthEvent) -> None:
    name = ctx.source_names.get(event.source_id) or event.source_id
    down = event.kind == "down"
    # The feed's reported state flips in the same transaction as its alert: health.record
    # repeats an unacknowledged event on every run, and only the run that flips it records it.
    flipped = ctx.conn.execute(
        update(t.feeds).where(t.feeds.c.source_id == event.source_id, t.feeds.c.reported_down == (not down))
        .values(reported_down=down).returning(t.feeds.c.source_id)
    ).first()
    if flipped is None:
        return
    at = utc(getattr(event, "at", None)) or ctx.now
    title = f"Feed {'down' if down else 'recovered'}: {name}"
    # Operations routing (config.health.notify, which health.record also copies into
    # event.notify); never an empty list, so a dead feed is always heard of.
    targets = route(ctx.config, operations=True)
    aid = record_alert(
        ctx.conn,
        # The event's time is part of its identity: a retried record() of the same run
        # records it once, a later outage of the same feed is a new alert.
        dedupe_key=f"health:{event.kind}:{event.source_id}:{at.isoformat()}",
        rule_id=HEALTH_RULE,
        kind="feed_health",
        title=title,
        payload={"kind": "feed_health", "rule_id": HEALTH_RULE, "rule_name": "feed health", "headline": title,
                 "source": name, "source_id": event.source_id, "state": event.kind, "message": event.message,
                 "consecutive_failures": getattr(event, "consecutive_failures", None),
                 "last_error": getattr(event, "last_error", None),
                 "severity": "warning" if down else "info", "published": at.isoformat(), "url": None},
        created_at=ctx.now,
        targets=targets,
        severity="warning" if down else "info",
    )
    if aid is not None:
        ctx.alert_ids.append(aid)
