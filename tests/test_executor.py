"""``executor:`` of vigie.yaml, and parse + normalize in worker processes giving what one process gives.

The feeds are real: every feed of the shared corpus and of ``demo/``, the demo's folder of article
files, read by the real fetch stage, with broken ones among them (bytes that are no feed, a missing
file). The processes are real worker processes (``spawn``); a worker that dies is really killed, by
the fault points of ``vigie.common.faults``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from vigie.common.executor import LOCAL, ExecutorConfig
from vigie.common.faults import FAULT_ENV
from vigie.config import FetchConfig, load_config
from vigie.errors import ConfigError, ExecutorUnavailable
from vigie.ingest.fetch import fetch_sources
from vigie.models import Fetched, Parsed, Source, SourceKind
from vigie.runtime import cycle, processes

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is not beside the repository")
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
TWO = ExecutorConfig(kind="processes", workers=2)
DASK_TWO = ExecutorConfig(kind="dask", workers=2)  # a LocalCluster of 2 worker processes


# --- the setting --------------------------------------------------------------------------------

def config_with(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "vigie.yaml"
    path.write_text(f"data_dir: data\nsources: []\n\nexecutor: {value}\n", encoding="utf-8")
    return path


def test_the_default_is_in_process(tmp_path: Path) -> None:
    path = tmp_path / "vigie.yaml"
    path.write_text("sources: []\n", encoding="utf-8")
    assert load_config(path).executor == LOCAL and LOCAL.kind == "local" and LOCAL.describe() == "local"


@pytest.mark.parametrize(("value", "kind", "workers"), [
    ("local", "local", None), ("processes", "processes", None), ("{processes: 3}", "processes", 3),
    ("\n  processes: 1", "processes", 1), ("dask", "dask", None), ("{dask: 2}", "dask", 2),
])
def test_the_forms_it_takes(tmp_path: Path, value: str, kind: str, workers: int | None) -> None:
    executor = load_config(config_with(tmp_path, value)).executor
    assert (executor.kind, executor.workers, executor.address) == (kind, workers, None)
    assert executor.worker_count() >= 1
    if workers:
        assert executor.worker_count() == workers


@pytest.mark.parametrize(("value", "address", "shown"), [
    ("dask://scheduler.example:8786", "tcp://scheduler.example:8786", "dask (tcp://scheduler.example:8786)"),
    ("dask://10.0.0.7", "tcp://10.0.0.7:8786", "dask (tcp://10.0.0.7:8786)"),  # Dask's default port
    ("tls://scheduler.example:8786", "tls://scheduler.example:8786", "dask (tls://scheduler.example:8786)"),
    ("'dask://[::1]:9000'", "tcp://[::1]:9000", "dask (tcp://[::1]:9000)"),
])
def test_a_scheduler_address(tmp_path: Path, value: str, address: str, shown: str) -> None:
    executor = load_config(config_with(tmp_path, value)).executor
    assert (executor.kind, executor.address, executor.workers, executor.describe()) == ("dask", address, None, shown)


@pytest.mark.parametrize(("value", "says"), [
    ("dask://", "dask://: not a Dask scheduler's address; write 'dask://host:8786'"),
    ("dask://host:port", "dask://host:port: not a Dask scheduler's address"),
    ("dask://host:70000", "dask://host:70000: not a Dask scheduler's address"),
    ("dask://host:8786/x", "dask://host:8786/x: not a Dask scheduler's address"),
    ("dasks", "unknown executor 'dasks' (did you mean 'dask'?)"),
    ("{dask: 0}", "dask: 0 is not a number of Dask workers"),
    ("proceses", "unknown executor 'proceses' (did you mean 'processes'?)"),
    ("threads", "unknown executor 'threads'"),
    ("ftp://host/x", "ftp://host/x: unknown executor address (a Dask scheduler is 'dask://host:8786')"),
    ("{processes: 0}", "processes: 0 is not a number of worker processes"),
    ("{processes: 1000}", "processes: 1000 is not a number of worker processes"),
    ("{processes: true}", "processes: true is not a number of worker processes"),
    ("{processes: two}", "processes: 'two' is not a number of worker processes"),
    ("{threads: 2}", "expected 'local', 'processes', 'processes: N'"),
    ("[processes]", "expected 'local', 'processes', 'processes: N'"),
    ("{dask: 2, processes: 2}", "'dask', 'dask: N' or a Dask scheduler's address 'dask://host:8786'"),
    ("", "no value"),
])
def test_a_wrong_value_is_one_error_at_its_line(tmp_path: Path, value: str, says: str) -> None:
    path = config_with(tmp_path, value)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:4: executor: "), text
    assert says in text, text


# --- the same results ---------------------------------------------------------------------------

@pytest.fixture
def fresh_pools() -> Iterator[None]:
    """Worker processes started by this test alone (they read the environment when they start)."""
    processes.shutdown()
    yield
    processes.shutdown()


def corpus_sources(tmp_path: Path) -> list[Source]:
    """Every corpus and demo feed, the demo's article folder, and two broken sources among them."""
    not_a_feed = tmp_path / "not-a-feed.xml"
    not_a_feed.write_bytes(b"<html><body><p>This page moved.</p></body></html>\n")
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(bytes(range(256)) * 40)
    paths = sorted((CORPUS / "feeds").glob("*.xml")) + sorted((REPO / "demo" / "feeds").glob("*.xml"))
    sources = [Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in paths]
    broken = [Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in (not_a_feed, garbage, tmp_path / "gone.xml")]
    # The broken ones sit among the good ones, not at an end: the order around them must hold.
    sources[5:5] = broken[:1]
    sources[20:20] = broken[1:]
    inbox = REPO / "demo" / "inbox"
    sources.insert(12, Source(id=str(inbox), kind=SourceKind.FOLDER, location=str(inbox), name="inbox"))
    return sources


