"""Language identification on real, labelled corpus items: py3langid (vigie's) beside the stop-word guess.

    python -m bench --only lang          (or: python bench/bench_lang.py)

The labelled sample (:func:`labelled_sample`) is built from ``../shared/corpus`` each run, nothing
copied. How each item's label was obtained:

* feeds/*.xml: the publisher's language, as the corpus README's ``lang`` column gives it for each
  feed (Le Monde fr, Golem de, Suspilne uk, Aktuality sk, BBC Urdu ur, UOL pt ...), which is also the
  feed's own ``<language>`` where it declares one. One exception, found by reading the items:
  Varthabharathi declares Kannada (``kn``) but its 15 items are written in English: labelled ``en``.
* articles/newsapi_cache_2020-2023/: the files named after one publisher, labelled with that
  publisher's language (Infobae es, Le Monde and Libération fr, Bild and Spiegel de, Lenta and RBC ru,
  CBS, Fox, Politico, The Hindu, The Times of India, BBC and News24 en); from the mixed category files,
  only the headlines written in Hangul, labelled ``ko`` (read: they are Korean).
* articles/fr_lemonde_une_2020H1.jsonl and en_rss_items_2022_geopolitics.jsonl: the first 300 items of
  each (Le Monde's front page: fr; 26 English-language feeds: en).

Each item is measured twice, title alone and title + summary, each without and with the feed's
declared language (the feed's ``<language>``, the JSON-lines items' ``language``; the NewsAPI items
declare none). Accuracy is per language, then the mean
over languages (each language counts once, whatever its number of items) and over items.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.support import CORPUS, Table

FEED_LABEL_FIXES = {"varthabharathi_1.xml": "en"}  # declares kn, written in English (read by hand)
PUBLISHER_FILES = {
    "americaArgInfobae.json": "es", "europeFrLemonde.json": "fr", "europeFrLiberation.json": "fr",
    "europeGerBild.json": "de", "europeGerSpiegel.json": "de", "europeRuLenta.json": "ru", "europeRuRbc.json": "ru",
    "americaUsCbs.json": "en", "americaUsFox.json": "en", "americaUsPolitico.json": "en", "asiaIndHindu.json": "en",
    "asiaIndThetimes.json": "en", "europeUkBbbc.json": "en", "africaSouAfrNews24.json": "en",
}
JSONL_FILES = {"fr_lemonde_une_2020H1.jsonl": "fr", "en_rss_items_2022_geopolitics.jsonl": "en"}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass(frozen=True)
class Item:
    label: str
    title: str
    summary: str
    declared: str | None  # the feed's own <language>, if it has one
    origin: str  # corpus file


def feed_labels(readme: str) -> dict[str, str]:
    """feed file name -> language, from the corpus README's table of where each file came from."""
    out: dict[str, str] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 7 and cells[1].startswith("`feeds/"):
            out[cells[1].strip("`").removeprefix("feeds/")] = cells[6].split("-")[0].lower()
    return out


def labelled_sample(corpus: Path = CORPUS, jsonl_items: int = 300) -> list[Item]:
    """The labelled items (see the module docstring for where each label comes from)."""
    from vigie.ingest.parse import parse_document
    from vigie.ingest.textclean import clean
    from vigie.models import Document

    items: list[Item] = []
    seen: set[tuple[str, str]] = set()

    def add(label: str, title: str, summary: str, declared: str | None, origin: str) -> None:
        if title and (label, title) not in seen:
            seen.add((label, title))
            items.append(Item(label, title, summary, declared, origin))

    for name, label in sorted(feed_labels((corpus / "README.md").read_text(encoding="utf-8")).items()):
        path = corpus / "feeds" / name
        feed = parse_document(Document(location=str(path), body=path.read_bytes()), name)
        for e in feed.entries:
            add(FEED_LABEL_FIXES.get(name, label), clean(e.title, "text/plain", single_line=True),
                clean(e.summary, e.content_type), e.language, f"feeds/{name}")
    for path in sorted((corpus / "articles" / "newsapi_cache_2020-2023").glob("*.json")):
        for a in json.loads(path.read_text(encoding="utf-8"))["articles"]:
            title, summary = a.get("title") or "", a.get("description") or ""
            label = PUBLISHER_FILES.get(path.name) or ("ko" if _HANGUL.search(title) else None)
            if label:
                add(label, title, summary if label != "ko" else "", None, f"newsapi/{path.name}")
    for name, label in JSONL_FILES.items():
        with (corpus / "articles" / name).open(encoding="utf-8") as fh:
            for n, line in zip(range(jsonl_items), fh):
                item = json.loads(line)
                add(label, item.get("title") or "", item.get("description") or "", item.get("language"), f"articles/{name}")
    return items


