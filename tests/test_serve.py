"""`vigie serve`: runs the cycle at start and on its schedule, stops cleanly, and a restart keeps every slot."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from vigie.store import schema

pytestmark = pytest.mark.slow


def last_fetch(db: Path) -> datetime | None:
    if not db.exists():
        return None
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(schema.feeds.c.last_fetch_at)).scalar()
    except Exception:  # noqa: BLE001 - the table appears with the first run
        return None
    finally:
        engine.dispose()


def serve_until(config: Path, done, timeout: float = 240.0) -> None:  # type: ignore[no-untyped-def]
    """Run `vigie serve` until ``done()`` is true, then stop it with Ctrl-C (SIGINT)."""
    env = dict(os.environ, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    log = config.parent / "serve.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not done():
                assert proc.poll() is None, f"vigie serve exited early:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"no scheduled run within {timeout:.0f} s:\n{log.read_text()[-3000:]}"
                time.sleep(1)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_serve_runs_on_schedule_and_survives_a_restart(repo: Path, tmp_path: Path) -> None:
    shutil.copy(repo / "demo" / "feeds" / "bbc_3.xml", tmp_path / "bbc_3.xml")
    config = tmp_path / "vigie.yaml"
    config.write_text(
        f"data_dir: state\nrules: [{repo / 'rules'}]\nschedule:\n  interval: 5s\n"
        "sources:\n  - url: bbc_3.xml\ntargets:\n  - name: console\n    url: vigie://\n",
        encoding="utf-8",
    )
    db = tmp_path / "state" / "vigie.db"

    serve_until(config, lambda: last_fetch(db) is not None)
    first = last_fetch(db)
    assert first is not None

    # Restarted, the same deployment keeps its schedule: another cycle runs.
    serve_until(config, lambda: (last_fetch(db) or first) > first)
    assert (tmp_path / "state" / "prefect").is_dir()


# --- A clean stop, and the same slots after a restart -----------------------------------------

SLOT = timedelta(seconds=10)


def start_serve(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def wait_for(what: str, check, proc: subprocess.Popen[bytes], log: Path, timeout: float = 240.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, f"vigie serve exited early:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{what} not within {timeout:.0f} s:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


def stopped(proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> str:
    try:
        assert proc.wait(timeout=timeout) == 0, log.read_text()[-3000:]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"vigie serve did not stop within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
    return log.read_text()


def test_serve_stops_cleanly_and_a_restart_keeps_every_slot(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.support_http import Reply, Request, serve_routes
    from vigie.runtime.local_server import local_prefect_server

    feed = (Path(__file__).resolve().parents[1] / "demo" / "feeds" / "bbc_3.xml").read_bytes()
    delay = {"seconds": 5.0}  # every run is in flight for a while: a stop finds one
    asked: list[float] = []  # when each fetch arrived: the server's own log records a hit only once answered

    def slow_feed(req: Request) -> Reply:
        asked.append(time.monotonic())
        return Reply(body=feed, delay=delay["seconds"])

    with serve_routes({"/feed.xml": slow_feed}) as feeds, \
            local_prefect_server(tmp_path / "prefect-server") as api:
        config = tmp_path / "vigie.yaml"
        config.write_text(
            f"data_dir: state\nrules: [{Path(__file__).resolve().parents[1] / 'rules'}]\n"
            f"schedule:\n  interval: {int(SLOT.total_seconds())}s\n"
            f"sources:\n  - url: {feeds.url('/feed.xml')}\ntargets:\n  - name: console\n    url: vigie://\n",
            encoding="utf-8")
        env = dict(os.environ, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_URL=api)
        hits = lambda: len(asked)  # noqa: E731  (fetches begun: a run is in flight while its fetch waits)

        # 1. The first run comes at start; SIGTERM during a later run lets it finish.
        log = tmp_path / "serve-1.log"
        proc = start_serve(config, env, log)
        wait_for("the run at start", lambda: ": Completed in" in log.read_text(), proc, log)
        before = hits()
        wait_for("a run in flight", lambda: hits() > before, proc, log)
        proc.send_signal(signal.SIGTERM)
        out = stopped(proc, log)
        assert "the current run has 30 s to finish" in out
        assert out.rstrip().endswith("vigie: stopped; the schedule stays active for the next start")
        assert "never awaited" not in out and "Traceback" not in out
        assert out.count(": Completed in") >= 2  # the one stopped mid-way finished and said so

        # 2. Restarted: a run at start again; Ctrl-C twice during a run cancels it at once.
        delay["seconds"] = 25.0
        log = tmp_path / "serve-2.log"
        proc = start_serve(config, env, log)
        before = hits()
        wait_for("a run in flight", lambda: hits() > before, proc, log)
        proc.send_signal(signal.SIGINT)
        wait_for("the stop notice", lambda: "to finish" in log.read_text(), proc, log)
        proc.send_signal(signal.SIGINT)
        out = stopped(proc, log)
        assert ": Cancelled in" in out or ": Cancelling in" in out, out
        assert out.rstrip().endswith("vigie: stopped; the schedule stays active for the next start")
        assert "never awaited" not in out and "Traceback" not in out

        with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("vigie-monitor/vigie")
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])))
    states = {run.name: run.state.type.value for run in runs if run.state is not None}
    assert not [name for name, state in states.items() if state in ("PENDING", "RUNNING", "CANCELLING")], states
    # Every slot of the grid once, on the same anchor before and after the restart: none skipped, none twice.
    anchor = datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp()
    slots = sorted(run.expected_start_time.timestamp() for run in runs if run.auto_scheduled and run.expected_start_time)
    steps = [(slot - anchor) / SLOT.total_seconds() for slot in slots]
    assert all(step == int(step) for step in steps), slots  # on the grid
    assert [int(s) for s in steps] == list(range(int(steps[0]), int(steps[0]) + len(steps))), slots  # contiguous, no repeats
