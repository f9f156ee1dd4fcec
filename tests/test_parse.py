"""parse_fetched: real feeds of the shared corpus, JSON Feed, article files, and bad bytes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from vigie.config import FetchConfig
from vigie.ingest.fetch import fetch_sources
from vigie.models import Document, Fetched, Parsed, Source, SourceKind
from vigie.ingest.loose_dates import parse_loose_date
from vigie.ingest.parse import parse_fetched

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is not beside the repository")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def parse_bytes(body: bytes, *, content_type: str | None = "application/xml", location: str = "http://feeds.test/feed",
                kind: SourceKind = SourceKind.FEED, language: str | None = None) -> Parsed:
    src = Source(id=location, kind=kind, location=location, language=language)
    headers = {"content-type": content_type} if content_type else {}
    doc = Document(location=location, body=body, content_type=content_type, headers=headers)
    return parse_fetched(Fetched(source=src, status="ok", documents=(doc,)))


def parse_file(rel: str) -> Parsed:
    path = CORPUS / rel
    src = Source(id=str(path), kind=SourceKind.FEED, location=str(path))
    return parse_fetched(fetch_sources([src], {}, FetchConfig())[0])


# -- chosen cases of the corpus: ids, titles, dates as a reader expects them ----------------------------------

CASES = [
    # file, entries, index, guid, title, published (UTC), updated (UTC)
    ("feeds/lemonde_1.xml", 21, 0, "http://www.lemonde.fr/tiny/5255095/",
     "JO d’hiver 2018 : pas de médaille pour Martin Fourcade", utc(2018, 2, 11, 10, 0, 26), None),
    ("feeds/heise_1.xml", 15, 0, "http://heise.de/-3088438",
     "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei", utc(2016, 2, 1, 16, 22), utc(2016, 2, 1, 16, 54, 50)),
    ("feeds/heise_2.xml", 60, 0, None, "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen", None, None),  # RSS 0.9, no dates
    ("feeds/slashdot_1.xml", 15, None, None, None, None, None),  # RDF, ISO-8859-1
    # ISO-8859-1 bytes declared as UTF-8, Portuguese day and month names
    ("feeds/uol_1.xml", 15, 0, None, "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno",
     utc(2018, 9, 24, 22, 42, 40), None),
    ("feeds/ilmessaggero_1.xml", 1, 0, "https://www.ilmessaggero.it/mondo/missili_polonia_cosa_e_successo_davvero-7054869.html",
     None, utc(2022, 11, 15, 23, 38, 15), None),  # Italian 'mer, 16 nov 2022 00:38:15 +0100'
    ("feeds/nbcnewyork_1.xml", 1, 0, "4956764", None, utc(2023, 12, 16, 14, 2, 33), None),  # 'Sat, Dec 16 2023 02:02:33 PM'
    ("feeds/medscape_1.xml", 20, 0, None, "Caution Urged for Virtual Care Partnerships in Canada",
     utc(2025, 11, 5, 18, 52, 10), None),  # 'EST' and a double space
    ("feeds/ilgiornale_1.xml", 1, 0,
     "https://www.ilgiornale.it/news/cronaca-nera/caso-saman-abbas-arrestato-pakistan-padre-shabbar-2085649.html", None, utc(2022, 11, 15, 20, 15, 4), None),  # RFC 822 with 'Z'
    ("feeds/orenru_1.xml", 10, 0, None, "В Бузулуке главные стройплощадки – детсад и Ледовый дворец",
     utc(2014, 1, 22, 14, 31, 31), None),  # windows-1251
    ("feeds/talkingpointsmemo_1.xml", 20, None, None, None, None, None),  # Atom
    ("feeds/guardian_1.xml", 54, None, None, None, None, None),  # not well-formed: entries still come through
    ("feeds/techcrunch_1.xml", 20, None, None, None, None, None),  # newline before the XML declaration
    ("edge/feedparser/json/example.json", 2, 0, "2", "post 2", None, None),  # JSON Feed 1.0
]


@needs_corpus
@pytest.mark.parametrize(("rel", "count", "index", "guid", "title", "published", "updated"), CASES,
                         ids=[c[0].rsplit("/", 1)[-1] for c in CASES])
def test_corpus_cases(rel: str, count: int, index: int | None, guid: str | None, title: str | None,
                      published: datetime | None, updated: datetime | None) -> None:
    parsed = parse_file(rel)
    assert parsed.error is None
    assert len(parsed.entries) == count
    if index is None:
        return
    entry = parsed.entries[index]
    assert entry.guid == guid
    if title is not None:
        assert entry.title == title
    assert entry.published == published
    assert entry.updated == updated


@needs_corpus
def test_not_well_formed_feed_warns_and_keeps_its_entries() -> None:
    parsed = parse_file("feeds/guardian_1.xml")
    assert len(parsed.entries) == 54 and parsed.error is None
    assert any("not well-formed" in w for w in parsed.warnings)
    assert all(e.title for e in parsed.entries)


@needs_corpus
def test_ukrnet_full_text_is_the_content() -> None:
    entry = parse_file("feeds/suspilne_1.xml").entries[0]
    assert entry.summary and len(entry.content) > len(entry.summary)


# -- the whole corpus over HTTP: nothing crashes, entry counts are feedparser's own --------------------------


def corpus_files() -> list[Path]:
    return sorted(p for d in ("feeds", "edge/feedparser") for p in (CORPUS / d).rglob("*") if p.is_file())


@needs_corpus
def test_every_corpus_file_goes_through_fetch_and_parse() -> None:
    from support_http import serve_directory

    files = corpus_files()
    assert len(files) > 2000
    settings = FetchConfig(max_connections=10, max_per_host=10, timeout=30.0)
    with serve_directory(CORPUS) as server:
        sources = [Source(id=str(p), kind=SourceKind.FEED, location=server.url("/" + p.relative_to(CORPUS).as_posix()))
                   for p in files]
        fetched = fetch_sources(sources, {}, settings)
    assert [f.status for f in fetched].count("ok") == len(files), [f.error for f in fetched if f.error][:5]
    errors, mismatches = [], []
    for path, f in zip(files, fetched):
        parsed = parse_fetched(f)  # must never raise
        if parsed.error:
            errors.append(path.relative_to(CORPUS).as_posix())
            assert str(f.source.location) in parsed.error  # the error names the feed
            continue
        if path.suffix == ".json":
            expected = len(json.loads(path.read_bytes())["items"])
        else:
            own = feedparser.parse(path.read_bytes(), response_headers={"content-type": "application/xml"})
            if own.bozo:
                continue
            expected = len(own.entries)
        if len(parsed.entries) != expected:
            mismatches.append((path.name, len(parsed.entries), expected))
    assert mismatches == []
    # The only corpus file that is not a feed at all: an empty document.
    assert errors == ["edge/feedparser/illformed/rss_empty_document.xml"]


# -- bad bytes: an error or a warning for that feed, never an exception --------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"<!doctype html><html><head><title>Hi</title></head><body><p>Not a feed</p></body></html>", "text/html", "not a feed"),
        (b"", "application/xml", "not a feed"),
        (bytes(range(256)) * 8, "application/octet-stream", "not a feed"),
        (b'{"hello": "world"}', "application/json", "JSON without an 'items' list"),
        (b'{"items": [', "application/json", "invalid JSON"),
        (b"<html><head><title>Hi</title></head><body>Hello</body></html>", "text/html", "not a feed"),
        (b'Notes: a feed starts with <rss version="2.0"> or <feed>.\n', "text/plain", "not a feed"),
    ],
)
def test_what_is_not_a_feed_is_an_error_for_that_feed(body: bytes, content_type: str, words: str) -> None:
    parsed = parse_bytes(body, content_type=content_type)
    assert parsed.entries == ()
    assert parsed.error and words in parsed.error and "http://feeds.test/feed" in parsed.error


def test_empty_but_real_feed_is_no_entries_not_an_error() -> None:
    parsed = parse_bytes(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert parsed.error is None and parsed.entries == () and parsed.feed_title == "Quiet"


def test_not_modified_and_fetch_error_pass_through() -> None:
    src = Source(id="u", kind=SourceKind.FEED, location="http://x.test/f")
    assert parse_fetched(Fetched(source=src, status="not_modified")) == Parsed(source=src)
    failed = parse_fetched(Fetched(source=src, status="error", error="http://x.test/f: HTTP 500"))
    assert failed.error == "http://x.test/f: HTTP 500" and failed.entries == ()


def test_entity_bomb_and_external_entities_are_not_expanded() -> None:
    levels = "".join(f'<!ENTITY e{i} "{("&e%d;" % (i - 1)) * 10}">' for i in range(1, 9))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "lol">{levels}'
            f'<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<rss version="2.0"><channel><title>t</title><item><title>&e8;</title>'
            '<description>&xxe;</description></item></channel></rss>').encode()
    parsed = parse_bytes(body)
    assert parsed.error is None and len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert len(entry.title) < 100 and "lol" not in entry.title
    assert "root:" not in entry.summary


def test_declared_charset_counts() -> None:
    body = '<rss version="2.0"><channel><item><title>Société générale</title></item></channel></rss>'.encode("cp1252")
    parsed = parse_bytes(body, content_type="application/rss+xml; charset=windows-1252")
    assert parsed.entries[0].title == "Société générale"


def test_summary_and_content_are_kept_apart() -> None:
    body = b"""<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
    <item><title>A</title><description>Short summary.</description>
    <content:encoded><![CDATA[<p>The full text.</p>]]></content:encoded></item>
    <item><title>B</title><description>Only a summary.</description></item></channel></rss>"""
    a, b = parse_bytes(body).entries
    assert "Short summary." in a.summary and "The full text." in a.content
    assert "Only a summary." in b.summary and b.content == ""


def test_atom_relative_links_resolve_against_xml_base() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://news.test/section/">
    <title>T</title><entry><id>tag:news.test,2024:1</id><title>One</title><link href="story/1?utm_source=atom"/>
    <updated>2024-03-01T10:00:00+01:00</updated><author><name>Ann</name></author><category term="world"/></entry></feed>"""
    entry = parse_bytes(body, content_type="application/atom+xml").entries[0]
    assert entry.link == "http://news.test/section/story/1?utm_source=atom"
    assert entry.guid == "tag:news.test,2024:1"
    assert entry.updated == utc(2024, 3, 1, 9) and entry.published is None
    assert entry.authors == ("Ann",) and entry.tags == ("world",)


