"""Prefect's own overhead per run: the same monitoring cycle as plain function calls and as a flow run.

    python -m bench --only prefect        (or: python -m bench.bench_prefect [--quick | --tiny])

``plain_cycle`` calls vigie's stage functions directly through ``vigie.runtime.cycle.run_cycle``, the
order ``flows/monitor.py`` hands its tasks to; ``monitor`` is the Prefect flow (nine tasks). Both run in one child
process (Prefect's ephemeral mode, telemetry off, PREFECT_HOME in a temporary directory) over the
same local feeds (``bench_e2e``'s corpus feeds, served from a thread of this process) and the same
SQLite store, alternating, so that the machine's noise falls on both alike. After a first plain
cycle that stores every entry, every feed answers 304: the stages then do little, and what is
left of the flow run's time over the plain call is Prefect's per-run and per-task cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.support import REPO, Stopwatch, Table, bench_env

SIZES = {"full": (50, 7), "quick": (20, 3), "tiny": (3, 1)}  # feeds, alternated repetitions
ARGUMENT_ARTICLES = {"full": 50_000, "quick": 10_000, "tiny": 1_000}  # articles handed to one task, quoted or not
FLOW_TASKS = 9  # task calls per flow run in flows/monitor.py


def plain_cycle(config_path: str) -> Any:
    """One monitoring cycle without Prefect: ``run_cycle`` with the plain stages, the flow's own order."""
    from vigie.config import load_config
    from vigie.runtime.cycle import run_cycle
    from vigie.store import connect

    started = datetime.now(timezone.utc)
    config = load_config(Path(config_path))
    engine = connect(config.store_url)
    try:
        return run_cycle(config, engine, started)
    finally:
        engine.dispose()


def _outcome(summary: Any) -> tuple[Any, ...]:
    """What must be equal between a plain cycle and a flow run over the same unchanged feeds."""
    return (len(summary.sources), tuple(sorted(s.status for s in summary.sources)), summary.articles_seen, summary.new_articles)


def child(config: str, repetitions: int, out: str, n_articles: int = 1000) -> None:
    """Inside the child process: imports, a filling cycle, then plain and flow cycles alternated."""
    doc: dict[str, Any] = {}
    with Stopwatch() as sw:
        import vigie.delivery.send  # noqa: F401  (the stages and their dependencies, spaCy included)
        import vigie.ingest.fetch  # noqa: F401
        import vigie.ingest.normalize  # noqa: F401
        import vigie.delivery.record  # noqa: F401
    doc["import_plain_s"] = sw.seconds
    with Stopwatch() as sw:
        from flows.monitor import monitor
    doc["import_prefect_s"] = sw.seconds
    with Stopwatch() as sw:
        filled = plain_cycle(config)
    doc["fill_s"], doc["fill_articles"] = sw.seconds, filled.new_articles
    plain: list[float] = []
    flow: list[float] = []
    outcomes = set()
    for r in range(repetitions + 1):  # round 0: the first of each in this process
        with Stopwatch() as sw:
            s = plain_cycle(config)
        plain.append(sw.seconds)
        outcomes.add(_outcome(s))
        with Stopwatch() as sw:
            s = monitor(config_path=config)
        flow.append(sw.seconds)
        outcomes.add(_outcome(s))
    doc.update(plain=plain, flow=flow, same_outcome=len(outcomes) == 1, outcomes=[list(map(str, o)) for o in outcomes])
    doc.update(_empty_flows(max(3, repetitions)))
    doc.update(_argument_walk(n_articles))
    Path(out).write_text(json.dumps(doc), encoding="utf-8")


