"""Parse: fetched bytes to raw entries, whatever the format, never raising for bad bytes.

Dispatch, by document:

- a folder source's file (``.txt``, ``.md``, ``.html``) is one article (see ``parse_article_file``);
- JSON (by content type or first byte) is read as JSON Feed 1.0/1.1, which feedparser 6 does not read;
- everything else goes to feedparser with the response headers, so a declared charset counts:
  RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0, CDF. Not well-formed but readable XML still gives its
  entries, with the parser's complaint as a warning.

A document that gives no entries because it is not a feed at all is an error for that source
only (``Parsed.error``); a real feed with no items is simply empty: "no entries" is a value.

Safety: feedparser's strict parser refuses external entities and expat (2.4+) stops
entity-expansion bombs; the loose fallback leaves entities unexpanded. Markup that survives
into entries is removed later, in ``normalize``, by ``textclean``.
"""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

import feedparser

from vigie.errors import ParseError
from vigie.models import Document, Entry, Fetched, Parsed, SourceKind
from vigie.ingest.textclean import first_sentence, fold_whitespace, html_to_text

JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
TITLE_LINE_MAX = 150  # a first line longer than this is a paragraph, not a title


def parse_fetched(fetched: Fetched) -> Parsed:
    """Entries of one fetched source; its error (or none for "not modified") otherwise."""
    source = fetched.source
    if fetched.status == "error":
        return Parsed(source=source, error=fetched.error or f"{source.location}: fetch failed")
    if fetched.status == "not_modified":
        return Parsed(source=source)
    entries: list[Entry] = []
    warnings: list[str] = []
    errors: list[str] = []
    title: str | None = None
    for doc in fetched.documents:
        try:
            if source.kind == SourceKind.FOLDER:
                entries.append(parse_article_file(doc, source.id, source.language))
                continue
            doc_entries, doc_warnings, doc_title = parse_document(doc, source.id, source.language)
        except ParseError as exc:
            errors.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - bad bytes must never stop the run
            errors.append(str(ParseError(doc.location, f"unexpected {exc.__class__.__name__}: {exc}")))
            continue
        entries.extend(doc_entries)
        warnings.extend(doc_warnings)
        title = title or doc_title
    if source.kind == SourceKind.FOLDER:
        # One unreadable article file is a warning; the folder's other files still count.
        return Parsed(source=source, entries=tuple(entries), warnings=tuple(warnings + errors), feed_title=source.name)
    error = "; ".join(errors) if errors and not entries else None
    if errors and entries:
        warnings.extend(errors)
    return Parsed(source=source, entries=tuple(entries), warnings=tuple(warnings), error=error, feed_title=title)


def looks_like_json(doc: Document) -> bool:
    ctype = (doc.content_type or doc.headers.get("content-type", "") or "").lower()
    if "json" in ctype:
        return True
    head = doc.body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def parse_document(doc: Document, source_id: str, language: str | None = None) -> tuple[list[Entry], list[str], str | None]:
    """(entries, warnings, feed title) of one feed document; ParseError when it is not a feed."""
    if looks_like_json(doc):
        return parse_json_feed(doc, source_id, language)
    return parse_xml_feed(doc, source_id, language)


# -- XML feeds (feedparser) ---------------------------------------------------------------------------------


