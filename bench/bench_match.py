"""Matching throughput with 10, 100, 1,000 and 10,000 rules: vigie's one-automaton matcher beside a
naive per-rule regex loop, measured in the same run on the same real items (title + summary).

    python bench/bench_match.py [--quick] [--counts 10,100,1000,10000] [--items N]

Rules are generated reproducibly (fixed seed) from a list of real entities of the news corpus and a
vocabulary of English and French words taken from spaCy's lemma tables, in the shapes analysts write:
entity AND word, quoted phrases, NEAR/5 pairs, OR groups with NOT, title-scoped words, weighted
entities. Items: ../shared/corpus/articles/en_rss_items_2022_geopolitics.jsonl and
fr_lemonde_une_2020H1.jsonl (beside the repository).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from vigie.models import Article
from vigie.rules import compile_rules, load_text
from vigie.rules.expr import And, Atom, Expr, Filter, Near, Not, Or, Scope
from vigie.rules.folding import fold

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "articles"
ITEM_FILES = ("en_rss_items_2022_geopolitics.jsonl", "fr_lemonde_une_2020H1.jsonl")
SEED = 20251123

ENTITIES = {
    "kju": ["Kim Jong Un", "Kim Jong-un", "Ким Чен Ын", "김정은"],
    "putin": ["Vladimir Putin", "Putin", "Poutine", "Путин"],
    "zelensky": ["Zelensky", "Zelenskyy", "Zelenski", "Зеленский", "Зеленський"],
    "kursk": ["Kursk", "Koursk", "Курск"],
    "nk": ["North Korea", "Corée du Nord", "DPRK", "Pyongyang"],
    "russia": ["Russia", "Russie", "Moscow", "Moscou", "Kremlin"],
    "ukraine": ["Ukraine", "Kyiv", "Kiev", "Kiev"],
    "china": ["China", "Chine", "Beijing", "Pékin"],
    "us": ["United States", "Etats-Unis", "Washington", "White House", "Maison Blanche"],
    "nato": ["NATO", "OTAN"],
    "eu": ["European Union", "Union européenne", "Brussels", "Bruxelles"],
    "uk": ["Britain", "United Kingdom", "Royaume-Uni", "London", "Londres"],
    "france": ["France", "Paris", "Macron", "Elysée"],
    "germany": ["Germany", "Allemagne", "Berlin", "Scholz"],
    "biden": ["Joe Biden", "Biden"],
    "trump": ["Donald Trump", "Trump"],
    "iran": ["Iran", "Tehran", "Téhéran"],
    "israel": ["Israel", "Israël"],
    "syria": ["Syria", "Syrie", "Damascus", "Damas"],
    "belarus": ["Belarus", "Biélorussie", "Lukashenko", "Loukachenko"],
    "crimea": ["Crimea", "Crimée"],
    "donbas": ["Donbas", "Donbass", "Donetsk", "Luhansk", "Louhansk"],
    "mariupol": ["Mariupol", "Marioupol"],
    "kharkiv": ["Kharkiv", "Kharkov"],
    "wagner": ["Wagner", "Prigozhin", "Prigojine"],
    "un": ["United Nations", "UN", "ONU", "Nations unies"],
    "gazprom": ["Gazprom"],
    "covid": ["Covid", "coronavirus", "Covid-19"],
}


def load_items(limit: int = 0) -> list[Article]:
    """Title+summary items of the corpus files; ``limit`` (0: all) is shared evenly between the files."""
    out: list[Article] = []
    now = datetime(2022, 1, 1, tzinfo=timezone.utc)
    per_file = max(1, limit // len(ITEM_FILES)) if limit else 10**9
    for name in ITEM_FILES:
        path = CORPUS / name
        if not path.is_file():
            sys.exit(f"corpus file missing: {path} (the benchmark needs ../shared/corpus beside the repository)")
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if n >= per_file:
                    break
                item = json.loads(line)
                out.append(Article(id=f"{name}:{n}", source_id=item.get("publisher") or name, url=item.get("url"),
                                   title=item.get("title") or "", summary=item.get("description") or "", body="",
                                   language=(item.get("language") or "und").split("-")[0].lower(), published=now))
    return out


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Content words of spaCy's English and French lemma tables (sorted, then a seeded sample)."""
    from vigie.rules import lemmas as nlp

    from vigie.common.stopwords import stop_words

    stops = frozenset().union(*stop_words().values())
    words: set[str] = set()
    for lang in ("en", "fr"):
        data = nlp.lemma_data(lang)
        if data is not None:
            # Analysts do not watch for stop words ("have", "dans"): leave spaCy's lists out.
            words.update(w for w in data.to_forms if w.isalpha() and 4 <= len(w) <= 12 and w not in stops)
    return rng.sample(sorted(words), min(size, len(words)))


