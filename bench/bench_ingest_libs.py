"""Libraries against the hand-written code they replaced or were tried against, on labelled real data.

    python -m bench --only ingest          (or: python bench/bench_ingest_libs.py)

* mojibake: vigie's repair (ftfy) beside the hand-written repair it replaced (``bench/mojibake_handwritten.py``),
  on real corpus text in 12 languages, as is and mis-decoded by the real mechanisms, plus real GBK mojibake;
* dates: feedparser + ``loose_dates`` + dateparser as the fallback (vigie) beside feedparser + ``loose_dates``
  (before), on every date string of the corpus feeds, the real dates of the Russian and Portuguese feeds written
  with Russian and Portuguese month names, and strings that are no date;
* normalize: articles per CPU-second over every corpus feed, with either repair.

* full text: trafilatura beside vigie's extractor (``textclean.extract_main_text``) on the real saved article pages
  of ``tests/fixtures/pages`` (trafilatura is a ``bench`` extra: vigie keeps its own extractor, see the figures).

How the labels were made: ``bench/ingest_labels.md``.
"""

from __future__ import annotations

import time
import unicodedata
from datetime import datetime, timezone
from typing import Any, Callable

from bench.support import CORPUS, Table

COLUMNS = ("job", "case", "items", "library %", "hand-written %", "library wrong", "hand-written wrong",
           "library us/item", "hand-written us/item", "library/hand-written time", "vigie uses")


def _add(table: Table, job: str, case: str, n: int, lib: tuple[int, int, float], hand: tuple[int, int, float],
         uses: str) -> None:
    """One row: (right, wrong, CPU seconds) of the library and of the hand-written code on ``n`` items."""
    table.add(job, case, n, 100 * lib[0] / n, 100 * hand[0] / n, lib[1], hand[1], 1e6 * lib[2] / n, 1e6 * hand[2] / n,
              lib[2] / hand[2] if hand[2] else None, uses)


def _timed(fn: Callable[[Any], Any], items: list[Any]) -> tuple[list[Any], float]:
    started = time.process_time()
    out = [fn(x) for x in items]
    return out, time.process_time() - started


def mojibake_rows(table: Table, per_file: int) -> None:
    from bench.ingest_labels import mojibake_cases
    from bench.mojibake_handwritten import repair_mojibake as handwritten
    from vigie.ingest.textclean import repair_mojibake as vigie

    cases = mojibake_cases(CORPUS, per_file)

    def nfc(fn: Callable[[str], str]) -> Callable[[str], str]:
        return lambda text: unicodedata.normalize("NFC", fn(text))  # _finish normalizes after the repair

    vigie(cases[0].text)  # ftfy's first call loads its tables
    kinds = list(dict.fromkeys(c.kind for c in cases))
    totals: dict[str, list[float]] = {"vigie": [0, 0, 0.0], "baseline": [0, 0, 0.0]}
    for kind in kinds:
        group = [c for c in cases if c.kind == kind]
        stats: dict[str, tuple[int, int, float]] = {}
        for name, fn in (("vigie", nfc(vigie)), ("baseline", nfc(handwritten))):
            outs, secs = _timed(fn, [c.text for c in group])
            right = sum(o == c.expected for o, c in zip(outs, group))
            wrong = sum(o != c.expected and o != c.text for o, c in zip(outs, group))  # changed, but not to the truth
            stats[name] = (right, wrong, secs)
            t = totals[name]
            t[0] += right
            t[1] += wrong
            t[2] += secs
        _add(table, "mojibake", kind, len(group), stats["vigie"], stats["baseline"], "ftfy")
    v, b, n = totals["vigie"], totals["baseline"], len(cases)
    _add(table, "mojibake", "all", n, (int(v[0]), int(v[1]), v[2]), (int(b[0]), int(b[1]), b[2]), "ftfy")
    table.figures["mojibake"] = {"cases": n, "vigie_right": v[0] / n, "baseline_right": b[0] / n}


def date_rows(table: Table) -> None:
    import feedparser

    from bench.ingest_labels import date_cases
    from vigie.ingest import loose_dates
    from vigie.ingest.fallback_dates import _parse, fallback_date

    loose_dates.register()
    cases = date_cases(CORPUS)

    def before(case: Any) -> datetime | None:
        parsed = feedparser.datetimes._parse_date(case.text) if case.text else None
        return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None

    def vigie(case: Any) -> datetime | None:
        return before(case) or fallback_date(case.text, case.language)

    fallback_date("1 января 2020 г., 10:00", "ru")  # dateparser's first call loads its language data
    fallback_date("1 de janeiro de 2020 10:00", "pt")
    fallback_date("1 января 2020 г., 10:00")  # without a language: dateparser loads every language once
    kinds = list(dict.fromkeys(c.kind for c in cases))
    for kind in [*kinds, "all"]:
        group = cases if kind == "all" else [c for c in cases if c.kind == kind]
        res = {}
        for name, fn in (("vigie", vigie), ("baseline", before)):
            _parse.cache_clear()  # the cost of a string met for the first time (a feed repeats its strings)
            outs, secs = _timed(fn, group)
            right = sum(o == c.expected for o, c in zip(outs, group))
            wrong = sum(o is not None and o != c.expected for o, c in zip(outs, group))  # a wrong date, worse than none
            res[name] = (right, wrong, secs)
        v, b = res["vigie"], res["baseline"]
        _add(table, "dates", kind, len(group), v, b, "feedparser, then dateparser")
        table.figures[f"dates {kind}"] = {"cases": len(group), "vigie_right": v[0] / len(group),
                                          "baseline_right": b[0] / len(group), "vigie_wrong": v[1]}


