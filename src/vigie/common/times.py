"""Time: aware UTC datetimes, durations as people write them, and exponential backoff.

Every datetime vigie stores or compares is timezone-aware UTC (SQLite hands naive ones
back: ``utc`` repairs them). Durations in YAML are written ``90s``, ``15m``, ``72h``,
``7d`` or ``1h30m``. Feed health and delivery retries wait the same way: ``backoff``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import overload
from zoneinfo import ZoneInfo

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """Parse ``"1h30m"``-style text (or plain seconds) into a timedelta.

    Raises ValueError with the accepted forms when the text is not one of them.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    text = str(value).strip().replace(" ", "")
    pos, seconds = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        seconds += float(m.group(1)) * _UNITS[m.group(2).lower()]
        pos = m.end()
    if not text or pos != len(text):
        raise ValueError(f"not a duration: {value!r} (expected e.g. 30s, 15m, 72h, 7d, 1h30m)")
    return timedelta(seconds=seconds)


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime; a naive one (as SQLite returns them) is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after ``attempts`` failures in a row: 0 for none, then base, 2*base, 4*base ... at most ``cap``."""
    if attempts <= 0:
        return timedelta(0)
    return min(cap, base * (2 ** min(attempts - 1, 30)))


def format_duration(value: timedelta) -> str:
    """A duration as people write it in vigie.yaml: ``15m``, ``1h30m``, ``90d``, ``45s`` (``0s`` for none)."""
    seconds = int(round(value.total_seconds()))
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def local_time(value: datetime | None, tz: str, missing: str = "-") -> str:
    """``value`` on the wall clock of ``tz`` with the zone's name: ``2026-12-02 19:05 CET`` (``missing`` for None).

    A naive value (as SQLite returns them) is taken as UTC.
    """
    if value is None:
        return missing
    return utc(value).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")
