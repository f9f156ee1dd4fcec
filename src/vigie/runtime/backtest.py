"""Backtest: rules replayed over the stored articles, through a run's own match and novelty stages.

The archive (``vigie.store.archive``) gives back the batches runs recorded, oldest first.
Every article is matched with the rules under test (``vigie.rules.match``, as a run does);
then each batch that holds a matched article is recorded, at its run's start time, by the
novelty stage itself (``vigie.delivery.record.record``: identity, stories, developments,
each rule's policy, routing, digest windows, retention) into a scratch SQLite store in
memory. What that scratch store ends up holding is what the rules would have done.

Why a scratch store and not the real one in a rolled-back transaction: the real store
already holds these articles and their stories, so a replay there would find every
article "seen"; the replay has to start from an empty state as of the first batch. The
scratch store also never takes the real store's write lock (a run can go on beside a
backtest) and is the same whatever the real store's database. Nothing is delivered: no
delivery stage runs, and the scratch store goes when the backtest ends.

Only the identity groups (a stored article with its copies) that some rule matched are
recorded: an article nobody matched joins no story and sends nothing, and identity is
decided within a group. Stories that began before ``since`` are not known to the replay:
their first article after it opens a story there.

May import: vigie.common, vigie.models, vigie.config, vigie.store, vigie.rules, vigie.stories, vigie.delivery.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from sqlalchemy import Engine

from vigie.config import Config
from vigie.delivery import record as recording
from vigie.models import Article, Match
from vigie.rules import Matcher, RuleSet, compile_rules, match_article
from vigie.runtime.backtest_report import RuleResult, Scratch, rule_results
from vigie.store.archive import Stored, articles_of, read_batches
from vigie.store.db import connect, reader

__all__ = ["BacktestReport", "RuleResult", "backtest", "changed_rules"]


@dataclass(frozen=True)
class BacktestReport:
    """What the rules under test would have done over the stored articles."""

    since: datetime | None
    articles: int  # stored articles read (copies in other sources included)
    batches: int  # runs replayed
    replayed: int  # articles recorded into the scratch store (the matched identity groups)
    rules: tuple[RuleResult, ...]
    alerts: dict[str, int] = field(default_factory=dict)  # every alert recorded, by kind (one alert may list several rules)
    stories: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # read, match, compare, replay, report: wall clock
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the same, CPU (matching workers included)


def changed_rules(tested: RuleSet, current: RuleSet | None) -> set[str]:
    """Ids of the tested rules that differ from the rule of the same id in ``current`` (or that it lacks)."""
    if current is None:
        return set()
    known = {r.id: r for r in current.rules}

    def same(a: object, b: object) -> bool:
        return all(getattr(a, k) == getattr(b, k) for k in ("rule", "expr", "weights", "threshold"))

    return {r.id for r in tested.rules if r.id not in known or not same(r, known[r.id])}


_JOB: tuple[Matcher, Sequence[Article]] | None = None  # what forked matching workers inherit
PARALLEL_FROM = 4000  # fewer articles match faster in this process than it takes to start workers
CHUNK_MIN = 1000  # articles per task sent to a worker, at least


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the matching workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def match_all(matcher: Matcher, articles: Sequence[Article], workers: int | None = None) -> dict[int, list[Match]]:
    """The matches of each article that has any, by position; several processes when there are many
    articles and the system can fork (the workers inherit the compiled rules and the articles: nothing
    big is pickled, only the matches come back)."""
    global _JOB
    n_workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    if n_workers <= 1 or len(articles) < PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        return _match_range(matcher, articles, 0, len(articles))
    step = max(CHUNK_MIN, len(articles) // (n_workers * 8))
    _JOB = (matcher, articles)
    try:
        with mp.get_context("fork").Pool(n_workers) as pool:
            found: dict[int, list[Match]] = {}
            bounds = [(lo, min(lo + step, len(articles))) for lo in range(0, len(articles), step)]
            for part in pool.imap_unordered(_match_job, bounds):
                found.update(part)
            return found
    finally:
        _JOB = None


def _match_job(bounds: tuple[int, int]) -> dict[int, list[Match]]:
    assert _JOB is not None, "a matching worker runs in a process forked by match_all"
    return _match_range(*_JOB, *bounds)


def _match_range(matcher: Matcher, articles: Sequence[Article], lo: int, hi: int) -> dict[int, list[Match]]:
    found = {}
    for n in range(lo, hi):
        ms = match_article(matcher, articles[n])
        if ms:
            found[n] = ms
    return found


def backtest(engine: Engine, rule_set: RuleSet, config: Config, *, since: datetime | None = None,
             current: RuleSet | None = None, samples: int = 3, workers: int | None = None) -> BacktestReport:
    """Replay ``rule_set`` over the articles first seen since ``since``; gained and lost articles
    against ``current`` (the rules in use) for each tested rule that differs from its version there.
    ``workers``: processes matching (default: one per core, at most 4). Reads the real store only."""
    clock: dict[str, float] = {}
    cpu: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), _cpu()
    with reader(engine) as conn:
        batches = read_batches(conn, since)
    clock["read"], cpu["read"] = time.perf_counter() - start, _cpu() - cpu_start

    start, cpu_start = time.perf_counter(), _cpu()
    stored = list(articles_of(batches))
    articles = [s.article for s in stored]
    found = match_all(compile_rules(rule_set), articles, workers)  # by position: a copy shares its original's id
    clock["match"], cpu["match"] = time.perf_counter() - start, _cpu() - cpu_start

    start, cpu_start = time.perf_counter(), _cpu()
    changed = changed_rules(rule_set, current)
    before: dict[str, dict[str, Match]] = {r: {} for r in changed}  # what the version in use matched, and where
    if current is not None and changed:
        old = compile_rules([r for r in current.rules if r.id in changed])
        for pos, ms in match_all(old, articles, workers).items():
            for m in ms:
                before[m.rule_id].setdefault(stored[pos].article.id, m)
    clock["compare"], cpu["compare"] = time.perf_counter() - start, _cpu() - cpu_start

    start, cpu_start = time.perf_counter(), _cpu()
    groups = {stored[n].group for n in found}
    scratch = connect("sqlite://")
    replayed = 0
    policies = rule_set.policies()
    n = 0
    for batch in batches:
        articles, matches = [], []
        for item in batch.items:
            if item.group in groups:
                articles.append(item.article)
                matches += found.get(n, [])
            n += 1
        if articles:
            recording.record(scratch, articles, matches, policies, config, batch.now)
            replayed += len(articles)
    clock["replay"], cpu["replay"] = time.perf_counter() - start, _cpu() - cpu_start

    start, cpu_start = time.perf_counter(), _cpu()
    matched: dict[str, list[tuple[Stored, Match]]] = defaultdict(list)
    for pos, ms in found.items():
        for m in ms:
            matched[m.rule_id].append((stored[pos], m))
    rows = Scratch(scratch)
    results = rule_results(rows, rule_set, matched, before, {s.article.id: s for s in stored}, samples)
    scratch.dispose()
    clock["report"], cpu["report"] = time.perf_counter() - start, _cpu() - cpu_start
    return BacktestReport(since=since, articles=len(stored), batches=len(batches), replayed=replayed,
                          rules=tuple(results), seconds=clock, cpu_seconds=cpu,
                          alerts=dict(Counter(r.kind for r in rows.alerts)), stories=len({r.story_id for r in rows.story_rules}))
