"""Feed health in a real store (SQLite file; PostgreSQL when it answers): validators, backoff, events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sqlalchemy import func, select

from vigie.config import Config, HealthConfig
from vigie.ingest.health import FeedState, PollOutcome, all_states, assess, backoff_delay, due, load_states
from vigie.models import Entry, Fetched, Parsed, Source, SourceKind
from vigie.store import connect
from vigie.store.schema import alerts
from support_store import engine, store_url  # noqa: F401 - fixtures: SQLite, and a fresh PostgreSQL schema

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
SETTINGS = HealthConfig(failure_threshold=3, backoff_base=timedelta(minutes=5), backoff_max=timedelta(hours=1),
                        notify=("ops",))


@pytest.fixture
def source() -> Source:
    url = f"http://feeds.test/{uuid.uuid4().hex}.xml"
    return Source(id=url, kind=SourceKind.FEED, location=url, name="Test feed")


def ok(src: Source, etag: str | None = '"v1"', n: int = 2, new_location: str | None = None) -> tuple[Fetched, Parsed]:
    entries = tuple(Entry(source_id=src.id, guid=str(i), link=None, title="t", summary="", content="", published=None,
                          updated=None) for i in range(n))
    return (Fetched(source=src, status="ok", etag=etag, last_modified="Thu, 01 Jan 2026 00:00:00 GMT", http_status=200,
                    new_location=new_location),
            Parsed(source=src, entries=entries))


def failed(src: Source, message: str = "HTTP 500", retry_after: float | None = None) -> tuple[Fetched, Parsed]:
    err = f"{src.location}: {message}"
    return (Fetched(source=src, status="error", error=err, retry_after=retry_after, etag='"v1"'),
            Parsed(source=src, error=err))



def record(engine: Engine, polls: Sequence[PollOutcome], now: datetime, settings: HealthConfig = SETTINGS) -> list:  # type: ignore[type-arg]
    """What the flow does: the novelty stage stores the polls with its (here empty) batch, in one
    transaction, records the events' alerts and flips reported_down; returns the events."""
    from vigie.delivery.record import record as record_batch

    return list(record_batch(engine, [], [], {}, Config(health=settings), now, polls=polls).health_events)


def poll(engine: Engine, outcome: tuple[Fetched, Parsed], now: datetime) -> list:  # type: ignore[type-arg]
    return record(engine, assess([outcome[0]], [outcome[1]]), now)


def state(engine: Engine, src: Source) -> FeedState:
    return load_states(engine, [src])[src.id]


def test_success_stores_validators_and_counts(engine: Engine, source: Source) -> None:
    assert load_states(engine, [source]) == {}
    assert poll(engine, ok(source), T0) == []
    st = state(engine, source)
    assert (st.etag, st.last_modified, st.entries_seen) == ('"v1"', "Thu, 01 Jan 2026 00:00:00 GMT", 2)
    assert st.last_success_at == T0 and st.consecutive_failures == 0 and st.next_attempt_at is None
    assert st.location == source.location
    not_modified = Fetched(source=source, status="not_modified", etag='"v1"', http_status=304)
    poll(engine, (not_modified, Parsed(source=source)), T0 + timedelta(minutes=15))
    st = state(engine, source)
    assert st.etag == '"v1"' and st.entries_seen == 2 and st.last_success_at == T0 + timedelta(minutes=15)
    # A 304 without validators of its own (some servers) keeps the stored ones.
    poll(engine, (Fetched(source=source, status="not_modified", http_status=304), Parsed(source=source)),
         T0 + timedelta(minutes=30))
    st = state(engine, source)
    assert st.etag == '"v1"' and st.last_modified == "Thu, 01 Jan 2026 00:00:00 GMT" and st.entries_seen == 2


