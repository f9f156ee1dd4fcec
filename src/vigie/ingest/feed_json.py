"""JSON Feed 1.0 and 1.1 documents (feedparser 6 does not read them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from vigie.errors import ParseError
from vigie.ingest import loose_dates
from vigie.ingest.fallback_dates import fallback_date
from vigie.ingest.feed_xml import FeedDocument, utc_from_struct
from vigie.models import Document, Entry

JSON_FEED_PREFIX = "https://jsonfeed.org/version/"


def parse_json_date(value: Any, language: str | None = None) -> datetime | None:
    """RFC 3339 as JSON Feed requires, with feedparser's lenient parser, then dateparser (in
    ``language``), as fallbacks."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        # feedparser 6 keeps its lenient date parser (RFC 822 and the many variants real feeds write) in
        # feedparser.datetimes, not at the package root: the same rules as for XML feeds.
        return utc_from_struct(loose_dates.register().datetimes._parse_date(text)) or fallback_date(text, language)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _text(item: Mapping[str, Any], key: str) -> str:
    """A string member of a JSON Feed item; "" when it is missing or not a string."""
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _json_authors(item: Mapping[str, Any], feed: Mapping[str, Any]) -> tuple[str, ...]:
    raw = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), Mapping) else [])
    if not raw:
        raw = feed.get("authors") or ([feed["author"]] if isinstance(feed.get("author"), Mapping) else [])
    return tuple(str(a.get("name")).strip() for a in raw if isinstance(a, Mapping) and a.get("name"))


def parse_json_feed(doc: Document, source_id: str, language: str | None = None) -> FeedDocument:
    """Entries of a JSON Feed 1.0/1.1 document; ParseError when it is not one."""
    try:
        data = json.loads(doc.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(doc.location, f"not a feed: invalid JSON ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(doc.location, "not a feed: JSON without an 'items' list (expected JSON Feed 1.0/1.1)")
    warnings: list[str] = []
    version = str(data.get("version") or "")
    if not version.startswith(JSON_FEED_PREFIX):
        warnings.append(f"{doc.location}: JSON Feed version {version!r} is not https://jsonfeed.org/version/1[.1]")
    base = data.get("home_page_url") or data.get("feed_url") or doc.location
    declared = language or data.get("language") or None
    entries: list[Entry] = []
    for i, item in enumerate(data["items"]):
        if not isinstance(item, dict):
            warnings.append(f"{doc.location}: item {i} is not an object; skipped")
            continue
        html, text, summary = _text(item, "content_html"), _text(item, "content_text"), _text(item, "summary")
        guid = item.get("id")
        tags = item.get("tags")
        item_lang = language or item.get("language") or declared
        entries.append(Entry(
            source_id=source_id,
            guid=str(guid).strip() or None if guid is not None else None,
            link=item.get("url") or item.get("external_url") or None,
            title=_text(item, "title"),
            summary=summary,
            content=html or text,
            published=parse_json_date(item.get("date_published"), item_lang),
            updated=parse_json_date(item.get("date_modified"), item_lang),
            authors=_json_authors(item, data),
            tags=tuple(str(t) for t in tags if isinstance(t, (str, int, float))) if isinstance(tags, list) else (),
            language=item_lang,
            base_url=base,
            # A summary is plain text in JSON Feed; HTML content is cleaned as HTML.
            content_type="text/html" if html else "text/plain",
        ))
    title = data.get("title") if isinstance(data.get("title"), str) else None
    return FeedDocument(tuple(entries), tuple(warnings), title)
