"""The recording of one batch: articles, matches and story changes, and the alerts they deserve.

For each article, in publication order (first-seen when a feed gives no date):

1. identity (``vigie.stories.identity``) -- a copy of a stored article only adds a source;
2. stories (``vigie.stories.joining``) -- an article that any rule matched joins the open
   story about the same event, whatever rule or language opened it, or starts one; the
   rules that fired are recorded in the story (``story_rules``);
3. developments (``vigie.stories.developments``) -- joining, it is a development only when
   it brings a new fact; otherwise it is added silently and counted. An article published
   before the story's first one (fetched late) is not a development of the later ones;
4. alerts -- each rule by its own policy (``each`` | ``new_story`` | ``developments``): a
   rule's first article in a story is a new story *for that rule*; the rules firing on
   one article make one ``StoryAlert`` per digest setting (``vigie.stories.story_alerts``);
   a rule with ``escalate`` is told once when the story's independent sources grow fast.

``record_batch`` writes in the caller's transaction and returns the alerts as values:
recording them (with their deliveries) is the delivery stage's job, in that same
transaction (``vigie.delivery.record``), so that what is stored and what is announced
never disagree. The caller also makes concurrent batches take turns, so two workers
never open two stories for one event; the unique keys make a replayed batch record
nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from sqlalchemy import Connection

from vigie.common.text import fold
from vigie.common.times import utc
from vigie.config import NoveltyConfig
from vigie.models import Article, Match, RulePolicy, WhatIsNew
from vigie.stories import story_rows
from vigie.stories.developments import development
from vigie.stories.features import features
from vigie.stories.identity import KnownArticles, identify
from vigie.stories.joining import matching_stories
from vigie.stories.story_alerts import Firing, StoryAlert, StoryOutcome, grouped, rule_alert_kind

__all__ = ["BatchCounts", "BatchResult", "StoryAlert", "matched_terms", "record_batch"]

@dataclass(frozen=True)
class BatchCounts:
    """What recording one batch did to articles and stories."""

    new_articles: int = 0
    already_seen: int = 0  # same id from the same source: a re-fetch
    duplicates: int = 0  # same id or canonical URL, from another source
    near_duplicates: int = 0  # same text, lightly edited or syndicated
    new_stories: int = 0
    developments: int = 0
    silent: int = 0  # joined a story without an alert


@dataclass(frozen=True)
class BatchResult:
    counts: BatchCounts
    alerts: tuple[StoryAlert, ...]  # in the order they were decided


def record_batch(
    conn: Connection,
    articles: Sequence[Article],
    matches: Sequence[Match],
    policies: Mapping[str, RulePolicy],
    settings: NoveltyConfig,
    now: datetime,
) -> BatchResult:
    """Store articles, matches and story changes in the caller's transaction; the alerts they call for.

    Every article is stored (unmatched ones too: they are what later copies are
    recognised against); a match whose article is not in ``articles`` is ignored. A
    rule without a policy gets the defaults (alert on new stories and developments).
    """
    by_article: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        by_article[m.article_id].append(m)
    counts: Counter[str] = Counter()
    alerts: list[StoryAlert] = []
    known = KnownArticles(conn, articles)
    for art in sorted(articles, key=lambda a: (utc(a.published), a.id)):
        found = identify(conn, art, settings.near_duplicate, now, known)
        counts[found.status] += 1
        if found.status == "seen":
            continue
        ms = sorted(by_article.get(art.id, ()), key=lambda x: x.rule_id)
        if ms:
            alerts += _on_article(conn, art, found.canonical, ms, policies, settings, now, counts, stored=found.status != "new")
    done = BatchCounts(
        new_articles=counts["new"], already_seen=counts["seen"], duplicates=counts["exact"], near_duplicates=counts["near"],
        new_stories=counts["new_story"], developments=counts["development"], silent=counts["silent"],
    )
    return BatchResult(done, tuple(alerts))


def matched_terms(m: Match) -> tuple[str, ...]:
    """The rule's canonical entities found in the article."""
    return m.terms or tuple(sorted({s.term for s in m.spans}))


