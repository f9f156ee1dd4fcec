"""normalize, textclean and urls: identity, dates, clean text, canonical links."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from vigie.models import Document, Entry, Fetched, Parsed, Source, SourceKind
from vigie.ingest.normalize import article_id, normalize, normalize_entry, normalize_hint
from vigie.ingest.parse import parse_fetched
from vigie.ingest.textclean import clean, first_sentence, html_to_text, repair_mojibake
from vigie.ingest.urls import canonical_url

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
SRC = Source(id="http://feeds.test/rss", kind=SourceKind.FEED, location="http://feeds.test/rss")


def entry(**kw: object) -> Entry:
    base: dict[str, object] = dict(source_id=SRC.id, guid=None, link=None, title="Title", summary="Summary", content="",
                                   published=None, updated=None)
    base.update(kw)
    return Entry(**base)  # type: ignore[arg-type]


def never(text: str, hint: str | None = None) -> str:
    return hint or "und"


# -- identity ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        (dict(guid="http://news.test/a/1", link="http://news.test/a/1?utm_source=rss"), "guid:http://news.test/a/1"),
        (dict(guid="tag:news.test,2024:42"), "guid:tag:news.test,2024:42"),
        (dict(link="https://News.Test:443/a/1?id=3&utm_medium=feed&fbclid=x#top"), "url:https://news.test/a/1?id=3"),
        (dict(link="/a/2", base_url="https://news.test/section/feed.xml"), "url:https://news.test/a/2"),
    ],
)
def test_identity_guid_else_canonical_url(kw: dict[str, object], expected: str) -> None:
    assert normalize_entry(entry(**kw), NOW, never).id == expected


def test_bare_guids_are_scoped_to_their_feed() -> None:
    a = normalize_entry(entry(guid="42"), NOW, never)
    b = normalize_entry(entry(guid="42", source_id="http://other.test/rss"), NOW, never)
    assert a.id != b.id and a.id.startswith("guid:") and a.id.endswith(":42") and a.guid == "42"


def test_without_guid_or_link_the_id_is_a_hash_of_title_and_text_not_of_dates() -> None:
    one = normalize_entry(entry(title="T", content="Body", published=None), NOW, never)
    later = normalize_entry(entry(title="T", content="Body", published=NOW + timedelta(days=3)), NOW + timedelta(days=5), never)
    edited = normalize_entry(entry(title="T", content="Body, edited"), NOW, never)
    assert one.id.startswith("sha:") and one.id == later.id != edited.id


def test_long_guid_is_hashed_to_fit_the_store() -> None:
    ident = article_id("s", "http://x.test/" + "a" * 1000, None, "t", "x")
    assert ident.startswith("guid:sha:") and len(ident) < 100


def folder_article(name: str, text: str, now: datetime = NOW) -> str:
    src = Source(id="/articles", kind=SourceKind.FOLDER, location="/articles")
    doc = Document(location=f"/articles/{name}", body=text.encode(), modified=now)
    return normalize(parse_fetched(Fetched(source=src, status="ok", documents=(doc,))), now)[0].id


def test_file_article_identity_survives_a_rename_not_an_edit() -> None:
    first = folder_article("a.txt", "Title\nBody text.")
    assert first.startswith("sha:")
    assert folder_article("renamed.txt", "Title\nBody text.", NOW + timedelta(hours=1)) == first
    assert folder_article("a.txt", "Title\nBody text, edited.") != first


# -- dates ---------------------------------------------------------------------------------------------------------

def test_dates() -> None:
    pub = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert normalize_entry(entry(published=pub), NOW, never).published == pub
    assert normalize_entry(entry(updated=pub), NOW, never).published == pub  # only an updated date: that one
    undated = normalize_entry(entry(), NOW, never)
    assert undated.published == NOW and undated.updated is None  # first seen = this poll's "now"
    future = normalize_entry(entry(published=NOW + timedelta(days=30)), NOW, never)
    assert future.published == NOW  # a date a month ahead is a feed's mistake
    naive_now = normalize_entry(entry(), datetime(2026, 1, 1, 12), never)
    assert naive_now.published.tzinfo is not None


# -- text ----------------------------------------------------------------------------------------------------------

def test_article_text_is_clean() -> None:
    art = normalize_entry(entry(
        title="  Kim &amp; Putin:\n <b>a   letter</b> ",
        summary="<p>Caf\u00c3\u00a9 &eacute;t&eacute; <script>alert('x')</script><a href='/x'>link</a></p>",
        content="<div><p>First para.</p><p>Second&nbsp;para.</p><style>p{}</style></div>",
        authors=("<i>Ann</i> Lee",), tags=(" World ",),
    ), NOW, never)
    assert art.title == "Kim & Putin: a letter"
    assert art.summary == "Café été link"
    assert art.body == "First para.\n\nSecond para."
    assert art.authors == ("Ann Lee",) and art.tags == ("World",)


def test_body_equal_to_summary_is_not_repeated_and_missing_title_comes_from_text() -> None:
    art = normalize_entry(entry(title="", summary="<p>Only text. And more.</p>", content="Only text. And more."), NOW, never)
    assert art.body == "" and art.summary == "Only text. And more." and art.title == "Only text."


def test_language_falls_back_to_the_declared_hint() -> None:
    art = normalize_entry(entry(language="fr-FR"), NOW, never)
    assert art.language == "fr"
    assert normalize_entry(entry(language=None), NOW, never).language == "und"
    # With the real detector (or its fallback) the result is always a code or "und".
    assert normalize(Parsed(source=SRC, entries=(entry(language="en"),)), NOW)[0].language.isalpha()


@pytest.mark.parametrize(("hint", "code"), [("en-US", "en"), ("IT-it", "it"), ("fr_FR", "fr"), ("", None), ("12", None)])
def test_language_hints(hint: str, code: str | None) -> None:
    assert normalize_hint(hint) == code


def test_duplicate_entries_in_one_feed_give_one_article() -> None:
    parsed = Parsed(source=SRC, entries=(entry(guid="g1", title="A"), entry(guid="g1", title="A again"), entry(guid="g2")))
    arts = normalize(parsed, NOW)
    assert [a.title for a in arts] == ["A", "Title"]


@pytest.mark.skipif(not (CORPUS / "feeds").is_dir(), reason="the shared corpus (../shared/corpus) is not beside the repository")
def test_corpus_feeds_normalize_without_markup_or_now_dates() -> None:
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources

    sources = [Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in sorted((CORPUS / "feeds").glob("*.xml"))]
    total = 0
    for f in fetch_sources(sources, {}, FetchConfig()):
        arts = normalize(parse_fetched(f), NOW)
        total += len(arts)
        for a in arts:
            for text in (a.title, a.summary, a.body):
                assert "<script" not in text.lower() and "<p>" not in text and "&amp;" not in text
            assert a.published.tzinfo is not None
            assert a.url is None or a.url.startswith("http")
            assert "utm_" not in (a.url or "")
        dated = [a for a in arts if a.published != NOW]
        if f.source.id.endswith(("livemint_1.xml", "lemonde_1.xml")):
            assert len(dated) == len(arts)
        if f.source.id.endswith("heise_2.xml"):  # no dates in the feed: first seen
            assert dated == []
    assert total > 900


# -- textclean -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("line<br>next<br/>last", "line\nnext\nlast"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("x <script>var a = '<p>';</script> y", "x y"),
        ("<style>.a{}</style><noscript>nojs</noscript>seen", "seen"),
        ("&lt;b&gt;not bold&lt;/b&gt;", "<b>not bold</b>"),  # escaped markup is text, shown as written
        ("&#233;&#xE9;&eacute;", "ééé"),
        ("<img src=x alt='A photo'> caption", "A photo caption"),
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("e\u0301te\u0301", "été"),  # NFC
        ("unclosed <b>bold", "unclosed bold"),
        ("<![CDATA[x]]>text", "text"),
    ],
)
def test_html_to_text(raw: str, expected: str) -> None:
    assert html_to_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CafÃ© dâ€™Ã©tÃ©", "Café d’été"),
        ("Ã‰tats-Unis â€” 50Â°C", "États-Unis — 50°C"),
        ("DÃ¼sseldorf", "Düsseldorf"),
        ("Café déjà vu", "Café déjà vu"),  # good text is left alone
        ("São Paulo, Ãgua", "São Paulo, Ãgua"),  # not a UTF-8 sequence once re-encoded: left alone
        ("¡¯quoted¡¯", "¡¯quoted¡¯"),  # GBK-style damage is ambiguous: left alone
        ("la normalit\u00e9\u00a0\u00bb.", "la normalit\u00e9\u00a0\u00bb."),  # é, NBSP, » is French, not "頻"
        ("LIBERT\u00c9\u00a0\u00bb", "LIBERT\u00c9\u00a0\u00bb"),  # É, NBSP is not "ɠ"
        ("cÅ“ur, Å’uvre", "cœur, Œuvre"),
        ("ÐŸÑƒÑ‚Ð¸Ð½", "Путин"),  # Cyrillic read as cp1252
        ("responsabilit\u00e9\u201d\u00a0\u00bb.", "responsabilit\u00e9\u201d\u00a0\u00bb."),  # é, ”, NBSP is French
        ("ï»¿Title ðŸ˜€", "\ufeffTitle 😀"),  # a byte-order mark (dropped later by clean) and an emoji
        ("Prix : 10 â‚¬", "Prix : 10 €"),
    ],
)
def test_repair_mojibake(raw: str, expected: str) -> None:
    assert repair_mojibake(raw) == expected


def test_plain_text_that_looks_like_html_is_cleaned_as_html() -> None:
    assert clean("Title with <em>markup</em>", "text/plain", single_line=True) == "Title with markup"
    assert clean("AT&T < 3 friends", "text/plain") == "AT&T < 3 friends"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short title. Then more.", "Short title."),
        ("No sentence end at all", "No sentence end at all"),
        ("M. Dupont est arrivé. Puis", "M. Dupont est arrivé."),
        ("word " * 40, ("word " * 24).strip() + "…"),
    ],
)
def test_first_sentence(text: str, expected: str) -> None:
    assert first_sentence(text) == expected


# -- canonical URLs ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://ex.test/a?utm_source=rss&utm_medium=x&id=7", None, "https://ex.test/a?id=7"),
        ("https://ex.test/a?fbclid=1&gclid=2&xtor=RSS-3208", None, "https://ex.test/a"),
        ("https://www.heise.de/x.html?wt_mc=rss.ho.beitrag.rdf", None, "https://www.heise.de/x.html"),
        ("HTTP://EX.test:80/A#section", None, "http://ex.test/A"),
        ("https://ex.test:8443/a", None, "https://ex.test:8443/a"),
        ("https://ex.test/a/./b/../c", None, "https://ex.test/a/c"),
        ("https://ex.test", None, "https://ex.test/"),
        ("../story?id=1", "https://ex.test/news/feeds/rss.xml", "https://ex.test/news/story?id=1"),
        ("//cdn.ex.test/x", "https://ex.test/feed", "https://cdn.ex.test/x"),
        ("https://ex.test/caf%C3%A9", None, "https://ex.test/caf%C3%A9"),
        ("https://ex.test/café", None, "https://ex.test/caf%C3%A9"),
        ("https://ex.test/long\n  /path", None, "https://ex.test/long/path"),
        ("mailto:someone@ex.test", None, None),
        ("javascript:alert(1)", None, None),
        ("tag:ex.test,2024:1", None, None),
        ("", None, None),
        ("http://[::1", None, None),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str | None) -> None:
    assert canonical_url(url, base) == expected