Detector = Callable[[str, "str | None"], str]


def accuracy(detect: Detector, items: list[Item], field: str, hinted: bool) -> dict[str, float]:
    """label -> share of its items ``detect`` gets right; plus "macro" (mean over labels) and "micro"."""
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for it in items:
        text = it.title if field == "title" else f"{it.title}\n{it.summary}"
        total[it.label] += 1
        right[it.label] += detect(text, it.declared if hinted else None) == it.label
    out = {lang: right[lang] / total[lang] for lang in total}
    out["macro"] = sum(out.values()) / len(total)
    out["micro"] = sum(right.values()) / sum(total.values())
    return out


def run(size: str = "quick") -> Table:
    from bench.lang_stopwords import detect_language as stop_word_guess
    from vigie.ingest.language import detect_language

    items = labelled_sample(jsonl_items={"full": 1000, "quick": 300, "tiny": 20}[size])
    counts: dict[str, int] = defaultdict(int)
    for it in items:
        counts[it.label] += 1
    langs = sorted(counts, key=lambda k: (-counts[k], k))
    table = Table(name="lang", title="Language identification on labelled corpus items (vigie: py3langid + declared "
                  "language; baseline: the stop-word guess it replaced)",
                  columns=("text", "declared", "language", "items", "vigie %", "baseline %", "vigie - baseline"))
    for field in ("title", "title+summary"):
        for hinted in (False, True):
            started = time.process_time()
            new = accuracy(detect_language, items, field, hinted)
            new_s = time.process_time() - started
            started = time.process_time()
            old = accuracy(stop_word_guess, items, field, hinted)
            old_s = time.process_time() - started
            shown = "used" if hinted else "ignored"
            for lang in [*langs, "macro", "micro"]:
                n = counts[lang] if lang in counts else len(items)
                table.add(field, shown, lang if lang in counts else f"mean ({lang})", n, 100 * new[lang], 100 * old[lang],
                          100 * (new[lang] - old[lang]))
            table.figures[f"{field} {shown} macro"] = {"vigie": new["macro"], "baseline": old["macro"]}
            table.figures[f"{field} {shown} ms_per_item"] = 1000 * new_s / len(items)
            table.figures[f"{field} {shown} baseline_ms_per_item"] = 1000 * old_s / len(items)
    table.notes.append(f"{len(items):,} items in {len(langs)} languages; labels: see bench/bench_lang.py (corpus README's "
                       "language per feed, publisher's language per NewsAPI file, Hangul headlines as ko)")
    table.notes.append("declared: the feed's own <language> (JSON lines: the item's language) passed as the hint; "
                       "NewsAPI items declare none; macro: mean over languages, micro: over items")
    table.notes.append(f"CPU per item, title+summary with the declaration: vigie "
                       f"{table.figures['title+summary used ms_per_item']:.2f} ms, baseline "
                       f"{table.figures['title+summary used baseline_ms_per_item']:.2f} ms")
    return table


if __name__ == "__main__":
    from bench.support import format_table

    print(format_table(run("quick")))
