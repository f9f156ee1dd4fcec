"""The alert outbox: alert rows and one delivery row per routed target.

An alert is written in the same transaction as the story change that caused it,
together with one ``deliveries`` row per target it is routed to. Sending happens
later (``vigie.delivery.send``) and is allowed only to the run that *claimed* the
delivery with a conditional UPDATE, so the database, not timing, decides who
sends what:

- ``alerts.dedupe_key`` is unique: recording the same alert twice (a re-run, a
  second worker) inserts nothing the second time;
- ``(alert_id, target)`` is unique: one delivery per target;
- a claim is ``UPDATE ... WHERE status='pending' AND (claimed_until IS NULL OR
  claimed_until < now)``: of two overlapping runs exactly one gets each row, and a
  claim left by a killed run expires with its lease.

Which targets an alert goes to is ``vigie.delivery.routing``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from sqlalchemy import Connection, Engine, Row, func, or_, select, update

from vigie.models import Alert, AlertKind, AlertPayload, Delivery
from vigie.store import schema as t
from vigie.store.db import reader
from vigie.store.sql import insert_ignore, insert_new
from vigie.common.times import backoff, utc


def record_alert(
    conn: Connection,
    *,
    dedupe_key: str,
    rule_id: str,
    kind: AlertKind,
    title: str,
    payload: AlertPayload,
    created_at: datetime,
    targets: Sequence[str],
    severity: str = "info",
    story_id: int | None = None,
    article_id: str | None = None,
    digest_due_at: datetime | None = None,
) -> int | None:
    """Insert an alert and its deliveries inside the caller's transaction.

    Returns the new alert id, or None when an alert with this ``dedupe_key`` exists
    (the caller then records nothing more for it).
    """
    row = conn.execute(
        insert_ignore(
            conn,
            t.alerts,
            dict(
                dedupe_key=dedupe_key[:800],
                rule_id=rule_id,
                kind=kind,
                severity=severity,
                story_id=story_id,
                article_id=article_id,
                title=title,
                payload=payload.to_json(),
                created_at=created_at,
                digest_due_at=digest_due_at,
            ),
        ).returning(t.alerts.c.id)
    ).first()
    if row is None:
        return None
    alert_id = int(row[0])
    for name in dict.fromkeys(targets):
        insert_new(conn, t.deliveries, dict(alert_id=alert_id, target=name, status="pending", attempts=0, next_attempt_at=None))
    return alert_id


def _alert(row: Row[Any], alert_id: int) -> Alert:
    """The Alert of a row holding the alert's columns (``alert_id``: that row's alert id)."""
    return Alert(
        id=alert_id,
        rule_id=row.rule_id,
        kind=row.kind,
        title=row.title,
        created_at=utc(row.created_at),
        article_id=row.article_id,
        story_id=row.story_id,
        payload=AlertPayload.from_json(row.payload),
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.alert_id,
        target=row.target,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=utc(row.next_attempt_at),
        sent_at=utc(row.sent_at),
    )


@dataclass(frozen=True)
class AlertLine:
    """One line of ``vigie alerts list``: an alert and the state of its deliveries."""

    alert: Alert
    deliveries: tuple[Delivery, ...]
    digest_due_at: datetime | None = None

    @property
    def status(self) -> str:
        states = {d.status for d in self.deliveries}
        if not states:
            return "unrouted"
        if "failed" in states:
            return "failed"
        if "pending" in states:
            return "pending"
        return "sent"


def get_alert(engine: Engine, alert_id: int) -> AlertLine | None:
    """One alert with its deliveries, or None."""
    with reader(engine) as conn:
        row = conn.execute(select(t.alerts).where(t.alerts.c.id == alert_id)).first()
        if row is None:
            return None
        dels = conn.execute(select(t.deliveries).where(t.deliveries.c.alert_id == alert_id).order_by(t.deliveries.c.target)).all()
    return AlertLine(_alert(row, row.id), tuple(_delivery(d) for d in dels), utc(row.digest_due_at))


def list_alerts(engine: Engine, *, status: str | None = None, limit: int = 50,
                alert_ids: Sequence[int] | None = None) -> list[AlertLine]:
    """The latest alerts (newest first) with their deliveries; ``status`` filters on the summary state,
    ``alert_ids`` keeps only those alerts (a run's)."""
    with reader(engine) as conn:
        q = select(t.alerts).order_by(t.alerts.c.id.desc())
        if alert_ids is not None:
            q = q.where(t.alerts.c.id.in_(list(alert_ids)))
        if status in ("pending", "failed", "sent"):
            q = q.where(t.alerts.c.id.in_(select(t.deliveries.c.alert_id).where(t.deliveries.c.status == status)))
        rows = conn.execute(q.limit(limit)).all()
        ids = [r.id for r in rows]
        dels: dict[int, list[Delivery]] = {i: [] for i in ids}
        if ids:
            for d in conn.execute(select(t.deliveries).where(t.deliveries.c.alert_id.in_(ids)).order_by(t.deliveries.c.target)):
                dels[d.alert_id].append(_delivery(d))
    lines = [AlertLine(_alert(r, r.id), tuple(dels[r.id]), utc(r.digest_due_at)) for r in rows]
    if status in ("pending", "failed", "sent"):
        lines = [ln for ln in lines if ln.status == status]
    return lines


def retry_failed(engine: Engine, now: datetime, alert_id: int | None = None) -> int:
    """Put failed deliveries (of one alert, or all) back to pending with a fresh attempt count."""
    with engine.begin() as conn:
        q = (
            update(t.deliveries)
            .where(t.deliveries.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
        )
        if alert_id is not None:
            q = q.where(t.deliveries.c.alert_id == alert_id)
        return conn.execute(q).rowcount or 0


def with_current_story(engine: Engine, alerts: Sequence[Alert], source_names: Mapping[str, str]) -> list[Alert]:
    """The alerts with their story's counts and their article's sources as they are now.

    An alert is recorded when the story's first article arrives; the copies from other
    feeds often come minutes later. What is sent says how many sources the story has
    at sending time (a digest in the morning shows the night's syndication).
    """
    story_ids = {a.story_id for a in alerts if a.story_id is not None}
    article_ids = {a.article_id for a in alerts if a.article_id is not None}
    if not story_ids and not article_ids:
        return list(alerts)
    with reader(engine) as conn:
        stories = {r.id: r for r in conn.execute(select(t.stories.c.id, t.stories.c.article_count, t.stories.c.source_count)
                                                 .where(t.stories.c.id.in_(story_ids)))}
        sources: dict[str, set[str]] = {}
        for r in conn.execute(select(t.article_sources.c.article_id, t.article_sources.c.source_id)
                              .where(t.article_sources.c.article_id.in_(article_ids))):
            sources.setdefault(r.article_id, set()).add(source_names.get(r.source_id) or r.source_id)
    out = []
    for a in alerts:
        payload = a.payload
        st = stories.get(a.story_id) if a.story_id is not None else None
        if st is not None:
            payload = replace(payload, story_articles=max(payload.story_articles or 1, st.article_count),
                              story_sources=max(payload.story_sources or 1, st.source_count))
        if a.article_id is not None and a.article_id in sources:
            payload = replace(payload, sources=tuple(sorted(set(payload.sources) | sources[a.article_id])))
        out.append(replace(a, payload=payload))
    return out


# --- claims, used by vigie.delivery.send -------------------------------------------------


@dataclass(frozen=True)
class DueDelivery:
    """A pending delivery whose time has come, with its alert."""

    delivery: Delivery
    alert: Alert
    digest_due_at: datetime | None


def due_deliveries(engine: Engine, now: datetime) -> list[DueDelivery]:
    """Pending deliveries that may be sent at ``now``: not waiting for a retry, a digest
    window, or another run's unexpired claim. Oldest alert first."""
    d, a = t.deliveries, t.alerts
    q = (
        select(d, a.c.rule_id, a.c.kind, a.c.title, a.c.created_at, a.c.article_id, a.c.story_id, a.c.payload, a.c.digest_due_at)
        .join(a, a.c.id == d.c.alert_id)
        .where(
            d.c.status == "pending",
            or_(d.c.next_attempt_at.is_(None), d.c.next_attempt_at <= now),
            or_(a.c.digest_due_at.is_(None), a.c.digest_due_at <= now),
            or_(d.c.claimed_until.is_(None), d.c.claimed_until < now),
        )
        .order_by(a.c.id, d.c.target)
    )
    with reader(engine) as conn:
        rows = conn.execute(q).all()
    return [DueDelivery(_delivery(r), _alert(r, r.alert_id), utc(r.digest_due_at)) for r in rows]


def claim(engine: Engine, delivery_ids: Sequence[int], token: str, now: datetime, lease: timedelta) -> set[int]:
    """Claim the given deliveries for ``token``; return the ids this call won.

    The conditional UPDATE is the lock: a row claimed by another live run, or already
    sent, is not touched, whatever the timing of the two runs.
    """
    if not delivery_ids:
        return set()
    d = t.deliveries
    with engine.begin() as conn:
        conn.execute(
            update(d)
            .where(
                d.c.id.in_(list(delivery_ids)),
                d.c.status == "pending",
                or_(d.c.claimed_until.is_(None), d.c.claimed_until < now),
            )
            .values(claimed_by=token, claimed_until=now + lease)
        )
        won = conn.execute(select(d.c.id).where(d.c.id.in_(list(delivery_ids)), d.c.claimed_by == token, d.c.status == "pending")).scalars()
        return set(won)


def mark_sent(engine: Engine, delivery_ids: Sequence[int], token: str, now: datetime) -> int:
    """Mark claimed deliveries sent (only from the apprise result of their target)."""
    d = t.deliveries
    with engine.begin() as conn:
        return conn.execute(
            update(d)
            .where(d.c.id.in_(list(delivery_ids)), d.c.claimed_by == token, d.c.status == "pending")
            .values(status="sent", sent_at=now, attempts=d.c.attempts + 1, last_error=None, claimed_until=None)
        ).rowcount or 0


def mark_failure(
    engine: Engine, delivery_ids: Sequence[int], token: str, now: datetime, error: str, *, max_attempts: int, base: timedelta, cap: timedelta
) -> list[int]:
    """Record a failed attempt; return the ids that have now reached ``max_attempts`` and are failed for good."""
    d = t.deliveries
    given_up: list[int] = []
    with engine.begin() as conn:
        rows = conn.execute(select(d.c.id, d.c.attempts).where(d.c.id.in_(list(delivery_ids)), d.c.claimed_by == token, d.c.status == "pending")).all()
        for row in rows:
            attempts = row.attempts + 1
            final = attempts >= max_attempts
            conn.execute(
                update(d)
                .where(d.c.id == row.id, d.c.claimed_by == token, d.c.status == "pending")
                .values(
                    attempts=attempts,
                    last_error=error[:4000],
                    status="failed" if final else "pending",
                    next_attempt_at=None if final else now + backoff(attempts, base, cap),
                    claimed_until=None,
                )
            )
            if final:
                given_up.append(row.id)
    return given_up


def counts(engine: Engine) -> dict[str, int]:
    """Deliveries per status."""
    with reader(engine) as conn:
        rows = conn.execute(select(t.deliveries.c.status, func.count()).group_by(t.deliveries.c.status)).all()
    return {s: n for s, n in rows}


__all__ = [
    "AlertLine",
    "DueDelivery",
    "claim",
    "counts",
    "due_deliveries",
    "get_alert",
    "list_alerts",
    "mark_failure",
    "mark_sent",
    "record_alert",
    "retry_failed",
]