# -- JSON Feed 1.0 / 1.1 ---------------------------------------------------------------------------------------


def test_json_feed_1_1() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON news",
        "home_page_url": "https://json.test/",
        "language": "fr",
        "authors": [{"name": "Rédaction"}],
        "items": [
            {"id": "a1", "url": "https://json.test/a1", "title": "Premier", "content_html": "<p>Bonjour <b>monde</b></p>",
             "summary": "Résumé", "date_published": "2024-05-01T08:30:00+02:00", "date_modified": "2024-05-01T09:00:00Z",
             "tags": ["monde"]},
            {"id": 2, "content_text": "Texte seul", "external_url": "https://other.test/x",
             "authors": [{"name": "Zoé"}], "language": "en"},
            "not an object",
        ],
    }
    parsed = parse_bytes(json.dumps(feed).encode(), content_type="application/feed+json")
    assert parsed.error is None and parsed.feed_title == "JSON news"
    a, b = parsed.entries
    assert (a.guid, a.link, a.title, a.summary) == ("a1", "https://json.test/a1", "Premier", "Résumé")
    assert a.content == "<p>Bonjour <b>monde</b></p>" and a.content_type == "text/html"
    assert a.published == utc(2024, 5, 1, 6, 30) and a.updated == utc(2024, 5, 1, 9)
    assert a.authors == ("Rédaction",) and a.tags == ("monde",) and a.language == "fr"
    assert (b.guid, b.link, b.content, b.content_type) == ("2", "https://other.test/x", "Texte seul", "text/plain")
    assert b.authors == ("Zoé",) and b.language == "en"
    assert any("item 2" in w for w in parsed.warnings)


