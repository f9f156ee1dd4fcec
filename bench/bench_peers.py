"""Matching with realistic rules beside the phrase matchers of other libraries, in the same run.

    python -m bench --only peers        (or: python -m bench.bench_peers [--quick | --tiny])

Rules come from ``bench/realistic_rules.py`` (mined from the corpus; several fire on a typical item).
The peers get vigie's own expanded phrase set (every key of the compiled phrase index: variants and
inflections, folded) and the lower-cased text of the same items; they only find phrases, they do not
evaluate rules or build spans, so they are a ceiling, not a like-for-like product:

* pyahocorasick, whole words: one automaton pass, hits kept when both ends sit on a word boundary;
* flashtext's KeywordProcessor (whole words by construction), when installed (the ``bench`` extra);
* spaCy's PhraseMatcher on the LOWER attribute, over ``nlp.make_doc`` of a blank English pipeline.

Rates are items per CPU second of this process (``time.process_time``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Callable

from bench.support import Stopwatch, Table

RSS_TARGET_MB = 500  # issue 15: the matcher of 10,000 realistic rules
SIZES = {"full": ([10, 1000, 10000], 0, 3.0), "quick": ([10, 1000, 10000], 2000, 1.0), "tiny": ([10, 100], 200, 0.2)}


def load_en_items(limit: int = 0) -> list[Any]:
    """The title+summary items of the English 2022 geopolitics file (``limit`` 0: all 7,503)."""
    from bench.realistic_rules import CORPUS_ITEMS
    from vigie.models import Article

    now = datetime(2022, 1, 1, tzinfo=timezone.utc)
    out = []
    with CORPUS_ITEMS.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit and n >= limit:
                break
            it = json.loads(line)
            out.append(Article(id=f"en:{n}", source_id=it.get("publisher") or "en", url=it.get("url"),
                               title=it.get("title") or "", summary=it.get("description") or "", body="",
                               language="en", published=now))
    return out


def expanded_phrases(matcher: Any) -> list[str]:
    """Every key of the matcher's phrase index as plain folded words ("vladimir putin")."""
    return sorted(set(matcher.index.keys()))


def aho_whole_words(phrases: list[str]) -> Callable[[str], int]:
    import ahocorasick

    auto = ahocorasick.Automaton()
    for p in phrases:
        auto.add_word(p, len(p))
    auto.make_automaton()

    def run(text: str) -> int:
        n = 0
        size = len(text)
        for end, length in auto.iter(text):
            start = end - length + 1
            if (start == 0 or not text[start - 1].isalnum()) and (end + 1 == size or not text[end + 1].isalnum()):
                n += 1
        return n

    return run


def flashtext_matcher(phrases: list[str]) -> Callable[[str], int] | None:
    try:
        from flashtext import KeywordProcessor
    except ImportError:
        return None
    kp = KeywordProcessor(case_sensitive=True)  # the text is lower-cased already, like the keys
    for p in phrases:
        kp.add_keyword(p)
    return lambda text: len(kp.extract_keywords(text))


def spacy_phrase_matcher(phrases: list[str]) -> Callable[[str], int]:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    pm = PhraseMatcher(nlp.vocab, attr="LOWER")
    docs = list(nlp.tokenizer.pipe(phrases))
    for i in range(0, len(docs), 5000):
        pm.add(f"k{i}", docs[i:i + 5000])
    return lambda text: len(pm(nlp.make_doc(text)))


# A child process: the rules read and compiled, every item matched; its peak resident memory (VmHWM).
_RSS_CHILD = ("import sys; from pathlib import Path; from bench.bench_peers import load_en_items; "
              "from bench.support import own_peak_rss_mb; from vigie.rules import compile_rules, load_rules; "
              "m = compile_rules(load_rules([Path(sys.argv[1])]).rules); "
              "n = sum(len(m.match(a)) for a in load_en_items(int(sys.argv[2]))); print(own_peak_rss_mb())")


