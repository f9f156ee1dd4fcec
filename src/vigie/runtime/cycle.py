"""One monitoring cycle: the stages in their order, as plain functions or as Prefect tasks.

    rules -> select+fetch -> parse -> normalize -> (full text) -> match
          -> novelty+outbox (articles, alerts, feed validators and health in one transaction) -> deliver

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
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import Engine

from vigie import rules
from vigie.common.faults import fault_point
from vigie.common.executor import LOCAL, ExecutorConfig
from vigie.config import Config
from vigie.delivery import record as recording
from vigie.delivery import send
from vigie.ingest import fetch, fulltext, health
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


def select_sources(config: Config, engine: Engine) -> health.DueSources:
    return health.select_due(engine, config.source_objects(), datetime.now(timezone.utc))


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
    select_sources: Callable[[Config, Engine], health.DueSources]
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


def run_cycle(config: Config, engine: Engine, started: datetime, stages: Stages = PLAIN) -> RunSummary:
    """The stages in order; seconds per stage go into the summary.

    Nothing is written before the novelty stage, which writes each feed's validators and health
    with its articles and alerts: whichever boundary the run dies at, the next run fetches again
    what was not recorded.
    """
    clock = StageClock()
    with clock.stage("rules"):
        rule_set = stages.load_rules(config)
    fault_point("after-rules")
    processes.start(config.executor)  # with `executor: processes`, the workers start up while fetch waits on the network
    with clock.stage("fetch"):
        selected = stages.select_sources(config, engine)
        fetched = stages.fetch(selected.due, selected.states, config)
    log.info("fetch: %d of %d source(s) due, %d changed", len(selected.due), len(selected.sources),
             sum(1 for f in fetched if f.status == "ok"))
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
    log.info("novelty: %d new article(s), %d alert(s) recorded", report.new_articles, report.alerts)
    fault_point("after-novelty")
    with clock.stage("deliver"):
        delivered = stages.deliver(engine, config)
    fault_point("after-deliver")
    return summarize_run(engine, started, selected.sources, selected.due, fetched, parsed, rule_set, articles, matches,
                         report, delivered, clock.as_tuple(), tz=config.timezone)


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
    summary = run_cycle(config, engine, started, stages)
    return summary, rehearsed[-1]
