"""Two processes polling one store at once share the feeds out: each feed fetched once per cycle,
each alert recorded and sent once, each story opened once (real processes, real HTTP, SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from support_feeds import EVENTS, RULES, config_text, feed_paths, feed_route
from support_http import serve_routes
from support_store import pg_schema_url, skip_without_postgres
from vigie.store import schema as t
from vigie.store.db import connect

FEEDS = 24


def _run(config_path: str, cycle_iso: str, barrier, out: str) -> None:  # type: ignore[no-untyped-def]
    """One process: load everything, wait for the other, run one cycle, write the sources it polled."""
    from vigie.config import load_config
    from vigie.runtime.cycle import run_cycle

    config = load_config(Path(config_path))
    engine = connect(config.store_url)
    barrier.wait(60)
    summary = run_cycle(config, engine, datetime.now(timezone.utc), cycle_at=datetime.fromisoformat(cycle_iso))
    Path(out).write_text(json.dumps([s.source for s in summary.sources if s.status != "skipped"]), encoding="utf-8")
    engine.dispose()


def run_side_by_side(config: Path, cycle: datetime, tmp: Path, runs: int = 2) -> list[list[str]]:
    """``runs`` processes, started together on one cycle; the sources each polled."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(runs)
    outs = [tmp / f"polled-{cycle.timestamp():.0f}-{i}.json" for i in range(runs)]
    procs = [ctx.Process(target=_run, args=(str(config), cycle.isoformat(), barrier, str(out))) for out in outs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0] * runs
    return [json.loads(out.read_text(encoding="utf-8")) for out in outs]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The store of the shared runs and the store of a reference run in one process."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}", f"sqlite:///{tmp_path / 'reference.db'}"
        return
    skip_without_postgres()
    with pg_schema_url() as shared, pg_schema_url() as reference:
        yield shared, reference


def counts(url: str) -> tuple[int, Counter[str], Counter[int]]:
    """Stories, alerts by kind, and deliveries sent per alert."""
    engine = connect(url)
    with engine.connect() as conn:
        stories = conn.execute(select(func.count()).select_from(t.stories)).scalar_one()
        kinds = Counter(conn.execute(select(t.alerts.c.kind)).scalars())
        sent = Counter(conn.execute(select(t.deliveries.c.alert_id).where(t.deliveries.c.status == "sent")).scalars())
    engine.dispose()
    return stories, kinds, sent


@pytest.mark.slow
def test_two_processes_share_each_cycle_and_record_and_send_everything_once(two_stores: tuple[str, str],
                                                                            tmp_path: Path) -> None:
    shared, reference = two_stores
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "storms.yaml").write_text(RULES, encoding="utf-8")
    slot = datetime.now(timezone.utc).replace(microsecond=0)
    with serve_routes({}, fallback=feed_route(FEEDS, delay=0.05)) as http:
        def write(name: str, store: str) -> Path:
            path = tmp_path / name / "vigie.yaml"
            path.parent.mkdir()
            path.write_text(config_text(http.base_url, FEEDS, store, str(tmp_path / "rules"),
                                        str(path.parent / "alerts.jsonl"), batch=3), encoding="utf-8")
            return path

        # The reference: one process alone, on a store of its own.
        solo = write("solo", reference)
        run_side_by_side(solo, slot, tmp_path, runs=1)
        http.reset_log()

        config = write("shared", shared)
        first = run_side_by_side(config, slot, tmp_path)
        fetched = Counter(s.path for s in http.log)
        assert fetched == Counter(feed_paths(FEEDS)), "a feed was fetched twice, or not at all, in one cycle"
        assert all(first) and not set(first[0]) & set(first[1]), first  # both took part, none polled a feed twice

        # Another run of the same slot, later: every feed was polled for it, none is fetched.
        http.reset_log()
        run_side_by_side(config, slot, tmp_path, runs=1)
        assert http.log == []

        # The next slot: every feed once more (a 304 each), nothing new.
        next_slot = slot + timedelta(minutes=15)
        second = run_side_by_side(config, next_slot, tmp_path)
        assert Counter(s.path for s in http.log) == Counter(feed_paths(FEEDS))
        assert {s.status for s in http.log} == {304}
        assert sorted(second[0] + second[1]) == sorted(first[0] + first[1])

    stories, kinds, sent = counts(shared)
    assert (stories, kinds) == counts(reference)[:2]  # as one process alone decides
    assert stories == len(EVENTS) and kinds == Counter({"new_story": len(EVENTS)}), (stories, kinds)
    assert set(sent.values()) == {1} and len(sent) == len(EVENTS)  # every alert sent once
    lines = (config.parent / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(EVENTS)
    assert sorted(json.loads(line)["title"] for line in lines) == sorted(EVENTS)
