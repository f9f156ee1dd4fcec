"""Dates feedparser does not read: RFC 822-like dates with localized day and month names or a 12-hour clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

_MONTHS = {
    # English, French, Italian, Portuguese, Spanish, German, Dutch: only the forms feeds use.
    "jan": 1, "janv": 1, "gen": 1, "ene": 1, "jän": 1, "jaen": 1,
    "feb": 2, "fev": 2, "fevr": 2, "févr": 2, "fév": 2,
    "mar": 3, "mars": 3, "mär": 3, "mrz": 3, "mrt": 3,
    "apr": 4, "avr": 4, "abr": 4,
    "may": 5, "mai": 5, "mag": 5, "mei": 5,
    "jun": 6, "juin": 6, "giu": 6,
    "jul": 7, "juil": 7, "lug": 7,
    "aug": 8, "aout": 8, "août": 8, "ago": 8,
    "sep": 9, "sept": 9, "set": 9,
    "oct": 10, "ott": 10, "out": 10, "okt": 10,
    "nov": 11,
    "dec": 12, "déc": 12, "dic": 12, "dez": 12,
}
_ZONES = {"gmt": 0, "ut": 0, "utc": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
          "mdt": -360, "pst": -480, "pdt": -420, "cet": 60, "cest": 120, "bst": 60, "msk": 180, "eet": 120, "eest": 180}
_DAY_FIRST = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)?(?P<d>\d{1,2})\.?\s+(?P<m>[^\W\d_]+)\.?,?\s+(?P<y>\d{4}),?\s+"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<z>[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?\s*$")
_MONTH_FIRST = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)?(?P<m>[^\W\d_]+)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4}),?\s+"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<z>[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?\s*$")


def _month(name: str) -> int | None:
    low = name.lower()
    for key in (low, low[:4], low[:3]):
        if key in _MONTHS:
            return _MONTHS[key]
    return None


def parse_loose_date(text: str) -> Any:
    """RFC 822-like dates with localized day/month names or a 12-hour clock, as a UTC 9-tuple
    (feedparser's date-handler contract), or None to let feedparser's own handlers try."""
    m = _DAY_FIRST.match(text) or _MONTH_FIRST.match(text)
    if not m:
        return None
    month = _month(m.group("m"))
    if month is None:
        return None
    hour = int(m.group("H"))
    ampm = (m.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    zone = (m.group("z") or "").lower()
    if zone[:1] in "+-" and zone:
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 60 + int(digits[2:])) * (1 if zone[0] == "+" else -1)
    elif zone:
        if zone not in _ZONES:
            return None
        offset = _ZONES[zone]
    else:
        offset = 0
    try:
        local = datetime(int(m.group("y")), month, int(m.group("d")), hour, int(m.group("M")), int(m.group("S") or 0),
                         tzinfo=timezone.utc)
    except ValueError:
        return None
    return (local - timedelta(minutes=offset)).utctimetuple()


_registered = False


def register() -> Any:
    """feedparser, with ``parse_loose_date`` added to its date handlers (once per process).

    Imported here, by the first feed to parse: a run where every feed answered 304 never loads it."""
    import feedparser

    global _registered
    if not _registered:
        feedparser.registerDateHandler(parse_loose_date)
        _registered = True
    return feedparser
