"""The scale test: two Prefect workers of one work pool over many loopback feeds, on PostgreSQL and a
real Prefect server (``support_scale``), parsing and normalizing on a Dask LocalCluster of two worker
processes that both flow runs share (``executor: dask://...``): each cycle's two flow runs share the feeds
out, every feed is fetched once per cycle, every alert is sent once, and the batches ran on Dask."""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from support_feeds import EVENTS, feed_paths
from support_scale import scale_rig
from support_store import pg_schema_url, skip_without_postgres
from vigie.store import schema as t
from vigie.store.db import connect

FEEDS = 150
# Where parse and normalize run in the workers' flow runs: any `executor:` value vigie.yaml accepts; by default
# a Dask LocalCluster of two worker processes that this test starts and both flow runs reach by its address.
EXECUTOR = os.environ.get("VIGIE_SCALE_EXECUTOR", "")


@pytest.mark.slow
def test_two_workers_of_one_pool_share_each_cycle_and_send_every_alert_once(tmp_path: Path) -> None:
    skip_without_postgres()
    if EXECUTOR:
        check_cycles(tmp_path, EXECUTOR)
        return
    with two_dask_workers() as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        check_cycles(tmp_path, f'"dask://{address}"')
        ran = set(cluster.scheduler.task_prefixes)  # the batches ran there, not in the runs' own processes
    assert any(name.startswith("parse_batch") for name in ran), ran


@contextmanager
def two_dask_workers() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster


def check_cycles(tmp_path: Path, executor: str) -> None:
    with pg_schema_url() as store, scale_rig(tmp_path, store, feeds=FEEDS, workers=2, batch=25,
                                                  executor=executor) as rig:
        deployment = rig.deployment  # sharing.runs: 2 -> two schedules, two runs at once
        limit = deployment.global_concurrency_limit
        assert len(deployment.schedules) == 2 and limit is not None and limit.limit == 2

        # Slots in the past (a run waits for its scheduled time): the second is the first's next one.
        slot = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=15)
        first = rig.cycle(slot, runs=2)
        assert first.states == ("Completed", "Completed")
        assert first.fetched == Counter(feed_paths(FEEDS)), "a feed fetched twice or not at all in a cycle"
        assert sorted(first.polled_per_run)[0] > 0 and sum(first.polled_per_run) == FEEDS, first.polled_per_run

        second = rig.cycle(datetime.now(timezone.utc) - timedelta(seconds=1), runs=2)
        assert second.states == ("Completed", "Completed")
        assert second.fetched == Counter(feed_paths(FEEDS))
        assert sum(second.polled_per_run) == FEEDS

        engine = connect(store)
        with engine.connect() as conn:
            sent = Counter(conn.execute(select(t.deliveries.c.alert_id).where(t.deliveries.c.status == "sent")).scalars())
            alerts = conn.execute(select(t.alerts.c.id)).scalars().all()
        engine.dispose()
    assert len(alerts) == len(EVENTS) and sent == Counter({a: 1 for a in alerts})
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["title"] for line in lines) == sorted(EVENTS)
