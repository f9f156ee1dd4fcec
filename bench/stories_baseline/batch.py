"""Frozen baseline (commit 7ffabeb): the recording of one batch, and the alerts it deserves.

Today's ``vigie.stories.batch`` at the frozen commit, with its decisions unchanged; adapted only
so that it needs nothing that the story rewrite may change: its own tables
(``bench.stories_baseline.schema``), its own settings (the defaults of ``NoveltyConfig`` then:
a 72-hour story window, near duplicates from 0.8), and a slimmer ``StoryAlert`` (what the
benchmark counts; the delivery payload fields are gone).

For each article, oldest first:

1. identity (``vigie.stories.identity``) -- a copy of a stored article only adds a source;
2. stories (``vigie.stories.joining``) -- each new match of a rule joins that rule's story
   about the same event, or starts one;
3. developments (``vigie.stories.developments``) -- joining, it is a development only when
   it brings something the story lacked; otherwise it is added silently and counted;
4. alerts -- by the rule's policy (``each`` | ``new_story`` | ``developments``), a
   ``StoryAlert`` says what to announce.

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
from datetime import datetime, timedelta
from typing import Literal, Mapping, Sequence

from sqlalchemy import Connection

from vigie.common.times import utc
from vigie.models import Article, Match, RulePolicy
from bench.stories_baseline import story_rows
from bench.stories_baseline.developments import WhatIsNew, development
from bench.stories_baseline.features import features
from bench.stories_baseline.identity import KnownArticles, identify
from bench.stories_baseline.joining import best_story
from bench.stories_baseline.story_rows import StoryCounts

StoryAlertKind = Literal["each", "new_story", "development"]
_StoryOutcome = Literal["new_story", "development", "silent"]


@dataclass(frozen=True)
class Settings:
    """``config.novelty`` as the frozen commit had it by default."""

    story_window: timedelta = timedelta(hours=72)
    near_duplicate: float = 0.8


@dataclass(frozen=True)
class StoryAlert:
    """An alert the stories stage decided on (what the benchmark counts of it)."""

    kind: StoryAlertKind
    dedupe_key: str  # the same decision replayed has the same key, and is recorded once
    rule_id: str
    article_id: str  # the stored article: the match's article's own id, or the one it duplicates
    story_id: int
    story_title: str
    story: StoryCounts  # when the alert was decided
    new: WhatIsNew  # what a development brought (empty otherwise)


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
    settings: Settings,
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
        for m in sorted(by_article.get(art.id, ()), key=lambda x: x.rule_id):
            policy = policies.get(m.rule_id) or RulePolicy(rule_id=m.rule_id, severity=m.severity, notify=m.notify)
            alert = _on_match(conn, art, found.canonical, m, policy, settings, now, counts)
            if alert is not None:
                alerts.append(alert)
    done = BatchCounts(
        new_articles=counts["new"], already_seen=counts["seen"], duplicates=counts["exact"], near_duplicates=counts["near"],
        new_stories=counts["new_story"], developments=counts["development"], silent=counts["silent"],
    )
    return BatchResult(done, tuple(alerts))


def matched_terms(m: Match) -> tuple[str, ...]:
    """The rule's canonical entities found in the article."""
    return m.terms or tuple(sorted({s.term for s in m.spans}))


def _on_match(
    conn: Connection, art: Article, canonical: str, m: Match, policy: RulePolicy, settings: Settings,
    now: datetime, counts: Counter[str],
) -> StoryAlert | None:
    terms = matched_terms(m)
    if not story_rows.record_match(conn, canonical, m, terms, now):
        # The rule already fired on this article (from another source): its story
        # just counts one more source, silently.
        sid = story_rows.story_of(conn, canonical, m.rule_id)
        if sid is not None:
            story_rows.refresh_counts(conn, sid)
        return None

    feats = features(art, terms)
    story = best_story(conn, m.rule_id, feats, utc(art.published), settings.story_window)
    outcome: _StoryOutcome
    if story is None:
        sid, title = story_rows.open_story(conn, m.rule_id, art, canonical, feats), art.title
        outcome, new = "new_story", WhatIsNew()
    else:
        dev = development(story, feats)
        story_rows.extend_story(conn, story, art, feats, development=dev.moves_story)
        sid, title = story.id, story.title
        outcome, new = ("development" if dev.moves_story else "silent"), dev.new
    counts[outcome] += 1
    story_counts = story_rows.add_article(conn, sid, canonical, now, development=outcome == "development")

    kind = _alert_kind(policy.alert, outcome)
    if kind is None:
        return None
    key = {
        "each": f"each:{m.rule_id}:{canonical}",
        "new_story": f"story:{m.rule_id}:{canonical}",
        "development": f"dev:{m.rule_id}:{sid}:{canonical}",
    }[kind]
    return StoryAlert(kind=kind, dedupe_key=key, rule_id=m.rule_id, article_id=canonical, story_id=sid, story_title=title,
                      story=story_counts, new=new)


def _alert_kind(policy: str, outcome: _StoryOutcome) -> StoryAlertKind | None:
    """What a rule's policy announces of a story change (None: nothing)."""
    if policy == "each":
        return "each"
    if outcome == "new_story":
        return "new_story"
    if outcome == "development" and policy == "developments":
        return "development"
    return None
