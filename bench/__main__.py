"""Run vigie's benchmarks, print one table each, save every figure as JSON under bench/results/.

    python -m bench [--quick | --tiny] [--only match,peers,poll,e2e,prefect,startup,stories,lang,ingest,backtest,parallel,scale,lean]

``--quick`` takes smaller sizes (a few minutes); ``--tiny`` is the CI smoke size (seconds; the
figures mean nothing, only that the code runs and the tables have their columns). The baseline
of each benchmark is measured in the same run as vigie's figure, so the printed ratio holds even
on a shared, noisy machine.

matching and polling reuse the functions of ``bench/bench_match.py`` and ``bench/bench_poll.py``
(each also runs on its own); ``peers`` is ``bench_peers`` (realistic rules beside pyahocorasick,
flashtext and spaCy's PhraseMatcher); the end-to-end and Prefect benchmarks are ``bench_e2e`` and
``bench_prefect``; a whole ``vigie run``, cold and warm, is ``bench_startup``; the stories benchmark
(labelled real news days) is ``bench_stories``; language identification is ``bench_lang``
(baseline: ``lang_stopwords``); the ingest libraries (ftfy, dateparser) beside the hand-written code are
``bench_ingest_libs`` (labels: ``bench/ingest_labels.md``); ``vigie rules backtest`` over 100,000 stored
articles is ``bench_backtest`` (baseline: the matcher alone); parse + normalize of changed feeds in one process
and over 2 worker processes (``executor: processes``) is ``bench_parallel``; one cycle over many feeds with 1 and 2
Prefect workers of one pool (feeds shared out by leases) is ``bench_scale``; a whole ``vigie run`` beside
rss2email over the same 1,000 loopback feeds, first and second poll, is ``bench_lean``.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from vigie.runtime import prefect_env

prefect_env.apply()  # before anything imports Prefect: no telemetry

from bench.support import (  # noqa: E402
    REPO, RESULTS, Stopwatch, Table, code_state, corpus_or_exit, format_table, machine_facts, save_results,
)

SIZES = ("full", "quick", "tiny")


# --- matching (bench_match's functions, on short and long items) ------------------------------

def run_match(size: str) -> Table:
    from bench import bench_match as bm
    from vigie.rules import compile_rules, load_text
    from vigie.rules.folding import fold

    counts = {"full": [10, 100, 1000, 10000], "quick": [10, 100, 1000, 10000], "tiny": [10, 100]}[size]
    n_items = {"full": 10_801, "quick": 2000, "tiny": 200}[size]
    seconds = {"full": 3.0, "quick": 1.0, "tiny": 0.2}[size]
    short = bm.load_items(n_items)
    long_items = _long_french_items(bm.CORPUS / "fr_lemonde_une_2020H1.jsonl", {"full": 10**9, "quick": 120, "tiny": 10}[size])
    kinds = [("title+summary", short), ("long (fr, article length)", long_items)]
    words = {k: sum(len(fold(f"{a.title} {a.summary} {a.body}").split()) for a in items) / len(items) for k, items in kinds}

    table = Table(
        name="match",
        title="1. Matching throughput, one core (vigie: one automaton; naive: one compiled regex per phrase, per rule)",
        columns=("items", "rules", "patterns", "compile s", "vigie items/s", "vigie items/CPU-s", "vigie words/CPU-s",
                 "naive items/s", "vigie/naive", "matches/item"),
    )
    base: dict[str, float] = {}
    for n in counts:
        with Stopwatch() as sw:
            loaded = load_text(bm.generate_rules(n), path=f"<generated {n}>")
            rules, errors = loaded.rules, loaded.errors
            if errors:
                raise RuntimeError(f"generated rules do not load: {errors[:3]}")
            matcher = compile_rules(rules)
        checks = bm.naive_compile(rules)
        for kind, items in kinds:
            for a in items[:200]:  # warm caches like a long-running worker does
                matcher.match(a)
            sample = items[: min(len(items), 500)]
            hits = sum(len(matcher.match(a)) for a in sample) / len(sample)
            rate, cpu_rate = _rate(matcher.match, items, seconds)
            # The naive loop is slow at 10,000 rules: time it on a spread sample, for as long.
            spread = items[:: max(1, len(items) // 400)]
            naive, _ = _rate(lambda a: bm.naive_match(checks, a), spread, seconds, min_items=5)
            base.setdefault(kind, cpu_rate)
            table.add(kind, n, matcher.n_patterns, round(sw.seconds, 1), rate, cpu_rate, cpu_rate * words[kind], naive,
                      rate / naive, hits)
            table.figures[f"{kind} {n} items_per_s"] = rate
            table.figures[f"{kind} {n} items_per_cpu_s"] = cpu_rate
            table.figures[f"{kind} {n} naive_items_per_s"] = naive
    for kind, _ in kinds:
        last = table.figures[f"{kind} {counts[-1]} items_per_cpu_s"]
        table.figures[f"{kind} kept_at_{counts[-1]}"] = last / base[kind]
        table.notes.append(f"{kind}: {words[kind]:.0f} words per item; throughput (per CPU second) at {counts[-1]:,} rules "
                           f"is {last / base[kind]:.0%} of that at {counts[0]} rules")
    table.notes.append(f"items: {len(short):,} real title+summary items ({', '.join(bm.ITEM_FILES)}); "
                       f"{len(long_items):,} long items made of consecutive Le Monde items")
    table.notes.append("items/s: wall clock (the ratio to the baseline uses it: both measured alike, minutes apart); "
                       "items/CPU-s: per second of this process's CPU time, what one core does on a busy machine")
    table.notes.append(f"rules generated with seed {bm.SEED} from corpus entities and spaCy lemma vocabulary "
                       f"(bench/bench_match.py); 'compile s' includes loading the rule file")
    return table


def _long_french_items(path, limit: int):  # type: ignore[no-untyped-def]
    """French items concatenated to the length of an article (>= 4,000 characters of body)."""
    import json
    from datetime import datetime, timezone

    from vigie.models import Article

    out: list[Article] = []
    parts: list[str] = []
    head: dict[str, str] | None = None
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            item = json.loads(line)
            if head is None:
                head = item
                continue
            parts.append(f"{item.get('title') or ''}. {item.get('description') or ''}")
            if sum(len(p) for p in parts) >= 4000:
                out.append(Article(id=f"long:{n}", source_id="lemonde", url=None, title=head.get("title") or "",
                                   summary=head.get("description") or "", body="\n\n".join(parts), language="fr",
                                   published=datetime(2020, 1, 1, tzinfo=timezone.utc)))
                head, parts = None, []
                if len(out) >= limit:
                    break
    return out


def _rate(fn: Callable, items: list, seconds: float, min_items: int = 0) -> tuple[float, float]:  # type: ignore[type-arg]
    """(items per wall second, items per CPU second of this process), over whole passes and parts
    of passes until ``seconds`` have gone. On a shared machine the CPU figure is the one that says
    what one core does; the wall figure is what the ratio to the baseline uses (same conditions)."""
    done = 0
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        for a in items:
            fn(a)
            done += 1
            if done >= min_items and time.perf_counter() - start >= seconds:
                return done / (time.perf_counter() - start), done / max(time.process_time() - cpu, 1e-9)


# --- polling (bench_poll's server and run()) --------------------------------------------------

def run_poll(size: str) -> Table:
    from bench import bench_poll as bp

    sizes = {"full": [100, 1000], "quick": [100], "tiny": [10]}[size]
    table = Table(
        name="poll",
        title="2. Polling N local feeds with ETag/Last-Modified (vigie: fetch+parse+normalize; naive: feedparser.parse(url) loop)",
        columns=("feeds", "what", "total s", "CPU s", "fetch s", "parse s", "normalize s", "req/s", "body MB", "articles",
                 "answers", "naive s", "naive/vigie"),
    )
    server = bp.Server()
    try:
        # Keywords only: bench_poll.run may grow optional parameters.
        bp.run(n=5, server=server, connections=20, baseline_max=1)  # warm-up: imports, language detector
        for n in sizes:
            rows = [_poll_row(r) for r in bp.run(n=n, server=server, connections=20, baseline_max=1000)]
            naive = rows[-1]
            naive_s = naive["total"]
            for r in rows[:-1]:
                table.add(n, r["what"], r["total"], r["cpu"], r["fetch"], r["parse"], r["normalize"], r["req_s"], r["body_mb"],
                          r["articles"], r["answers"], naive_s, naive_s / r["total"] if r["total"] else None)
                table.figures[f"{n} {r['what'].split(' (')[0]} s"] = r["total"]
            table.add(n, naive["what"], naive_s, naive["cpu"], None, None, None, naive["req_s"], naive["body_mb"],
                      naive["articles"], naive["answers"], naive_s, 1.0)
            table.figures[f"{n} naive s"] = naive_s
            floor = _feedparser_floor(bp, n)
            table.add(n, "feedparser.parse(bytes) alone, in memory", floor, floor, None, floor, None, None, None, None,
                      "the floor of parsing", naive_s, naive_s / floor)
            table.figures[f"{n} feedparser floor s"] = floor
    finally:
        server.close()
    table.notes.append("feeds: corpus feeds of 50 to 69 entries (bench/bench_poll.py FEEDS), unique per number and version; "
                       "server: one local process, HTTP/1.1 keep-alive; 20 connections")
    table.notes.append("'feedparser.parse(bytes) alone': CPU seconds of feedparser on the same feed bodies in memory, one core "
                       "(measured on up to 200 feeds, scaled to N): what no poller built on feedparser goes below here")
    table.notes.append("'naive/vigie': how many times longer the naive loop (no validators, always parses) takes than that poll")
    return table


def _poll_row(r: tuple[str, ...]) -> dict[str, Any]:
    """One row of ``bench_poll.run`` as named numbers: (feeds, what, total s, [CPU s,] fetch s, parse s,
    normalize s, req/s, "<x> MB", articles, answers); "-" is not measured."""
    def num(x: str) -> float | None:
        x = x.split()[0] if x.strip() else x
        return None if x in ("-", "") else float(x)

    fetch_s, parse_s, normalize_s, req_s, body, articles, answers = r[-7:]
    return {"what": r[1], "total": num(r[2]), "cpu": num(r[3]) if len(r) >= 11 else None, "fetch": num(fetch_s),
            "parse": num(parse_s), "normalize": num(normalize_s), "req_s": num(req_s), "body_mb": num(body),
            "articles": int(articles), "answers": answers}


def _feedparser_floor(bp, n: int, sample: int = 200) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds feedparser alone needs for ``n`` of the polled feeds: the same bodies as served
    (corpus feed ``i % k`` made unique by its number), parsed in memory on one core, results kept
    alive as a poller keeps them; measured on ``min(n, sample)`` feeds and scaled to ``n``."""
    import feedparser

    bodies = [(bp.CORPUS / "feeds" / name).read_bytes() for name in bp.FEEDS]
    m = min(n, sample)
    feeds = [bodies[i % len(bodies)] + f"\n<!-- feed {i} version 1 -->\n".encode() for i in range(m)]
    start = time.process_time()
    kept = [feedparser.parse(body) for body in feeds]
    per_feed = (time.process_time() - start) / m
    del kept
    return per_feed * n