def fetched_of(tmp_path: Path) -> list[Fetched]:
    fetched = fetch_sources(corpus_sources(tmp_path), {}, FetchConfig())
    assert sum(f.status == "ok" for f in fetched) > 40 and any(f.status == "error" for f in fetched)
    return fetched


@needs_corpus
def test_worker_processes_give_the_same_articles_in_the_same_order(tmp_path: Path, fresh_pools: None) -> None:
    fetched = fetched_of(tmp_path)
    parsed_here = cycle.parse_all(fetched)
    articles_here = cycle.normalize_all(parsed_here, NOW)

    processes.start(TWO)
    parsed_there = cycle.parse_all(fetched, TWO)
    articles_there = cycle.normalize_all(parsed_there, NOW, TWO)

    assert parsed_there == parsed_here  # every field of every entry, warnings and errors included
    assert articles_there == articles_here and len(articles_here) > 1000
    assert [a.id for a in articles_there] == [a.id for a in articles_here]
    assert len({a.language for a in articles_there}) > 5  # the language model ran in the workers
    # The broken feeds are reported as in one process, and only they fail.
    errors = {p.source.id.rsplit("/", 1)[-1]: p.error for p in parsed_there if p.error}
    assert set(errors) == {"not-a-feed.xml", "garbage.xml", "gone.xml"}, errors
    # The pool is kept: a second run uses the same worker processes (their start-up paid once).
    workers = set(processes.pool(2)._processes)
    assert len(workers) == 2
    assert cycle.normalize_all(cycle.parse_all(fetched, TWO), NOW, TWO) == articles_here
    assert set(processes.pool(2)._processes) == workers


