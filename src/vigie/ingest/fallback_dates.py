"""The last resort for a date string feedparser could not read: dateparser, in the feed's language.

feedparser (with ``loose_dates``) reads RFC 822 and W3C dates and their common local variants; a
feed that writes its dates another way (``22 января 2014 г., 20:31``, ``24 de setembro de 2018``)
would leave its articles undated. dateparser reads such strings in some 200 languages. It is only
asked when feedparser gave nothing, and only for absolute dates with a day, a month and a year:
"today" or "2 hours ago" would date an article by the poll, not by its publisher, so they stay
unknown, like any string dateparser cannot read. A date without a zone is read as UTC, as
``loose_dates`` does; the result is always UTC (``normalize`` then refuses dates in the future).

dateparser is imported on first use (it takes a fifth of a second) and its answers are cached:
a feed repeats the same strings on every poll. May import: ``vigie.ingest.language`` and dateparser.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any

from vigie.ingest.language import normalize_code

_SETTINGS = {
    "TIMEZONE": "UTC",  # no zone in the string: UTC, like loose_dates
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "STRICT_PARSING": True,  # day, month and year all written, or no date
    "PARSERS": ["custom-formats", "absolute-time"],  # no "yesterday", no "3 hours ago", no bare timestamps
}
MAX_LENGTH = 80  # a date string; anything longer is a sentence that merely contains one


@functools.lru_cache(maxsize=4096)
def _parse(text: str, language: str | None) -> datetime | None:
    import dateparser

    try:
        when: Any = dateparser.parse(text, languages=[language] if language else None, settings=_SETTINGS)
    except Exception:  # noqa: BLE001 - a library bug on one odd string must not stop a feed
        return None
    if not isinstance(when, datetime) or when.tzinfo is None:
        return None
    return when.astimezone(timezone.utc)


def fallback_date(text: Any, language: Any = None) -> datetime | None:
    """The UTC date that ``text`` writes, read by dateparser in ``language`` (a hint such as ``ru`` or
    ``pt-BR``; without one dateparser guesses); None when it is not a readable absolute date."""
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    if not text or len(text) > MAX_LENGTH or not any(c.isdigit() for c in text):
        return None
    lang = normalize_code(language) if isinstance(language, str) else None
    when = _parse(text, lang)
    if when is None and lang:
        when = _parse(text, None)  # a feed that declares the wrong language still has readable dates
    return when
