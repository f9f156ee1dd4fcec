"""Feed state and health, kept in the store's ``feeds`` table.

Per feed: the conditional-GET validators (ETag, Last-Modified), the current URL (a
permanent redirect moves it), the last success and the last error, the number of
consecutive failures and when the next attempt is due.

A failing feed backs off: after the n-th consecutive failure the next attempt waits
``backoff_base * 2**(n-1)``, capped at ``backoff_max``, and never less than the
server's Retry-After. It is reported once, when the failures reach
``failure_threshold`` (a ``down`` event), and once when it comes back (``recovered``);
never one alert per failed fetch. ``record_polls`` returns those events as values; the
outbox turns them into alerts for the operations targets (``config.health.notify``).

A failure never touches the validators: the next successful poll still sends them,
so a feed that failed for a day does not come back as "everything is new".

Nothing of a poll is stored before its batch: ``assess`` turns the fetch and parse
into ``PollOutcome`` values, and the novelty stage stores them with ``record_polls``
in the transaction that records the feed's articles, story changes and alerts. A run
that dies before that commit leaves the feed as it was (validators, entries seen,
location, failures), and the next poll fetches the same entries again instead of
getting a 304 for articles that were never recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from datetime import datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import Connection, Engine, RowMapping, bindparam, select

from vigie.common.times import backoff, utc
from vigie.config import HealthConfig
from vigie.models import Fetched, Parsed, Source
from vigie.store.schema import feeds
from vigie.store.sql import upsert


@dataclass(frozen=True)
class FeedState:
    """What the store knows about one feed between runs."""

    source_id: str
    location: str | None = None  # current URL when a permanent redirect moved it, else the configured one
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_attempt_at: datetime | None = None
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    reported_down: bool = False
    entries_seen: int = 0  # entries in the last successful parse


HealthKind = Literal["down", "recovered"]


@dataclass(frozen=True)
class HealthEvent:
    """A feed crossed the failure threshold (``down``) or came back after it (``recovered``)."""

    source_id: str
    kind: HealthKind
    message: str
    at: datetime
    location: str = ""
    consecutive_failures: int = 0
    last_error: str | None = None
    notify: tuple[str, ...] = ()  # apprise tags of the operations targets


def _state_of(row: RowMapping) -> FeedState:
    return FeedState(
        source_id=row["source_id"], location=row["location"], etag=row["etag"], last_modified=row["last_modified"],
        consecutive_failures=int(row["consecutive_failures"] or 0), next_attempt_at=utc(row["next_attempt_at"]),
        last_fetch_at=utc(row["last_fetch_at"]), last_success_at=utc(row["last_success_at"]),
        last_error=row["last_error"], last_error_at=utc(row["last_error_at"]), reported_down=bool(row["reported_down"]),
        entries_seen=int(row["entries_seen"] or 0),
    )


_BY_IDS = select(feeds).where(feeds.c.source_id.in_(bindparam("ids", expanding=True)))  # a list of literals: coerced one by one


def states_in(conn: Connection, ids: Sequence[str]) -> dict[str, FeedState]:
    """The stored state of each of ``ids`` that has one, read in the caller's transaction."""
    out: dict[str, FeedState] = {}
    ids = list(dict.fromkeys(ids))
    for i in range(0, len(ids), 500):  # stay far below any driver's bound-parameter limit
        rows = conn.execute(_BY_IDS, {"ids": ids[i:i + 500]}).mappings()
        for row in rows:
            out[row["source_id"]] = _state_of(row)
    return out


def load_states(engine: Engine, sources: Sequence[Source]) -> dict[str, FeedState]:
    """The stored state of each source that has one (a new source simply has none)."""
    with engine.connect() as conn:
        return states_in(conn, [s.id for s in sources])


def all_states(engine: Engine) -> list[FeedState]:
    """Every stored feed state, by source id (for ``vigie feeds`` reports)."""
    with engine.connect() as conn:
        return [_state_of(r) for r in conn.execute(select(feeds).order_by(feeds.c.source_id)).mappings()]


@dataclass(frozen=True)
class DueSources:
    """The configured sources, those due for a fetch now, and what the store knows of each."""

    sources: tuple[Source, ...]
    due: tuple[Source, ...]
    states: Mapping[str, FeedState]


def select_due(engine: Engine, sources: Sequence[Source], now: datetime) -> DueSources:
    """Which of ``sources`` to fetch at ``now`` (see ``due``), with their stored states."""
    states = load_states(engine, sources)
    return DueSources(tuple(sources), tuple(due(sources, states, now)), states)


def due(sources: Sequence[Source], states: Mapping[str, FeedState], now: datetime) -> list[Source]:
    """The sources to fetch now: those not backing off (next attempt unset or reached)."""
    out = []
    for src in sources:
        state = states.get(src.id)
        when = utc(state.next_attempt_at) if state else None
        if when is None or when <= now:
            out.append(src)
    return out