def run_e2e(size: str) -> Table:
    from bench import bench_e2e

    return bench_e2e.run(size)


def run_peers(size: str) -> Table:
    from bench import bench_peers

    return bench_peers.run(size)


def run_prefect(size: str) -> Table:
    from bench import bench_prefect

    return bench_prefect.run(size)


def run_stories(size: str) -> Table:
    from bench import bench_stories

    return bench_stories.run(size)


def run_lang(size: str) -> Table:
    from bench import bench_lang

    return bench_lang.run(size)


def run_ingest(size: str) -> Table:
    from bench import bench_ingest_libs

    return bench_ingest_libs.run(size)
def run_backtest(size: str) -> Table:
    from bench import bench_backtest

    return bench_backtest.run(size)


def run_startup(size: str) -> Table:
    from bench import bench_startup

    return bench_startup.run(size)


def run_parallel(size: str) -> Table:
    from bench import bench_parallel

    return bench_parallel.run(size)


def run_scale(size: str) -> Table:
    from bench import bench_scale

    return bench_scale.run(size)


def run_lean(size: str) -> Table:
    from bench import bench_lean

    return bench_lean.run(size)


BENCHMARKS: dict[str, Callable[[str], Table]] = {
    "match": run_match,
    "peers": run_peers,
    "poll": run_poll,
    "e2e": run_e2e,
    "prefect": run_prefect,
    "stories": run_stories,
    "lang": run_lang,
    "ingest": run_ingest,
    "startup": run_startup,
    "backtest": run_backtest,
    "parallel": run_parallel,
    "scale": run_scale,
    "lean": run_lean,
}


