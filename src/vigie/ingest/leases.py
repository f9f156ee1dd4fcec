"""Feeds shared out between concurrent runs: a feed is claimed in the store before it is fetched.

Several flow runs may poll at once (workers of one work pool, the runs of one schedule slot,
overlapping schedules, a ``vigie run`` beside ``vigie serve``). Each takes the due feeds a batch
at a time with ``claim_batch``: one conditional UPDATE per batch, in one transaction, gives a
feed to exactly one run, whatever the timing (on PostgreSQL the second writer waits for the
first's row lock and then finds the condition false; on SQLite the IMMEDIATE transaction makes
claims take turns). What the claim writes on the feed's row:

- ``claimed_by``: the batch's token (the run's host, process and a random part), for logs;
- ``claimed_until``: when the lease ends. The novelty stage releases it (``record_polls``) in the
  transaction that records the feed's articles and validators; a run that died leaves it to
  expire, and then another run takes the feed over;
- ``cycle_at``: the cycle the claim is for: the scheduled time of the flow run (``vigie run``: its
  start). A feed claimed for a cycle is not claimed again for that cycle or an earlier one, so
  the runs of one slot fetch each feed once, and a late run of an old slot none that a newer one
  already polled.

None is starved: a batch takes the free feeds whose last cycle is oldest first (never claimed
first), then in the configuration's order. Feeds backing off after failures wait as before.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select, update

from vigie.common.sharing import SharingConfig
from vigie.common.times import utc
from vigie.ingest.health import DueSources, states_in
from vigie.models import Source
from vigie.store.schema import feeds
from vigie.store.sql import insert_ignore

_CHUNK = 500  # bound parameters per statement: far below any driver's limit


@dataclass(frozen=True)
class Claimer:
    """One run's claims: who holds them, for which cycle, for how long, how many at a time."""

    holder: str  # host:pid:random, the run's name in ``feeds.claimed_by``
    cycle_at: datetime
    lease: timedelta
    batch: int


def new_claimer(cycle_at: datetime, settings: SharingConfig) -> Claimer:
    """The claimer of a run for the cycle ``cycle_at`` (its scheduled time)."""
    holder = f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return Claimer(holder=holder, cycle_at=utc(cycle_at) or cycle_at, lease=settings.lease, batch=settings.batch)


def claimable(cycle_at: datetime, now: datetime) -> ColumnElement[bool]:
    """The SQL condition of a feed another run may take now for the cycle ``cycle_at``."""
    c = feeds.c
    lease_free = or_(c.claimed_until.is_(None), c.claimed_until < now)
    for_this_cycle = or_(c.cycle_at.is_(None), c.cycle_at < cycle_at,
                         and_(c.cycle_at == cycle_at, c.claimed_until.is_not(None), c.claimed_until < now))  # taken over
    not_backing_off = or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now)
    return and_(lease_free, for_this_cycle, not_backing_off)


def _ensure_rows(conn: Connection, sources: Sequence[Source], known: set[str]) -> None:
    """A row for every configured feed, so that a feed never polled can be claimed like the others."""
    missing = [dict(source_id=s.id, location=s.id, consecutive_failures=0, reported_down=False, entries_seen=0)
               for s in sources if s.id not in known]
    for i in range(0, len(missing), _CHUNK):
        conn.execute(insert_ignore(conn, feeds), missing[i:i + _CHUNK])


def _candidates(conn: Connection, sources: Sequence[Source], claimer: Claimer, now: datetime) -> list[str]:
    """The configured feeds that are free now, oldest cycle first, then in the configuration's order."""
    order = {s.id: i for i, s in enumerate(sources)}
    c = feeds.c
    rows = conn.execute(select(c.source_id, c.cycle_at).where(claimable(claimer.cycle_at, now))).all()
    free = [(utc(r.cycle_at), order[r.source_id], r.source_id) for r in rows if r.source_id in order]
    free.sort(key=lambda x: (x[0] is not None, x[0] or now, x[1]))
    return [source_id for _, _, source_id in free]