def test_failures_back_off_report_once_and_recover_once(engine: Engine, source: Source) -> None:
    poll(engine, ok(source), T0)
    events = []
    now = T0
    delays = []
    for i in range(6):
        now += timedelta(hours=2)
        events += poll(engine, failed(source), now)
        st = state(engine, source)
        assert st.consecutive_failures == i + 1
        delays.append(st.next_attempt_at - now)  # type: ignore[operator]
        # A failure never touches the validators: the next success still sends them.
        assert st.etag == '"v1"'
    assert delays == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40),
                      timedelta(hours=1), timedelta(hours=1)]
    assert [e.kind for e in events] == ["down"]
    down = events[0]
    assert down.source_id == source.id and down.consecutive_failures == 3 and down.notify == ("ops",)
    assert "HTTP 500" in down.message and "Test feed" in down.message
    now += timedelta(hours=2)
    back = poll(engine, ok(source, etag='"v2"'), now)
    assert [(e.kind, e.consecutive_failures) for e in back] == [("recovered", 6)]
    st = state(engine, source)
    assert st.consecutive_failures == 0 and st.next_attempt_at is None and not st.reported_down and st.etag == '"v2"'
    assert st.last_error and "HTTP 500" in st.last_error  # the last error stays on record
    assert poll(engine, ok(source), now + timedelta(hours=1)) == []


def test_a_down_event_is_recorded_with_its_alert_once(engine: Engine, source: Source) -> None:
    """The event, the feed's reported state and the alert commit together: a retried run adds nothing."""
    events = [e for i in range(3) for e in poll(engine, failed(source), T0 + timedelta(hours=i))]
    assert [e.kind for e in events] == ["down"] and state(engine, source).reported_down
    assert poll(engine, failed(source), T0 + timedelta(hours=4)) == []  # then never again
    assert [e.kind for e in poll(engine, ok(source), T0 + timedelta(hours=5))] == ["recovered"]
    assert poll(engine, ok(source), T0 + timedelta(hours=6)) == [] and not state(engine, source).reported_down
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 2


def test_short_failure_is_never_reported(engine: Engine, source: Source) -> None:
    events = poll(engine, failed(source), T0) + poll(engine, failed(source), T0 + timedelta(hours=1))
    events += poll(engine, ok(source), T0 + timedelta(hours=2))
    assert events == []


def test_retry_after_is_respected(engine: Engine, source: Source) -> None:
    poll(engine, failed(source, "HTTP 429", retry_after=7200), T0)
    st = state(engine, source)
    assert st.next_attempt_at == T0 + timedelta(hours=2)
    assert due([source], {source.id: st}, T0 + timedelta(hours=1)) == []
    assert due([source], {source.id: st}, T0 + timedelta(hours=2)) == [source]


def test_due_skips_feeds_backing_off_only() -> None:
    a, b, c = (Source(id=x, kind=SourceKind.FEED, location=x) for x in "abc")
    states = {"a": FeedState("a", next_attempt_at=T0 + timedelta(minutes=1)), "b": FeedState("b", next_attempt_at=T0)}
    assert due([a, b, c], states, T0) == [b, c]


def test_parse_error_is_a_failure_and_validators_are_not_stored(engine: Engine, source: Source) -> None:
    f = Fetched(source=source, status="ok", etag='"broken"', http_status=200)
    p = Parsed(source=source, error=f"{source.location}: not a feed")
    poll(engine, (f, p), T0)
    st = state(engine, source)
    assert st.consecutive_failures == 1 and st.etag is None and "not a feed" in (st.last_error or "")


def test_permanent_redirect_updates_the_stored_location(engine: Engine, source: Source) -> None:
    poll(engine, ok(source, new_location="https://feeds.test/moved.xml"), T0)
    assert state(engine, source).location == "https://feeds.test/moved.xml"
    poll(engine, ok(source), T0 + timedelta(hours=1))  # later polls go to the new URL and keep it
    assert state(engine, source).location == "https://feeds.test/moved.xml"


def test_one_transaction_for_many_feeds(engine: Engine) -> None:
    sources = [Source(id=f"http://feeds.test/{uuid.uuid4().hex}", kind=SourceKind.FEED, location="x") for _ in range(700)]
    outcomes = [ok(s) if i % 2 else failed(s) for i, s in enumerate(sources)]
    record(engine, assess([o[0] for o in outcomes], [o[1] for o in outcomes]), T0)
    states = load_states(engine, sources)
    assert len(states) == 700
    assert sum(s.consecutive_failures for s in states.values()) == 350
    assert len(all_states(engine)) == 700


@pytest.mark.parametrize(("failures", "retry_after", "minutes"), [(0, None, 0), (1, None, 5), (2, None, 10), (4, None, 40),
                                                                   (5, None, 60), (50, None, 60), (1, 600.0, 10),
                                                                   (3, 60.0, 20)])
def test_backoff_delay(failures: int, retry_after: float | None, minutes: int) -> None:
    assert backoff_delay(failures, SETTINGS, retry_after) == timedelta(minutes=minutes)


