"""`vigie serve`: runs the cycle on its schedule, and a restart does not pause the schedule."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
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
