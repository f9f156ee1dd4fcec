"""Prefect as its users expect: timeouts from vigie.yaml, retries only on transient errors,
vigie's own logs in Prefect's API, the deployment generated from vigie.yaml."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import exc as sa_exc

from vigie.config import load_config
from vigie.runtime import prefect_env
from vigie.runtime.deployment import deployment_spec, render
from vigie.store.transient import is_transient, retry_when_transient

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vigie.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- retries: only what passes on its own ----------------------------------------------------

class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "transient"), [
    (sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), True),
    (sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database")), False),
    (sa_exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: feeds")), False),
    (sa_exc.OperationalError("SELECT", {}, _PgError("08006")), True),  # connection failure
    (sa_exc.OperationalError("SELECT", {}, _PgError("57P01")), True),  # server shutting down
    (sa_exc.OperationalError("INSERT", {}, _PgError("40001")), True),  # serialization failure
    (sa_exc.IntegrityError("INSERT", {}, _PgError("23505")), False),  # unique violation: a bug, not luck
    (sa_exc.DBAPIError("SELECT", {}, Exception("gone"), connection_invalidated=True), True),
    (sa_exc.TimeoutError("QueuePool limit reached"), True),
    (ValueError("a bug"), False),
])
def test_only_store_errors_that_pass_are_retried(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient

    class FailedState:
        def result(self) -> None:
            raise error

    assert retry_when_transient(None, None, FailedState()) is transient


def test_only_the_store_stages_retry_and_every_stage_gets_the_stage_timeout(tmp_path: Path) -> None:
    from flows.monitor import TASKS, timed_tasks

    retried = {name for name, t in TASKS.items() if t.retries}
    assert retried == {"select_sources", "novelty", "deliver"}  # fetch and full text never raise
    assert all(TASKS[name].retry_condition_fn is retry_when_transient for name in retried)
    config = load_config(write(tmp_path, "timeouts:\n  stage: 2m\n"))
    assert {t.timeout_seconds for t in timed_tasks(config).values()} == {120.0}


def test_the_flow_timeout_comes_from_the_environment_vigie_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(prefect_env.RUN_TIMEOUT_ENV, raising=False)
    assert prefect_env.run_timeout() == prefect_env.DEFAULT_RUN_TIMEOUT
    monkeypatch.setattr(os, "environ", dict(os.environ))  # what apply() sets stays in this test
    prefect_env.apply(run_timeout=600)
    assert prefect_env.run_timeout() == 600.0
    os.environ[prefect_env.RUN_TIMEOUT_ENV] = "nonsense"
    assert prefect_env.run_timeout() == prefect_env.DEFAULT_RUN_TIMEOUT


def test_vigie_logs_are_sent_to_prefect_and_ignored_outside_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != prefect_env.EXTRA_LOGGERS})
    prefect_env.apply()
    assert os.environ[prefect_env.EXTRA_LOGGERS] == "vigie"
    assert os.environ["PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW"] == "ignore"
    os.environ[prefect_env.EXTRA_LOGGERS] = "httpx"  # the user's own list is kept
    prefect_env.apply()
    assert os.environ[prefect_env.EXTRA_LOGGERS] == "httpx,vigie"


@pytest.mark.slow
def test_a_vigie_log_record_is_stored_for_the_flow_run(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    from flows.monitor import monitor
    from tests.support_http import Reply, serve_routes

    with serve_routes({"/down.xml": Reply(status=503)}) as feeds:
        config = write(tmp_path, f"data_dir: state\nrules: [{REPO / 'rules'}]\nsources:\n  - url: {feeds.url('/down.xml')}\n"
                                 "targets:\n  - name: console\n    url: vigie://\n")
        state = monitor(config_path=str(config), return_state=True)
    assert state.is_completed()
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    fetch_logs = [log for log in logs if log.name == "vigie.ingest.fetch"]
    assert fetch_logs and "503" in fetch_logs[0].message, [(log.name, log.message) for log in logs]


# --- the deployment, generated from vigie.yaml -------------------------------------------------

def test_the_deployment_takes_its_schedule_and_timeout_from_vigie_yaml(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "schedule:\n  interval: 1h30m\n  timezone: Europe/Paris\ntimeouts:\n  run: 20m\n"))
    (deployment,) = deployment_spec(config, "3.8.8")["deployments"]
    assert deployment["schedules"] == [{"interval": 5400, "anchor_date": "2000-01-01T00:00:00+01:00",
                                        "timezone": "Europe/Paris", "active": True}]
    assert deployment["work_pool"]["job_variables"]["env"] == {prefect_env.RUN_TIMEOUT_ENV: "1200"}
    assert deployment["entrypoint"] == "flows/monitor.py:monitor"
    cron = load_config(write(tmp_path, "schedule:\n  cron: '0 7 * * *'\n")).schedule
    assert deployment_spec(config.model_copy(update={"schedule": cron}), "3.8.8")["deployments"][0]["schedules"] == [
        {"cron": "0 7 * * *", "timezone": "UTC", "active": True}]


def test_the_checked_in_deployment_is_the_one_vigie_deploy_writes_for_the_demo_config() -> None:
    written = (REPO / "deploy" / "prefect.yaml").read_text(encoding="utf-8")
    version = YAML(typ="safe").load(written)["prefect-version"]
    assert written == render(load_config(REPO / "vigie.yaml"), version), "run `vigie deploy` after changing vigie.yaml"


def test_vigie_deploy_writes_the_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vigie.cli.main import app

    config = write(tmp_path, "schedule:\n  interval: 5m\n")
    out = tmp_path / "out" / "prefect.yaml"
    result = CliRunner().invoke(app, ["deploy", "-c", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "every 5m (UTC)" in result.output
    assert YAML(typ="safe").load(out.read_text(encoding="utf-8"))["deployments"][0]["schedules"][0]["interval"] == 300
    refused = CliRunner().invoke(app, ["deploy", "-c", str(config), "-o", str(out), "--apply"],
                                 env={"PREFECT_API_URL": ""})
    assert refused.exit_code == 2 and "PREFECT_API_URL" in refused.output


@pytest.mark.slow
def test_a_temporary_server_that_does_not_start_in_time_is_one_error_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = write(tmp_path, f"data_dir: state\nrules: [{REPO / 'rules'}]\nsources: []\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env.update(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1", DO_NOT_TRACK="1")  # no server starts in 1 s
    done = subprocess.run([sys.executable, "-m", "vigie", "run", "-c", str(config)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    log = tmp_path / "state" / "prefect" / "temporary-server.log"
    assert line == ("error: the temporary Prefect server did not answer within 1 s (on a busy machine, raise "
                    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or keep one running with `vigie server`); "
                    f"see {log}"), line
    assert log.is_file()  # where the server's own words went


@pytest.mark.slow
def test_vigie_deploy_apply_registers_the_schedule_of_vigie_yaml_on_a_real_server(tmp_path: Path) -> None:
    import subprocess
    import sys

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from vigie.runtime.local_server import local_prefect_server

    config = write(tmp_path, f"rules: [{REPO / 'rules'}]\nschedule:\n  interval: 7m\n  timezone: Europe/Paris\n"
                             "timeouts:\n  run: 12m\n")
    with local_prefect_server(tmp_path / "server") as api:
        env = dict(os.environ, PREFECT_API_URL=api, DO_NOT_TRACK="1")
        done = subprocess.run([sys.executable, "-m", "vigie", "deploy", "--apply", "-c", str(config),
                               "-o", str(tmp_path / "prefect.yaml"), "--pool", "vigie-test"],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "created the work pool vigie-test" in done.stdout
        with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("vigie-monitor/vigie")
    (schedule,) = [s.schedule for s in deployment.schedules]
    assert schedule.interval.total_seconds() == 420 and schedule.timezone == "Europe/Paris"
    assert schedule.anchor_date.isoformat().startswith("2000-01-01T00:00:00")
    assert deployment.work_pool_name == "vigie-test"
    assert deployment.job_variables == {"env": {prefect_env.RUN_TIMEOUT_ENV: "720"}}
    assert deployment.parameters == {"config_path": str(config.resolve())}
    assert deployment.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}]
