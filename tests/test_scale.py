"""The scale test: two Prefect workers of one work pool over many loopback feeds, on PostgreSQL and a
real Prefect server (``support_scale``): each cycle's two flow runs share the feeds out, every feed is
fetched once per cycle, every alert is sent once."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from support_feeds import EVENTS, feed_paths
from support_scale import scale_rig
from support_store import pg_schema_url, skip_without_postgres
from vigie.store import schema as t
from vigie.store.db import connect

FEEDS = 150
# Where parse and normalize run in the workers' flow runs: any `executor:` value vigie.yaml accepts.
EXECUTOR = os.environ.get("VIGIE_SCALE_EXECUTOR", "local")


@pytest.mark.slow
def test_two_workers_of_one_pool_share_each_cycle_and_send_every_alert_once(tmp_path: Path) -> None:
    skip_without_postgres()
    with pg_schema_url() as store, scale_rig(tmp_path, store, feeds=FEEDS, workers=2, batch=25,
                                                  executor=EXECUTOR) as rig:
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
