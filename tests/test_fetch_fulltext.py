"""Full text (``full_text: true``): article pages fetched politely, main text extracted."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from support_http import Reply, serve_routes
from vigie.config import FetchConfig
from vigie.ingest.fulltext import decode_html, fetch_full_text
from vigie.models import Article, Source, SourceKind
from vigie.ingest.textclean import extract_main_text

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Big news</title>
<script>track()</script><style>p { color: red }</style></head><body>
<header><nav><ul><li>Home</li><li>World</li></ul></nav></header>
<div class="layout"><aside class="sidebar"><p>Most read: a very long sidebar teaser that is long enough to count.</p></aside>
<article><h1>Big news</h1><p class="byline">By Ann</p>
<div class="article-body">
<p>Kim Jong Un sent a message to Vladimir Putin, praising the troops deployed in Koursk, officials said.</p>
<h2>Context</h2>
<p>North Korea has sent thousands of soldiers, according to South Korean intelligence, and more may follow.</p>
<div class="share-buttons"><p>Share this on all the social networks you can think of, right now, please.</p></div>
<p>A third paragraph with enough words to be prose, and a comma, too, for good measure &amp; more.</p>
</div></article>
<div id="comments"><p>I disagree with everything in this article and here is a long comment about it.</p></div></div>
<footer><p>Copyright 2026 The Newspaper, all rights reserved, and a long footer text here.</p></footer>
</body></html>"""
MAIN = ("Kim Jong Un sent a message to Vladimir Putin, praising the troops deployed in Koursk, officials said.\n\n"
        "Context\n\n"
        "North Korea has sent thousands of soldiers, according to South Korean intelligence, and more may follow.\n\n"
        "A third paragraph with enough words to be prose, and a comma, too, for good measure & more.")
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SETTINGS = FetchConfig(connect_timeout=1.0, timeout=2.0, max_bytes=200_000)


def article(source_id: str, url: str, ident: str, body: str = "") -> Article:
    return Article(id=ident, source_id=source_id, url=url, title="Big news", summary="Kim writes.", body=body,
                   language="en", published=NOW)


def test_extract_main_text_keeps_the_article_and_drops_the_rest() -> None:
    assert extract_main_text(PAGE) == MAIN


@pytest.mark.parametrize("page", ["", "<html><body><p>short</p></body></html>", "<nav><p>" + "menu " * 30 + "</p></nav>"])
def test_no_prose_no_text(page: str) -> None:
    assert extract_main_text(page) == ""


def test_full_text_sources_only_new_articles_and_failures_leave_articles_alone() -> None:
    routes = {"/a": Reply(body=PAGE.encode(), content_type="text/html; charset=utf-8"),
              "/gone": Reply(status=404),
              "/pdf": Reply(body=b"%PDF-1.4", content_type="application/pdf"),
              "/known": Reply(body=PAGE.encode(), content_type="text/html")}
    with serve_routes(routes) as server:
        full = Source(id="full", kind=SourceKind.FEED, location="x", full_text=True)
        plain = Source(id="plain", kind=SourceKind.FEED, location="y")
        arts = [article("full", server.url("/a"), "a"), article("full", server.url("/gone"), "g", body="Feed body"),
                article("full", server.url("/pdf"), "p"), article("full", server.url("/known"), "k"),
                article("plain", server.url("/a"), "pl")]
        out = fetch_full_text(arts, [full, plain], SETTINGS, skip={"k"})
        fetched_paths = sorted(s.path for s in server.log)
    assert [a.id for a in out] == ["a", "g", "p", "k", "pl"]
    assert out[0].body == MAIN and out[0].summary == "Kim writes." and out[0].id == "a"
    assert out[1:] == arts[1:]
    assert fetched_paths == ["/a", "/gone", "/pdf"]  # not the known article, not the plain source's


def test_feed_body_longer_than_the_page_text_is_kept() -> None:
    with serve_routes({"/a": Reply(body=PAGE.encode(), content_type="text/html")}) as server:
        src = Source(id="full", kind=SourceKind.FEED, location="x", full_text=True)
        long_body = "x " * 1000
        out = fetch_full_text([article("full", server.url("/a"), "a", body=long_body)], [src], SETTINGS)
    assert out[0].body == long_body


@pytest.mark.parametrize(
    ("body", "ctype", "text"),
    [
        ("é".encode("utf-8"), "text/html; charset=utf-8", "é"),
        ("é".encode("cp1252"), "text/html; charset=windows-1252", "é"),
        (b'<meta charset="iso-8859-1">' + "é".encode("latin-1"), "text/html", '<meta charset="iso-8859-1">é'),
        ("é".encode("cp1252"), "text/html", "é"),  # not UTF-8: cp1252
    ],
)
def test_decode_html(body: bytes, ctype: str, text: str) -> None:
    assert decode_html(body, ctype) == text