def normalize_rows(table: Table, repeat: int) -> None:
    """Parse every corpus feed once, then time normalize over all of it with each repair (best of ``repeat``)."""
    from bench.mojibake_handwritten import repair_mojibake as handwritten
    from vigie.ingest import textclean
    from vigie.ingest.normalize import normalize_entry
    from vigie.ingest.parse import parse_document
    from vigie.models import Document

    entries = []
    for path in sorted((CORPUS / "feeds").glob("*.xml")):
        try:
            entries.extend(parse_document(Document(location=str(path), body=path.read_bytes()), path.name).entries)
        except Exception:  # noqa: BLE001 - a feed the parser refuses has nothing to normalize
            continue
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ftfy_repair = textclean.repair_mojibake
    best: dict[str, float] = {}
    for e in entries:  # warm-up: the language detector and ftfy load their tables on first use
        normalize_entry(e, now)
    try:
        for _ in range(repeat):
            for name, repair in (("vigie", ftfy_repair), ("baseline", handwritten)):
                textclean.repair_mojibake = repair  # _finish looks it up at call time
                _, secs = _timed(lambda e: normalize_entry(e, now), entries)
                best[name] = min(best.get(name, secs), secs)
    finally:
        textclean.repair_mojibake = ftfy_repair
    n = len(entries)
    table.add("normalize", "real feeds, articles (ftfy repair / hand-written repair)", n, None, None, None, None,
              1e6 * best["vigie"] / n, 1e6 * best["baseline"] / n, best["vigie"] / best["baseline"], "ftfy")
    table.figures["normalize articles_per_cpu_s"] = {"vigie": n / best["vigie"], "baseline": n / best["baseline"]}


def fulltext_rows(table: Table, repeat: int) -> None:
    """trafilatura beside today's extractor on the saved article pages: share of the labelled article passages found
    ("%"), labelled boilerplate passages leaked ("wrong")."""
    from bench.ingest_labels import page_cases
    from vigie.ingest.textclean import extract_main_text, fold_whitespace

    try:
        import trafilatura
    except ImportError:  # a bench extra: without it, the library's cells stay empty
        trafilatura = None
    cases = page_cases()
    totals = {"lib": [0, 0, 0.0], "hand": [0, 0, 0.0]}
    n_body = sum(len(c.body) for c in cases)
    for case in cases:
        res: dict[str, tuple[int, int, float]] = {}
        extractors: list[tuple[str, Callable[[str], str]]] = [("hand", extract_main_text)]
        if trafilatura is not None:
            extractors.append(("lib", lambda page: trafilatura.extract(page) or ""))
        for name, fn in extractors:
            best = float("inf")
            for _ in range(repeat):
                started = time.process_time()
                text = fn(case.html)
                best = min(best, time.process_time() - started)
            flat = fold_whitespace(text, single_line=True)
            found = sum(p in flat for p in case.body)
            leaked = sum(p in flat for p in case.boilerplate)
            res[name] = (found, leaked, best)
            for i, v in enumerate(res[name]):
                totals[name][i] += v
        lib = res.get("lib")
        hand = res["hand"]
        n = len(case.body)
        table.add("full text", case.name.removesuffix(".html"), n,
                  100 * lib[0] / n if lib else None, 100 * hand[0] / n, lib[1] if lib else None, hand[1],
                  1e6 * lib[2] if lib else None, 1e6 * hand[2], lib[2] / hand[2] if lib and hand[2] else None,
                  "hand-written")
    lib_t, hand_t = totals["lib"], totals["hand"]
    have_lib = trafilatura is not None
    table.add("full text", f"all {len(cases)} pages (passages)", n_body, 100 * lib_t[0] / n_body if have_lib else None,
              100 * hand_t[0] / n_body, int(lib_t[1]) if have_lib else None, int(hand_t[1]),
              1e6 * lib_t[2] / len(cases) if have_lib else None, 1e6 * hand_t[2] / len(cases),
              lib_t[2] / hand_t[2] if have_lib and hand_t[2] else None, "hand-written")
    table.figures["full text"] = {"pages": len(cases), "passages": n_body, "trafilatura_found": lib_t[0] if have_lib else None,
                                  "hand_found": hand_t[0], "trafilatura_leaked": lib_t[1] if have_lib else None,
                                  "hand_leaked": hand_t[1]}


def run(size: str = "quick") -> Table:
    table = Table(name="ingest", title="Ingest libraries beside hand-written code on labelled real data", columns=COLUMNS)
    mojibake_rows(table, {"full": 10**6, "quick": 40, "tiny": 3}[size])
    date_rows(table)
    normalize_rows(table, {"full": 3, "quick": 2, "tiny": 1}[size])
    fulltext_rows(table, {"full": 5, "quick": 3, "tiny": 1}[size])
    table.notes.append("labels: bench/ingest_labels.md; % = exact match with the label (full text: labelled article "
                       "passages found); wrong = changed but not to the label (mojibake), a date other than the label "
                       "(dates), labelled boilerplate passages leaked (full text); us = CPU microseconds per item "
                       "(full text: per page)")
    table.notes.append("mojibake cases are real corpus text, as is (clean) and mis-decoded by the real mechanism "
                       "(made here); 'real GBK' titles are mojibake as published in the corpus")
    table.notes.append("library: ftfy (mojibake), feedparser then dateparser (dates; hand-written: feedparser with "
                       "vigie's loose_dates), trafilatura (full text; a bench extra, not adopted: it does not win here)")
    return table


if __name__ == "__main__":
    from bench.support import format_table

    print(format_table(run("quick")))
