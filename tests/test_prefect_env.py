"""Environment defaults set before Prefect is imported: no telemetry, time for the server, user values win."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigie.runtime import prefect_env

KEYS = ["DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
        "PREFECT_HOME", "PREFECT_API_URL"]


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    # A copy of the environment for the test: what apply() sets must not leak into later tests.
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k not in KEYS})
    return monkeypatch


def test_defaults_turn_telemetry_off_and_wait_for_a_slow_server(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prefect_env.apply(tmp_path)
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 120
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "prefect") and (tmp_path / "prefect").is_dir()


def test_what_the_user_set_wins(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "45")
    clean_env.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    prefect_env.apply(tmp_path)
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "45"
    assert "PREFECT_HOME" not in os.environ  # a server of the user's own keeps its state where it is
