"""Recording a batch: its story changes and the alerts they call for, in ONE transaction.

``record()`` opens the transaction, applies retention (``vigie.store.retention``),
lets the stories stage store the batch (``vigie.stories.batch``), then writes the
alerts that stage decided on, each with one delivery per routed target
(``vigie.delivery.outbox``), the outcome of each feed's poll (its validators, entries
seen, location and health: ``vigie.ingest.health.record_polls``) and the feed-health
alerts it calls for (``vigie.delivery.health_alerts``). What is stored, what is
announced and what the next poll will consider seen can never disagree: a crash
leaves none of them, a commit leaves all.

``rehearse()`` does the same in a transaction it rolls back, and returns what would have been
alerted (``vigie run --dry-run``): the decision is the real one, and nothing stays.

On PostgreSQL an advisory transaction lock makes concurrent ``record()`` calls take
turns (on SQLite the IMMEDIATE transaction does the same), so two workers never open
two stories for one event; the unique keys make a replayed batch record nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Mapping, Sequence

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from vigie.common.faults import fault_point
from vigie.common.times import utc
from vigie.config import Config
from vigie.delivery.digest import window_end
from vigie.delivery.health_alerts import record_health_alert
from vigie.delivery.outbox import record_alert
from vigie.delivery.payload import story_payload
from vigie.delivery.routing import route
from vigie.errors import StoreError
from vigie.ingest.health import HealthEvent, PollOutcome, record_polls
from vigie.models import Article, Match, RulePolicy
from vigie.store import schema
from vigie.store.retention import purge_alerts_in, purge_in
from vigie.stories.batch import BatchCounts, record_batch
from vigie.stories.story_alerts import StoryAlert

log = logging.getLogger(__name__)

_PG_NOVELTY_LOCK = 7147


@dataclass(frozen=True)
class NoveltyReport(BatchCounts):
    """What one ``record()`` call did: to articles and stories, and the alerts it recorded."""

    alerts: int = 0
    alert_ids: tuple[int, ...] = ()
    purged_articles: int = 0  # forgotten by retention (config.retention)
    health_events: tuple[HealthEvent, ...] = ()  # feeds that went down or came back, each alerted once


def record(
    engine: Engine,
    articles: Sequence[Article],
    matches: Sequence[Match],
    policies: Mapping[str, RulePolicy],
    config: Config,
    now: datetime,
    health_events: Sequence[HealthEvent] = (),
    polls: Sequence[PollOutcome] = (),
) -> NoveltyReport:
    """Store articles, matches, story changes, the feeds' polls and the resulting alerts in one transaction.

    A rule without a policy gets the defaults (alert on new stories and developments,
    immediately, to every target). Calling it again with the same batch records
    nothing new, so a retried task is harmless.
    """
    try:
        with engine.begin() as conn:
            report = _record_in(conn, articles, matches, policies, config, utc(now), health_events, polls)
            fault_point("novelty-commit")  # everything written, nothing committed
    except SQLAlchemyError as exc:
        raise StoreError(f"novelty: recording {len(articles)} articles failed: {exc.__class__.__name__}: {exc}") from exc
    return report


@dataclass(frozen=True)
class WouldAlert:
    """An alert a rehearsal recorded and then rolled back: what a real run would alert, and to whom."""

    rule_id: str
    kind: str
    title: str
    severity: str
    targets: tuple[str, ...]
    digest_due_at: datetime | None  # held for its rule's digest until then


@dataclass(frozen=True)
class Rehearsal(NoveltyReport):
    """What ``record()`` would have done (``vigie run --dry-run``); its ``alert_ids`` are empty: nothing stayed."""

    would_alert: tuple[WouldAlert, ...] = ()


def rehearse(
    engine: Engine,
    articles: Sequence[Article],
    matches: Sequence[Match],
    policies: Mapping[str, RulePolicy],
    config: Config,
    now: datetime,
    polls: Sequence[PollOutcome] = (),
) -> Rehearsal:
    """Do what ``record()`` does in a transaction that is then rolled back, and say what it would alert.

    The same code decides (novelty, dedupe keys, routing, digest windows), so the rehearsal cannot
    disagree with a real run made at the same moment; nothing stays: no article, story, alert,
    feed validator or health row.
    """
    try:
        with engine.connect() as conn:
            txn = conn.begin()
            try:
                report = _record_in(conn, articles, matches, policies, config, utc(now), (), polls)
                would = _would_alert(conn, report.alert_ids)
            finally:
                txn.rollback()
    except SQLAlchemyError as exc:
        raise StoreError(f"novelty: rehearsing {len(articles)} articles failed: {exc.__class__.__name__}: {exc}") from exc
    kept = {f.name: getattr(report, f.name) for f in fields(report)}
    return Rehearsal(**{**kept, "alert_ids": ()}, would_alert=would)


def _record_in(conn: Connection, articles: Sequence[Article], matches: Sequence[Match], policies: Mapping[str, RulePolicy],
               config: Config, now: datetime, health_events: Sequence[HealthEvent], polls: Sequence[PollOutcome]) -> NoveltyReport:
    """Everything ``record()`` writes, inside the caller's transaction."""
    names = {s.id: s.name for s in config.source_objects()}
    alert_ids: list[int] = []
    _take_turns(conn)
    purged = purge_in(conn, now - config.retention)
    purge_alerts_in(conn, now - config.alert_retention)
    batch = record_batch(conn, articles, matches, policies, config.novelty, now)
    for decided in batch.alerts:
        for part, targets in _per_targets(decided, config):
            alert_ids += _ids(_record_story_alert(conn, part, targets, config, now, names))
    events = [*health_events, *record_polls(conn, polls, config.health, now)]
    for event in events:
        alert_ids += _ids(record_health_alert(conn, event, config, now, names))
    return NoveltyReport(**asdict(batch.counts), alerts=len(alert_ids), alert_ids=tuple(alert_ids),
                         purged_articles=purged.articles, health_events=tuple(events))