def test_a_failed_poll_between_two_good_ones_does_not_make_old_entries_new(tmp_path: Path) -> None:
    """Real server, real store: ok -> 500 -> the validators kept through the failure give a 304."""
    from support_http import Reply, serve_routes
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.normalize import normalize
    from vigie.ingest.parse import parse_fetched

    body = b"""<rss version="2.0"><channel><title>t</title><item><title>Old news</title></item></channel></rss>"""
    script = [Reply(body=body, etag='"e1"'), Reply(status=500), Reply(body=body, etag='"e1"')]
    eng = connect(f"sqlite:///{tmp_path / 'vigie.db'}")
    settings = HealthConfig(failure_threshold=1, backoff_base=timedelta(seconds=0))
    with serve_routes({"/feed": script}) as server:
        src = Source(id=server.url("/feed"), kind=SourceKind.FEED, location=server.url("/feed"))
        ids = []
        statuses = []
        for i in range(3):
            now = T0 + timedelta(hours=i)
            fetched = fetch_sources([src], load_states(eng, [src]), FetchConfig())
            parsed = [parse_fetched(f) for f in fetched]
            events = record(eng, assess(fetched, parsed), now, settings)
            statuses.append((fetched[0].status, [e.kind for e in events]))
            ids.append([a.id for a in normalize(parsed[0], now)])
        sent = [s.request_headers.get("if-none-match") for s in server.log]
    assert statuses == [("ok", []), ("error", ["down"]), ("not_modified", ["recovered"])]
    assert sent == [None, '"e1"', '"e1"']
    assert ids[1] == [] and ids[2] == []  # nothing re-announced after the failure
    eng.dispose()


def test_nothing_of_a_poll_is_stored_before_its_batch(engine: Engine, source: Source) -> None:
    """assess only decides (the run may die before the novelty stage): the feed stays as it was."""
    poll(engine, failed(source), T0)
    before = state(engine, source)
    polls = assess(*[[x] for x in ok(source, etag='"v2"', new_location="https://feeds.test/moved.xml")])
    assert [(p.etag, p.entries_seen, p.new_location, p.error) for p in polls] == [
        ('"v2"', 2, "https://feeds.test/moved.xml", None)]
    assert state(engine, source) == before and before.etag is None and before.consecutive_failures == 1
    record(engine, polls, T0 + timedelta(hours=1))
    st = state(engine, source)
    assert (st.etag, st.entries_seen, st.location) == ('"v2"', 2, "https://feeds.test/moved.xml")
    assert st.consecutive_failures == 0 and st.next_attempt_at is None and st.last_success_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize("kind", ["http", "file", "folder"])
def test_entries_not_recorded_are_fetched_again(tmp_path: Path, kind: str) -> None:
    """Real server or real files, real store: no 304 and no 'unchanged' until the batch was recorded."""
    from support_http import Reply, serve_routes
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.parse import parse_fetched

    body = b"""<rss version="2.0"><channel><title>t</title><item><title>News</title><guid>g1</guid></item></channel></rss>"""
    (tmp_path / "feed.xml").write_bytes(body)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.txt").write_text("An article\n\nIts text.", encoding="utf-8")
    eng = connect(f"sqlite:///{tmp_path / 'vigie.db'}")
    with serve_routes({"/feed": Reply(body=body, etag='"e1"')}) as server:
        location = {"http": server.url("/feed"), "file": str(tmp_path / "feed.xml"), "folder": str(tmp_path / "inbox")}[kind]
        src = Source(id=location, kind=SourceKind.FOLDER if kind == "folder" else SourceKind.FEED, location=location)

        def one_poll(now: datetime, *, recorded: bool) -> tuple[str, int]:
            fetched = fetch_sources([src], load_states(eng, [src]), FetchConfig())
            parsed = [parse_fetched(f) for f in fetched]
            if recorded:  # else the run died before its novelty stage
                record(eng, assess(fetched, parsed), now)
            return fetched[0].status, len(parsed[0].entries)

        outcomes = [one_poll(T0, recorded=False), one_poll(T0 + timedelta(hours=1), recorded=True),
                    one_poll(T0 + timedelta(hours=2), recorded=True)]
    assert outcomes == [("ok", 1), ("ok", 1), ("not_modified", 0)]
    if kind == "http":
        assert [s.request_headers.get("if-none-match") for s in server.log] == [None, None, '"e1"']
    eng.dispose()
