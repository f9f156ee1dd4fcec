"""One monitoring cycle: the stages in their order, as plain functions or as Prefect tasks.

    rules -> [claim a batch+fetch -> parse -> normalize -> (full text) -> match
              -> novelty+outbox (articles, alerts, feed validators and health in one transaction;
                 the batch's claims end)] until no due source is left -> deliver

A batch is the sources this run claimed in the store (``vigie.ingest.leases``): concurrent runs
share the due sources out, each fetched once per slot of the schedule.

``run_cycle`` is the order, written once: ``flows/monitor.py`` passes its Prefect tasks
(``Stages``), tests and benchmarks call it with ``PLAIN`` (the same functions, no Prefect),
and ``rehearse_cycle`` (``vigie run --dry-run``) with the novelty stage rehearsed and no delivery.
Between two stages, and inside the novelty transaction, ``vigie.common.faults`` can kill
the run, which is how the crash tests reach every boundary of this real order.

Parse and normalize run where ``executor`` of vigie.yaml says (``vigie.runtime.processes``): in
this process, or over worker processes, with the same results in the same order either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone

from sqlalchemy import Engine

from vigie import rules
from vigie.common.faults import fault_point
from vigie.common.executor import LOCAL, ExecutorConfig
from vigie.config import Config
from vigie.delivery import record as recording
from vigie.delivery import send
from vigie.ingest import fetch, fulltext, health, leases
from vigie.models import Article, Fetched, Match, Parsed, Source
from vigie.rules import match
from vigie.runtime import processes
from vigie.runtime.summarize import summarize_run
from vigie.runtime.summary import RunSummary, StageClock
from vigie.stories import identity

log = logging.getLogger(__name__)


def load_rules(config: Config) -> rules.RuleSet:
    rule_set, _ = rules.load_compiled(config.rules, config.data_dir / "cache")  # compiled once while unchanged
    for error in rule_set.errors:
        log.error("rule file skipped: %s", error)
    return rule_set


def select_sources(config: Config, engine: Engine, claimer: leases.Claimer | None = None) -> health.DueSources:
    """The next batch of due sources, claimed for this run (``vigie.ingest.leases``); without a claimer
    (a rehearsal, which must leave no trace), every due source at once, claimed by nobody."""
    now = datetime.now(timezone.utc)
    if claimer is None:
        return health.select_due(engine, config.source_objects(), now)
    return leases.claim_batch(engine, config.source_objects(), claimer, now)


def fetch_due(sources: Sequence[Source], states: Mapping[str, health.FeedState], config: Config) -> list[Fetched]:
    return fetch.fetch_sources(sources, states, config.fetch)


def parse_all(fetched: list[Fetched], executor: ExecutorConfig = LOCAL) -> list[Parsed]:
    """``parse.parse_fetched`` of each source, in order; over worker processes with ``executor: processes``."""
    return processes.parse_all(fetched, executor)


def normalize_all(parsed: list[Parsed], now: datetime, executor: ExecutorConfig = LOCAL) -> list[Article]:
    """``normalize.normalize`` of each source, in order; over worker processes with ``executor: processes``."""
    return processes.normalize_all(parsed, now, executor)


def full_text(engine: Engine, articles: list[Article], sources: Sequence[Source], config: Config) -> list[Article]:
    if not any(s.full_text for s in sources):  # off by default: no store query, no page fetched
        return articles
    known = identity.known_ids(engine, [a.id for a in articles])
    return fulltext.fetch_full_text(articles, sources, config.fetch, skip=known)


def match_all(rule_set: rules.RuleSet, articles: list[Article]) -> list[Match]:
    if not articles:  # every feed unchanged: skip compiling the rules (spaCy's tables take seconds)
        return []
    return match.match_articles(rules.compile_rules(rule_set), articles)


def record_novelty(engine: Engine, articles: list[Article], matches: list[Match], rule_set: rules.RuleSet,
                   config: Config, now: datetime, polls: Sequence[health.PollOutcome]) -> recording.NoveltyReport:
    return recording.record(engine, articles, matches, rule_set.policies(), config, now, polls=polls)


def deliver(engine: Engine, config: Config) -> send.DeliveryReport:
    return send.deliver_pending(engine, config, datetime.now(timezone.utc))


@dataclass(frozen=True)
class Stages:
    """The stage callables ``run_cycle`` orders: the plain functions above, or Prefect tasks wrapping them."""

    load_rules: Callable[[Config], rules.RuleSet]
    select_sources: Callable[[Config, Engine, leases.Claimer | None], health.DueSources]
    fetch: Callable[[Sequence[Source], Mapping[str, health.FeedState], Config], list[Fetched]]
    parse: Callable[[list[Fetched], ExecutorConfig], list[Parsed]]
    normalize: Callable[[list[Parsed], datetime, ExecutorConfig], list[Article]]
    full_text: Callable[[Engine, list[Article], Sequence[Source], Config], list[Article]]
    match: Callable[[rules.RuleSet, list[Article]], list[Match]]
    novelty: Callable[[Engine, list[Article], list[Match], rules.RuleSet, Config, datetime,
                       Sequence[health.PollOutcome]],
                      recording.NoveltyReport]
    deliver: Callable[[Engine, Config], send.DeliveryReport]


PLAIN = Stages(load_rules=load_rules, select_sources=select_sources, fetch=fetch_due, parse=parse_all,
               normalize=normalize_all, full_text=full_text, match=match_all,
               novelty=record_novelty, deliver=deliver)


def run_cycle(config: Config, engine: Engine, started: datetime, stages: Stages = PLAIN, *,
              cycle_at: datetime | None = None, claim: bool = True) -> RunSummary:
    """The stages in order, a claimed batch of sources at a time; seconds per stage go into the summary.

    Each batch is claimed in the store (``vigie.ingest.leases``) for the cycle ``cycle_at`` (the
    scheduled time of the flow run; default ``started``), so concurrent runs share the due sources
    out; the run takes batches until none is left, then delivers. ``claim=False`` takes every due
    source in one batch and claims nothing (a rehearsal). Nothing is written before the novelty
    stage, which writes each feed's validators and health with its articles and alerts, and ends
    the feed's lease: whichever boundary the run dies at, the next run fetches again what was not
    recorded (after the lease, when the run died without giving its claims back).
    """
    clock = StageClock()
    with clock.stage("rules"):
        rule_set = stages.load_rules(config)
    fault_point("after-rules")
    processes.start(config.executor)  # with `executor: processes`, the workers start up while fetch waits on the network
    claimer = leases.new_claimer(cycle_at or started, config.sharing) if claim else None
    done = _Batches()
    while True:
        with clock.stage("fetch"):
            selected = stages.select_sources(config, engine, claimer)
        if done.count and not selected.due:
            break  # the first batch always runs: the novelty stage also applies retention
        try:
            _one_batch(config, engine, started, stages, clock, rule_set, selected, done)
        except BaseException:
            if claimer is not None and selected.due:  # give the batch back rather than hold it to the lease's end
                leases.release(engine, [s.id for s in selected.due if s.id not in done.recorded])
            raise
        if claimer is None or not selected.due:
            break
    with clock.stage("deliver"):
        delivered = stages.deliver(engine, config)
    fault_point("after-deliver")
    sources = selected.sources
    if claimer is not None:  # this run's sources: those it polled and those backing off, not another run's
        waiting = leases.backing_off(engine, sources, datetime.now(timezone.utc))
        polled = {d.id for d in done.due}  # built once: per source it made the summary quadratic in the feeds
        sources = tuple(s for s in sources if s.id in waiting or s.id in polled)
    return summarize_run(engine, started, sources, done.due, done.fetched, done.parsed, rule_set, done.articles,
                         done.matches, done.report(), delivered, clock.as_tuple(), tz=config.timezone)


@dataclass
class _Batches:
    """What the batches of one run did, put together for its summary."""

    count: int = 0
    due: list[Source] = field(default_factory=list)
    fetched: list[Fetched] = field(default_factory=list)
    parsed: list[Parsed] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    reports: list[recording.NoveltyReport] = field(default_factory=list)
    recorded: set[str] = field(default_factory=set)  # source ids whose poll the novelty stage committed

    def report(self) -> recording.NoveltyReport:
        """The batches' novelty reports as one: counts added, alerts and events one after the other."""
        if len(self.reports) == 1:
            return self.reports[0]
        merged: dict[str, object] = {}
        for f in fields(recording.NoveltyReport):
            values = [getattr(r, f.name) for r in self.reports]
            merged[f.name] = tuple(x for v in values for x in v) if isinstance(values[0], tuple) else sum(values)
        return recording.NoveltyReport(**merged)  # type: ignore[arg-type]


