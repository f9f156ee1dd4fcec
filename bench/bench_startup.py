"""A whole ``vigie run`` from the shell, cold and warm, beside the plain stages in a fresh process.

    python -m bench --only startup        (or: python -m bench.bench_startup [--quick | --tiny])

Every row is a new process, timed from outside, over the same local feeds after a first run stored
them all: each run then finds nothing new (every feed answers 304). The rows:

- plain stages: ``python -c`` that imports vigie's stages and runs ``run_cycle`` without Prefect,
  the floor of any run;
- cold ``vigie run``: no Prefect server running; Prefect starts its temporary one for the run;
- warm ``vigie run``: a ``vigie server`` left running for the same ``data_dir`` (started once,
  not timed); ``vigie run`` finds it and runs the flow against it.

Targets on a 2-core machine: cold under 10 s, warm under 3 s. The "before" rows run the same
commit with ``VIGIE_TEMP_SERVER=prefect`` (Prefect starts its own temporary server) and
``PREFECT_FLOWS_HEARTBEAT_FREQUENCY=180`` (Prefect's default heartbeats), the two choices that
can be switched back; the lazy imports and the quick exit below apply to every row.

Where the seconds went (``python -X importtime``, cProfile, timestamps; 2 cores shared, load 4-8):

- imports: the plain stages 1.1 s, of which wordfreq 0.36 s (its data path is found by walking the
  call stack: 1.75 s once Prefect's modules are loaded) and apprise's plugins 0.25 s (loaded to
  register ``vigie://``; 1.1 s under load). Both now load on first use: a run that finds nothing
  new weighs no word and sends nothing. Prefect's client (``import prefect``, ``flows.monitor``):
  1.5 s quiet, 2.4-4.6 s under load.
- cold: the temporary server was a second Python process importing Prefect and its server anew
  (6.4 s at load 2.5, 10.6 s at load 4), started only after vigie itself had imported Prefect and
  ``prefect.server.api.server`` (6.4 s at load 4): the two imports ran one after the other.
  Inside the server, migrations check 0.26 s, app creation 0.8 s, services 0.1 s: imports are the
  rest. Now vigie forks the server once Prefect is imported; the child imports only the server
  modules while the parent loads the flow (``vigie.runtime.temp_server``).
- the flow run: 13 HTTP calls (task runs travel as events on one websocket), but the flow engine
  joins its heartbeat thread, which sleeps in whole seconds: up to 1 s per run. ``vigie run`` now
  runs without heartbeats unless asked (``run_flow``).
- exit: with Prefect loaded, Python's final teardown took 1.4-2 s at load 7 after everything was
  written; the ``vigie`` entry point now ends the process once ``atexit`` is done (``cli/exiting``).
- store opening and migrations check: 0.15 s; configuration 0.1 s; rules from the compiled cache,
  not compiled at all when nothing changed (no spaCy load).
"""

from __future__ import annotations

import argparse
import os
import resource
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


CPU: dict[str, list[float]] = {}  # CPU seconds of each timed run (the process and the children it waited for)


def _timed(cmd: list[str], env: dict[str, str], log: Path, key: str = "") -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log, "ab") as out, Stopwatch() as sw:
        code = subprocess.call(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed (exit {code}):\n{log.read_text(errors='replace')[-3000:]}")
    CPU.setdefault(key, []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return sw.seconds


def _wait_for_server(data_dir: Path, proc: subprocess.Popen[bytes], log: Path, timeout: float = 300.0) -> None:
    from vigie.runtime.local_server import running_server

    deadline = time.monotonic() + timeout
    while running_server(data_dir) is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"vigie server did not come up:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


BEFORE = {"VIGIE_TEMP_SERVER": "prefect", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "180"}  # the earlier behaviour


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def run(size: str = "full") -> Table:
    from bench.bench_e2e import Plan, load_items, serve_feeds, write_config

    feeds, reps = SIZES[size]
    plan = Plan(feeds, changed_every=10**9)
    pool, fresh = load_items()
    keys = ("plain", "cold_before", "cold", "warm_before", "warm")
    CPU.clear()
    times: dict[str, list[float]] = {k: [] for k in keys}
    loads = [_load()]
    with tempfile.TemporaryDirectory(prefix="vigie-bench-startup-") as name:
        tmp = Path(name)
        env = bench_env(tmp / "prefect")
        env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
        for key in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "VIGIE_TEMP_SERVER"):
            env.pop(key, None)  # as a user runs it: Prefect's state under data_dir
        before = dict(env, **BEFORE)
        log = tmp / "runs.log"
        vigie = [sys.executable, "-m", "vigie", "run", "--config"]
        with serve_feeds(plan, pool, fresh, datetime.now(timezone.utc)) as server:
            config = write_config(tmp, plan, server.base_url)
            _timed(vigie + [str(config)], env, log)  # stores every entry: the timed runs find nothing new
            for _ in range(reps):  # alternated, so that the machine's noise falls on every row alike
                times["plain"].append(_timed([sys.executable, "-c", PLAIN, str(config)], env, log, "plain"))
                times["cold_before"].append(_timed(vigie + [str(config)], before, log, "cold_before"))
                times["cold"].append(_timed(vigie + [str(config)], env, log, "cold"))
            srv = subprocess.Popen([sys.executable, "-m", "vigie", "server", "--config", str(config)], cwd=REPO, env=env,
                                   stdout=open(tmp / "server.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
            try:
                _wait_for_server(tmp / "data", srv, tmp / "server.log")
                for _ in range(reps):
                    times["warm_before"].append(_timed(vigie + [str(config)], before, log, "warm_before"))
                    times["warm"].append(_timed(vigie + [str(config)], env, log, "warm"))
            finally:
                srv.send_signal(signal.SIGTERM)
                try:
                    srv.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    srv.kill()
                    srv.wait()
    loads.append(_load())
    table = Table(
        name="startup",
        title=f"5. A whole `vigie run` from the shell that finds nothing new ({feeds} local feeds, all 304), "
              f"cold and warm, before and after, beside the plain stages",
        columns=("what", "median s", "best s", "CPU s", "runs", "target s", "met"),
    )
    plain = statistics.median(times["plain"])
    table.add("plain stages in a new process (no Prefect)", plain, min(times["plain"]), statistics.median(CPU["plain"]),
              len(times["plain"]), None, None)
    rows = (("cold_before", "cold, before: Prefect starts its own temporary server, heartbeats", None),
            ("cold", "cold: vigie forks the temporary server after importing Prefect", "cold"),
            ("warm_before", "warm, before: a vigie server left running, heartbeats", None),
            ("warm", "warm: a vigie server left running", "warm"))
    for key, what, target in rows:
        median = statistics.median(times[key])
        table.add(what, median, min(times[key]), statistics.median(CPU[key]), len(times[key]),
                  TARGETS[target] if target else None,
                  median < TARGETS[target] if target else None)
        table.figures[f"{key}_s"] = median
    table.figures.update(plain_s=plain, runs=times, cpu=dict(CPU), cores=os.cpu_count(), load=loads)
    table.notes.append("each figure is a new process timed from outside (imports, configuration, store, Prefect, the "
                       "cycle, the summary); the rows alternate run by run")
    table.notes.append(f"load average (1/5/15 min) at the start: {loads[0]}, at the end: {loads[1]} on {os.cpu_count()} "
                       "cores; 'before' rows set VIGIE_TEMP_SERVER=prefect and PREFECT_FLOWS_HEARTBEAT_FREQUENCY=180 "
                       "(the lazy imports and the quick exit apply to every row)")
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