def _empty_flows(repetitions: int) -> dict[str, list[float]]:
    """Wall seconds of a flow doing nothing, and of one calling FLOW_TASKS tasks that do nothing:
    Prefect's cost per run and per task, apart from any work."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    @task(cache_policy=NO_CACHE)
    def noop() -> None:
        return None

    @flow
    def empty() -> None:
        return None

    @flow
    def tasks_only() -> None:
        for _ in range(FLOW_TASKS):
            noop()

    out: dict[str, list[float]] = {"empty": [], "tasks_only": []}
    for _ in range(repetitions):
        for name, fn in (("empty", empty), ("tasks_only", tasks_only)):
            with Stopwatch() as sw:
                fn()
            out[name].append(sw.seconds)
    return out


def _argument_walk(n: int) -> dict[str, Any]:
    """CPU seconds of a flow calling a do-nothing task with a list of ``n`` articles, as is (Prefect walks
    every field of every article, looking for futures) and in ``quote()`` (as flows/monitor.py calls its tasks)."""
    import time

    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.utilities.annotations import quote

    from vigie.models import Article

    now = datetime.now(timezone.utc)
    articles = [Article(id=f"a{i}", source_id="s", url=f"https://example.org/{i}", title=f"title {i}", summary="summary " * 20,
                        body="", language="en", published=now, tags=("x", "y")) for i in range(n)]

    @task(cache_policy=NO_CACHE)
    def count(items: list[Article]) -> int:
        return len(items)

    @flow
    def hand_over(quoted: bool) -> int:
        return count(quote(articles) if quoted else articles)

    out: dict[str, Any] = {"walk_articles": n}
    for quoted in (False, True, False, True):  # alternated; the second of each is kept (the first warms up)
        start = time.process_time()
        assert hand_over(quoted) == n
        out["walk_quoted_cpu_s" if quoted else "walk_plain_cpu_s"] = time.process_time() - start
    return out


def run(size: str = "full") -> Table:
    from bench.bench_e2e import Plan, load_items, serve_feeds, write_config

    feeds, reps = SIZES[size]
    plan = Plan(feeds, changed_every=10**9)  # feed 0 is "changed" (version 2); the others are at version 1
    pool, fresh = load_items()
    with tempfile.TemporaryDirectory(prefix="vigie-bench-prefect-") as name:
        tmp = Path(name)
        with serve_feeds(plan, pool, fresh, datetime.now(timezone.utc)) as server:
            config = write_config(tmp, plan, server.base_url)
            out = tmp / "result.json"
            with open(tmp / "child.log", "wb") as log:
                code = subprocess.call([sys.executable, "-m", "bench.bench_prefect", "--child", str(config), str(reps), str(out),
                                        str(ARGUMENT_ARTICLES[size])],
                                       cwd=REPO, env=bench_env(tmp / "prefect"), stdout=log, stderr=subprocess.STDOUT)
            if code != 0 or not out.is_file():
                tail = (tmp / "child.log").read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the Prefect benchmark's child failed (exit {code}):\n{tail}")
            doc = json.loads(out.read_text(encoding="utf-8"))
    if not doc["same_outcome"]:
        raise RuntimeError(f"plain cycle and flow run disagree: {doc['outcomes']}")
    table = Table(
        name="prefect",
        title=f"4. Prefect's overhead per run: the same cycle ({feeds} local feeds, all 304) as plain calls and as a flow run",
        columns=("what", "plain s", "flow s", "overhead s", "flow/plain", "overhead per task ms"),
    )
    p0, f0 = doc["plain"][0], doc["flow"][0]
    table.add("imports (vigie's stages; + Prefect and flows.monitor)", doc["import_plain_s"],
              doc["import_plain_s"] + doc["import_prefect_s"], doc["import_prefect_s"], None, None)
    table.add("first run in the process (flow: starts the ephemeral API)", p0, f0, f0 - p0, f0 / p0, None)
    steady_p, steady_f = doc["plain"][1:], doc["flow"][1:]
    if steady_p:
        mp, mf = statistics.median(steady_p), statistics.median(steady_f)
        table.add(f"steady state, median of {len(steady_p)}", mp, mf, mf - mp, mf / mp, (mf - mp) / FLOW_TASKS * 1000)
        table.add(f"steady state, best of {len(steady_p)}", min(steady_p), min(steady_f), min(steady_f) - min(steady_p),
                  min(steady_f) / min(steady_p), (min(steady_f) - min(steady_p)) / FLOW_TASKS * 1000)
        table.figures.update(steady_plain_s=mp, steady_flow_s=mf, overhead_s=mf - mp)
    empty, nine = statistics.median(doc["empty"]), statistics.median(doc["tasks_only"])
    table.add(f"a flow doing nothing, median of {len(doc['empty'])}", 0.0, empty, empty, None, None)
    table.add(f"a flow of {FLOW_TASKS} tasks doing nothing, median of {len(doc['tasks_only'])}", 0.0, nine, nine, None,
              (nine - empty) / FLOW_TASKS * 1000)
    table.figures.update(empty_flow_s=empty, noop_tasks_flow_s=nine, per_task_ms=(nine - empty) / FLOW_TASKS * 1000)
    walked, quoted, n = doc["walk_plain_cpu_s"], doc["walk_quoted_cpu_s"], doc["walk_articles"]
    table.add(f"a flow handing {n:,} articles to a task that counts them, CPU s (before: Prefect walks them)", 0.0, walked, walked,
              None, None)
    table.add("the same with the argument in quote(), as flows/monitor.py calls its tasks now, CPU s", 0.0, quoted, quoted,
              None, None)
    table.figures.update(walk_plain_cpu_s=walked, walk_quoted_cpu_s=quoted, walk_articles=n)
    table.figures.update(first_plain_s=p0, first_flow_s=f0, import_prefect_s=doc["import_prefect_s"], plain=doc["plain"],
                         flow=doc["flow"])
    table.notes.append(f"before these, one plain cycle stored the feeds' {doc['fill_articles']:,} entries in {doc['fill_s']:.1f} s; "
                       f"plain and flow runs alternate in one process and gave the same outcome")
    table.notes.append(f"the flow has {FLOW_TASKS} task calls per run; 'overhead per task': the difference spread over them "
                       f"(for the no-op flows: minus the empty flow's time)")
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--child", nargs=4, metavar=("CONFIG", "REPS", "OUT", "ARTICLES"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2], int(args.child[3]))
        return 0
    from bench.support import format_table

    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
