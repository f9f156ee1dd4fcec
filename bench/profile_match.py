"""Where an article's matching time goes with realistic rules, by stage, in microseconds per item.

    python -m bench.profile_match [--sizes 1000,10000] [--rounds 5]

Not a profiler's view (cProfile's cost per call distorts code made of many small calls): the real
functions of ``vigie.rules.match`` are timed whole, then with a stage cut off, and each stage is the
difference (medians of rounds that alternate the variants, CPU time of this process):

* tokenize: what ``_find_atoms`` does before its lookups (the ASCII pre-check and ``FieldTokens``);
* lookups: the rest of ``_find_atoms`` (phrase index, hits per atom);
* candidates: the trigger loop, timed on a copy of the matcher whose every rule fails its first check;
* deciding: the plans and checks of the woken rules, timed with spans and matches not built;
* spans: ``SpanBook`` (offsets, Span objects, sorting), timed with the Match objects not built;
* matches: the Match objects.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import time
from typing import Any, Callable

from bench.support import Table

_NO_SPANS = ((), ())


class _NoSpans:
    """Stands for SpanBook: every rule that fires gets no spans (the deciding is unchanged)."""

    def __init__(self, *args: Any) -> None:
        pass

    def of_atoms(self, *args: Any) -> tuple[tuple[()], tuple[()]]:
        return _NO_SPANS

    of_pair = of_hits = of_atoms


def _no_match(*args: Any) -> None:
    return None


def run(sizes: list[int], rounds: int) -> Table:
    from bench.bench_peers import load_en_items
    from bench.realistic_rules import generate_realistic_rules
    from vigie.rules import compile_rules, load_text
    from vigie.rules import match as M
    from vigie.rules.scan import FieldTokens

    items = load_en_items(2000)
    table = Table(name="profile", title="Matching realistic rules, microseconds per item by stage (medians)",
                  columns=("rules", "total", "tokenize", "lookups", "candidates", "deciding", "spans", "matches",
                           "candidates/item", "matches/item", "spans/item"))
    for n in sizes:
        m = compile_rules(load_text(generate_realistic_rules(n), path=f"<realistic {n}>").rules)
        failing = copy.copy(m)  # the same triggers; every woken rule stops at its first check
        failing.plans = [None] * len(m.rules)
        failing.checks = [(frozenset({-1}), (), (), 0.0)] * len(m.rules)
        index = m.index

        def tokenize() -> None:
            for a in items:
                for text in (a.title, a.summary, a.body):
                    if text and not (text.isascii() and not index.may_occur(text.lower())):
                        FieldTokens(text)

        def find() -> None:
            for a in items:
                M._find_atoms(index, a, "en", {})

        def whole(matcher: Any) -> Callable[[], None]:
            def go() -> None:
                for a in items:
                    M._match_article(matcher, a)
            return go

        def patched(book: Any, new_match: Any) -> Callable[[], None]:
            def go() -> None:
                saved = M.SpanBook, M.new_match
                M.SpanBook, M.new_match = book, new_match
                try:
                    whole(m)()
                finally:
                    M.SpanBook, M.new_match = saved
            return go

        variants = {"tokenize": tokenize, "find": find, "candidates": whole(failing),
                    "decide": patched(_NoSpans, _no_match), "spans": patched(M.SpanBook, _no_match), "total": whole(m)}
        for a in items[:300]:
            m.match(a)
        times: dict[str, list[float]] = {k: [] for k in variants}
        was_on = gc.isenabled()
        gc.disable()  # as match_article does
        try:
            for r in range(rounds):
                for name in (list(variants) if r % 2 == 0 else list(reversed(variants))):
                    start = time.process_time()
                    variants[name]()
                    times[name].append((time.process_time() - start) / len(items) * 1e6)
        finally:
            if was_on:
                gc.enable()
        us = {k: statistics.median(v) for k, v in times.items()}
        woken = sum(_woken(m, M, a) for a in items) / len(items)
        found = [x for a in items for x in m.match(a)]
        table.add(n, us["total"], us["tokenize"], us["find"] - us["tokenize"], us["candidates"] - us["find"],
                  us["decide"] - us["candidates"], us["spans"] - us["decide"], us["total"] - us["spans"], woken,
                  len(found) / len(items), sum(len(x.spans) for x in found) / len(items))
    table.notes.append(f"{len(items):,} title+summary items of en_rss_items_2022_geopolitics.jsonl, {rounds} rounds; a stage is "
                       "the difference of two timings, so small stages are noisy")
    return table


def _woken(m: Any, M: Any, article: Any) -> int:
    """How many rules the trigger loop wakes for ``article`` (counted apart from the timings)."""
    hits = M._find_atoms(m.index, article, "en", {})
    found = set(hits)
    woken: set[int] = set(m.always)
    for idx in m.triggers.keys() & found:
        for other in m.triggers[idx].keys() & found:
            woken.update(m.triggers[idx][other])
    return len(woken)


if __name__ == "__main__":
    from bench.support import format_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(format_table(run([int(s) for s in args.sizes.split(",")], args.rounds)))