def _utc_from_struct(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC struct_times."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


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


def parse_xml_feed(doc: Document, source_id: str, language: str | None = None) -> tuple[list[Entry], list[str], str | None]:
    headers = {k.lower(): v for k, v in doc.headers.items()}
    if doc.content_type and "content-type" not in headers:
        headers["content-type"] = doc.content_type
    d = feedparser.parse(doc.body, response_headers=headers)
    warnings = [_warning(doc.location, d.get("bozo_exception"))] if d.get("bozo") else []
    feed = d.get("feed") or {}
    # Nothing recognised at all (an HTML page, an empty body, JSON sent as XML): an error for
    # this feed. A recognised feed with no items is fine: "no entries" is a value.
    if not d.entries and not d.get("version") and (d.get("bozo") or not feed):
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
        if content and summary and content.strip() == summary.strip():
            content = ""  # feedparser copies one into the other: keep the summary and the full content apart
        entries.append(Entry(
            source_id=source_id,
            guid=(e.get("id") or "").strip() or None,
            link=(e.get("link") or "").strip() or None,
            title=e.get("title") or "",
            summary=summary,
            content=content,
            published=_utc_from_struct(e.get("published_parsed")),
            # dict.get: feedparser's own get() falls back from "updated" to "published", and an
            # RSS item with only a pubDate has not been updated.
            updated=_utc_from_struct(dict.get(e, "updated_parsed")),
            authors=_authors(e),
            tags=_tags(e),
            language=language or title_detail.get("language") or summary_detail.get("language") or declared,
            base_url=summary_detail.get("base") or title_detail.get("base") or feed_base,
            content_type=summary_detail.get("type") or content_type or "text/html",
        ))
    title = feed.get("title")
    return entries, warnings, (html_to_text(title, single_line=True) if title else None)


# -- JSON Feed 1.0 / 1.1 --------------------------------------------------------------------------------------


def parse_json_date(value: Any) -> datetime | None:
    """RFC 3339 as JSON Feed requires, with feedparser's lenient parser as a fallback."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        parsed = feedparser._parse_date(text)  # noqa: SLF001 - the same lenient rules as for XML feeds
        return _utc_from_struct(parsed)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _json_authors(item: Mapping[str, Any], feed: Mapping[str, Any]) -> tuple[str, ...]:
    raw = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), Mapping) else [])
    if not raw:
        raw = feed.get("authors") or ([feed["author"]] if isinstance(feed.get("author"), Mapping) else [])
    return tuple(str(a.get("name")).strip() for a in raw if isinstance(a, Mapping) and a.get("name"))


def parse_json_feed(doc: Document, source_id: str, language: str | None = None) -> tuple[list[Entry], list[str], str | None]:
    try:
        data = json.loads(doc.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(doc.location, f"not a feed: invalid JSON ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(doc.location, "not a feed: JSON without an 'items' list (expected JSON Feed 1.0/1.1)")
    warnings = []
    version = str(data.get("version") or "")
    if not version.startswith(JSON_FEED_PREFIX):
        warnings.append(f"{doc.location}: JSON Feed version {version!r} is not https://jsonfeed.org/version/1[.1]")
    base = data.get("home_page_url") or data.get("feed_url") or doc.location
    declared = language or data.get("language") or None
    entries = []
    for i, item in enumerate(data["items"]):
        if not isinstance(item, dict):
            warnings.append(f"{doc.location}: item {i} is not an object; skipped")
            continue
        html = item.get("content_html") if isinstance(item.get("content_html"), str) else ""
        text = item.get("content_text") if isinstance(item.get("content_text"), str) else ""
        summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
        guid = item.get("id")
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        entries.append(Entry(
            source_id=source_id,
            guid=str(guid).strip() or None if guid is not None else None,
            link=item.get("url") or item.get("external_url") or None,
            title=item.get("title") if isinstance(item.get("title"), str) else "",
            summary=summary,
            content=html or text,
            published=parse_json_date(item.get("date_published")),
            updated=parse_json_date(item.get("date_modified")),
            authors=_json_authors(item, data),
            tags=tuple(str(t) for t in tags if isinstance(t, (str, int, float))),
            language=language or item.get("language") or declared,
            base_url=base,
            # A summary is plain text in JSON Feed; HTML content is cleaned as HTML.
            content_type="text/html" if html else "text/plain",
        ))
    title = data.get("title") if isinstance(data.get("title"), str) else None
    return entries, warnings, title


# -- article files ---------------------------------------------------------------------------------------------


def decode_text(body: bytes) -> str:
    """UTF-8 (with or without BOM) when it is; else Windows-1252, which decodes any byte."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


def parse_article_file(doc: Document, source_id: str, language: str | None = None) -> Entry:
    """One article file as an entry.

    The title is the first line (``# `` of Markdown removed), or ``<title>`` / the first ``<h1>``
    of an HTML file. When the first line is a whole paragraph (the file has no title line), the
    title is its first sentence, cut at a word boundary to about 120 characters, and the whole
    text is the body; otherwise the body is the text after the title line.
    The entry has no GUID and no link, so its identity is the hash of title and text: editing a
    file makes a new article, renaming it does not.
    """
    text = decode_text(doc.body)
    suffix = PurePath(doc.location).suffix.lower()
    is_html = suffix in (".html", ".htm") or (doc.content_type or "").startswith("text/html")
    if is_html:
        m = _HTML_TITLE.search(text) or _H1.search(text)
        body = html_to_text(text)
        title = html_to_text(m.group(1), single_line=True) if m else ""
        if not title:
            title = first_sentence(body)
        lang_m = _HTML_LANG.search(text)
        return Entry(source_id=source_id, guid=None, link=None, title=title, summary="", content=body,
                     published=None, updated=doc.modified, language=language or (lang_m.group(1).lower() if lang_m else None),
                     base_url=None, content_type="text/plain")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ParseError(doc.location, "empty article file")
    first, _, rest = text.partition("\n")
    first = first.strip()
    if suffix in (".md", ".markdown"):
        first, rest, text = markdown_to_text(first), markdown_to_text(rest), markdown_to_text(text)
    if len(first) > TITLE_LINE_MAX:
        title, body = first_sentence(first), text
    else:
        title, body = first, rest.strip() or text
    return Entry(source_id=source_id, guid=None, link=None, title=title, summary="", content=body,
                 published=None, updated=doc.modified, language=language, base_url=None, content_type="text/plain")


_MD_RULES = [
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE), ""),  # headings
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # quotes
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)"), r"\1"),  # emphasis
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
    (re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$", re.MULTILINE), ""),  # rules
]


def markdown_to_text(text: str) -> str:
    """Markdown reduced to its words (headings, emphasis, links, images): a rule must match what
    a reader reads, not ``**Koursk**`` or a link target."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text.strip()


# -- dates feedparser does not read ------------------------------------------------------------------------------

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
    from datetime import timedelta

    return (local - timedelta(minutes=offset)).utctimetuple()


feedparser.registerDateHandler(parse_loose_date)
