"""Articles for ``vigie rules test`` from whatever the analyst points at.

INPUT may be an article file (.txt/.md/.html: the first line, or <title>, is
the title), a feed file or URL (RSS/Atom/RDF via feedparser), a folder (every
such file in it), or a JSON-lines file of items (``title``, ``summary`` or
``description``, ``text``/``body``, ``url``, ``published``, ``language``).
Small and self-contained on purpose: the previews must work before the
ingestion stages are configured; the run itself uses fetch/parse/normalize.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from vigie.models import Article

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".feed"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}

_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote|section|article)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)


class InputError(Exception):
    """One INPUT cannot be read; names it."""


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment: block tags become line breaks, other tags vanish, entities decode."""
    if "<" not in text and "&" not in text:
        return text.strip()
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _date(value: Any) -> datetime:
    if isinstance(value, str) and value.strip():
        try:
            d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def _article_id(*parts: str) -> str:
    return "sha:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def article_from_file(path: Path) -> Article:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm"):
        m = _TITLE.search(raw)
        title = strip_html(m.group(1)) if m else ""
        body = strip_html(raw[m.end():] if m else raw)
    else:
        first, _, rest = raw.strip().partition("\n")
        title, body = first.strip(), rest.strip()
    return Article(id=_article_id(str(path)), source_id=str(path), url=None, title=title,
                   summary="", body=body, language="und", published=datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))


def articles_from_jsonl(path: Path) -> Iterator[Article]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON: {exc.msg}") from None
            title = strip_html(str(item.get("title") or ""))
            summary = strip_html(str(item.get("summary") or item.get("description") or ""))
            body = strip_html(str(item.get("text") or item.get("body") or item.get("content") or ""))
            url = item.get("url") or item.get("link")
            lang = str(item.get("language") or "und").split("-")[0].lower() or "und"
            yield Article(id=str(item.get("id") or (f"url:{url}" if url else _article_id(title, summary, body))),
                          source_id=str(item.get("source") or item.get("publisher") or path), url=url,
                          title=title, summary=summary, body=body, language=lang,
                          published=_date(item.get("published") or item.get("date_published") or item.get("date")))


def articles_from_feed(data: bytes | str, source_id: str) -> Iterator[Article]:
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries and getattr(parsed, "bozo", False):
        raise InputError(f"{source_id}: not a feed ({parsed.get('bozo_exception')})")
    feed_lang = (parsed.feed.get("language") or "und").split("-")[0].lower()
    for e in parsed.entries:
        content = " ".join(c.get("value", "") for c in e.get("content", []) or [])
        title = strip_html(e.get("title", ""))
        summary = strip_html(e.get("summary", ""))
        body = strip_html(content)
        if body == summary:
            body = ""
        link = e.get("link")
        when = e.get("published_parsed") or e.get("updated_parsed")
        yield Article(id=f"guid:{e['id']}" if e.get("id") else (f"url:{link}" if link else _article_id(title, summary)),
                      source_id=source_id, url=link, title=title, summary=summary, body=body, language=feed_lang or "und",
                      published=datetime(*when[:6], tzinfo=timezone.utc) if when else datetime.now(timezone.utc))


def read_inputs(inputs: list[str]) -> Iterator[Article | InputError]:
    """Articles of every INPUT, in order; an unreadable INPUT yields an InputError and the rest go on."""
    for item in inputs:
        try:
            if re.match(r"^https?://", item):
                import httpx

                resp = httpx.get(item, follow_redirects=True, timeout=30.0)
                resp.raise_for_status()
                yield from articles_from_feed(resp.content, item)
                continue
            path = Path(item)
            if path.is_dir():
                files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES | FEED_SUFFIXES | JSONL_SUFFIXES)
                yield from read_inputs([str(f) for f in files])
                continue
            if not path.is_file():
                raise InputError(f"{item}: no such file, folder or URL")
            suffix = path.suffix.lower()
            if suffix in JSONL_SUFFIXES:
                yield from articles_from_jsonl(path)
            elif suffix in FEED_SUFFIXES:
                yield from articles_from_feed(path.read_bytes(), str(path))
            else:
                yield article_from_file(path)
        except InputError as exc:
            yield exc
        except Exception as exc:  # one bad input never stops the preview of the others
            yield InputError(f"{item}: {exc}")
