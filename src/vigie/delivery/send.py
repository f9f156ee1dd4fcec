"""Delivery: send the due deliveries of the outbox through apprise, one target at a time.

For every target with due deliveries (immediate alerts, and digests whose window
has closed) the deliverer

1. claims a message's deliveries with a conditional UPDATE and a lease
   (``vigie.delivery.outbox.claim``): an overlapping run, or a second worker on PostgreSQL,
   cannot claim the same rows, and a killed run's claim expires with its lease;
2. renders the message for the target's channel (``vigie.delivery.render``) within the
   limits apprise gives for that service;
3. sends it with its own ``apprise.Apprise()`` object holding that one URL, while
   ``vigie.delivery.apprise_log`` captures what apprise said, so the result is this
   target's result and a failure carries its reason (apprise's DEBUG lines stay in the
   capture: they quote the target's URL and the payload);
4. marks the deliveries sent only when apprise returned True; otherwise counts the
   attempt and schedules a retry with exponential backoff (``config.delivery``),
   until ``max_attempts`` marks them failed -- reported once, by the run that gave up.

One target failing (SMTP down, Slack 500/429, an invalid URL) never stops the others
and never raises: it shows up in the ``DeliveryReport``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from vigie.delivery import console_target
from vigie.delivery.apprise_log import captured, failure_reason, redact
from vigie.delivery import outbox
from vigie.delivery.backlog import Backlog, backlog
from vigie.config import Config, TargetConfig
from vigie.errors import StoreError
from vigie.models import Alert
from vigie.common.times import utc
from vigie.delivery.outbox import DueDelivery
from vigie.delivery.routing import effective_targets
from vigie.delivery.render import SLACK_LIMITS, Channel, Limits, render, template_dirs

if TYPE_CHECKING:  # apprise is imported when a message goes out: a run with nothing to send never loads it
    from apprise import Apprise

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)
_URGENT = {"warning", "high", "critical", "urgent"}


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one message (one alert, or one digest) for one target."""

    target: str
    alert_ids: tuple[int, ...]
    delivery_ids: tuple[int, ...]
    status: Literal["sent", "pending", "failed"]
    reason: str = ""
    attempts: int = 0


@dataclass(frozen=True)
class DeliveryReport:
    sent: tuple[DeliveryOutcome, ...] = ()
    pending: tuple[DeliveryOutcome, ...] = ()  # tried in this pass, will be retried later; reason says why
    failed: tuple[DeliveryOutcome, ...] = ()  # gave up in this run (reported once)
    backlog: Backlog = Backlog()  # every delivery still pending after the pass, by what it waits for

    @property
    def sent_count(self) -> int:
        return sum(len(o.delivery_ids) for o in self.sent)

    @property
    def failed_count(self) -> int:
        return sum(len(o.delivery_ids) for o in self.failed)

    def summary(self, tz: str = "UTC") -> str:
        """``5 deliveries sent in 3 messages, 1 pending (1 held for a digest, due ...), 0 failed``."""
        return (f"{self.sent_count} deliveries sent in {len(self.sent)} messages, "
                f"{self.backlog.describe(tz)}, {self.failed_count} failed")


