"""A whole ``vigie run`` from the shell, cold and warm, beside the plain stages in a fresh process.

    python -m bench --only startup        (or: python -m bench.bench_startup [--quick | --tiny])

Every row is a new process, timed from outside, over the same local feeds after a first run stored
them all: each run then finds nothing new (every feed answers 304). The rows:

- plain stages: ``python -c`` that imports vigie's stages and runs ``run_cycle`` without Prefect,
  the floor of any run;
- cold ``vigie run``: no Prefect server running; Prefect starts its temporary one for the run;
- warm ``vigie run``: a ``vigie server`` left running for the same ``data_dir`` (started once,
  not timed); ``vigie run`` finds it and runs the flow against it.

Targets on a 2-core machine: cold under 10 s, warm under 3 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.support import REPO, Stopwatch, Table, bench_env

SIZES = {"full": (20, 5), "quick": (10, 3), "tiny": (2, 1)}  # feeds, repetitions of each row
TARGETS = {"cold": 10.0, "warm": 3.0}
PLAIN = ("from datetime import datetime, timezone; from pathlib import Path; from vigie.config import load_config; "
         "from vigie.runtime.cycle import run_cycle; from vigie.store import connect; import sys; "
         "c = load_config(Path(sys.argv[1])); e = connect(c.store_url); "
         "s = run_cycle(c, e, datetime.now(timezone.utc)); assert s.new_articles == 0, s")


def _timed(cmd: list[str], env: dict[str, str], log: Path) -> float:
    with open(log, "ab") as out, Stopwatch() as sw:
        code = subprocess.call(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed (exit {code}):\n{log.read_text(errors='replace')[-3000:]}")
    return sw.seconds


def _wait_for_server(data_dir: Path, proc: subprocess.Popen[bytes], log: Path, timeout: float = 300.0) -> None:
    from vigie.runtime.local_server import running_server

    deadline = time.monotonic() + timeout
    while running_server(data_dir) is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"vigie server did not come up:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


def run(size: str = "full") -> Table:
    from bench.bench_e2e import Plan, load_items, serve_feeds, write_config

    feeds, reps = SIZES[size]
    plan = Plan(feeds, changed_every=10**9)
    pool, fresh = load_items()
    times: dict[str, list[float]] = {"plain": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="vigie-bench-startup-") as name:
        tmp = Path(name)
        env = bench_env(tmp / "prefect")
        env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
        env.pop("PREFECT_API_URL", None)
        env.pop("PREFECT_HOME", None)  # as a user runs it: Prefect's state under data_dir
        log = tmp / "runs.log"
        vigie = [sys.executable, "-m", "vigie", "run", "--config"]
        with serve_feeds(plan, pool, fresh, datetime.now(timezone.utc)) as server:
            config = write_config(tmp, plan, server.base_url)
            _timed(vigie + [str(config)], env, log)  # stores every entry: the timed runs find nothing new
            for _ in range(reps):  # alternated, so that the machine's noise falls on both alike
                times["plain"].append(_timed([sys.executable, "-c", PLAIN, str(config)], env, log))
                times["cold"].append(_timed(vigie + [str(config)], env, log))
            srv = subprocess.Popen([sys.executable, "-m", "vigie", "server", "--config", str(config)], cwd=REPO, env=env,
                                   stdout=open(tmp / "server.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
            try:
                _wait_for_server(tmp / "data", srv, tmp / "server.log")
                for _ in range(reps):
                    times["warm"].append(_timed(vigie + [str(config)], env, log))
            finally:
                srv.send_signal(signal.SIGTERM)
                try:
                    srv.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    srv.kill()
                    srv.wait()
    table = Table(
        name="startup",
        title=f"5. A whole `vigie run` from the shell that finds nothing new ({feeds} local feeds, all 304), "
              f"cold and warm, beside the plain stages",
        columns=("what", "median s", "best s", "runs", "target s", "met"),
    )
    plain = statistics.median(times["plain"])
    table.add("plain stages in a new process (no Prefect)", plain, min(times["plain"]), len(times["plain"]), None, None)
    for key, what in (("cold", "cold vigie run (Prefect starts its temporary server)"),
                      ("warm", "warm vigie run (a vigie server left running)")):
        median = statistics.median(times[key])
        table.add(what, median, min(times[key]), len(times[key]), TARGETS[key], median < TARGETS[key])
        table.figures[f"{key}_s"] = median
    table.figures.update(plain_s=plain, runs=times, cores=os.cpu_count())
    table.notes.append("each figure is a new process timed from outside (imports, configuration, store, Prefect, the "
                       "cycle, the summary); plain and cold runs alternate")
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    args = ap.parse_args(argv)
    from bench.support import format_table

    print(format_table(run("tiny" if args.tiny else "quick" if args.quick else "full")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
