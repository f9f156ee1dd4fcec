"""Digest windows: when an alert recorded now is due for delivery.

A rule's ``digest`` setting (``vigie.models.RulePolicy.digest``) follows the grammar of
:mod:`vigie.rules.digest` (``immediate``, ``hourly``, ``daily at HH:MM``), checked when
the rule file is loaded.

The window end is computed when the alert is recorded and stored with it
(``alerts.digest_due_at``), so every alert of one window carries the same due time
and the deliverer groups them by (rule, due time) into one message.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from vigie.rules import DigestSpec, parse_digest


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
