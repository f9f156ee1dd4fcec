"""Feed-health alerts: a feed went down, or came back, told to the operations targets.

``vigie.ingest.health.record_polls`` returns its events as values, in the novelty
transaction, and repeats an unacknowledged one on every run. Here a feed's reported state
(``feeds.reported_down``) flips in the same transaction as its alert is recorded,
and only the run that flips it records the alert: one alert per outage and one per
recovery, whatever the retries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping

from sqlalchemy import Connection, update

from vigie.common.times import utc
from vigie.config import Config
from vigie.delivery.outbox import record_alert
from vigie.delivery.routing import route
from vigie.ingest.health import HealthEvent
from vigie.models import AlertPayload
from vigie.store import schema as t

HEALTH_RULE = "_feed_health"


def record_health_alert(
    conn: Connection, event: HealthEvent, config: Config, now: datetime, source_names: Mapping[str, str]
) -> int | None:
    """Flip the feed's reported state and record its alert, in the caller's transaction.

    Returns the new alert's id, or None when the state was already reported (or the
    same event was recorded before).
    """
    name = source_names.get(event.source_id) or event.source_id
    down = event.kind == "down"
    f = t.feeds
    flipped = conn.execute(
        update(f).where(f.c.source_id == event.source_id, f.c.reported_down == (not down))
        .values(reported_down=down).returning(f.c.source_id)
    ).first()
    if flipped is None:
        return None
    at = utc(event.at)
    title = f"Feed {'down' if down else 'recovered'}: {name}"
    severity = "warning" if down else "info"
    return record_alert(
        conn,
        # The event's time is part of its identity: a retried run records it once, a
        # later outage of the same feed is a new alert.
        dedupe_key=f"health:{event.kind}:{event.source_id}:{at.isoformat()}",
        rule_id=HEALTH_RULE,
        kind="feed_health",
        title=title,
        payload=AlertPayload(kind="feed_health", rule_id=HEALTH_RULE, rule_name="feed health", headline=title,
                             source=name, source_id=event.source_id, state=event.kind, message=event.message,
                             consecutive_failures=event.consecutive_failures, last_error=event.last_error,
                             severity=severity, published=at, url=None),
        created_at=now,
        # Operations routing (config.health.notify); never an empty list, so a dead feed is always heard of.
        targets=route(config, operations=True),
        severity=severity,
    )
