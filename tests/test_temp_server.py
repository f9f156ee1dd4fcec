"""`vigie run`'s start-up: the temporary Prefect server it forks records the whole run and dies with
vigie; heavy modules wait until they are needed; the quick exit keeps the exit status and the output."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_local_server import assert_dies_with, linux_only, start_parent

PYTHONPATH = os.pathsep.join(sys.path)


def clean_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=PYTHONPATH, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    for inherited in ("PREFECT_API_URL", "PREFECT_HOME", "VIGIE_CONFIG", "VIGIE_TEMP_SERVER",
                      "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"):
        if inherited not in extra:
            env.pop(inherited, None)
    return env


def test_the_stages_load_neither_wordfreq_nor_apprises_plugins_until_needed() -> None:
    code = ("import sys, vigie.runtime.cycle, vigie.delivery.send; "
            "print(sorted(m for m in sys.modules if m in ('wordfreq', 'apprise.plugins.pushme', 'apprise.plugins.ntfy')))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    from vigie.stories import rarity

    assert rarity.zipf("the") > rarity.zipf("zaporizhzhia")  # wordfreq still answers, once asked


@pytest.mark.parametrize(("ending", "status"), [("raise SystemExit(3)", 3), ("raise RuntimeError('boom')", 1),
                                                 ("pass", 0)])
def test_the_quick_exit_keeps_the_status_and_flushes_the_output(ending: str, status: int) -> None:
    code = ("from vigie.cli import exiting\nexiting.install()\nimport prefect\nimport sys\n"
            "print('said before leaving', end='')\nsys.stderr.write('and here')\n"
            f"try:\n    {ending}\nexcept SystemExit as e:\n    exiting.record(e.code)\n    raise\n"
            "else:\n    exiting.record(0)\n")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == status, done.stderr
    assert done.stdout == "said before leaving"
    assert done.stderr.startswith("and here")
    assert ("RuntimeError: boom" in done.stderr) == (status == 1)


def test_a_one_shot_run_goes_without_heartbeats_unless_the_user_asked(prefect_harness: None) -> None:
    from prefect import flow
    from prefect.settings import get_current_settings, temporary_settings

    from vigie.runtime.temp_server import run_flow

    @flow
    def probe(config_path: str) -> int | None:
        return get_current_settings().flows.heartbeat_frequency

    assert run_flow(probe, "unused", None) is None
    with temporary_settings(updates={"flows.heartbeat_frequency": 60}):  # type: ignore[dict-item]
        assert run_flow(probe, "unused", None) == 60


def demo_copy(repo: Path, tmp_path: Path) -> Path:
    for part in ("vigie.yaml", "rules", "demo"):
        (shutil.copytree if (repo / part).is_dir() else shutil.copy)(repo / part, tmp_path / part)
    return tmp_path / "vigie.yaml"


def recorded_runs(prefect_db: Path) -> list[tuple[str, int, int]]:
    """(state, task runs, completed task runs) of every flow run in Prefect's database, oldest first."""
    with sqlite3.connect(prefect_db) as db:
        return db.execute(
            "select f.state_type, (select count(*) from task_run t where t.flow_run_id = f.id), "
            "(select count(*) from task_run t where t.flow_run_id = f.id and t.state_type = 'COMPLETED') "
            "from flow_run f order by f.created").fetchall()


@linux_only
@pytest.mark.slow
def test_the_forked_server_records_every_task_run_of_each_run(repo: Path, tmp_path: Path) -> None:
    config = demo_copy(repo, tmp_path)
    for _ in range(2):  # the first run stores the demo's articles, the second finds nothing new
        done = subprocess.run([sys.executable, "-m", "vigie", "run", "--config", str(config)], cwd=tmp_path,
                              env=clean_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "vigie run finished" in done.stdout
    home = tmp_path / ".vigie" / "prefect"
    assert (home / "temporary-server.log").is_file()  # the forked server served these runs
    # load-rules and deliver, one batch of the demo's feeds (select-sources, fetch, parse, normalize, full-text,
    # match, novelty), and the select-sources that finds no due source left: 10 task runs, every one completed
    assert recorded_runs(home / "prefect.db") == [("COMPLETED", 10, 10), ("COMPLETED", 10, 10)]


FORKED = """
import os
from pathlib import Path
from vigie.runtime import prefect_env
prefect_env.apply(Path(os.environ["DATA_DIR"]))
from vigie.runtime.temp_server import start_temporary_server
server = start_temporary_server(Path(os.environ["DATA_DIR"]))
server.wait(300)
open(os.environ["CHILD_PID_FILE"], "w").write(str(server.pid))
import time; time.sleep(600)
"""


@linux_only
@pytest.mark.slow
def test_the_forked_server_dies_with_a_killed_vigie_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PREFECT_API_URL", "PREFECT_HOME", "VIGIE_TEMP_SERVER"):
        monkeypatch.delenv(name, raising=False)
    parent, server = start_parent(FORKED, tmp_path, timeout=300)
    assert_dies_with(parent, server, "the forked temporary server outlived vigie run")
