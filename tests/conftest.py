"""Fixtures shared by the whole suite: the corpus, PostgreSQL, Prefect's test harness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# vigie's own defaults before any test imports Prefect (its logging reads them once): vigie's
# log records go to Prefect's API in a flow run, as they do in `vigie run`.
from vigie.runtime import prefect_env  # noqa: E402

prefect_env.apply()

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus of real feeds and articles, beside the repository."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found beside the repository ({CORPUS.name} under ../shared)")
    return CORPUS


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One Prefect ephemeral server for the whole session (it takes 12-20 s to start)."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    from prefect.testing.utilities import prefect_test_harness

    from prefect import flow

    with prefect_test_harness(server_startup_timeout=120):
        # A first flow run configures Prefect's logging in this process (its handlers replace the root
        # logger's): done here, it cannot take caplog's handler away from the first test that runs a flow.
        flow(name="vigie-tests-warm-up")(_nothing)()
        yield


def _nothing() -> None:
    return None
