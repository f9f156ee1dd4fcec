"""Plain article files (.txt, .md, .html) of a folder source: one file, one article."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

from vigie.errors import ParseError
from vigie.ingest.textclean import first_sentence, html_to_text
from vigie.models import Document, Entry

TITLE_LINE_MAX = 150  # a first line longer than this is a paragraph, not a title


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
