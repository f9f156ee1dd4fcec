"""RSS 0.9x, RSS 1.0 (RDF), RSS 2.0, Atom and CDF documents, read by feedparser.

feedparser reads the bytes with the response headers, so a declared charset counts. Not
well-formed but readable XML still gives its entries, with the parser's complaint as a
warning. Its strict parser refuses external entities, and expat (2.4+) stops
entity-expansion bombs; the loose fallback leaves entities unexpanded.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from vigie.errors import ParseError
from vigie.ingest import loose_dates
from vigie.ingest.fallback_dates import fallback_date
from vigie.ingest.textclean import fold_whitespace, html_to_text
from vigie.models import Document, Entry

# The first element after the XML prolog (declaration, comments, processing instructions, doctype).
# The prolog loop is possessive (*+): hostile bytes cannot make it backtrack.
_ROOT_ELEMENT = re.compile(
    rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*+>)*+<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)",
    re.DOTALL | re.IGNORECASE)
# RSS 0.9x/2.0, Atom, RSS 0.90/1.0 (rdf:RDF) and CDF roots.
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class FeedDocument:
    """What one feed document gave: its entries, the parser's warnings, the feed's title."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    title: str | None = None


def utc_from_struct(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC struct_times."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def root_element(body: bytes) -> str | None:
    """The lower-cased local name of a document's first element; None when it has none (plain text)."""
    # Dropping NUL bytes turns UTF-16 and UTF-32 markup into ASCII enough to read a tag name.
    head = body[:65536].replace(b"\x00", b"")
    for bom in _BOMS:
        head = head.removeprefix(bom)
    found = _ROOT_ELEMENT.match(head)
    return found.group(1).decode("ascii", "replace").lower() if found else None


def _pick_content(e: Mapping[str, Any]) -> tuple[str, str]:
    """(value, type) of the full content: the HTML one when the entry has several."""
    contents = e.get("content") or []
    if not contents:
        return "", "text/html"
    best = next((c for c in contents if "html" in (c.get("type") or "")), contents[0])
    return best.get("value") or "", best.get("type") or "text/html"


def _authors(e: Mapping[str, Any]) -> tuple[str, ...]:
    names = [a.get("name") or a.get("email") or "" for a in e.get("authors") or [] if isinstance(a, Mapping)]
    if not any(names) and e.get("author"):
        names = [e["author"]]
    return tuple(dict.fromkeys(fold_whitespace(html_to_text(n), single_line=True) for n in names if n))


def _tags(e: Mapping[str, Any]) -> tuple[str, ...]:
    terms = [t.get("term") or t.get("label") or "" for t in e.get("tags") or [] if isinstance(t, Mapping)]
    return tuple(dict.fromkeys(fold_whitespace(html_to_text(t), single_line=True) for t in terms if t and t.strip()))


def _warning(location: str, exc: object) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{location}: {exc.__class__.__name__}: {text}".rstrip(": ")


def parse_xml_feed(doc: Document, source_id: str, language: str | None = None) -> FeedDocument:
    """Entries of an RSS, Atom or RDF document (feedparser); ParseError when it is not a feed."""
    headers = {k.lower(): v for k, v in doc.headers.items()}
    if doc.content_type and "content-type" not in headers:
        headers["content-type"] = doc.content_type
    d = loose_dates.register().parse(doc.body, response_headers=headers)
    warnings = [_warning(doc.location, d.get("bozo_exception"))] if d.get("bozo") else []
    feed = d.get("feed") or {}
    # Nothing recognised at all (an HTML page, Markdown or plain text, an empty body, JSON sent as
    # XML): an error for this feed. A feed with no items is fine ("no entries" is a value), but only
    # when its root element says it is one: feedparser's loose parser guesses a version from any
    # "<rss" it meets in plain text, and reads an HTML page's <body> as a feed's summary.
    if not d.entries and root_element(doc.body) not in FEED_ROOTS:
        why = f" ({warnings[0].split(': ', 1)[1]})" if warnings else ""
        raise ParseError(doc.location, f"not a feed: no RSS, Atom, RDF or JSON Feed entries found{why}")
    declared = language or feed.get("language") or None
    feed_base = headers.get("content-location") or doc.location
    entries = []
    for e in d.entries:
        title_detail = e.get("title_detail") or {}
        summary_detail = e.get("summary_detail") or {}
        content, content_type = _pick_content(e)
        if not content and isinstance(e.get("full-text"), str):
            content = e["full-text"]  # ukr.net feeds carry the whole article in a non-standard <full-text>
        summary = e.get("summary") or ""
        entry_lang = language or title_detail.get("language") or summary_detail.get("language") or declared
        if content and summary and content.strip() == summary.strip():
            content = ""  # feedparser copies one into the other: keep the summary and the full content apart
        entries.append(Entry(
            source_id=source_id,
            guid=(e.get("id") or "").strip() or None,
            link=(e.get("link") or "").strip() or None,
            title=e.get("title") or "",
            summary=summary,
            content=content,
            # A date string feedparser could not read goes to dateparser, in the entry's language.
            published=utc_from_struct(e.get("published_parsed")) or fallback_date(e.get("published"), entry_lang),
            # dict.get: feedparser's own get() falls back from "updated" to "published", and an
            # RSS item with only a pubDate has not been updated.
            updated=(utc_from_struct(dict.get(e, "updated_parsed"))
                     or fallback_date(dict.get(e, "updated"), entry_lang)),
            authors=_authors(e),
            tags=_tags(e),
            language=entry_lang,
            base_url=summary_detail.get("base") or title_detail.get("base") or feed_base,
            content_type=summary_detail.get("type") or content_type or "text/html",
        ))
    title = feed.get("title")
    return FeedDocument(tuple(entries), tuple(warnings), html_to_text(title, single_line=True) if title else None)