def _would_alert(conn: Connection, alert_ids: Sequence[int]) -> tuple[WouldAlert, ...]:
    """The alerts ``alert_ids`` as this (uncommitted) transaction sees them, with their targets."""
    if not alert_ids:
        return ()
    a, d = schema.alerts, schema.deliveries
    targets: dict[int, list[str]] = {}
    for row in conn.execute(select(d.c.alert_id, d.c.target).where(d.c.alert_id.in_(alert_ids)).order_by(d.c.target)):
        targets.setdefault(row.alert_id, []).append(row.target)
    rows = conn.execute(select(a).where(a.c.id.in_(alert_ids)).order_by(a.c.id)).all()
    return tuple(WouldAlert(r.rule_id, r.kind, r.title, r.severity, tuple(targets.get(r.id, ())), utc(r.digest_due_at))
                 for r in rows)


def _take_turns(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already excludes other writers
    # Per schema: stores living side by side in one database do not wait for each other.
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_NOVELTY_LOCK}, hashtext(current_schema()))")
    # Every lookup here is by key. A store filling up faster than autovacuum
    # analyzes it (the first runs) would otherwise get sequential scans of the
    # LSH bucket table for each article: 6 ms instead of 0.1 ms per lookup.
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def _ids(alert_id: int | None) -> list[int]:
    return [] if alert_id is None else [alert_id]


def _per_targets(decided: StoryAlert, config: Config) -> list[tuple[StoryAlert, list[str]]]:
    """One alert per set of rules that go to the same targets, with those targets: a target
    gets one message listing its rules, never another rule's."""
    if not decided.firings or not route(config, decided.notify):  # no target at all: recorded, sent to none
        return [(decided, route(config, decided.notify))]
    rules_of: dict[str, frozenset[str]] = {}
    for f in decided.firings:
        for target in route(config, f.policy.notify or f.match.notify):
            rules_of[target] = rules_of.get(target, frozenset()) | {f.match.rule_id}
    by_rules: dict[frozenset[str], list[str]] = {}
    for target, rules in rules_of.items():
        by_rules.setdefault(rules, []).append(target)
    return [(decided.only(rules), targets) for rules, targets in sorted(by_rules.items(), key=lambda x: sorted(x[0]))]


def _record_story_alert(conn: Connection, decided: StoryAlert, targets: list[str], config: Config, now: datetime,
                        source_names: Mapping[str, str]) -> int | None:
    """The alert and its deliveries, with the digest window end when the rule collects a digest."""
    try:
        due = window_end(decided.policy.digest, now, config.timezone)
    except ValueError as exc:
        log.warning("rule %s: %s; delivering immediately", decided.rule_id, exc)
        due = None
    return record_alert(
        conn, dedupe_key=decided.dedupe_key, rule_id=decided.rule_id, kind=decided.kind, title=decided.article.title,
        payload=story_payload(decided, source_names), created_at=now, targets=targets,
        severity=decided.severity, story_id=decided.story_id, article_id=decided.article_id, digest_due_at=due,
    )
