"""Feeds shared out between Prefect workers: one cycle over many feeds with 1 and 2 workers.

    python -m bench --only scale          (or: python -m bench.bench_scale [--quick | --tiny])

The rig of the scale test (``tests/support_scale.py``): a real Prefect server, ``vigie deploy
--apply`` (work pool, deployment), 2 ``prefect worker start --limit 1`` processes, and 2,000
(--quick 400, --tiny 40) feeds of three items each on a loopback server, over one PostgreSQL store
(a SQLite file when PostgreSQL does not answer at ``VIGIE_TEST_PG_URL``). A row is one cycle: its
flow runs are created from the deployment for one slot, as the ``sharing.runs`` schedules make them,
and the time is from their creation to the end of the last one (worker pick-up and the flow run's
process start-up included). "1 worker": one run per slot (the other worker idles); "2 workers": two
runs, each claiming batches of 100 feeds until none is left. Each row has a fresh store: the first
cycle fetches and records everything (200s), the second finds every feed unchanged (304s).

"fetched twice" counts requests beyond the first per feed in the cycle, "missed" the feeds not
fetched: both must be 0. ``executor`` (``--executor``) goes to vigie.yaml as written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.support import REPO, Table

sys.path.insert(0, str(REPO / "tests"))  # the rig and the loopback server of the tests

SIZES = {"full": 2000, "quick": 400, "tiny": 40}
BATCH = {"full": 100, "quick": 50, "tiny": 10}


def _store(stack: ExitStack, tmp: Path, name: str) -> tuple[str, str]:
    from support_store import pg_schema_url, pg_unavailable

    if pg_unavailable() is None:
        return stack.enter_context(pg_schema_url()), "PostgreSQL"
    return f"sqlite:///{tmp / f'{name}.db'}", "SQLite"


def run(size: str, executor: str = "local") -> Table:
    from support_scale import scale_rig

    feeds = SIZES[size]
    table = Table(
        name="scale",
        title="10. One cycle over many feeds, 1 and 2 Prefect workers of one pool (feeds shared out by leases)",
        columns=("workers", "feeds", "cycle", "cycle s", "fetched", "fetched twice", "missed", "polled per run",
                 "alerts sent", "sent twice", "speed-up"),
    )
    with tempfile.TemporaryDirectory(prefix="vigie-bench-scale-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        rig = stack.enter_context(scale_rig(tmp, f"sqlite:///{tmp / 'unused.db'}", feeds=feeds, workers=2,
                                            executor=executor, batch=BATCH[size]))
        first_seconds: dict[str, float] = {}
        backend = ""
        for workers in (1, 2):
            store, backend = _store(stack, tmp, f"store{workers}")
            alerts = tmp / f"alerts-{workers}.jsonl"
            rig.use_store(store, alerts)
            slot = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=15)
            for cycle, when in (("first (all new)", slot), ("second (all 304)", None)):
                result = rig.cycle(when or datetime.now(timezone.utc) - timedelta(seconds=1), runs=workers)
                twice = sum(n - 1 for n in result.fetched.values() if n > 1)
                missed = feeds - len(result.fetched)
                sent = _sent(store)
                key = cycle.split()[0]
                first_seconds.setdefault(key, result.seconds)
                table.add(f"{workers} worker{'s' if workers > 1 else ''}", feeds, cycle, result.seconds,
                          sum(result.fetched.values()), twice, missed, " + ".join(str(n) for n in sorted(result.polled_per_run)),
                          len(sent), sum(n - 1 for n in sent.values()), first_seconds[key] / result.seconds)
                table.figures[f"{workers} workers {key} cycle_s"] = result.seconds
                table.figures[f"{workers} workers {key} duplicates"] = twice
    table.notes.append(f"store: {backend}; executor: {executor}; each feed 3 items (8 events, each in several feeds); "
                       f"claims of {BATCH[size]} feeds; speed-up: the 1-worker row's seconds of the same cycle over the row's")
    table.notes.append("cycle s: from creating the flow runs to the end of the last, worker pick-up (polling every 1 s) "
                       "and each flow run's process start-up included")
    return table


def _sent(store: str):  # type: ignore[no-untyped-def]
    from collections import Counter

    from sqlalchemy import select

    from vigie.store import schema as t
    from vigie.store.db import connect

    engine = connect(store)
    with engine.connect() as conn:
        sent = Counter(conn.execute(select(t.deliveries.c.alert_id).where(t.deliveries.c.status == "sent")).scalars())
    engine.dispose()
    return sent


def main() -> None:
    from bench.support import format_table

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--quick", action="store_true")
    grp.add_argument("--tiny", action="store_true")
    ap.add_argument("--executor", default="local", help="the executor: line of vigie.yaml (default local)")
    args = ap.parse_args()
    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full", args.executor)))


if __name__ == "__main__":
    main()
