"""Labelled sets for ``bench_ingest_libs``: mojibake cases and date strings, built from ``../shared/corpus``.

How each label was obtained is in ``bench/ingest_labels.md``. Nothing here is copied from the corpus:
every case is derived from its files on each run, so the sets follow the corpus.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.support import CORPUS

# Real text in many scripts: feed -> its language (the corpus README's lang column).
MOJIBAKE_FEEDS = {
    "lemonde_1.xml": "fr", "orenru_1.xml": "ru", "liga_1.xml": "ru", "unian_1.xml": "uk", "suspilne_1.xml": "uk",
    "jornaldenoticias_1.xml": "pt", "uol_1.xml": "pt", "golem_1.xml": "de", "aktuality_1.xml": "sk",
    "ilmessaggero_1.xml": "it", "guardian_2.xml": "en", "bbc_4.xml": "ur",
}
JSONL = {"fr_lemonde_une_2020H1.jsonl": "fr", "en_rss_items_2022_geopolitics.jsonl": "en"}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# GBK-encoded punctuation read back as Latin-1: two characters from the 0xA1-0xFE range each.
_GBK_RUN = re.compile(r"(?:[\u00a1-\u00fe]{2})+")


@dataclass(frozen=True)
class Case:
    kind: str  # clean | cp1252 | latin-1 | cp1251 | cp1252 twice | real GBK
    text: str  # what the pipeline receives
    expected: str  # what it should give back
    origin: str


def _web_decode(data: bytes, charset: str = "cp1252") -> str:
    """Bytes decoded as browsers decode a one-byte charset: the bytes it leaves undefined become C1 controls."""
    return "".join(bytes([b]).decode(charset, errors="ignore") or chr(b) for b in data)


def real_texts(corpus: Path = CORPUS, per_file: int = 40) -> list[tuple[str, str]]:
    """(text, origin): real titles and summaries with at least one non-ASCII character, cleaned as vigie cleans them."""
    from vigie.ingest.parse import parse_document
    from vigie.ingest.textclean import clean
    from vigie.models import Document

    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(text: str, origin: str) -> None:
        if text and not text.isascii() and text not in seen:
            seen.add(text)
            out.append((text, origin))

    for name in MOJIBAKE_FEEDS:
        path = corpus / "feeds" / name
        feed = parse_document(Document(location=str(path), body=path.read_bytes()), name)
        for e in feed.entries[:per_file]:
            add(clean(e.title, "text/plain", single_line=True), f"feeds/{name}")
            add(clean(e.summary, e.content_type)[:600], f"feeds/{name}")
    for name in JSONL:
        with (corpus / "articles" / name).open(encoding="utf-8") as fh:
            for _, line in zip(range(per_file), fh):
                item = json.loads(line)
                add(item.get("title") or "", f"articles/{name}")
                add(item.get("description") or "", f"articles/{name}")
    for path in sorted((corpus / "articles" / "newsapi_cache_2020-2023").glob("*.json")):
        for a in json.loads(path.read_text(encoding="utf-8"))["articles"]:
            if _HANGUL.search(a.get("title") or ""):
                add(a["title"], f"newsapi/{path.name}")
    return out


def real_gbk_titles(corpus: Path = CORPUS) -> list[Case]:
    """Titles of the BBC CSV that really carry GBK mojibake ('¡¯' for ’); expected: each run decoded as GBK."""
    import csv

    cases = []
    with (corpus / "articles" / "en_bbc_russia_ukraine_2020-2024_titles_bias.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            title = next((c for c in row if "\u00a1" in c), None)
            if not title:
                continue

            def fix(m: re.Match[str]) -> str:
                try:
                    return m.group(0).encode("latin-1").decode("gbk")
                except UnicodeError:
                    return m.group(0)

            expected = _GBK_RUN.sub(fix, title)
            if expected != title:
                cases.append(Case("real GBK", title, expected, "articles/en_bbc_russia_ukraine_2020-2024_titles_bias.csv"))
    return cases


def mojibake_cases(corpus: Path = CORPUS, per_file: int = 40) -> list[Case]:
    """Each real text as is (must stay unchanged) and mis-decoded by the four real mechanisms, plus the real GBK titles."""
    cases: list[Case] = []
    for text, origin in real_texts(corpus, per_file):
        text = unicodedata.normalize("NFC", text)
        data = text.encode("utf-8")
        cases.append(Case("clean", text, text, origin))
        cases.append(Case("cp1252", _web_decode(data), text, origin))
        cases.append(Case("latin-1", data.decode("latin-1"), text, origin))
        if _CYRILLIC.search(text):  # Windows-1251 is what Russian and Ukrainian sites are served in
            cases.append(Case("cp1251", _web_decode(data, "cp1251"), text, origin))
        cases.append(Case("cp1252 twice", _web_decode(_web_decode(data).encode("utf-8")), text, origin))
    return cases + real_gbk_titles(corpus)


# --- dates ----------------------------------------------------------------------------------------------------------

_DATE_TAG = re.compile(rb"<(pubDate|dc:date|published|updated)>\s*([^<]{4,60}?)\s*</\1>")
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря")
RU_SHORT = ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
RU_DAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
PT_MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro")
PT_SHORT = ("Jan", "Fev", "Mar", "Abr", "Mai", "Jun", "Jul", "Ago", "Set", "Out", "Nov", "Dez")
PT_DAYS = ("Seg", "Ter", "Qua", "Qui", "Sex", "Sáb", "Dom")
# Strings that say no date: a feed that writes one of these has no date, whatever a parser guesses.
NOT_DATES = ("", "N/A", "sem data", "без даты", "Сегодня", "вчера", "hoje", "0", "TBA", "2 часа назад")


@dataclass(frozen=True)
class DateCase:
    kind: str
    text: str
    language: str | None
    expected: datetime | None  # UTC; None: unreadable, must stay unknown
    origin: str


def _feed_dates(path: Path) -> list[str]:
    return [m.group(2).decode("utf-8", "replace") for m in _DATE_TAG.finditer(path.read_bytes())]


def date_cases(corpus: Path = CORPUS) -> list[DateCase]:
    """Real feed date strings (label: what feedparser and today's loose parser read, checked by hand for the localized
    ones), the real dates of the Russian and Portuguese feeds written with Russian and Portuguese month names (label:
    the real date), and strings that are not dates (label: unknown)."""
    import feedparser

    from vigie.ingest import loose_dates

    loose_dates.register()
    cases: list[DateCase] = []
    seen: set[str] = set()
    for path in sorted((corpus / "feeds").glob("*.xml")):
        for text in _feed_dates(path):
            if text in seen:
                continue
            seen.add(text)
            parsed = feedparser.datetimes._parse_date(text)
            when = datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None
            cases.append(DateCase("real feed string", text, None, when, f"feeds/{path.name}"))
    for name, lang in (("orenru_1.xml", "ru"), ("liga_1.xml", "ru"), ("uol_1.xml", "pt"), ("jornaldenoticias_1.xml", "pt")):
        for text in dict.fromkeys(_feed_dates(corpus / "feeds" / name)):
            parsed = feedparser.datetimes._parse_date(text)
            if not parsed:
                continue
            when = datetime(*parsed[:6], tzinfo=timezone.utc)
            m = re.search(r"([+-]\d{4})\s*$", text)
            offset = timedelta(hours=int(m.group(1)[:3]), minutes=int(m.group(1)[0] + m.group(1)[3:])) if m else timedelta()
            local = when + offset
            zone = m.group(1) if m else "+0000"
            for kind, written, expected in _localized(lang, local, zone, when):
                cases.append(DateCase(kind, written, lang, expected, f"feeds/{name}"))
    for text in NOT_DATES:
        cases.append(DateCase("not a date", text, None, None, "-"))
    return cases


def _localized(lang: str, local: datetime, zone: str, when: datetime) -> list[tuple[str, str, datetime]]:
    """One real date written as Russian or Portuguese sites write it: RFC 822 with local names, long form, zone-less."""
    hms = local.strftime("%H:%M:%S")
    naive_utc = local.replace(tzinfo=timezone.utc).replace(second=0)  # no zone given: read as UTC, like today
    if lang == "ru":
        return [
            ("ru RFC 822", f"{RU_DAYS[local.weekday()]}, {local.day:02d} {RU_SHORT[local.month - 1]} {local.year} {hms} {zone}", when),
            ("ru long", f"{local.day} {RU_MONTHS[local.month - 1]} {local.year} г., {local:%H:%M}", naive_utc),
        ]
    return [
        ("pt RFC 822", f"{PT_DAYS[local.weekday()]}, {local.day:02d} {PT_SHORT[local.month - 1]} {local.year} {hms} {zone}", when),
        ("pt long", f"{local.day} de {PT_MONTHS[local.month - 1]} de {local.year} {local:%H:%M}", naive_utc),
    ]


# --- full text ------------------------------------------------------------------------------------------------------

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"


@dataclass(frozen=True)
class PageCase:
    name: str
    html: str
    body: tuple[str, ...]  # passages of the article: each must be in the extracted text
    boilerplate: tuple[str, ...]  # passages of the page around it: none may be


def page_cases(pages: Path = PAGES) -> list[PageCase]:
    """The saved article pages of ``tests/fixtures/pages`` with their labels (``labels.json``; see its README)."""
    labels = json.loads((pages / "labels.json").read_text(encoding="utf-8"))
    return [PageCase(name, (pages / name).read_text(encoding="utf-8"), tuple(lab["body"]), tuple(lab["boilerplate"]))
            for name, lab in sorted(labels.items())]
