"""Crash tests: the real cycle killed at every boundary, then a follow-up run; nothing lost, nothing doubled.

The cycle is ``vigie.runtime.cycle.run_cycle``, the order the Prefect flow runs. It runs in
a child process (forked from the test, so that imports are paid once) over real corpus
feeds served on loopback, a folder of article files, a feed that answers 404 (a "feed down"
alert), into a real SQLite file or a fresh PostgreSQL schema, delivering to a real SMTP
server and a Slack-like webhook. ``VIGIE_FAULT_AT`` makes the child SIGKILL itself at one
point (``vigie.common.faults.POINTS``); then two follow-up cycles run, and the test compares
what the servers received with a run that was never interrupted: the same messages, each
once, and no delivery left unsent. The points run side by side, each on its own store and
with its own mail recipient and Slack channel, so that they are counted apart.

The points lie between stages and inside the novelty transaction, never between a target
accepting a message and its delivery being marked sent: that window is the one documented
at-least-once point (README, "Delivery loses nothing and sends nothing twice"), so every
point here must give exactly once.

A store that refuses connections mid-run: the child is frozen (SIGSTOP) at a boundary, the
TCP proxy in front of PostgreSQL closes every connection and stops listening, the child goes
on, its run fails; the proxy comes back and the next run delivers everything.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from support_http import LocalServer, serve_directory
from support_notify import SlackEndpoint, SmtpServer, slack_endpoint, smtp_server
from support_store import pg_schema_url, skip_without_postgres
from vigie.common.faults import FAULT_ENV, POINTS, SIGNAL_ENV
from vigie.config import load_config
from vigie.runtime.cycle import run_cycle
from vigie.store import connect
from vigie.store.schema import deliveries

FEEDS = ["reuters_1.xml", "huffpostcanada_1.xml"]
RULES = """version: 1
entities:
  common:
    variants: [new, New, says, said]
  said:
    variants: [said, says, Says]
rules:
  - id: everyday
    match: {entity: common}
    fields: [title, summary]
    alert: each
    notify: [chat]
  - id: quoted
    match: {entity: said}
    fields: [title]
    alert: each
    notify: [analysts]