def test_json_feed_detected_by_first_byte_without_content_type() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1", "title": "x", "items": [{"id": "1", "content_text": "t"}]}'
    assert len(parse_bytes(body, content_type=None).entries) == 1


def test_json_feed_served_with_rfc_822_dates_keeps_every_item() -> None:
    """JSON Feed asks for RFC 3339, but feeds in the wild write RFC 822: read leniently, as for XML feeds."""
    from support_http import Reply, serve_routes

    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Dates as RSS writes them",
        "items": [
            {"id": "1", "content_text": "un", "date_published": "Mon, 06 Sep 2021 16:45:00 GMT"},
            {"id": "2", "content_text": "deux", "date_published": "Tue, 07 Sep 2021 10:00:00 +0200",
             "date_modified": "2021-09-07T09:00:00Z"},
            {"id": "3", "content_text": "trois", "date_published": "not a date at all"},
        ],
    }
    body = json.dumps(feed).encode()
    with serve_routes({"/feed.json": Reply(body=body, content_type="application/feed+json")}) as server:
        src = Source(id="json", kind=SourceKind.FEED, location=server.url("/feed.json"))
        fetched = fetch_sources([src], {}, FetchConfig())[0]
    parsed = parse_fetched(fetched)
    assert parsed.error is None and parsed.feed_title == "Dates as RSS writes them"
    one, two, three = parsed.entries
    assert one.published == utc(2021, 9, 6, 16, 45)
    assert (two.published, two.updated) == (utc(2021, 9, 7, 8), utc(2021, 9, 7, 9))
    assert (three.guid, three.published, three.content) == ("3", None, "trois")


