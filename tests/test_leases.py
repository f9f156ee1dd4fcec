"""Feeds shared out: claims in the store, on SQLite and PostgreSQL (``vigie.ingest.leases``)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from sqlalchemy import Engine, select, update

from support_store import T0, engine, store_url  # noqa: F401 - fixtures
from vigie.common.sharing import SharingConfig
from vigie.config import HealthConfig, load_config
from vigie.errors import ConfigError
from vigie.ingest import leases
from vigie.ingest.health import PollOutcome, record_polls
from vigie.models import Source, SourceKind
from vigie.store.schema import feeds

SOURCES = [Source(id=f"https://feeds.example/{i}.xml", kind=SourceKind.FEED, location=f"https://feeds.example/{i}.xml")
           for i in range(10)]


def claimer(batch: int = 4, lease: timedelta = timedelta(minutes=10), cycle: timedelta = timedelta(0)) -> leases.Claimer:
    return leases.new_claimer(T0 + cycle, SharingConfig(batch=batch, lease=lease))


def ids(selected: leases.DueSources) -> set[str]:
    return {s.id for s in selected.due}


def record(engine: Engine, source_ids: set[str], at: timedelta = timedelta(seconds=30)) -> None:
    """What the novelty stage does with the polls of a batch (which ends their leases)."""
    polls = [PollOutcome(source_id=i, name=i, location=i) for i in sorted(source_ids)]
    with engine.begin() as conn:
        record_polls(conn, polls, HealthConfig(), T0 + at)


def test_two_claimers_of_one_cycle_get_disjoint_batches_until_none_is_left(engine: Engine) -> None:
    a, b = claimer(), claimer()
    first_a = leases.claim_batch(engine, SOURCES, a, T0)
    first_b = leases.claim_batch(engine, SOURCES, b, T0)
    second_a = leases.claim_batch(engine, SOURCES, a, T0)
    assert [len(x.due) for x in (first_a, first_b, second_a)] == [4, 4, 2]
    assert not ids(first_a) & ids(first_b) and not ids(second_a) & (ids(first_a) | ids(first_b))
    assert ids(first_a) | ids(first_b) | ids(second_a) == {s.id for s in SOURCES}
    assert leases.claim_batch(engine, SOURCES, b, T0).due == ()  # nothing left for this cycle
    # Never polled: oldest first means the configuration's order.
    assert [s.id for s in first_a.due] == [s.id for s in SOURCES[:4]]
    with engine.connect() as conn:
        holders = dict(conn.execute(select(feeds.c.source_id, feeds.c.claimed_by)).all())
    assert {holders[i].split("/")[0] for i in ids(first_b)} == {b.holder}


def test_claims_made_at_the_same_moment_never_overlap(engine: Engine) -> None:
    won: list[set[str]] = []
    start = threading.Barrier(4)

    def take() -> None:
        mine = claimer(batch=3)
        start.wait()
        got: set[str] = set()
        while batch := ids(leases.claim_batch(engine, SOURCES, mine, T0)):
            got |= batch
        won.append(got)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(len(w) for w in won) == len(SOURCES)
    assert set().union(*won) == {s.id for s in SOURCES}


def test_a_lease_that_ran_out_is_taken_over_and_a_live_one_is_not(engine: Engine) -> None:
    dead = claimer(batch=10, lease=timedelta(seconds=60))
    assert len(leases.claim_batch(engine, SOURCES, dead, T0).due) == 10
    other = claimer(batch=10)
    assert leases.claim_batch(engine, SOURCES, other, T0 + timedelta(seconds=59)).due == ()
    taken = leases.claim_batch(engine, SOURCES, other, T0 + timedelta(seconds=61))
    assert ids(taken) == {s.id for s in SOURCES}


def test_a_source_polled_for_a_cycle_is_not_taken_again_for_it_but_is_for_the_next(engine: Engine) -> None:
    first = claimer(batch=10)
    polled = ids(leases.claim_batch(engine, SOURCES, first, T0))
    record(engine, polled)
    with engine.connect() as conn:
        assert set(conn.execute(select(feeds.c.claimed_by)).scalars()) == {None}  # recording ended the leases
    # Another run of the same slot, even minutes later, takes none; a run of an older slot neither.
    assert leases.claim_batch(engine, SOURCES, claimer(batch=10), T0 + timedelta(minutes=5)).due == ()
    assert leases.claim_batch(engine, SOURCES, claimer(batch=10, cycle=-timedelta(minutes=15)),
                              T0 + timedelta(minutes=5)).due == ()
    # The next slot takes every one.
    later = claimer(batch=10, cycle=timedelta(minutes=15))
    assert ids(leases.claim_batch(engine, SOURCES, later, T0 + timedelta(minutes=15))) == polled


def test_the_oldest_cycle_goes_first_and_a_feed_backing_off_waits(engine: Engine) -> None:
    # Cycle 1 polls the first 6 only (a batch of 6, and the run ends there).
    one = claimer(batch=6)
    record(engine, ids(leases.claim_batch(engine, SOURCES, one, T0)))
    # Cycle 2: the 4 never polled come first, then the oldest of the others.
    two = claimer(batch=5, cycle=timedelta(minutes=15))
    got = leases.claim_batch(engine, SOURCES, two, T0 + timedelta(minutes=15))
    assert [s.id for s in got.due][:4] == [s.id for s in SOURCES[6:]]
    with engine.begin() as conn:
        conn.execute(update(feeds).where(feeds.c.source_id == SOURCES[5].id)
                     .values(next_attempt_at=T0 + timedelta(hours=1), claimed_by=None, claimed_until=None))
    rest = leases.claim_batch(engine, SOURCES, two, T0 + timedelta(minutes=15))
    assert SOURCES[5].id not in ids(rest)
    assert leases.backing_off(engine, SOURCES, T0 + timedelta(minutes=15)) == {SOURCES[5].id}


def test_feeds_given_back_are_taken_again_in_the_same_cycle(engine: Engine) -> None:
    run = claimer(batch=10)
    claimed = ids(leases.claim_batch(engine, SOURCES, run, T0))
    assert leases.release(engine, sorted(claimed)) == 10
    assert ids(leases.claim_batch(engine, SOURCES, claimer(batch=10), T0)) == claimed


def test_the_claims_of_a_dead_run_of_this_machine_end_at_once(engine: Engine) -> None:
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=int)
    child.start()
    child.join(60)  # a process that existed and is gone (reaped)
    dead = claimer(batch=10)
    gone = leases.Claimer(holder=dead.holder.replace(f":{__import__('os').getpid()}:", f":{child.pid}:"),
                          cycle_at=dead.cycle_at, lease=dead.lease, batch=dead.batch)
    assert len(leases.claim_batch(engine, SOURCES, gone, T0).due) == 10
    assert len(leases.claim_batch(engine, SOURCES, claimer(batch=10), T0 + timedelta(seconds=1)).due) == 10


def test_sharing_runs_become_schedules_of_one_slot_and_the_deployments_concurrency(tmp_path: Path) -> None:
    from vigie.runtime.deployment import deployment_spec

    config = tmp_path / "vigie.yaml"
    config.write_text("sharing:\n  runs: 3\n  lease: 20m\n  batch: 50\nschedule:\n  interval: 5m\n", encoding="utf-8")
    loaded = load_config(config)
    assert loaded.sharing == SharingConfig(runs=3, lease=timedelta(minutes=20), batch=50)
    (deployment,) = deployment_spec(loaded, "3.8.8")["deployments"]
    assert deployment["concurrency_limit"] == 3
    assert [s["slug"] for s in deployment["schedules"]] == ["vigie-1", "vigie-2", "vigie-3"]
    assert {s["interval"] for s in deployment["schedules"]} == {300}
    config.write_text("schedule:\n  interval: 5m\n", encoding="utf-8")
    (alone,) = deployment_spec(load_config(config), "3.8.8")["deployments"]
    assert alone["concurrency_limit"] == 1 and len(alone["schedules"]) == 1 and "slug" not in alone["schedules"][0]


def test_a_lease_too_short_to_hold_a_batch_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "vigie.yaml"
    config.write_text("sharing:\n  lease: 5s\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert str(err.value) == f"{config}:2: sharing.lease: must be at least 10s"
