"""Checked setting values for the pydantic models of vigie.yaml: durations, seconds, counts.

Every number of a hand-written file is checked for its type (no ``true`` or text
where a count belongs) and its bounds: a zero or negative timeout, size, count or
delay would stall or hammer a scheduled run instead of failing at load time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from vigie.common.times import parse_duration


def duration(value: Any) -> timedelta:
    """parse_duration, with a duration too large for a timedelta as a ValueError pydantic reports."""
    try:
        return parse_duration(value)
    except OverflowError:
        raise ValueError(f"duration out of range: {value!r}") from None


def at_least(minimum: timedelta, hint: str) -> AfterValidator:
    """A pydantic check that a duration is ``minimum`` or more (``hint``: how to say it)."""
    def check(value: timedelta) -> timedelta:
        if value < minimum:
            raise ValueError(f"must be at least {hint}")
        return value
    return AfterValidator(check)


PositiveDuration = Annotated[timedelta, BeforeValidator(duration), at_least(timedelta(seconds=1), "1s")]
Backoff = Annotated[timedelta, BeforeValidator(duration), at_least(timedelta(0), "0s")]  # 0: retry at every run
Seconds = Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)]  # a network timeout: over an hour is a mistake
Count = Annotated[int, Strict(), Field(ge=1)]