def generate_rules(count: int, seed: int = SEED) -> str:
    """A rule file with ``count`` rules in the shapes analysts write (reproducible)."""
    rng = random.Random(seed)
    vocab = vocabulary(rng, max(200, count * 4))
    ents = sorted(ENTITIES)
    lines = ["entities:"]
    for key in ents:
        lines.append(f"  {key}: {{variants: {json.dumps(ENTITIES[key], ensure_ascii=False)}}}")
    lines.append("rules:")
    for i in range(count):
        e = rng.choice(ents)
        a, b, c = rng.sample(vocab, 3)
        shape = i % 6
        if shape == 0:
            q = f"@{e} AND {a}"
        elif shape == 1:
            q = f'"{a} {b}" OR @{e} {c}'
        elif shape == 2:
            q = f"{a} NEAR/5 {b}"
        elif shape == 3:
            q = f"(@{e} OR {a}) {b} -{c}"
        elif shape == 4:
            q = f"title:{a} OR (@{e} AND summary:{b})"
        else:
            lines.append(f"  - id: r{i}\n    weights: {{threshold: 2, items: [{{entity: {e}, weight: 1}}, {{text: {json.dumps(a)}}}, {{text: {json.dumps(b)}}}]}}")
            continue
        lines.append(f"  - id: r{i}\n    query: {json.dumps(q, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


# ---- the naive baseline: one compiled regex per phrase, every rule evaluated on every item ---------

def naive_compile(rules: list[Any]) -> list[Callable[[dict[str, str]], bool]]:
    cache: dict[str, re.Pattern[str]] = {}

    def rx(phrase: str) -> re.Pattern[str]:
        if phrase not in cache:
            body = re.escape(fold(phrase.rstrip("*")))
            cache[phrase] = re.compile(r"\b" + body + (r"\w*" if phrase.endswith("*") else r"\b"))
        return cache[phrase]

    def build(e: Expr, fields: tuple[str, ...]) -> Callable[[dict[str, str]], bool]:
        if isinstance(e, Atom):
            pats = [rx(p) for p in e.phrases]
            return lambda t: any(p.search(t[f]) for f in fields for p in pats)
        if isinstance(e, (And, Near)):  # NEAR approximated as AND (kinder to the baseline)
            parts = [build(i, fields) for i in e.items]
            return lambda t: all(p(t) for p in parts)
        if isinstance(e, Or):
            parts = [build(i, fields) for i in e.items]
            return lambda t: any(p(t) for p in parts)
        if isinstance(e, Not):
            part = build(e.item, fields)
            return lambda t: not part(t)
        if isinstance(e, Scope):
            return build(e.item, tuple(f for f in fields if f in e.fields))
        assert isinstance(e, Filter)
        return lambda t: True

    out = []
    for r in rules:
        fields = tuple(r.rule.fields)
        checks = []
        if r.expr is not None:
            checks.append(build(r.expr, fields))
        if r.weights:
            parts = [(build(e, fields), w) for e, w in r.weights]
            th = r.threshold
            checks.append(lambda t, parts=parts, th=th: sum(w for p, w in parts if p(t)) >= th)
        out.append(lambda t, checks=checks: all(c(t) for c in checks))
    return out


def naive_match(checks: list[Callable[[dict[str, str]], bool]], a: Article) -> int:
    # The baseline folds each field once too (a regex on raw text would miss accents and case).
    t = {"title": fold(a.title), "summary": fold(a.summary), "body": fold(a.body)}
    return sum(1 for c in checks if c(t))


def measure(fn: Callable[[Article], Any], items: list[Article], min_seconds: float, rounds: int = 3) -> float:
    """Items per CPU-second (``time.process_time``: other processes on the machine do not count),
    best of ``rounds``; each round runs over the items (or the part that fits in ``min_seconds``)."""
    best = 0.0
    for _ in range(rounds):
        done = 0
        start = time.process_time()
        for a in items:
            fn(a)
            done += 1
            if done % 100 == 0 and time.process_time() - start > min_seconds:
                break
        best = max(best, done / max(time.process_time() - start, 1e-9))
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer items and shorter timings")
    ap.add_argument("--counts", default="10,100,1000,10000")
    ap.add_argument("--items", type=int, default=0, help="items to use, shared between the files (default: all 10,801; 2,000 with --quick)")
    args = ap.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    items = load_items(args.items or (2000 if args.quick else 0))
    seconds = 1.0 if args.quick else 3.0
    print(f"items: {len(items)} real title+summary items ({', '.join(ITEM_FILES)})")
    print("rates are items per CPU-second of this one process (time.process_time), best of 3 rounds for vigie")
    print(f"{'rules':>7} {'compile s':>9} {'patterns':>9} {'vigie items/s':>14} {'naive items/s':>14} {'ratio':>7} {'matches/item':>13}")
    base_rate = None
    for n in counts:
        t0 = time.perf_counter()
        loaded = load_text(generate_rules(n), path=f"<generated {n}>")
        rules, errors = loaded.rules, loaded.errors
        assert not errors, errors[:3]
        matcher = compile_rules(rules)
        compile_s = time.perf_counter() - t0
        for a in items[:200]:  # warm the token cache like a long-running worker
            matcher.match(a)
        hits = sum(len(matcher.match(a)) for a in items[:1000]) / min(1000, len(items))
        rate = measure(matcher.match, items, seconds)
        checks = naive_compile(rules)
        naive_rate = measure(lambda a: naive_match(checks, a), items, seconds, rounds=1)
        base_rate = base_rate or rate
        print(f"{n:>7} {compile_s:>9.1f} {matcher.n_patterns:>9} {rate:>14,.0f} {naive_rate:>14,.0f} {rate / naive_rate:>6.1f}x {hits:>13.2f}")
    print("(vigie throughput at the largest count is "
          f"{rate / base_rate:.0%} of the smallest)" if base_rate else "")


if __name__ == "__main__":
    main()