@needs_corpus
def test_a_dask_local_cluster_gives_the_same_articles_in_the_same_order(tmp_path: Path, fresh_pools: None,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    from vigie.runtime import dask_cluster

    fetched = fetched_of(tmp_path)
    parsed_here = cycle.parse_all(fetched)
    articles_here = cycle.normalize_all(parsed_here, NOW)

    processes.start(DASK_TWO)  # the LocalCluster starts in the background
    parsed_there = cycle.parse_all(fetched, DASK_TWO)
    articles_there = cycle.normalize_all(parsed_there, NOW, DASK_TWO)

    assert parsed_there == parsed_here
    assert articles_there == articles_here and len(articles_here) > 1000
    assert len({a.language for a in articles_there}) > 5
    # It did run on Dask: two worker processes, neither of them this one, and no fallback.
    client = dask_cluster.client(DASK_TWO)
    workers = client.run(os.getpid)
    assert len(workers) == 2 and os.getpid() not in workers.values()
    assert client.cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert client.cluster.scheduler.http_server.address == "127.0.0.1"  # health and metrics: loopback too
    assert not any("instead" in r.getMessage() for r in caplog.records)
    # The cluster is kept for the next run.
    assert cycle.normalize_all(cycle.parse_all(fetched, DASK_TWO), NOW, DASK_TWO) == articles_here
    assert dask_cluster.client(DASK_TWO) is client and client.run(os.getpid) == workers


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scheduler_that_does_not_answer_is_named_and_the_stage_runs_here(
        fresh_pools: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from vigie.runtime import dask_cluster

    monkeypatch.setattr(dask_cluster, "CONNECT_SECONDS", 2)
    feeds = sorted((REPO / "demo" / "feeds").glob("*.xml"))
    fetched = fetch_sources([Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in feeds], {}, FetchConfig())
    expected = cycle.normalize_all(cycle.parse_all(fetched), NOW)
    nobody = ExecutorConfig.model_validate(f"dask://127.0.0.1:{free_port()}")
    started = time.monotonic()
    assert cycle.normalize_all(cycle.parse_all(fetched, nobody), NOW, nobody) == expected and expected
    assert time.monotonic() - started < 30  # one attempt of 2 s (normalize does not ask again), the stages here
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2, warnings  # parse, then normalize
    assert warnings[0] == warnings[1]  # the same cause, found once
    asked = time.monotonic()
    with pytest.raises(ExecutorUnavailable):  # a scheduler found down is not asked again at once
        dask_cluster.client(nobody)
    assert time.monotonic() - asked < 1
    assert all(f"the Dask scheduler at {nobody.address} does not answer" in w for w in warnings), warnings
    assert all("runs in the run's own process instead" in w for w in warnings)


def test_a_scheduler_without_workers_is_named_and_the_stage_runs_here(
        fresh_pools: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from distributed import LocalCluster

    from vigie.runtime import dask_cluster

    monkeypatch.setattr(dask_cluster, "WORKERS_SECONDS", 1)
    feeds = sorted((REPO / "demo" / "feeds").glob("*.xml"))[:3]
    fetched = fetch_sources([Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in feeds], {}, FetchConfig())
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", dashboard_address=None,
                      scheduler_kwargs={"host": "127.0.0.1"}) as empty:  # a real scheduler, on loopback, no worker
        executor = ExecutorConfig.model_validate(empty.scheduler_address)
        assert cycle.parse_all(fetched, executor) == cycle.parse_all(fetched)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(f"the Dask scheduler at {executor.address} has no worker" in w for w in warnings), warnings


def test_ctrl_c_does_not_kill_the_workers(fresh_pools: None) -> None:
    # At a terminal, Ctrl-C reaches the workers too; `vigie serve` lets the run in flight finish on the first one.
    feeds = sorted((REPO / "demo" / "feeds").glob("*.xml"))
    fetched = fetch_sources([Source(id=str(p), kind=SourceKind.FEED, location=str(p)) for p in feeds], {}, FetchConfig())
    expected = cycle.parse_all(fetched)
    assert cycle.parse_all(fetched, TWO) == expected
    workers = set(processes.pool(2)._processes)
    for pid in workers:
        os.kill(pid, signal.SIGINT)
    time.sleep(1)  # a worker that took the signal would be gone by now
    assert all(p.is_alive() for p in processes.pool(2)._processes.values())
    assert cycle.parse_all(fetched, TWO) == expected
    assert set(processes.pool(2)._processes) == workers


def test_batches_keep_the_order_and_cover_everything() -> None:
    items = list(range(103))
    parts = processes.batches(items, 2)
    assert len(parts) == 8 and [x for part in parts for x in part] == items
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert processes.batches([1, 2], 4) == [[1], [2]] and processes.batches([], 2) == []


@needs_corpus
def test_a_feed_that_kills_its_parsing_worker_is_that_feeds_error_alone(tmp_path: Path, fresh_pools: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = fetched_of(tmp_path)
    killer = fetched[8].source.id
    monkeypatch.setenv(FAULT_ENV, f"parse-worker:{killer}")
    parsed = cycle.parse_all(fetched, TWO)
    monkeypatch.delenv(FAULT_ENV)
    expected = cycle.parse_all(fetched)
    assert_killer_alone_lost(parsed, expected, killer)


def assert_killer_alone_lost(parsed: list[Parsed], expected: list[Parsed], killer: str) -> None:
    """Every feed parsed as in one process, in its order, but ``killer``: its error names the dead worker."""
    assert [p.source for p in parsed] == [e.source for e in expected]
    for got, want in zip(parsed, expected):
        if got.source.id == killer:
            assert got.entries == () and got.error is not None
            assert "the worker process parsing this feed died" in got.error and killer in got.error
        else:
            assert got == want


@needs_corpus
def test_a_feed_that_kills_its_normalizing_worker_loses_its_articles_alone(tmp_path: Path, fresh_pools: None,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    parsed = cycle.parse_all(fetched_of(tmp_path))
    killer = next(p.source.id for p in parsed[3:] if len(p.entries) > 5)
    monkeypatch.setenv(FAULT_ENV, f"normalize-worker:{killer}")
    articles = cycle.normalize_all(parsed, NOW, TWO)
    monkeypatch.delenv(FAULT_ENV)
    expected = [a for a in cycle.normalize_all(parsed, NOW) if a.source_id != killer]
    assert articles == expected
    assert any(killer in r.getMessage() and "died" in r.getMessage() for r in caplog.records)


@needs_corpus
@pytest.mark.slow  # Dask's nanny restarts the killed worker twice: a fresh interpreter each time
def test_a_feed_that_kills_its_dask_worker_is_that_feeds_error_alone(tmp_path: Path, fresh_pools: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import dask
    import distributed  # noqa: F401  (its configuration loaded: dask.config.set below restores it, not drops it)

    from vigie.runtime import dask_cluster

    fetched = fetched_of(tmp_path)
    expected = cycle.parse_all(fetched)
    killer = fetched[8].source.id
    # Dask gives up on a task after its worker died allowed-failures + 1 times (4 by default): once is enough here.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        client = dask_cluster.client(DASK_TWO)  # up first: were it out of reach, this process would parse (and die)
    # The workers running now, and those the nanny starts in their place (from this process's environment).
    monkeypatch.setenv(FAULT_ENV, f"parse-worker:{killer}")
    client.run(exec, f"import os; os.environ[{FAULT_ENV!r}] = {'parse-worker:' + killer!r}")
    parsed = cycle.parse_all(fetched, DASK_TWO)
    assert_killer_alone_lost(parsed, expected, killer)


# --- a whole cycle --------------------------------------------------------------------------------

def cycle_config(tmp_path: Path, executor: str, broken: Path) -> Path:
    feeds = sorted((REPO / "demo" / "feeds").glob("*.xml"))
    lines = [f"  - url: {p}" for p in feeds[:2]] + [f"  - url: {broken}"] + [f"  - url: {p}" for p in feeds[2:]]
    lines += [f"  - folder: {REPO / 'demo' / 'inbox'}\n    language: fr"]
    path = tmp_path / "vigie.yaml"
    path.write_text(f"data_dir: state\nrules: [{REPO / 'rules'}]\nexecutor: {executor}\nsources:\n" + "\n".join(lines)
                    + "\ntargets:\n  - name: console\n    url: vigie://\n", encoding="utf-8")
    return path


def stored(config_path: Path, started: datetime) -> tuple[list[tuple[object, ...]], list[str], list[str | None]]:
    """A real cycle's articles as stored (every column but the fingerprint), alert titles and feed errors."""
    from sqlalchemy import select

    from vigie.store import schema
    from vigie.store.db import connect

    config = load_config(config_path)
    engine = connect(config.store_url)
    try:
        summary = cycle.run_cycle(config, engine, started)
        a = schema.articles
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(select(a.c.id, a.c.source_id, a.c.url, a.c.title, a.c.summary, a.c.body,
                                                          a.c.language, a.c.published, a.c.updated, a.c.duplicate_of)
                                                   .order_by(a.c.id))]
            errors = [r[0] for r in conn.execute(select(schema.feeds.c.last_error).order_by(schema.feeds.c.source_id))]
    finally:
        engine.dispose()
    return rows, [alert.title for alert in summary.alerts], errors


@pytest.mark.slow  # three whole cycles, the rules compiled three times: about 45 s
def test_a_cycle_with_worker_processes_or_dask_stores_and_alerts_what_one_process_does(tmp_path: Path, fresh_pools: None) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<html><body>gone</body></html>")
    started = datetime.now(timezone.utc)
    for name in ("local", "processes", "dask"):
        (tmp_path / name).mkdir()
    here = stored(cycle_config(tmp_path / "local", "local", broken), started)
    there = stored(cycle_config(tmp_path / "processes", "{processes: 2}", broken), started)
    on_dask = stored(cycle_config(tmp_path / "dask", "{dask: 2}", broken), started)
    assert len(here[0]) > 100 and here[1]  # articles stored, alerts raised
    assert there == here
    assert on_dask == here
    assert any(error and "broken.xml" in error for error in there[2])
    assert processes.pool(2)._processes  # the workers did run
    from vigie.runtime import dask_cluster

    assert len(dask_cluster.client(DASK_TWO).run(os.getpid)) == 2  # the cycle's LocalCluster, kept