def deliver_pending(
    engine: Engine,
    config: Config,
    now: datetime,
    *,
    worker: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> DeliveryReport:
    """Send every delivery due at ``now``; see the module docstring for the guarantees.

    Raises StoreError only when the store itself fails; a target's failure is a value
    in the report.
    """
    try:
        return _deliver(engine, config, utc(now), worker, lease)
    except SQLAlchemyError as exc:
        raise StoreError(f"delivery: the store failed: {exc.__class__.__name__}: {exc}") from exc


def _deliver(engine: Engine, config: Config, now: datetime, worker: str | None, lease: timedelta) -> DeliveryReport:
    started = time.monotonic()
    token = f"{worker or socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    targets = {tc.name: tc for tc in effective_targets(config)}
    names = {s.id: s.name for s in config.source_objects()}
    by_target: dict[str, list[DueDelivery]] = {}
    for due in outbox.due_deliveries(engine, now):
        by_target.setdefault(due.delivery.target, []).append(due)

    sent: list[DeliveryOutcome] = []
    pending: list[DeliveryOutcome] = []
    failed: list[DeliveryOutcome] = []
    for name, dues in by_target.items():
        tc = targets.get(name)
        if tc is None:
            # Left untouched: configuring the target again delivers them.
            pending.append(DeliveryOutcome(name, tuple(d.alert.id for d in dues), tuple(d.delivery.id for d in dues),
                                           "pending", f"target {name!r} is not in the configuration"))
            continue
        sender = _Sender(tc, config)
        for unit in _units(dues):
            ids = [d.delivery.id for d in unit]
            # The lease starts when the claim is taken, not when the run started: a long
            # run's late claims must not be born expired (and up for grabs).
            claimed_at = now + timedelta(seconds=time.monotonic() - started)
            won = outbox.claim(engine, ids, token, claimed_at, lease)
            unit = [d for d in unit if d.delivery.id in won]
            if not unit:
                continue  # another run holds them
            alerts = outbox.with_current_story(engine, [d.alert for d in unit], names)
            ids = [d.delivery.id for d in unit]
            ok, reason = sender.send(alerts, now)
            outcome_ids = (tuple(a.id for a in alerts), tuple(ids))
            if ok:
                outbox.mark_sent(engine, ids, token, now)
                sent.append(DeliveryOutcome(name, *outcome_ids, "sent", attempts=unit[0].delivery.attempts + 1))
                continue
            given_up = outbox.mark_failure(engine, ids, token, now, reason, max_attempts=config.delivery.max_attempts,
                                           base=config.delivery.backoff_base, cap=config.delivery.backoff_max)
            attempts = unit[0].delivery.attempts + 1
            if given_up:
                log.warning("delivery failed for good: target %s, alerts %s: %s", name, list(outcome_ids[0]), reason)
                failed.append(DeliveryOutcome(name, *outcome_ids, "failed", reason, attempts))
            else:
                log.info("delivery will be retried: target %s, alerts %s: %s", name, list(outcome_ids[0]), reason)
                pending.append(DeliveryOutcome(name, *outcome_ids, "pending", reason, attempts))
    return DeliveryReport(tuple(sent), tuple(pending), tuple(failed), backlog(engine, now))


def _units(dues: Sequence[DueDelivery]) -> list[list[DueDelivery]]:
    """Messages for one target: each immediate alert alone; digest alerts grouped by rule and window."""
    units: list[list[DueDelivery]] = []
    digests: dict[tuple[str, datetime], list[DueDelivery]] = {}
    for d in dues:
        if d.digest_due_at is None:
            units.append([d])
        else:
            digests.setdefault((d.alert.rule_id, d.digest_due_at), []).append(d)
    units.extend(digests.values())
    return units


class _Sender:
    """One target: its own Apprise object, channel and limits."""

    def __init__(self, tc: TargetConfig, config: Config) -> None:
        self.tc = tc
        self.config = config
        self.error: str | None = None
        with captured(logging.WARNING, tc.url.get_secret_value()) as cap:
            apobj = self._new()
        if apobj is None:
            scheme = tc.url.get_secret_value().split(":", 1)[0]
            reason = failure_reason(cap.getvalue(), tc.url.get_secret_value()) or "unknown or invalid URL"
            self.error = f"apprise does not accept the URL of target {tc.name!r} ({scheme}://…): {reason}"
            return
        plugin = apobj[0]
        self.channel = _channel(tc, plugin)
        if self.channel == "slack":
            self.limits = SLACK_LIMITS
        else:
            self.limits = Limits(title=int(plugin.title_maxlen or 250) or 250, body=min(int(plugin.body_maxlen or 32768), 200_000))

    def _new(self) -> Apprise | None:
        """A fresh Apprise object holding only this target's URL.

        Fresh per message: apprise throttles consecutive sends of one plugin
        instance (5.5 s for e-mail), which would stall a run delivering a backlog;
        digests, not throttling, keep the message count low.
        """
        from apprise import Apprise, AppriseAsset

        console_target.register()  # vigie:// known to apprise before the URL is read (loads apprise's plugins)
        apobj = Apprise(asset=AppriseAsset(async_mode=False))
        if not apobj.add(self.tc.url.get_secret_value()) or len(apobj) != 1:
            return None
        from apprise.plugins.slack import NotifySlack

        if isinstance(apobj[0], NotifySlack):
            # Block Kit: apprise passes the body to Slack as written, so the escaping
            # done by vigie.delivery.render is the only one (the legacy path turns
            # "&lt;!channel&gt;"-like text back into a mention).
            apobj[0].use_blocks = True
        return apobj

    def send(self, alerts: Sequence[Alert], now: datetime) -> tuple[bool, str]:
        """Send one message; (True, "") only when apprise says this target took it."""
        if self.error is not None:
            return False, self.error
        try:
            rendered = render(alerts, self.channel, limits=self.limits, tz=self.config.timezone,
                              user_dirs=template_dirs(self.config.data_dir, self.config.path))
        except Exception as exc:  # noqa: BLE001 - a broken user template fails this target, not the run
            return False, f"rendering for target {self.tc.name!r} failed: {exc.__class__.__name__}: {exc}"
        from apprise import NotifyFormat, NotifyType

        objects = [_json(a, self.tc.name, now) for a in alerts]
        urgent = any(a.payload.severity.lower() in _URGENT for a in alerts)
        try:
            apobj = self._new()
            if apobj is None:
                return False, f"apprise does not accept the URL of target {self.tc.name!r}"
            with captured(logging.DEBUG, self.tc.url.get_secret_value()) as cap, \
                    console_target.console_context(objects, self.config.alerts_file):
                ok = apobj.notify(
                    body=rendered.body,
                    title=rendered.title,
                    body_format=NotifyFormat(rendered.body_format),
                    notify_type=NotifyType.WARNING if urgent else NotifyType.INFO,
                )
        except Exception as exc:  # noqa: BLE001 - a plugin bug fails this target, not the run
            return False, f"{self.tc.name}: {exc.__class__.__name__}: {exc}"
        if ok:
            return True, ""
        return False, f"{self.tc.name}: {failure_reason(cap.getvalue(), self.tc.url.get_secret_value()) or 'apprise reported a failure'}"


def _channel(tc: TargetConfig, plugin: object) -> Channel:
    if tc.format == "text":
        return "text"
    if tc.format == "markdown":
        return "markdown"
    if tc.format == "html":
        return "email"
    from apprise import NotifyFormat
    from apprise.plugins.email import NotifyEmail
    from apprise.plugins.slack import NotifySlack

    if isinstance(plugin, NotifySlack):
        return "slack"
    if isinstance(plugin, NotifyEmail):
        return "email"
    fmt = getattr(plugin, "notify_format", NotifyFormat.TEXT)
    if fmt == NotifyFormat.MARKDOWN:
        return "markdown"
    if fmt == NotifyFormat.HTML:
        return "email"
    return "text"


def _json(alert: Alert, target: str, now: datetime) -> dict[str, object]:
    return {
        "alert_id": alert.id,
        "kind": alert.kind,
        "rule_id": alert.rule_id,
        "title": alert.title,
        "created_at": alert.created_at.isoformat(),
        "story_id": alert.story_id,
        "article_id": alert.article_id,
        "target": target,
        "sent_at": now.isoformat(),
        "payload": alert.payload.to_json(),
    }


__all__ = ["DeliveryOutcome", "DeliveryReport", "deliver_pending", "redact"]