def _on_article(
    conn: Connection, art: Article, canonical: str, ms: Sequence[Match], policies: Mapping[str, RulePolicy],
    settings: NoveltyConfig, now: datetime, counts: Counter[str], *, stored: bool,
) -> list[StoryAlert]:
    """``stored``: the article is a copy of one stored before (else it was stored just now, in no story yet)."""
    fresh = [m for m in ms if story_rows.record_match(conn, canonical, m, matched_terms(m), now)]
    held = story_rows.story_holding(conn, canonical) if stored else None
    if not fresh:
        # Every rule already fired on this article (from another source): its story
        # just counts one more source, silently.
        if held is not None:
            story_rows.refresh_counts(conn, held.id)
        return []
    terms = tuple(sorted({x for m in ms for x in matched_terms(m)}))
    aliases = {fold(sp.text): fold(sp.term) for m in ms for sp in m.spans if sp.term[:1].isupper()}
    feats = features(art, terms, aliases)
    published = utc(art.published)
    outcome: StoryOutcome
    new = WhatIsNew()
    if held is not None:  # a copy, or a new rule on a stored article: the story had it already
        sid, title, outcome = held.id, held.title, "silent"
        story_counts = story_rows.refresh_counts(conn, sid)
    else:
        found = matching_stories(conn, feats, published, settings.story_window)
        story = story_rows.merge_stories(conn, found[0], found[1:]) if found else None
        if story is None:
            sid, title, outcome = story_rows.open_story(conn, fresh[0].rule_id, art, canonical, feats), art.title, "new_story"
            counts[outcome] += 1
            story_counts = story_rows.first_article(conn, sid, canonical, now)
        else:
            dev = development(story, feats, art)
            # Fetched late but published before the story began: the story's first
            # alert already announced the event; it is not a development of later news.
            moves = dev.moves_story and published >= story.created_at
            story_rows.extend_story(conn, story, art, feats, development=moves)
            sid, title = story.id, story.title
            outcome, new = ("development" if moves else "silent"), (dev.new if moves else WhatIsNew())
            counts[outcome] += 1
            story_counts = story_rows.add_article(conn, sid, canonical, now, development=outcome == "development")
    firings = []
    fired = {m.rule_id for m in fresh}
    for m in fresh:
        policy = _policy(policies, m)
        first_here = story_rows.add_rule(conn, sid, m.rule_id, canonical, now)
        # A rule's first article in a known story is a new story only for targets that
        # have not heard of it through another rule of the story.
        told = first_here and outcome != "new_story" and _reaches_no_one_new(
            policy, [policies.get(r) for r in story_rows.rules_of(conn, sid) if r not in fired])
        kind = rule_alert_kind(policy.alert, "new_story" if first_here and not told else outcome)
        if kind is not None:
            firings.append(Firing(kind, policy, m, matched_terms(m)))
    sources = story_rows.source_ids(conn, canonical) if stored else (art.source_id,)
    alerts = grouped(firings, article=art, canonical=canonical, story_id=sid, story_title=title, counts=story_counts,
                     sources=sources, new=new)
    for m in ms:
        policy = _policy(policies, m)
        if policy.escalate is not None and _grows_fast(conn, sid, policy, published):
            alerts += grouped([Firing("escalation", policy, m, matched_terms(m))], article=art, canonical=canonical,
                              story_id=sid, story_title=title, counts=story_counts, sources=sources, new=WhatIsNew())
    return alerts


def _reaches_no_one_new(policy: RulePolicy, earlier: Sequence[RulePolicy | None]) -> bool:
    """Whether every tag ``policy`` routes to was already routed to by one of ``earlier``
    (a rule without tags reaches every target)."""
    known = [p for p in earlier if p is not None]
    if any(not p.notify for p in known):
        return True
    return bool(known) and bool(policy.notify) and set(policy.notify) <= {t for p in known for t in p.notify}


def _policy(policies: Mapping[str, RulePolicy], m: Match) -> RulePolicy:
    return policies.get(m.rule_id) or RulePolicy(rule_id=m.rule_id, severity=m.severity, notify=m.notify)


def _grows_fast(conn: Connection, story_id: int, policy: RulePolicy, published: datetime) -> bool:
    """True, once per story and rule, when its independent sources reached the rule's ``escalate``."""
    esc = policy.escalate
    if esc is None or story_rows.independent_sources(conn, story_id, published - esc.within) < esc.sources:
        return False
    return story_rows.mark_escalated(conn, story_id, policy.rule_id)