def _one_batch(config: Config, engine: Engine, started: datetime, stages: Stages, clock: StageClock,
               rule_set: rules.RuleSet, selected: health.DueSources, done: _Batches) -> None:
    """Fetch the batch's sources and take their entries through every stage to the novelty stage."""
    with clock.stage("fetch"):
        fetched = stages.fetch(selected.due, selected.states, config)
    log.info("fetch: %d source(s) in batch %d (%d configured), %d changed", len(selected.due), done.count + 1,
             len(selected.sources), sum(1 for f in fetched if f.status == "ok"))
    fault_point("after-fetch")
    with clock.stage("parse"):
        parsed = stages.parse(fetched, config.executor)
        polls = health.assess(fetched, parsed)  # values only: stored by the novelty stage
    fault_point("after-parse")
    with clock.stage("normalize"):
        articles = stages.normalize(parsed, started, config.executor)
    fault_point("after-normalize")
    with clock.stage("full_text"):
        articles = stages.full_text(engine, articles, selected.due, config)
    fault_point("after-full-text")
    with clock.stage("match"):
        matches = stages.match(rule_set, articles)
    log.info("match: %d article(s), %d rule(s), %d match(es)", len(articles), len(rule_set.rules), len(matches))
    fault_point("after-match")
    with clock.stage("novelty"):
        report = stages.novelty(engine, articles, matches, rule_set, config, started, polls)
    done.recorded.update(p.source_id for p in polls)
    log.info("novelty: %d new article(s), %d alert(s) recorded", report.new_articles, report.alerts)
    fault_point("after-novelty")
    done.count += 1
    done.due += selected.due
    done.fetched += fetched
    done.parsed += parsed
    done.articles += articles
    done.matches += matches
    done.reports.append(report)


def rehearse_cycle(config: Config, engine: Engine, started: datetime) -> tuple[RunSummary, recording.Rehearsal]:
    """``run_cycle`` with the novelty stage rehearsed (recorded, then rolled back) and no delivery:
    what a run would alert now, with nothing stored and nothing sent (``vigie run --dry-run``)."""
    rehearsed: list[recording.Rehearsal] = []

    def rehearse(engine: Engine, articles: list[Article], matches: list[Match], rule_set: rules.RuleSet, config: Config,
                 now: datetime, polls: Sequence[health.PollOutcome]) -> recording.NoveltyReport:
        rehearsed.append(recording.rehearse(engine, articles, matches, rule_set.policies(), config, now, polls=polls))
        return rehearsed[-1]

    def load_uncached(config: Config) -> rules.RuleSet:
        return rules.load_compiled(config.rules, None)[0]  # the compiled-rules cache is a file: a rehearsal writes none

    stages = replace(PLAIN, load_rules=load_uncached, novelty=rehearse, deliver=lambda _e, _c: send.DeliveryReport())
    summary = run_cycle(config, engine, started, stages, claim=False)
    return summary, rehearsed[-1]
