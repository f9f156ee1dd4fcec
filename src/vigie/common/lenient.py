"""Reading JSON written by another version: a missing or odd value takes a default, never raises.

Alert payloads are stored as JSON and read back by later versions of vigie; these
helpers turn what is there into typed values.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar


def text(value: object, default: str = "") -> str:
    """``value`` as text; ``default`` when it is missing."""
    return default if value is None else str(value)


def maybe_text(value: object) -> str | None:
    """``value`` as text, or None when it is missing."""
    return None if value is None else str(value)


def texts(value: object) -> tuple[str, ...]:
    """A JSON list as a tuple of texts; () when it is not a list."""
    return tuple(str(x) for x in value) if isinstance(value, (list, tuple)) else ()


N = TypeVar("N", int, float)


def number(value: object, kind: type[N]) -> N | None:
    """``value`` as an int or float; None when it is missing or not a number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time; None when it is missing or unreadable."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