"""
ARTICLES = {"a.txt": "Minister says the bridge will reopen\n\nThe minister said on Monday that works end soon.",
            "b.txt": "Harbour extension approved\n\nThe council said yes to a new quay."}


class Setup:
    """Servers and files shared by every case: feeds, SMTP, webhook, rules, inbox.

    Each case writes its own configuration, whose targets carry the case's name (the mail's
    recipient, the Slack channel), so that cases can run side by side and still be counted apart.
    """

    def __init__(self, tmp: Path, http: LocalServer, smtp: SmtpServer, slack: SlackEndpoint) -> None:
        self.tmp, self.http, self.smtp, self.slack = tmp, http, smtp, slack

    def config_file(self, case: str, store_url: str) -> Path:
        sources = "".join(f"  - url: {self.http.url(name)}\n" for name in FEEDS)
        path = self.tmp / f"{case}.yaml"
        path.write_text(
            f"data_dir: {case}\n"
            f"store: '{store_url}'\n"
            f"rules: [{self.tmp / 'rules'}]\n"
            f"sources:\n{sources}"
            f"  - url: {self.http.url('gone.xml')}\n"
            f"  - folder: {self.tmp / 'inbox'}\n"
            f"health: {{failure_threshold: 1, notify: [ops]}}\n"
            f"targets:\n"
            f"  - name: mail\n    url: '{self.smtp.apprise_url(to=case + '@example.org')}'\n    tags: [analysts, ops]\n"
            f"  - name: slack\n    url: '{self.slack.apprise_url(channel=case)}'\n    tags: [chat]\n",
            encoding="utf-8")
        return path

    def received(self, case: str) -> Counter[str]:
        """What the servers received for ``case``, by channel and title."""
        with self.smtp.lock:
            got = Counter(f"mail: {m['subject']}" for m, (_, rcpt) in zip(self.smtp.messages, self.smtp.envelopes)
                          if rcpt == [f"{case}@example.org"])
        with self.slack.lock:
            got.update(f"slack: {b['text']['text']}" for p in self.slack.payloads if p.get("channel") == f"#{case}"
                       for a in p.get("attachments", []) for b in a.get("blocks", []) if b.get("type") == "header")
        return got


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp("faults")
    (tmp / "feeds").mkdir()
    for name in FEEDS:
        shutil.copy(corpus / "feeds" / name, tmp / "feeds" / name)
    (tmp / "rules").mkdir()
    (tmp / "rules" / "everyday.yaml").write_text(RULES, encoding="utf-8")
    (tmp / "inbox").mkdir()
    for name, text in ARTICLES.items():
        (tmp / "inbox" / name).write_text(text, encoding="utf-8")
    with serve_directory(tmp / "feeds") as http, smtp_server() as smtp, slack_endpoint() as slack:
        yield Setup(tmp, http, smtp, slack)


@pytest.fixture(scope="module")
def expected(setup: Setup) -> Counter[str]:
    """What an uninterrupted run delivers (SQLite), and that a second run adds nothing."""
    config = setup.config_file("baseline", f"sqlite:///{setup.tmp / 'baseline.db'}")
    cycle_in_process(config)
    first = setup.received("baseline")
    cycle_in_process(config)
    assert setup.received("baseline") == first, "an uninterrupted second run sent something again"
    assert 10 <= sum(first.values()) <= 60, first  # enough alerts to lose some, few enough to stay fast
    assert any(k.startswith("mail: [quoted]") for k in first) and any(k.startswith("slack: ") for k in first)
    assert any("gone.xml" in k for k in first), "no feed-down alert in the baseline"
    return first


def cycle_in_process(config_path: Path, cycles: int = 1) -> None:
    config = load_config(config_path)
    for _ in range(cycles):
        engine = connect(config.store_url)
        try:
            run_cycle(config, engine, datetime.now(timezone.utc))
        finally:
            engine.dispose()


def _child(config_path: str, point: str | None, signal_name: str, cycles: int) -> None:
    """A run in the child (killed at ``point`` when set); exit 0 if it got through, 3 if it failed."""
    if point is not None:
        os.environ[FAULT_ENV], os.environ[SIGNAL_ENV] = point, signal_name
    try:
        cycle_in_process(Path(config_path), cycles)
    except BaseException:  # noqa: BLE001 - the parent reads the exit code, the traceback goes to stderr
        traceback.print_exc()
        os._exit(3)
    # No interpreter shutdown: objects forked from the test process (its pools, its
    # threads' state) must not be finalised here.
    os._exit(0)


def start_child(config_path: Path, point: str | None, signal_name: str = "KILL",
                cycles: int = 1) -> multiprocessing.process.BaseProcess:
    """A forked child (imports and spaCy data already loaded) running ``cycles`` monitoring cycles."""
    child = multiprocessing.get_context("fork").Process(target=_child,
                                                        args=(str(config_path), point, signal_name, cycles))
    child.start()
    return child


def exit_codes(jobs: dict[str, tuple[Path, str | None, int]], at_once: int = 6) -> dict[str, int | None]:
    """Run ``{case: (config, kill point or None, cycles)}`` in forked children, a few at a time."""
    codes: dict[str, int | None] = {}
    waiting = list(jobs.items())
    running: list[tuple[str, multiprocessing.process.BaseProcess]] = []
    while waiting or running:
        while waiting and len(running) < at_once:
            case, (config, point, cycles) = waiting.pop(0)
            running.append((case, start_child(config, point, cycles=cycles)))
        case, child = running.pop(0)
        child.join(120)
        codes[case] = child.exitcode
    return codes


def pending(store_url: str) -> int:
    engine = connect(store_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(deliveries)
                                    .where(deliveries.c.status != "sent")).scalar_one())
    finally:
        engine.dispose()


def crash_then_recover(setup: Setup, expected: Counter[str], prefix: str, stores: dict[str, str]) -> None:
    """Kill one run per point (side by side, each on its own store), then two follow-up runs each; compare."""
    configs = {point: setup.config_file(f"{prefix}-{point}", url) for point, url in stores.items()}
    killed = exit_codes({point: (config, point, 1) for point, config in configs.items()})
    assert killed == {point: -signal.SIGKILL for point in configs}, f"runs not killed at their point: {killed}"
    followed = exit_codes({point: (config, None, 2) for point, config in configs.items()})  # 2: nothing left after
    assert followed == {point: 0 for point in configs}, f"follow-up runs failed: {followed}"
    wrong = {}
    for point, config in configs.items():
        got = setup.received(config.stem)
        lost, doubled, left = expected - got, got - expected, pending(stores[point])
        if lost or doubled or left:
            wrong[point] = f"lost {dict(lost)}, doubled {dict(doubled)}, {left} deliveries not sent"
    assert not wrong, wrong


def test_killed_inside_the_novelty_transaction_loses_nothing(setup: Setup, expected: Counter[str]) -> None:
    """The critical point, kept in the fast suite: everything written, nothing committed, then SIGKILL."""
    crash_then_recover(setup, expected, "fast", {"novelty-commit": f"sqlite:///{setup.tmp / 'fast.db'}"})


@pytest.mark.slow
def test_killed_at_every_point_on_sqlite(setup: Setup, expected: Counter[str]) -> None:
    crash_then_recover(setup, expected, "sqlite", {p: f"sqlite:///{setup.tmp / ('sqlite-' + p + '.db')}" for p in POINTS})


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_at_every_point_on_postgres(setup: Setup, expected: Counter[str]) -> None:
    skip_without_postgres()
    with ExitStack() as stack:
        crash_then_recover(setup, expected, "postgres", {p: stack.enter_context(pg_schema_url()) for p in POINTS})


class CuttableProxy:
    """A TCP proxy on loopback in front of PostgreSQL that can refuse connections, then come back on its port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> "CuttableProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Stop listening (new connections are refused) and reset every open one."""
        with self._lock:
            if self._listener is not None:
                # shutdown() first: close() alone does not wake the thread blocked in accept(),
                # and the socket would go on accepting.
                try:
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.mark.postgres
@pytest.mark.slow
def test_store_refusing_connections_mid_run_loses_nothing(setup: Setup, expected: Counter[str]) -> None:
    """PostgreSQL goes away while a run is frozen at a boundary: the run fails, the next one delivers all."""
    skip_without_postgres()
    for point in ("after-fetch", "after-parse", "after-match"):
        with pg_schema_url() as direct:
            url = make_url(direct)
            proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432)).start()
            through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
            case = f"cut-{point}"
            config = setup.config_file(case, through_proxy)
            child = start_child(config, point, "STOP")
            _, status = os.waitpid(child.pid, os.WUNTRACED)  # frozen at the point, not reaped
            assert os.WIFSTOPPED(status), f"the run did not stop at {point}"
            proxy.cut()
            os.kill(child.pid, signal.SIGCONT)
            child.join(60)
            assert child.exitcode == 3, f"{point}: the run went on without its store (exit {child.exitcode})"
            assert setup.received(case) == Counter(), f"{point}: a run that lost its store delivered something"
            proxy.start()  # the store is back, on the same address
            cycle_in_process(config, 2)
            got = setup.received(case)
            assert (expected - got, got - expected) == (Counter(), Counter()), point
            assert pending(through_proxy) == 0
            proxy.cut()
