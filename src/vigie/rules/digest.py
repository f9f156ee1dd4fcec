"""The ``digest`` setting of a rule: the one grammar, checked where the rule file is loaded.

A rule's ``digest`` is one of::

    immediate            deliver on the next run
    hourly               collect until the next full hour, then send one message
    daily at HH:MM       collect until the next HH:MM (00:00 to 23:59) in the configured time zone

Nothing else is accepted (no other spelling, case or spacing), so what the rule
file checks is exactly what delivery reads. When a window closes is computed by
:func:`vigie.delivery.digest.window_end`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal

DigestKind = Literal["immediate", "hourly", "daily"]

_GRAMMAR = re.compile(r"(?P<kind>immediate|hourly)|daily at (?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)")


@dataclass(frozen=True)
class DigestSpec:
    kind: DigestKind
    at: time | None = None  # the time of day, for "daily"


def parse_digest(spec: str) -> DigestSpec:
    """Parse a digest setting; ValueError (what a rule model's validator raises) names the accepted forms."""
    m = _GRAMMAR.fullmatch(spec)
    if m is None:
        raise ValueError(f"invalid digest {spec!r}: use immediate, hourly or 'daily at HH:MM'")
    if m["kind"] == "immediate":
        return DigestSpec("immediate")
    if m["kind"] == "hourly":
        return DigestSpec("hourly")
    return DigestSpec("daily", time(int(m["hour"]), int(m["minute"])))