# -- article files ------------------------------------------------------------------------------------------------


def parse_article(name: str, body: bytes) -> Parsed:
    src = Source(id="folder", kind=SourceKind.FOLDER, location="/articles", name="articles")
    doc = Document(location=f"/articles/{name}", body=body, modified=utc(2025, 1, 2, 3, 4, 5))
    return parse_fetched(Fetched(source=src, status="ok", documents=(doc,)))


@needs_corpus
def test_seed_article_title_is_its_first_sentence_cut_at_a_word() -> None:
    text = (CORPUS / "seed-article-fr.txt").read_bytes()
    entry = parse_article("seed-article-fr.txt", text).entries[0]
    assert entry.title.startswith("Dans un message adressé au président russe Vladimir Poutine")
    assert len(entry.title) <= 121 and entry.title.endswith("…")
    assert not entry.title[:-1].endswith(" ")
    assert entry.content == text.decode("utf-8").strip()  # no title line: the whole text is the body
    assert entry.guid is None and entry.link is None and entry.updated == utc(2025, 1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("name", "body", "title", "content"),
    [
        ("a.txt", "Kim Jong Un writes to Putin\n\nThe letter says...\n".encode(), "Kim Jong Un writes to Putin", "The letter says..."),
        ("b.md", "# Koursk : les troupes\n\nCorps du texte.".encode(), "Koursk : les troupes", "Corps du texte."),
        ("c.html", b"<html lang='fr'><head><title>Titre &amp; sous-titre</title><script>evil()</script></head>"
                   b"<body><h1>Titre</h1><p>Premier paragraphe.</p><script>alert(1)</script></body></html>",
         "Titre & sous-titre", "Titre\n\nPremier paragraphe."),
        ("d.txt", "Caf\xe9 cr\xe8me\nLatin-1 body".encode("cp1252"), "Café crème", "Latin-1 body"),
        ("e.md", "## *Kim* and **Putin**\n\n> A [letter](http://x.test/l) with `code` and ![a map](m.png).\n\n---\nEnd".encode(),
         "Kim and Putin", "A letter with code and a map.\n\nEnd"),
    ],
)
def test_article_files(name: str, body: bytes, title: str, content: str) -> None:
    parsed = parse_article(name, body)
    assert parsed.error is None
    entry = parsed.entries[0]
    assert (entry.title, entry.content) == (title, content)
    assert "alert" not in entry.content and "evil" not in entry.content


def test_an_empty_article_file_is_a_warning_not_the_end_of_the_folder() -> None:
    src = Source(id="folder", kind=SourceKind.FOLDER, location="/articles")
    docs = (Document(location="/articles/empty.txt", body=b"  \n"), Document(location="/articles/ok.txt", body=b"T\nBody"))
    parsed = parse_fetched(Fetched(source=src, status="ok", documents=docs))
    assert [e.title for e in parsed.entries] == ["T"]
    assert parsed.error is None and any("empty.txt" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mer, 16 nov 2022 00:38:15 +0100", utc(2022, 11, 15, 23, 38, 15)),
        ("Seg, 24 Set 2018 19:42:40 -0300", utc(2018, 9, 24, 22, 42, 40)),
        ("Sat, Dec 16 2023 02:02:33 PM", utc(2023, 12, 16, 14, 2, 33)),
        ("Tue, 4 Nov 2025 14:25:56  EST", utc(2025, 11, 4, 19, 25, 56)),
        ("lun., 3 févr. 2020 12:00:00 +0100", utc(2020, 2, 3, 11)),
        ("Di, 03 Okt 2023 12:00:00 MESZ", None),  # unknown zone: left to feedparser's own handlers
        ("2024-01-01T00:00:00Z", None),  # W3C dates are feedparser's business
    ],
)
def test_loose_dates(text: str, expected: datetime | None) -> None:
    value = parse_loose_date(text)
    assert (datetime(*value[:6], tzinfo=timezone.utc) if value else None) == expected
