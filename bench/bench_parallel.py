"""Parse + normalize of changed feeds in one process (today's path), over 2 worker processes and on Dask.

    python -m bench --only parallel       (or: python -m bench.bench_parallel [--quick | --tiny])

The feeds: 1,000 (--quick 200, --tiny 20) changed feeds, each one of the shared corpus's real feeds
of 40 to 69 entries (English, German, Portuguese, Ukrainian; RSS 2.0 and RDF), taken in turn and
made unique by its number: every GUID and link of feed ``i`` carries ``i``, so no two feeds give the
same article, and a comment with ``i`` ends the bytes. They are handed to the stages as fetched,
in memory (status 200, the bytes and headers a server would send): the fetch is not measured here,
bench_poll does that.

The rows, in one process, one after the other:

* ``local``: ``cycle.parse_all`` then ``cycle.normalize_all`` in this process (the baseline), after
  a warm-up on a few feeds so that it too has its imports done and the language model loaded;
* ``processes: 2``, first run: the same over 2 worker processes, their start-up included
  (a fresh interpreter each, feedparser imported and the language model loaded);
* ``processes: 2``, warm: again, on the workers kept from the first run, as ``vigie serve`` runs
  every cycle after its first;
* ``dask: 2``, first run and warm: the same on a Dask LocalCluster of 2 worker processes (one thread
  each), started by the first run (as each flow run of ``prefect worker start`` starts it) and kept
  for the second (as ``vigie serve`` keeps it). A ``dask://`` scheduler's workers run the same
  batches; they only add the network between machines.

Wall-clock seconds per stage, and CPU seconds of the whole work (this process and the workers, read
from /proc): on a shared machine the wall clock of the 2-process rows depends on the other jobs, the
CPU seconds much less. "same" says the articles are those of the baseline, field for field, in order.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from bench.support import CORPUS, Table

if TYPE_CHECKING:
    from vigie.common.executor import ExecutorConfig
    from vigie.models import Article, Fetched, Parsed

FEEDS = ("bbc_3.xml", "guardian_2.xml", "nyt_2.xml", "cnn_1.xml", "heise_2.xml", "golem_2.xml", "jornaldenoticias_1.xml",
         "unian_1.xml")
SIZES = {"full": 1000, "quick": 200, "tiny": 20}
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)


def feed_bytes(body: bytes, i: int) -> bytes:
    """Corpus feed bytes made feed ``i``'s own: GUIDs and links carry ``i`` (every entry a new article)."""
    body = re.sub(rb"(<guid\b[^>]*>)([^<]+)(</guid>)", lambda m: m.group(1) + m.group(2) + b"#f" + str(i).encode() + m.group(3), body)
    body = re.sub(rb"(<link>)([^<]+)(</link>)", lambda m: m.group(1) + m.group(2) + b"?f=" + str(i).encode() + m.group(3), body)
    body = re.sub(rb'(<item rdf:about=")([^"]+)(")', lambda m: m.group(1) + m.group(2) + b"?f=" + str(i).encode() + m.group(3), body)
    return body + f"\n<!-- feed {i} -->\n".encode()


def changed_feeds(n: int) -> list[Fetched]:
    """``n`` fetched feeds (``Fetched``, status ok), in memory."""
    from vigie.models import Document, Fetched, Source, SourceKind

    bodies = [(CORPUS / "feeds" / name).read_bytes() for name in FEEDS]
    out = []
    for i in range(n):
        url = f"https://feeds{i % 97}.example.org/feed/{i}.xml"
        body = feed_bytes(bodies[i % len(bodies)], i)
        headers = {"content-type": "application/rss+xml; charset=utf-8", "etag": f'"{i}-2"'}
        doc = Document(location=url, body=body, content_type=headers["content-type"], headers=headers)
        out.append(Fetched(source=Source(id=url, kind=SourceKind.FEED, location=url), status="ok", documents=(doc,),
                           etag=f'"{i}-2"', http_status=200))
    return out


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of the given live processes, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


@dataclass
class Measured:
    parse: float
    normalize: float
    total: float
    cpu: float
    critical: float  # CPU s of this process plus the busiest worker's: about the wall clock on idle cores
    parsed: list[Parsed]
    articles: list[Article]


def worker_pids(executor: ExecutorConfig) -> list[int]:
    """The worker processes of ``executor`` that exist now (none for ``local``)."""
    from vigie.runtime import processes

    if executor.kind == "processes":
        return list(processes.pool(executor.worker_count())._processes)
    if executor.kind == "dask":
        from vigie.runtime import dask_cluster

        return list(dask_cluster.client(executor).run(os.getpid).values())
    return []


