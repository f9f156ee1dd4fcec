"""Backtest: ``vigie rules backtest`` over a store of 100,000 articles, beside the matcher alone.

    python -m bench --only backtest       (or: python -m bench.bench_backtest [--quick | --tiny])

The store (SQLite, built fresh in a temporary directory) holds real corpus items
(../shared/corpus/articles: the English geopolitics and off-topic items and the French Le Monde
ones, title and description), repeated until there are N articles: copy ``k`` of an item gets its
own id, URL, source (one of 200 feeds) and a publication time shifted by ``k`` hours, so a
repeated text is a syndicated copy the replay's identity stage recognises. The articles are
spread over 100 runs 15 minutes apart (``first_seen``), with their source rows, as runs store them.

The backtest is ``vigie.runtime.backtest.backtest`` with the repository's ``rules/``, as the command
runs it: read the archive, match every article (one worker process per core, at most 4), replay the
matched batches through the novelty stage into a scratch store, read the report. The baseline,
measured in the same process, is the matcher alone, in this one process, over the same articles
already in memory. 'backtest CPU s' adds the workers' CPU time to this process's: on a machine
shared with other jobs, wall-clock figures follow the load, CPU seconds much less.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.support import CORPUS, REPO, Stopwatch, Table

ITEM_FILES = ("en_rss_items_2022_geopolitics.jsonl", "en_rss_items_2022_offtopic_sample.jsonl", "fr_lemonde_une_2020H1.jsonl")
SIZES = {"full": 100_000, "quick": 20_000, "tiny": 600}
RUNS = 100
TARGET_S = 30.0


def corpus_items() -> list[dict[str, str]]:
    items = []
    for name in ITEM_FILES:
        for line in (CORPUS / "articles" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                lang = (d.get("language") or ("fr" if name.startswith("fr_") else "en"))[:2].lower()
                items.append({"title": d.get("title") or "", "summary": d.get("description") or d.get("summary") or "",
                              "url": d.get("url") or "", "language": lang})
    return [i for i in items if i["title"]]


def build_store(url: str, n: int) -> None:
    """N articles in ``url``'s store, in RUNS batches, as runs record them (no stories: the backtest makes its own)."""
    from vigie.store import schema as t
    from vigie.store.db import connect

    items = corpus_items()
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    engine = connect(url)
    rows, sources = [], []
    for i in range(n):
        k, j = divmod(i, len(items))
        item = items[j]
        seen = start + timedelta(minutes=15 * (i * RUNS // n))
        published = seen - timedelta(hours=1) + timedelta(seconds=i % 3600) - timedelta(hours=k)
        source = f"https://feed-{i % 200}.example/rss"
        aid = f"bench:{k}:{i}"
        link = f"{item['url'] or 'https://news.example/' + str(i)}#copy{k}"
        rows.append(dict(id=aid, source_id=source, url=link, title=item["title"], summary=item["summary"], body="",
                         language=item["language"], published=published, updated=None, first_seen=seen,
                         fingerprint=None, duplicate_of=None))
        sources.append(dict(article_id=aid, source_id=source, url=link, first_seen=seen))
    with engine.begin() as conn:
        conn.execute(t.articles.insert(), rows)
        conn.execute(t.article_sources.insert(), sources)
    engine.dispose()


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the matching workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(size: str) -> Table:
    from vigie.config import load_config
    from vigie.rules import compile_rules, load_rules, match_article
    from vigie.runtime.backtest import backtest
    from vigie.store.archive import articles_of, read_batches
    from vigie.store.db import connect, reader

    n = SIZES[size]
    table = Table(
        name="backtest",
        title=f"9. Backtest over {n:,} stored articles (SQLite; target at 100,000: under {TARGET_S:g} s)",
        columns=("articles", "runs", "rules", "matched", "replayed", "alerts", "read s", "match s", "replay s",
                 "backtest s", "backtest CPU s", "matcher alone s", "backtest/matcher", "target s", "met"),
    )
    with tempfile.TemporaryDirectory(prefix="vigie-bench-backtest-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'vigie.db'}"
        with Stopwatch() as built:
            build_store(url, n)
        (root / "vigie.yaml").write_text(
            f"data_dir: {root / 'state'}\nstore: '{url}'\nrules: [{REPO / 'rules'}]\n"
            "targets:\n  - name: console\n    url: vigie://\n", encoding="utf-8")
        cfg = load_config(root / "vigie.yaml")
        rule_set = load_rules(list(cfg.rules))
        compile_rules(rule_set)  # spaCy's tables load once, outside both timings (a run loads them too)
        engine = connect(url)
        cpu = _cpu()
        with Stopwatch() as whole:
            report = backtest(engine, rule_set, cfg, since=None)
        cpu = _cpu() - cpu
        # Baseline: the matcher alone over the same articles, already read.
        with reader(engine) as conn:
            articles = [s.article for s in articles_of(read_batches(conn, None))]
        matcher = compile_rules(rule_set)
        start = time.perf_counter()
        for a in articles:
            match_article(matcher, a)
        alone = time.perf_counter() - start
        engine.dispose()
    s = report.seconds
    table.add(report.articles, report.batches, len(rule_set.rules), max((r.matched for r in report.rules), default=0),
              report.replayed, sum(report.alerts.values()), s["read"], s["match"], s["replay"], whole.seconds, cpu, alone,
              whole.seconds / alone if alone else None, TARGET_S if n == 100_000 else None,
              (whole.seconds < TARGET_S) if n == 100_000 else None)
    c = report.cpu_seconds
    table.notes.append("CPU seconds per stage (matching workers included): "
                       + ", ".join(f"{k} {v:.2f}" for k, v in c.items()))
    table.notes.append(f"store built in {built.seconds:.1f} s (not counted); 'matched': articles of the rule matching most; "
                       f"'replayed': articles of matched identity groups recorded into the scratch store; "
                       f"compare {s['compare']:.2f} s, report {s['report']:.2f} s")
    table.figures["backtest_seconds"] = round(whole.seconds, 2)
    table.figures["matcher_alone_seconds"] = round(alone, 2)
    return table


def main(argv: list[str] | None = None) -> int:
    from bench.support import format_table

    ap = argparse.ArgumentParser(prog="python -m bench.bench_backtest", description=__doc__.splitlines()[0])
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--quick", action="store_true")
    grp.add_argument("--tiny", action="store_true")
    args = ap.parse_args(argv)
    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