def matcher_peak_rss_mb(rules_yaml: str, limit: int) -> float:
    """Peak RSS in MB of a new process that reads ``rules_yaml``, compiles it and matches the items:
    the matcher's memory with the interpreter, vigie's imports and the items, and nothing of this process."""
    from bench.support import REPO

    with tempfile.TemporaryDirectory(prefix="vigie-bench-rss-") as name:
        path = f"{name}/rules.yaml"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(rules_yaml)
        out = subprocess.run([sys.executable, "-c", _RSS_CHILD, path, str(limit)], cwd=REPO, capture_output=True,
                             text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(size: str) -> Table:
    from bench.bench_match import measure
    from bench.realistic_rules import generate_realistic_rules
    from vigie.rules import compile_rules, load_text
    from vigie.rules.scan import FieldTokens

    counts, limit, seconds = SIZES[size]
    items = load_en_items(limit)
    texts = [f"{a.title}\n{a.summary}".lower() for a in items]
    fields = [t for a in items for t in (a.title, a.summary) if t]
    table = Table(
        name="peers",
        title="1b. Matching realistic rules beside phrase matchers, items per CPU second (same items, same expanded phrases)",
        columns=("rules", "phrases", "load+compile s", "matches/item", "vigie peak RSS MB", "vigie", "vigie tokenize+fold",
                 "pyahocorasick whole words", "flashtext", "spaCy PhraseMatcher", "vigie/aho", "vigie/flashtext"),
    )
    for n in counts:
        text = generate_realistic_rules(n)
        with Stopwatch() as sw:
            loaded = load_text(text, path=f"<realistic {n}>")
            if loaded.errors:
                raise RuntimeError(f"realistic rules do not load: {loaded.errors[:3]}")
            matcher = compile_rules(loaded.rules)
        for a in items[:200]:
            matcher.match(a)
        per_item = sum(len(matcher.match(a)) for a in items[:1000]) / min(1000, len(items))
        rss = matcher_peak_rss_mb(text, limit)
        vigie = measure(matcher.match, items, seconds)
        tok = measure(FieldTokens, fields, seconds) * len(fields) / len(items)
        phrases = expanded_phrases(matcher)
        aho = measure(aho_whole_words(phrases), texts, seconds)
        ft = flashtext_matcher(phrases)
        flash = measure(ft, texts, seconds) if ft else None
        spc = measure(spacy_phrase_matcher(phrases), texts, seconds)
        table.add(n, len(phrases), round(sw.seconds, 1), per_item, rss, vigie, tok, aho, flash, spc, vigie / aho,
                  vigie / flash if flash else None)
        table.figures[f"{n} vigie_items_per_cpu_s"] = vigie
        table.figures[f"{n} matches_per_item"] = per_item
        table.figures[f"{n} peak_rss_mb"] = rss
    table.notes.append(_loading_note(counts[-1]))
    table.notes.append(f"vigie peak RSS MB: a new process reads the rules, compiles them and matches the items (VmHWM: the "
                       f"interpreter, vigie's imports and the items included); target at 10,000 rules: under {RSS_TARGET_MB} MB")
    table.notes.append(f"items: {len(items):,} title+summary items of en_rss_items_2022_geopolitics.jsonl; rules mined from "
                       "them by bench/realistic_rules.py (entities of 3-10 real name variants, phrases, AND/NEAR/NOT, OR groups)")
    table.notes.append("the peers only find phrases in lower-cased text; vigie also tokenizes, folds accents, evaluates every "
                       "rule and builds spans. 'vigie tokenize+fold': the tokenizer alone over the same fields")
    if flashtext_matcher([]) is None:
        table.notes.append("flashtext is not installed (pip install '.[bench]'): its column is empty")
    return table


def _loading_note(n: int) -> str:
    """CPU seconds to read ``n`` realistic rules from YAML, to compile them, and to get both from the rules cache."""
    import tempfile
    from pathlib import Path

    from bench.realistic_rules import generate_realistic_rules
    from bench.support import own_peak_rss_mb
    from vigie.rules import cache, compile_rules, load_compiled, load_rules

    with tempfile.TemporaryDirectory(prefix="vigie-bench-rules-") as name:
        rules = Path(name) / "rules.yaml"
        rules.write_text(generate_realistic_rules(n), encoding="utf-8")
        size_kb = rules.stat().st_size // 1024
        start = time.process_time()
        loaded = load_rules([rules])
        yaml_s = time.process_time() - start
        start = time.process_time()
        compile_rules(loaded)
        compile_s = time.process_time() - start
        load_compiled([rules], Path(name) / "cache")  # fills the cache
        cache._MEMORY.clear()  # as a new process would
        start = time.process_time()
        load_compiled([rules], Path(name) / "cache")
        cached_s = time.process_time() - start
    return (f"{n:,} rules in a {size_kb:,} KB file: read from YAML in {yaml_s:.2f} CPU-s, "
            f"compiled in {compile_s:.2f} CPU-s; unchanged, from the rules cache in {cached_s:.2f} CPU-s; "
            f"peak RSS of this process {own_peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    from bench.support import format_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--quick", action="store_true")
    grp.add_argument("--tiny", action="store_true")
    args = ap.parse_args()
    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
