"""Normalize: raw entries to clean ``Article`` objects with a stable identity.

Identity is decided here, once, and never depends on a date or on the run:

- ``guid:<guid>`` when the entry has a GUID. A GUID that is a URI (``http://…``, ``tag:…``,
  ``urn:…``) is globally unique by design and used as is; a bare one (``"42"``) is only unique
  inside its feed, so it is scoped: ``guid:<hash of source id>:42``;
- else ``url:<canonical URL>`` (tracking parameters and fragment dropped);
- else ``sha:<sha256 of title and text>`` (article files, link-less items).

Dates are UTC. An entry without any date gets ``now`` — the caller's time of this poll,
which the store keeps as the first-seen time, since it keeps an article's first insert.
Text is cleaned by ``textclean``; the language is detected from the text with the
entry's or the source's declared language as a hint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from vigie.models import Article, Entry, Parsed
from vigie.ingest.language import detect_language, normalize_code
from vigie.ingest.textclean import clean, first_sentence, html_to_text
from vigie.ingest.urls import canonical_url

MAX_ID = 500  # ids are stored in a 600-character column; longer GUIDs are hashed
FUTURE_SLACK = timedelta(days=1)  # a date further ahead than this is a feed's mistake


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


normalize_hint = normalize_code  # "en-US" -> "en", junk -> None (the declared language, as detection reads it)


def article_id(source_id: str, guid: str | None, url: str | None, title: str, text: str) -> str:
    """The identity of an article (see the module docstring)."""
    if guid:
        guid = guid.strip()
        if ":" not in guid:
            guid = f"{_sha(source_id)[:12]}:{guid}"
        ident = f"guid:{guid}"
        return ident if len(ident) <= MAX_ID else f"guid:sha:{_sha(guid)}"
    if url:
        ident = f"url:{url}"
        return ident if len(ident) <= MAX_ID else f"url:sha:{_sha(url)}"
    return f"sha:{_sha(title + chr(10) + text)}"


def normalize_entry(entry: Entry, now: datetime, detect: Callable[[str, str | None], str] | None = None) -> Article:
    """One clean article from one raw entry."""
    detect = detect or detect_language
    summary = clean(entry.summary, entry.content_type)
    body = clean(entry.content, entry.content_type)
    if body and body == summary:
        body = ""
    title = clean(entry.title, "text/plain", single_line=True)
    if not title:
        title = first_sentence(summary or body)
    url = canonical_url(entry.link, entry.base_url)
    text_for_id = body or summary
    ident = article_id(entry.source_id, entry.guid, url, title, text_for_id)
    now = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
    published = entry.published or entry.updated or now
    if published > now + FUTURE_SLACK:
        published = now
    sample = "\n".join(part for part in (title, summary, body[:4000]) if part)
    hint = normalize_hint(entry.language)
    language = detect(sample, hint) if sample else (hint or "und")
    return Article(
        id=ident,
        source_id=entry.source_id,
        url=url,
        title=title,
        summary=summary,
        body=body,
        language=language or "und",
        published=published,
        updated=entry.updated,
        authors=tuple(a for a in (html_to_text(x, single_line=True) for x in entry.authors) if a),
        tags=tuple(t for t in (html_to_text(x, single_line=True) for x in entry.tags) if t),
        guid=entry.guid,
    )


def normalize(parsed: Parsed, now: datetime) -> list[Article]:
    """Clean articles of one parsed source, first occurrence of each identity only."""
    detect = detect_language
    seen: set[str] = set()
    out: list[Article] = []
    for entry in parsed.entries:
        article = normalize_entry(entry, now, detect)
        if article.id in seen:
            continue
        seen.add(article.id)
        out.append(article)
    return out
