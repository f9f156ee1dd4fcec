"""The monitoring flow: vigie's stages in order, and nothing else.

    sources -> fetch -> parse -> normalize -> (full text) -> match -> novelty+outbox -> deliver

Each stage is a plain function of ``vigie``; this module only wraps them as
Prefect tasks (retries on the stages that talk to the network) and orders them.
Stages take and return typed objects, so a test can call each one directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from vigie.runtime import prefect_env

prefect_env.apply()

from prefect import flow, get_run_logger, task  # noqa: E402  (telemetry off first)
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from vigie.delivery import send as deliver  # noqa: E402
from vigie.ingest import fetch, fulltext  # noqa: E402
from vigie.ingest import health  # noqa: E402
from vigie.rules import match  # noqa: E402
from vigie.ingest import normalize  # noqa: E402
from vigie.delivery import record as recording  # noqa: E402
from vigie.stories import identity  # noqa: E402
from vigie.ingest import parse  # noqa: E402
from vigie import rules  # noqa: E402
from vigie.config import Config, load_config  # noqa: E402
from vigie.models import Article, Fetched, Match, Parsed, Source  # noqa: E402
from vigie.runtime.summary import RunSummary, StageClock  # noqa: E402
from vigie.store import connect  # noqa: E402
from vigie.runtime.summarize import summarize_run  # noqa: E402
from vigie.runtime import logmask  # noqa: E402

# Every task has cache_policy=NO_CACHE: stage inputs are engines, matchers and lists of
# articles, not worth hashing, and a monitoring cycle must never be served from a cache.


@task(name="load-rules", cache_policy=NO_CACHE)
def load_rules_task(config: Config) -> rules.RuleSet:
    rule_set = rules.load_rules(config.rules)
    logger = get_run_logger()
    for error in rule_set.errors:
        logger.error("rule file skipped: %s", error)
    return rule_set


@task(name="select-sources", cache_policy=NO_CACHE)
def select_sources_task(config: Config, engine: Engine) -> health.DueSources:
    return health.select_due(engine, config.source_objects(), datetime.now(timezone.utc))


@task(name="fetch", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE)
def fetch_task(sources: Sequence[Source], states: Mapping[str, health.FeedState], config: Config) -> list[Fetched]:
    return fetch.fetch_sources(sources, states, config.fetch)


@task(name="parse", cache_policy=NO_CACHE)
def parse_task(fetched: list[Fetched]) -> list[Parsed]:
    return [parse.parse_fetched(f) for f in fetched]


@task(name="record-health", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def health_task(engine: Engine, fetched: list[Fetched], parsed: list[Parsed], config: Config,
                now: datetime) -> list[health.HealthEvent]:
    return health.record(engine, fetched, parsed, config.health, now)


@task(name="normalize", cache_policy=NO_CACHE)
def normalize_task(parsed: list[Parsed], now: datetime) -> list[Article]:
    return [article for p in parsed for article in normalize.normalize(p, now)]


@task(name="full-text", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def full_text_task(engine: Engine, articles: list[Article], sources: Sequence[Source], config: Config) -> list[Article]:
    if not any(s.full_text for s in sources):  # off by default: no store query, no page fetched
        return articles
    known = identity.known_ids(engine, [a.id for a in articles])
    return fulltext.fetch_full_text(articles, sources, config.fetch, skip=known)


@task(name="match", cache_policy=NO_CACHE)
def match_task(rule_set: rules.RuleSet, articles: list[Article]) -> list[Match]:
    if not articles:  # every feed unchanged: skip compiling the rules (spaCy's tables take seconds)
        return []
    return match.match_articles(rules.compile_rules(rule_set), articles)


@task(name="novelty", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def novelty_task(engine: Engine, articles: list[Article], matches: list[Match], rule_set: rules.RuleSet,
                 config: Config, now: datetime, health_events: list[health.HealthEvent]) -> recording.NoveltyReport:
    return recording.record(engine, articles, matches, rule_set.policies(), config, now, health_events)


@task(name="deliver", retries=2, retry_delay_seconds=30, cache_policy=NO_CACHE)
def deliver_task(engine: Engine, config: Config) -> deliver.DeliveryReport:
    return deliver.deliver_pending(engine, config, datetime.now(timezone.utc))


@flow(name="vigie-monitor", log_prints=True)
def monitor(config_path: str = "vigie.yaml") -> RunSummary:
    """One monitoring cycle over every configured source."""
    started = datetime.now(timezone.utc)
    config = load_config(Path(config_path))
    logmask.protect(config)  # before any stage can log a URL
    engine = connect(config.store_url)
    try:
        return _cycle(config, engine, started)
    finally:
        engine.dispose()  # also when a stage failed: no pool or SQLite handle left open


def _cycle(config: Config, engine: Engine, started: datetime) -> RunSummary:
    """The stages in order, each a task; seconds per stage go into the summary and its artifact."""
    clock = StageClock()
    with clock.stage("rules"):
        rule_set = load_rules_task(config)
    with clock.stage("fetch"):
        selected = select_sources_task(config, engine)
        sources, due = selected.sources, selected.due
        fetched = fetch_task(due, selected.states, config)
    with clock.stage("parse"):
        parsed = parse_task(fetched)
        health_events = health_task(engine, fetched, parsed, config, started)
    with clock.stage("normalize"):
        articles = normalize_task(parsed, started)
    with clock.stage("full_text"):
        articles = full_text_task(engine, articles, due, config)
    with clock.stage("match"):
        matches = match_task(rule_set, articles)
    with clock.stage("novelty"):
        report = novelty_task(engine, articles, matches, rule_set, config, started, health_events)
    with clock.stage("deliver"):
        delivered = deliver_task(engine, config)
    summary = summarize_run(engine, started, sources, due, fetched, parsed, rule_set, articles, matches, report,
                            delivered, clock.as_tuple())
    create_markdown_artifact(summary.to_markdown(), key="vigie-run", description="vigie monitoring run")
    return summary