def _holder_is_gone(token: str) -> bool:
    """True when ``token`` names a run of this machine whose process has ended (killed, crashed)."""
    parts = token.split("/", 1)[0].rsplit(":", 2)  # host:pid:random/batch
    if len(parts) != 3 or parts[0] != socket.gethostname()[:120] or not parts[1].isdigit():
        return False
    if int(parts[1]) == os.getpid():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process): alive
    return False


def _expire_dead_holders(conn: Connection, now: datetime) -> None:
    """End at once the leases of runs of this machine that died: their feeds wait for no lease to run out.
    A run on another machine cannot be seen from here: its leases end when they run out."""
    c = feeds.c
    tokens = set(conn.execute(select(c.claimed_by).where(c.claimed_until >= now, c.claimed_by.is_not(None))).scalars())
    dead = [t for t in tokens if _holder_is_gone(t)]
    for token in dead:
        conn.execute(update(feeds).where(c.claimed_by == token).values(claimed_until=now - timedelta(seconds=1)))


def claim_batch(engine: Engine, sources: Sequence[Source], claimer: Claimer, now: datetime) -> DueSources:
    """Claim up to ``claimer.batch`` of ``sources`` for this run; ``due`` is empty when none is left.

    ``due`` keeps the oldest-first order of the claim; ``states`` holds what the store knows of each.
    """
    with engine.begin() as conn:
        known = set(conn.execute(select(feeds.c.source_id)).scalars())
        _ensure_rows(conn, sources, known)
        _expire_dead_holders(conn, now)
        candidates = _candidates(conn, sources, claimer, now)[: claimer.batch]
        token = f"{claimer.holder}/{uuid.uuid4().hex[:6]}"
        for i in range(0, len(candidates), _CHUNK):
            chunk = candidates[i:i + _CHUNK]
            if conn.dialect.name == "postgresql":
                # Lock the rows no other claim holds, in one order, without waiting: two claims at once
                # take disjoint rows at once instead of queueing (or deadlocking) on each other's.
                chunk = list(conn.execute(select(feeds.c.source_id).where(feeds.c.source_id.in_(chunk),
                                                                          claimable(claimer.cycle_at, now))
                                          .order_by(feeds.c.source_id).with_for_update(skip_locked=True)).scalars())
            conn.execute(
                update(feeds)
                .where(feeds.c.source_id.in_(chunk), claimable(claimer.cycle_at, now))
                .values(claimed_by=token, claimed_until=now + claimer.lease, cycle_at=claimer.cycle_at)
            )
        won = set(conn.execute(select(feeds.c.source_id).where(feeds.c.claimed_by == token)).scalars())
        states = states_in(conn, sorted(won))
    by_id = {s.id: s for s in sources}
    due = tuple(by_id[i] for i in candidates if i in won)
    return DueSources(tuple(sources), due, states)


def release(engine: Engine, source_ids: Sequence[str]) -> int:
    """Give back feeds claimed but not recorded (a run that stops early); their cycle is forgotten too,
    so the next run of the same cycle takes them."""
    ids = list(source_ids)
    done = 0
    with engine.begin() as conn:
        for i in range(0, len(ids), _CHUNK):
            done += conn.execute(update(feeds).where(feeds.c.source_id.in_(ids[i:i + _CHUNK]))
                                 .values(claimed_by=None, claimed_until=None, cycle_at=None)).rowcount or 0
    return done


def backing_off(engine: Engine, sources: Sequence[Source], now: datetime) -> set[str]:
    """The ids of ``sources`` waiting after failures (their next attempt is later than ``now``)."""
    ids = {s.id for s in sources}
    with engine.connect() as conn:
        rows = conn.execute(select(feeds.c.source_id).where(feeds.c.next_attempt_at > now)).scalars()
        return {r for r in rows if r in ids}