def measure(fetched: list[Fetched], executor: ExecutorConfig, started: bool) -> Measured:
    """One row; ``started``: the workers exist already (their CPU seconds so far are not the row's)."""
    from vigie.runtime import cycle

    workers0 = cpu_seconds(worker_pids(executor)) if started else {}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    parsed = cycle.parse_all(fetched, executor)
    t1 = time.perf_counter()
    articles = cycle.normalize_all(parsed, NOW, executor)
    t2 = time.perf_counter()
    pids = worker_pids(executor)  # the workers started by this run count too
    own = time.process_time() - cpu0
    spent = [cpu - workers0.get(pid, 0.0) for pid, cpu in cpu_seconds(pids).items()]
    return Measured(t1 - t0, t2 - t1, t2 - t0, own + sum(spent), own + max(spent, default=0.0), parsed, articles)


def run(size: str = "full") -> Table:
    from vigie.common.executor import LOCAL, ExecutorConfig
    from vigie.runtime import processes

    n = SIZES[size]
    fetched = changed_feeds(n)
    two = ExecutorConfig(kind="processes", workers=2)
    dask_two = ExecutorConfig(kind="dask", workers=2)
    load_before = os.getloadavg()
    processes.shutdown()  # the first 2-process row starts its workers, the first Dask row its cluster: in the rows
    measure(fetched[:len(FEEDS)], LOCAL, False)  # this process warmed as a worker is (imports, language model)
    base = measure(fetched, LOCAL, False)
    cold = measure(fetched, two, False)
    warm = measure(fetched, two, True)
    processes.shutdown()  # the process pool's workers stopped: the Dask rows have the cores to themselves
    dask_cold = measure(fetched, dask_two, False)
    dask_warm = measure(fetched, dask_two, True)
    load_after = os.getloadavg()
    processes.shutdown()

    entries = sum(len(p.entries) for p in base.parsed)
    table = Table(
        name="parallel",
        title=f"2b. Parse + normalize of {n:,} changed feeds: one process (today's path), 2 worker processes, Dask",
        columns=("executor", "feeds", "entries", "articles", "parse s", "normalize s", "total s", "CPU s", "critical CPU s",
                 "speed-up", "CPU speed-up", "same"),
    )
    for label, row in (("local, 1 process (baseline)", base), ("processes: 2, first run (workers start)", cold),
                       ("processes: 2, warm (workers kept)", warm), ("dask: 2, first run (LocalCluster starts)", dask_cold),
                       ("dask: 2, warm (LocalCluster kept)", dask_warm)):
        same = row.parsed == base.parsed and row.articles == base.articles
        table.add(label, n, entries, len(row.articles), row.parse, row.normalize, row.total, row.cpu, row.critical,
                  base.total / row.total, base.critical / row.critical, same)
    table.figures.update({
        "feeds": n, "entries": entries, "local_s": base.total, "processes_2_cold_s": cold.total,
        "processes_2_warm_s": warm.total, "speedup_cold": base.total / cold.total, "speedup_warm": base.total / warm.total,
        "local_cpu_s": base.cpu, "processes_2_warm_cpu_s": warm.cpu, "processes_2_warm_critical_cpu_s": warm.critical,
        "cpu_speedup_warm": base.critical / warm.critical, "load_before": load_before[0], "load_after": load_after[0],
        "dask_2_cold_s": dask_cold.total, "dask_2_warm_s": dask_warm.total, "dask_speedup_warm": base.total / dask_warm.total,
        "dask_2_warm_cpu_s": dask_warm.cpu, "dask_cpu_speedup_warm": base.critical / dask_warm.critical,
    })
    table.notes.append(f"feeds: {', '.join(FEEDS)} in turn, GUIDs and links made unique per feed; handed over as fetched, "
                       "in memory; speed-up: baseline total s / row total s")
    table.notes.append("CPU s: this process and the worker processes together (/proc); the first 2-process run includes "
                       "starting the workers (a fresh interpreter each, feedparser and the language model loaded), the "
                       "first Dask run starting the LocalCluster (its scheduler runs in this process, its workers in 2 "
                       "processes)")
    table.notes.append("critical CPU s: this process's CPU s plus the busiest worker's, about the wall clock on "
                       "idle cores; CPU speed-up: baseline CPU s / row critical CPU s (the speed-up the work allows, "
                       "whatever else the machine runs)")
    table.notes.append(f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, on "
                       f"{os.cpu_count()} cores: on a busy machine the wall clock measures the share of CPU this benchmark "
                       "got (with the kernel's autogroup, one share per session, however many processes it runs)")
    return table


def main(argv: list[str] | None = None) -> int:
    from bench.support import format_table

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--quick", action="store_true")
    grp.add_argument("--tiny", action="store_true")
    args = ap.parse_args(argv)
    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
    return 0


if __name__ == "__main__":  # worker processes are spawned: they import this module, and must not run it
    raise SystemExit(main())
