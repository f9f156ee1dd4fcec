"""The monitoring flow: vigie's stages as Prefect tasks, and nothing else.

    sources -> fetch -> parse -> normalize -> (full text) -> match -> novelty+outbox+feed health -> deliver

Each stage is a plain function of ``vigie.runtime.cycle``; this module only wraps them
as Prefect tasks (retries on the stages that talk to the network or the store) and
hands them to ``cycle.run_cycle``, which owns the order (the same order the tests and
benchmarks run without Prefect). Stages take and return typed objects.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from vigie.runtime import prefect_env

prefect_env.apply()

from prefect import flow, get_run_logger, task  # noqa: E402  (telemetry off first)
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from vigie import rules  # noqa: E402
from vigie.config import Config, load_config  # noqa: E402
from vigie.runtime import cycle, logmask  # noqa: E402
from vigie.runtime.summary import RunSummary  # noqa: E402
from vigie.store import connect  # noqa: E402

# Every task has cache_policy=NO_CACHE: stage inputs are engines, matchers and lists of
# articles, not worth hashing, and a monitoring cycle must never be served from a cache.


@task(name="load-rules", cache_policy=NO_CACHE)
def load_rules_task(config: Config) -> rules.RuleSet:
    rule_set, _ = rules.load_compiled(config.rules, config.data_dir / "cache")  # compiled once while unchanged
    logger = get_run_logger()
    for error in rule_set.errors:
        logger.error("rule file skipped: %s", error)
    return rule_set


select_sources_task = task(name="select-sources", cache_policy=NO_CACHE)(cycle.select_sources)
fetch_task = task(name="fetch", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE)(cycle.fetch_due)
parse_task = task(name="parse", cache_policy=NO_CACHE)(cycle.parse_all)
normalize_task = task(name="normalize", cache_policy=NO_CACHE)(cycle.normalize_all)
full_text_task = task(name="full-text", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)(cycle.full_text)
match_task = task(name="match", cache_policy=NO_CACHE)(cycle.match_all)
novelty_task = task(name="novelty", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)(cycle.record_novelty)
deliver_task = task(name="deliver", retries=2, retry_delay_seconds=30, cache_policy=NO_CACHE)(cycle.deliver)

R = TypeVar("R")


def _quoted(stage: Callable[..., R]) -> Callable[..., R]:
    """The task called with every argument in ``quote()``: Prefect otherwise walks each argument, down into
    every field of every Article, to find futures to resolve (9 CPU-s for 50,000 articles); ours are values."""
    def call(*args: Any) -> R:
        return stage(*(quote(a) for a in args))

    return call


FLOW_STAGES = cycle.Stages(
    load_rules=_quoted(load_rules_task), select_sources=_quoted(select_sources_task), fetch=_quoted(fetch_task),
    parse=_quoted(parse_task), normalize=_quoted(normalize_task), full_text=_quoted(full_text_task),
    match=_quoted(match_task), novelty=_quoted(novelty_task), deliver=_quoted(deliver_task),
)


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
    """The stages in ``vigie.runtime.cycle``'s order, each a task; the summary becomes the run's artifact."""
    summary = cycle.run_cycle(config, engine, started, FLOW_STAGES)
    create_markdown_artifact(summary.to_markdown(), key="vigie-run", description="vigie monitoring run")
    return summary
