"""Durations as people write them in YAML: ``90s``, ``15m``, ``72h``, ``7d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

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
