"""Parse: fetched bytes to raw entries, whatever the format, never raising for bad bytes.

Dispatch, by document:

- a folder source's file (``.txt``, ``.md``, ``.html``) is one article (``article_file``);
- JSON (by content type or first byte) is read as JSON Feed 1.0/1.1 (``feed_json``);
- everything else goes to feedparser (``feed_xml``) with the response headers, so a declared charset counts:
  RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0, CDF. Not well-formed but readable XML still gives its
  entries, with the parser's complaint as a warning.

A document that gives no entries because it is not a feed at all (its root element is not a feed's)
is an error for that source only (``Parsed.error``), with a hint to use ``folder:`` when it is a local
article file; a real feed with no items is simply empty: "no entries" is a value.

Safety: feedparser's strict parser refuses external entities and expat (2.4+) stops
entity-expansion bombs; the loose fallback leaves entities unexpanded. Markup that survives
into entries is removed later, in ``normalize``, by ``textclean``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from vigie.errors import ParseError
from vigie.ingest.article_file import parse_article_file
from vigie.ingest.feed_json import parse_json_feed
from vigie.ingest.feed_xml import FeedDocument, parse_xml_feed
from vigie.ingest.local import ARTICLE_SUFFIXES
from vigie.models import Document, Entry, Fetched, Parsed, SourceKind


def parse_fetched(fetched: Fetched) -> Parsed:
    """Entries of one fetched source; its error (or none for "not modified") otherwise."""
    source = fetched.source
    if fetched.status == "error":
        return Parsed(source=source, error=fetched.error or f"{source.id}: fetch failed")
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
            feed_doc = parse_document(doc, source.id, source.language)
        except ParseError as exc:
            errors.append(str(exc) + article_file_hint(doc.location))
            continue
        except Exception as exc:  # noqa: BLE001 - bad bytes must never stop the run
            errors.append(str(ParseError(doc.location, f"unexpected {exc.__class__.__name__}: {exc}")))
            continue
        entries.extend(feed_doc.entries)
        warnings.extend(feed_doc.warnings)
        title = title or feed_doc.title
    if source.kind == SourceKind.FOLDER:
        # One unreadable article file is a warning; the folder's other files still count.
        return Parsed(source=source, entries=tuple(entries), warnings=tuple(warnings + errors), feed_title=source.name)
    error = "; ".join(errors) if errors and not entries else None
    if errors and entries:
        warnings.extend(errors)
    return Parsed(source=source, entries=tuple(entries), warnings=tuple(warnings), error=error, feed_title=title)


def article_file_hint(location: str) -> str:
    """What to do instead when a local article file (.md, .txt, .html) was named as a feed; "" otherwise."""
    local = "://" not in location or location.lower().startswith("file://")
    suffix = PurePosixPath(urlsplit(location).path if "://" in location else location).suffix.lower()
    if not local or suffix not in ARTICLE_SUFFIXES:
        return ""
    return (f"; a {suffix} file is an article, not a feed: list its folder as a source with 'folder:' "
            "(or name the folder, not the file, on the command line)")


def looks_like_json(doc: Document) -> bool:
    ctype = (doc.content_type or doc.headers.get("content-type", "") or "").lower()
    if "json" in ctype:
        return True
    head = doc.body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def parse_document(doc: Document, source_id: str, language: str | None = None) -> FeedDocument:
    """The entries, warnings and title of one feed document; ParseError when it is not a feed."""
    if looks_like_json(doc):
        return parse_json_feed(doc, source_id, language)
    return parse_xml_feed(doc, source_id, language)
