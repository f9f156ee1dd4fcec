"""Digest windows: when an alert recorded now is due for delivery.

A rule's ``digest`` setting (``vigie.models.RulePolicy.digest``) is one of::

    immediate            deliver on the next run
    hourly               collect until the next full hour, then send one message
    daily at HH:MM       collect until the next HH:MM in the configured time zone

The window end is computed when the alert is recorded and stored with it
(``alerts.digest_due_at``), so every alert of one window carries the same due time
and the deliverer groups them by (rule, due time) into one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_DAILY = re.compile(r"^daily(?:\s+at\s+(\d{1,2}):(\d{2}))?$")


@dataclass(frozen=True)
class DigestSpec:
    kind: str  # "immediate" | "hourly" | "daily"
    at: time | None = None  # for "daily"


def parse_digest(spec: str) -> DigestSpec:
    """Parse a digest setting; ValueError names the accepted forms."""
    text = " ".join(str(spec).strip().lower().split())
    if text in ("", "immediate", "now"):
        return DigestSpec("immediate")
    if text == "hourly":
        return DigestSpec("hourly")
    m = _DAILY.match(text)
    if m:
        hour, minute = (int(m.group(1)), int(m.group(2))) if m.group(1) else (8, 0)
        if hour > 23 or minute > 59:
            raise ValueError(f"digest {spec!r}: no such time of day")
        return DigestSpec("daily", time(hour, minute))
    raise ValueError(f"digest {spec!r}: expected 'immediate', 'hourly' or 'daily at HH:MM'")


def window_end(spec: str | DigestSpec, created: datetime, tz: str = "UTC") -> datetime | None:
    """When the digest window holding ``created`` closes (UTC); None for immediate delivery.

    The computation is done in the local time zone so that "daily at 08:00" means
    08:00 on the wall clock of the analysts, also across daylight-saving changes.
    """
    parsed = spec if isinstance(spec, DigestSpec) else parse_digest(spec)
    if parsed.kind == "immediate":
        return None
    zone = ZoneInfo(tz)
    local = created.astimezone(zone)
    if parsed.kind == "hourly":
        nxt = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return nxt.astimezone(timezone.utc)
    assert parsed.at is not None
    candidate = datetime.combine(local.date(), parsed.at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), parsed.at, tzinfo=zone)
    return candidate.astimezone(timezone.utc)
