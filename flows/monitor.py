"""The monitoring flow: vigie's stages as Prefect tasks, and nothing else.

    sources -> fetch -> parse -> normalize -> (full text) -> match -> novelty+outbox+feed health -> deliver

Each stage is a plain function of ``vigie.runtime.cycle``; this module only wraps them
as Prefect tasks and hands them to ``cycle.run_cycle``, which owns the order (the same
order the tests and benchmarks run without Prefect). Stages take and return typed objects.

Timeouts come from ``timeouts`` of ``vigie.yaml``: ``stage`` for every task (set when the
run has read its configuration), ``run`` for the flow (``prefect_env.run_timeout``, read
when this module is imported). A timed-out run fails and frees its slot for the next one.

Retries only where a task can meet an error that passes: the three stages that write or read
the store in one transaction (select-sources, novelty, deliver), and only for a transient
store error (``store.transient``). Fetch and full text never raise: a feed that fails is a
value, retried at the next run with the feed's backoff; a task retry would refetch every
feed, the ones that answered too. The other stages are pure or read files: what fails there
fails again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from vigie.runtime import prefect_env

prefect_env.apply()

from prefect import Task, flow, get_run_logger, task  # noqa: E402  (telemetry off first)
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from vigie import rules  # noqa: E402
from vigie.config import Config, load_config  # noqa: E402
from vigie.runtime import cycle, logmask  # noqa: E402
from vigie.runtime.summary import RunSummary  # noqa: E402
from vigie.store import connect  # noqa: E402
from vigie.store.transient import retry_when_transient  # noqa: E402

# Every task has cache_policy=NO_CACHE: stage inputs are engines, matchers and lists of
# articles, not worth hashing, and a monitoring cycle must never be served from a cache.


@task(name="load-rules", cache_policy=NO_CACHE)
def load_rules_task(config: Config) -> rules.RuleSet:
    rule_set, _ = rules.load_compiled(config.rules, config.data_dir / "cache")  # compiled once while unchanged
    logger = get_run_logger()
    for error in rule_set.errors:
        logger.error("rule file skipped: %s", error)
    return rule_set


# Retried only on a transient store error (see the module docstring); every task gets the stage timeout.
TASKS: dict[str, Task[..., Any]] = {
    "load_rules": load_rules_task,
    "select_sources": task(name="select-sources", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5,
                           retry_condition_fn=retry_when_transient)(cycle.select_sources),
    "fetch": task(name="fetch", cache_policy=NO_CACHE)(cycle.fetch_due),
    "parse": task(name="parse", cache_policy=NO_CACHE)(cycle.parse_all),
    "normalize": task(name="normalize", cache_policy=NO_CACHE)(cycle.normalize_all),
    "full_text": task(name="full-text", cache_policy=NO_CACHE)(cycle.full_text),
    "match": task(name="match", cache_policy=NO_CACHE)(cycle.match_all),
    "novelty": task(name="novelty", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5,
                    retry_condition_fn=retry_when_transient)(cycle.record_novelty),
    "deliver": task(name="deliver", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30,
                    retry_condition_fn=retry_when_transient)(cycle.deliver),
}


def timed_tasks(config: Config) -> dict[str, Task[..., Any]]:
    """The tasks, each with the configuration's stage timeout."""
    limit = config.timeouts.stage.total_seconds()
    return {name: t.with_options(timeout_seconds=limit) for name, t in TASKS.items()}


def _quoted(stage: Task[..., Any]) -> Callable[..., Any]:
    """The task called with every argument in ``quote()``: Prefect otherwise walks each argument, down into
    every field of every Article, to find futures to resolve (about 6 CPU-s for 50,000 articles, bench_prefect);
    ours are values."""
    def call(*args: Any) -> Any:
        return stage(*(quote(a) for a in args))

    return call


def flow_stages(config: Config) -> cycle.Stages:
    """The timed tasks, each called with its arguments quoted."""
    return cycle.Stages(**{name: _quoted(t) for name, t in timed_tasks(config).items()})


@flow(name="vigie-monitor", log_prints=True, timeout_seconds=prefect_env.run_timeout())
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


def _scheduled_time(started: datetime) -> datetime:
    """The slot of the schedule this run is for: the runs of one slot (several schedules of one deployment,
    ``sharing.runs``) share its feeds out, each fetched once (``vigie.ingest.leases``)."""
    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    return scheduled if isinstance(scheduled, datetime) else started


def _cycle(config: Config, engine: Engine, started: datetime) -> RunSummary:
    """The stages in ``vigie.runtime.cycle``'s order, each a task; the summary becomes the run's artifact."""
    summary = cycle.run_cycle(config, engine, started, flow_stages(config), cycle_at=_scheduled_time(started))
    # The description is the run's one line: `vigie serve` prints it when the run ends.
    create_markdown_artifact(summary.to_markdown(), key="vigie-run", description=summary.one_line())
    return summary
