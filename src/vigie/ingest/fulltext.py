"""Full text: the main text of each article's page, for sources with ``full_text: true``."""

from __future__ import annotations

import logging
import re
from collections.abc import Container, Sequence
from dataclasses import replace

from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.http import fetch_http, host_of, is_remote, make_client
from vigie.ingest.polite import run_politely
from vigie.ingest.textclean import extract_main_text
from vigie.models import Article, Source, SourceKind

log = logging.getLogger(__name__)


def fetch_full_text(articles: Sequence[Article], sources: Sequence[Source], settings: FetchConfig, *,
                    skip: Container[str] = frozenset()) -> list[Article]:
    """Articles of ``full_text`` sources with their page's main text as ``body`` (same order).

    Only articles of sources configured with ``full_text: true``, with an http(s) URL, and whose
    id is not in ``skip`` (pass the ids the store already has: a page is fetched once, not on
    every poll) are fetched, with the same connection bounds, timeouts, size cap and User-Agent
    as feeds. The page's text replaces the body only when it is longer than what the feed gave;
    a page that fails or has no prose leaves the article as it was. Identity never changes.
    """
    wanted = {s.id for s in sources if s.full_text}
    todo = [(i, a.url) for i, a in enumerate(articles)
            if a.source_id in wanted and a.url and is_remote(a.url) and a.id not in skip]
    if not todo:
        return list(articles)
    pages = _fetch_pages([url for _, url in todo], settings)
    out = list(articles)
    for (i, _url), page in zip(todo, pages):
        if page is None:
            continue
        text = extract_main_text(page)
        if len(text) > len(out[i].body):
            out[i] = replace(out[i], body=text)
    return out


def _fetch_pages(urls: Sequence[str], settings: FetchConfig) -> list[str | None]:
    client = make_client(settings)

    def one(url: str) -> str | None:
        source = Source(id=url, kind=SourceKind.FEED, location=url)
        try:
            fetched = fetch_http(client, source, url, None)
        except FetchError as exc:
            log.warning("full text of %s not fetched: %s", url, exc)
            return None
        doc = fetched.documents[0]
        ctype = (doc.content_type or "").lower()
        if ctype and "html" not in ctype:
            return None
        return decode_html(doc.body, ctype)

    try:
        return run_politely(urls, host_of, one, client.slots, settings.max_connections)
    finally:
        client.close()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(body: bytes, content_type: str = "") -> str:
    """Text of an HTML page: the HTTP charset, else the page's <meta charset>, else UTF-8, else cp1252."""
    candidates = []
    m = re.search(r"charset=([\w.:-]+)", content_type or "")
    if m:
        candidates.append(m.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for enc in [*candidates, "utf-8"]:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")