def backoff_delay(failures: int, settings: HealthConfig, retry_after: float | None = None) -> timedelta:
    """How long to wait after ``failures`` consecutive failures (doubling, capped, >= Retry-After)."""
    delay = backoff(failures, settings.backoff_base, settings.backoff_max).total_seconds()
    cap = settings.backoff_max.total_seconds()
    if retry_after is not None:
        # The server's own wish wins over our schedule, but a silly value must not park a feed for a year.
        delay = max(delay, min(retry_after, max(cap, 7 * 86400.0)))
    return timedelta(seconds=delay)


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one feed says, from its fetch and parse alone: nothing stored yet."""

    source_id: str
    name: str  # for messages: the configured name, else the id
    location: str  # as configured
    new_location: str | None = None  # after a permanent redirect
    error: str | None = None  # the fetch's or the parse's; None: a success
    retry_after: float | None = None
    modified: bool = False  # a body was fetched and parsed (not a 304 or an unchanged file)
    etag: str | None = None
    last_modified: str | None = None
    entries_seen: int = 0  # entries parsed, when ``modified``


def assess(fetched: Sequence[Fetched], parsed: Sequence[Parsed]) -> tuple[PollOutcome, ...]:
    """The outcome of each fetched source, for ``record_polls`` in the novelty transaction."""
    parsed_by_id = {p.source.id: p for p in parsed}
    out = []
    for f in fetched:
        src = f.source
        p = parsed_by_id.get(src.id)
        error = f.error if f.status == "error" else (p.error if p is not None and p.error else None)
        out.append(PollOutcome(
            source_id=src.id, name=src.name or src.id, location=src.location, new_location=f.new_location,
            error=error or None, retry_after=f.retry_after, modified=f.status == "ok",
            etag=f.etag, last_modified=f.last_modified, entries_seen=len(p.entries) if p is not None else 0,
        ))
    return tuple(out)


def record_polls(conn: Connection, polls: Sequence[PollOutcome], settings: HealthConfig,
                 now: datetime) -> list[HealthEvent]:
    """Store the polls' outcomes in the caller's transaction; return the threshold/recovery events.

    The caller is the novelty stage: a feed's validators commit with the articles and alerts
    they stand for, or not at all, so a run that dies before that commit leaves the feed as it
    was and the next poll fetches the same entries again (never a 304 for unrecorded articles).
    """
    now = utc(now) or datetime.now(timezone.utc)
    events: list[HealthEvent] = []
    rows: list[dict[str, object]] = []
    old_states = states_in(conn, [p.source_id for p in polls])
    for poll in polls:
        old = old_states.get(poll.source_id, FeedState(source_id=poll.source_id))
        location = poll.new_location or old.location or poll.source_id  # the id: the location may hold a secret
        # The poll is recorded: the run's lease on the feed ends here (vigie.ingest.leases), with its articles.
        values: dict[str, object] = {"source_id": poll.source_id, "location": location, "last_fetch_at": now,
                                     "claimed_by": None, "claimed_until": None}
        if poll.error is None:
            if poll.modified:
                # Stored only once the bytes were parsed: if parsing failed, the next poll
                # must fetch the body again rather than get a 304 for broken content.
                values.update(etag=poll.etag, last_modified=poll.last_modified, entries_seen=poll.entries_seen)
            else:
                values.update(etag=poll.etag or old.etag, last_modified=poll.last_modified or old.last_modified)
            values.update(last_success_at=now, consecutive_failures=0, next_attempt_at=None)
            # reported_down is cleared by the caller with the "recovered" alert (same transaction).
            if old.reported_down:
                events.append(HealthEvent(
                    source_id=poll.source_id, kind="recovered", at=now, location=location, notify=settings.notify,
                    consecutive_failures=old.consecutive_failures, last_error=old.last_error,
                    message=f"feed {poll.name} is back after {old.consecutive_failures} failed polls",
                ))
        else:
            failures = old.consecutive_failures + 1
            values.update(last_error=poll.error, last_error_at=now, consecutive_failures=failures,
                          next_attempt_at=now + backoff_delay(failures, settings, poll.retry_after))
            if failures >= settings.failure_threshold and not old.reported_down:
                # reported_down is set by the caller with the "down" alert (same transaction).
                events.append(HealthEvent(
                    source_id=poll.source_id, kind="down", at=now, location=location, notify=settings.notify,
                    consecutive_failures=failures, last_error=poll.error,
                    message=f"feed {poll.name} failed {failures} times in a row: {poll.error}",
                ))
        rows.append(values)
    _upsert_all(conn, rows)
    return events


def _upsert_all(conn: Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Each row inserted or, for a known feed, its given columns updated: one executemany per run of rows
    that set the same columns (SQLAlchemy compiles an upsert anew at every execution: one a feed cost about
    5 ms, seconds for 1,000 feeds that all answered 304)."""
    defaults = {"reported_down": False, "consecutive_failures": 0, "entries_seen": 0}  # a new feed's row
    def columns(values: Mapping[str, object]) -> tuple[str, ...]:
        return tuple(values)

    for _, run in groupby(rows, key=columns):
        group = list(run)
        stmt = upsert(conn, feeds)
        update = {k: stmt.excluded[k] for k in group[0] if k != "source_id"}
        conn.execute(stmt.on_conflict_do_update(index_elements=[feeds.c.source_id], set_=update),
                     [{**defaults, **values} for values in group])