def _code_line(state: dict[str, Any]) -> str:
    commit = (state["commit"] or "unknown commit")[:10]
    changed = state["changed_files"]
    return commit + (f" + {len(changed)} changed file(s): {', '.join(changed[:6])}" if changed else "")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    grp.add_argument("--tiny", action="store_true", help="smoke-test sizes (seconds; figures meaningless)")
    ap.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    ap.add_argument("--out", type=Path, default=RESULTS, help="directory of the JSON results (default: bench/results)")
    args = ap.parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    corpus_or_exit()
    facts = machine_facts()
    code = code_state()  # before the run: others may commit while it goes
    print(f"vigie benchmarks ({size}): {facts['cores']} cores ({facts['cpu'] or 'unknown CPU'}), "
          f"Python {facts['python']}, prefect {facts['versions']['prefect']}, load average "
          f"{', '.join(f'{x:.1f}' for x in facts['load_average'] or [])}; code: {_code_line(code)}\n", flush=True)
    tables: list[Table] = []
    failed: list[str] = []
    start = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            table = BENCHMARKS[name](size)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        table.figures["benchmark_seconds"] = round(time.perf_counter() - t0, 1)
        tables.append(table)
        print(format_table(table), flush=True)
    path = save_results(tables, argv, time.perf_counter() - start, args.out, code)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"all figures saved to {shown} ({time.perf_counter() - start:.0f} s)")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
