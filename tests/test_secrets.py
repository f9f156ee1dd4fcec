"""Secrets stay secret: a feed or target URL is stored, logged, shown and sent only as written or masked.

The fast tests check each piece (the written/expanded round trip, fetch's errors and stored
locations, apprise's log, the log-record mask, ``vigie config``); the slow one runs a whole
cycle over loopback servers and greps every output of it for the secret values.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from support_http import LocalServer, Reply, Request, file_reply, serve_routes
from support_notify import slack_endpoint
from vigie.cli.main import app
from vigie.common.urlsecrets import conceal_secrets, reveal_secrets, url_secrets
from vigie.config import FetchConfig, load_config, mask_userinfo
from vigie.ingest.fetch import fetch_sources
from vigie.ingest.health import FeedState
from vigie.models import Source, SourceKind

TOKEN, PASSWORD, HOOK, SLACK = "feedtokS3CRET1x", "pwS3CRET2x", "hookS3CRET3x", "slackS3CRET4xabcdefghijk"
SECRETS = (TOKEN, PASSWORD, HOOK, SLACK)
ENV = {"FEED_TOKEN": TOKEN, "FEED_PW": PASSWORD, "HOOK_TOKEN": HOOK}
FEED = (Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds" / "bbc_1.xml")
runner = CliRunner()


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


# -- the written form and the expanded one --------------------------------------------------

WRITTEN = "https://alice:${FEED_PW}@feeds.example.org/rss?token=${FEED_TOKEN}"
EXPANDED = f"https://alice:{PASSWORD}@feeds.example.org/rss?token={TOKEN}"


def test_the_secrets_of_a_url_are_found_by_lining_up_its_written_form() -> None:
    assert dict(url_secrets(WRITTEN, EXPANDED)) == {TOKEN: "${FEED_TOKEN}", PASSWORD: "${FEED_PW}"}
    spaced = "tok en/1+"
    assert dict(url_secrets("http://h/x?k=${K}", f"http://h/x?k={spaced}"))["tok%20en%2F1%2B"] == "${K}"
    # A literal password is masked in the written form (the source's id) and still a secret.
    literal = mask_userinfo(f"https://bob:{PASSWORD}@h/rss?token=${{FEED_TOKEN}}")
    assert literal == "https://bob:****@h/rss?token=${FEED_TOKEN}"
    assert dict(url_secrets(literal, f"https://bob:{PASSWORD}@h/rss?token={TOKEN}")) == {TOKEN: "${FEED_TOKEN}",
                                                                                       PASSWORD: "****"}


def test_conceal_and_reveal_are_inverse() -> None:
    moved = EXPANDED.replace("/rss", "/v2/rss")
    hidden = conceal_secrets(f"redirect loop ({EXPANDED} -> {moved})", WRITTEN, EXPANDED)
    assert not leaks(hidden) and hidden.count("${FEED_TOKEN}") == 2
    assert reveal_secrets(conceal_secrets(moved, WRITTEN, EXPANDED), WRITTEN, EXPANDED) == moved
    literal, expanded = "https://bob:****@h/rss?k=${FEED_TOKEN}", f"https://bob:{PASSWORD}@h/rss?k={TOKEN}"
    assert reveal_secrets(conceal_secrets(expanded + "/2", literal, expanded), literal, expanded) == expanded + "/2"


def test_a_password_written_as_a_reference_is_shown_as_written() -> None:
    assert mask_userinfo("https://alice:${FEED_PW}@h/rss") == "https://alice:${FEED_PW}@h/rss"
    assert mask_userinfo("https://alice:x${FEED_PW}@h/rss") == "https://alice:****@h/rss"


# -- fetch ---------------------------------------------------------------------------------

def _guarded_routes() -> dict[str, object]:
    auth = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    feed, moved = file_reply(FEED), file_reply(FEED.with_name("guardian_1.xml"))

    def guarded(req: Request) -> Reply:
        ok = f"token={TOKEN}" in req.path and req.headers.get("authorization") == auth
        return feed if ok else Reply(status=401, body=b"who are you?")

    def token_only(req: Request) -> Reply:
        return moved if f"token={TOKEN}" in req.path else Reply(status=403, body=b"no token")

    return {
        f"/feed.xml?token={TOKEN}": guarded,
        f"/moved?token={TOKEN}": Reply(status=301, headers={"Location": f"/feed2.xml?token={TOKEN}"}),
        f"/feed2.xml?token={TOKEN}": token_only,
        f"/hop?token={TOKEN}": Reply(status=302, headers={"Location": f"/down?token={TOKEN}"}),
        f"/down?token={TOKEN}": Reply(status=500, body=b"boom"),
    }


def _source(server: LocalServer, path: str) -> Source:
    host = server.base_url.removeprefix("http://")
    written = f"http://alice:${{FEED_PW}}@{host}{path}?token=${{FEED_TOKEN}}"
    expanded = f"http://alice:{PASSWORD}@{host}{path}?token={TOKEN}"
    return Source(id=written, kind=SourceKind.FEED, location=expanded)


def test_fetch_names_a_feed_and_its_redirects_only_as_written(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_routes(_guarded_routes()) as server:  # type: ignore[arg-type]
        moved, down = _source(server, "/moved"), _source(server, "/hop")
        got_moved, got_down = fetch_sources([moved, down], {}, FetchConfig())
        assert got_moved.status == "ok", got_moved.error
        assert got_moved.new_location == moved.id.replace("/moved", "/feed2.xml")
        (doc,) = got_moved.documents
        assert doc.location == got_moved.new_location
        assert "alice" not in doc.headers["content-location"]  # relative links resolve without credentials
        assert got_down.status == "error" and "/down?token=${FEED_TOKEN}" in (got_down.error or "")
        # vigie's own records; the HTTP library's are quieted and masked in a run (see logmask below).
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vigie"))
        assert "HTTP 500" in logged
        shown = [f.error or "" for f in (got_moved, got_down)] + [got_moved.new_location or "", str(doc.location),
                                                                  str(doc.headers)]
        for text in shown + [logged]:
            assert not leaks(text), text

        # The stored location is in its written form; the request goes out in full.
        server.reset_log()
        state = FeedState(source_id=moved.id, location=got_moved.new_location, etag=got_moved.etag)
        (again,) = fetch_sources([moved], {moved.id: state}, FetchConfig())
        assert again.status == "not_modified", again.error
        assert [s.path for s in server.log] == [f"/feed2.xml?token={TOKEN}"]


def test_a_location_an_older_version_stored_in_full_is_stored_again_as_written() -> None:
    with serve_routes(_guarded_routes()) as server:  # type: ignore[arg-type]
        src = _source(server, "/feed.xml")
        (got,) = fetch_sources([src], {src.id: FeedState(source_id=src.id, location=src.location)}, FetchConfig())
    assert got.status == "ok", got.error
    assert got.new_location == src.id


# -- apprise's own log ---------------------------------------------------------------------

class _Keep(logging.Handler):
    """A handler on the root logger, like Prefect's console handler (level 0)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


@contextmanager
def _root_handler() -> Iterator[_Keep]:
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        yield keep
    finally:
        root.removeHandler(keep)


@contextmanager
def _webhook() -> Iterator[tuple[int, list[bytes]]]:
    bodies: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield int(httpd.server_address[1]), bodies
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("verbose", [False, True])
def test_apprise_debug_lines_stay_in_the_capture(verbose: bool) -> None:
    from vigie.delivery.apprise_log import captured
    from vigie.runtime.logmask import quiet_apprise

    url = f"json://127.0.0.1:9/hook/{HOOK}"
    apprise_log = logging.getLogger("apprise")
    quiet_apprise(verbose)
    try:
        with _root_handler() as root, captured(logging.DEBUG, url) as cap:
            apprise_log.debug("JSON POST URL: http://127.0.0.1:9/hook/%s", HOOK)
            apprise_log.warning("Failed to send JSON notification to http://127.0.0.1:9/hook/%s", HOOK)
        assert HOOK in cap.getvalue()  # the reason is built from it, and redacted there
        assert not leaks("\n".join(root.lines)), root.lines
        assert any("Failed to send JSON notification" in line for line in root.lines)
        assert any("JSON POST URL" in line for line in root.lines) is verbose
    finally:
        quiet_apprise(False)


def test_a_real_delivery_logs_no_target_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The json:// plugin logs its URL (with the token) and the payload at DEBUG: none of it may surface."""
    from support_store import T0, article, config
    from vigie.delivery.record import record as record_batch
    from vigie.delivery.send import deliver_pending
    from vigie.models import Match, RulePolicy
    from vigie.runtime.logmask import quiet_apprise
    from vigie.store.db import connect

    quiet_apprise(False)
    with _webhook() as (port, bodies):
        cfg = config(tmp_path, [("hook", f"json://127.0.0.1:{port}/hook/{HOOK}", ())])
        engine = connect(f"sqlite:///{tmp_path / 'v.db'}")
        art = article("guid:1", "Kim Jong Un visits a factory", "Kim Jong Un visited a factory on Monday.")
        record_batch(engine, [art], [Match("watch", art.id, 1.0, ())], {"watch": RulePolicy("watch")}, cfg, T0)
        with _root_handler() as root:
            assert deliver_pending(engine, cfg, T0).sent_count == 1
        engine.dispose()
    assert bodies and not leaks("\n".join(root.lines)), root.lines


# -- the log-record mask -------------------------------------------------------------------

def _secret_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_host: str = "feeds.example.org",
                   hook_port: int = 9) -> Path:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text(
        "data_dir: state\n"
        "rules: [rules]\n"
        "health:\n  failure_threshold: 1\n  notify: [ops]\n"
        "sources:\n"
        f"  - url: http://alice:${{FEED_PW}}@{feed_host}/feed.xml?token=${{FEED_TOKEN}}\n"
        f"  - url: http://{feed_host}/moved?token=${{FEED_TOKEN}}\n"
        f"  - url: http://{feed_host}/hop?token=${{FEED_TOKEN}}\n"
        "targets:\n"
        f"  - name: hook\n    url: json://127.0.0.1:{hook_port}/hook/${{HOOK_TOKEN}}\n    tags: [ops]\n"
        f"  - name: slack\n    url: slack://T000VIGIE/B000VIGIE/{SLACK}\n    tags: [ops]\n"
        "  - name: console\n    url: vigie://\n",
        encoding="utf-8",
    )
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "any.yaml").write_text("version: 1\nrules:\n  - id: any\n    query: the\n    alert: each\n",
                                                 encoding="utf-8")
    return cfg


def test_every_log_record_is_masked_once_the_configuration_is_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigie.runtime.logmask import protect

    protect(load_config(_secret_config(tmp_path, monkeypatch)))
    assert logging.getLogger("apprise").getEffectiveLevel() == logging.WARNING
    with _root_handler() as root:
        log = logging.getLogger("vigie.test")
        log.warning("GET http://alice:%s@feeds.example.org/x?token=%s", PASSWORD, TOKEN)
        log.warning("posting to %s", f"https://hooks.slack.com/services/T000VIGIE/B000VIGIE/{SLACK} and /hook/{HOOK}")
        logging.getLogger("prefect.task_runs").error("failed: %r", {"url": f"?token={TOKEN}"})
    assert "?token=${FEED_TOKEN}" in root.lines[0] and ":${FEED_PW}@" in root.lines[0]
    assert "/hook/${HOOK_TOKEN}" in root.lines[1]
    assert not leaks("\n".join(root.lines)), root.lines


def test_a_traceback_in_a_log_record_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigie.runtime.logmask import protect

    protect(load_config(_secret_config(tmp_path, monkeypatch)))
    seen: list[str] = []

    class Format(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(logging.Formatter().format(record))

    handler = Format()
    log = logging.getLogger("vigie.test.tb")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"boom at ?token={TOKEN}")
        except RuntimeError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    assert "boom at ?token=${FEED_TOKEN}" in seen[0] and not leaks(seen[0])


# -- vigie config --------------------------------------------------------------------------

def test_vigie_config_prints_feed_urls_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _secret_config(tmp_path, monkeypatch)
    text = cfg.read_text(encoding="utf-8").replace(
        "sources:\n", f"sources:\n  - url: https://bob:{PASSWORD}@h.example.org/rss?k=${{FEED_TOKEN}}\n")
    cfg.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["config", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "http://alice:${FEED_PW}@feeds.example.org/feed.xml?token=${FEED_TOKEN}" in result.output
    assert "https://bob:****@h.example.org/rss?k=${FEED_TOKEN}" in result.output
    assert "/hook/${HOOK_TOKEN}" in result.output
    assert not leaks(result.output), result.output


# -- a whole cycle, every output grepped ---------------------------------------------------

def _store_dump(store_url: str) -> str:
    from vigie.store.db import connect

    engine = connect(store_url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        dump = "\n".join(f"{name}: {[tuple(row) for row in conn.execute(select(table))]}"
                         for name, table in meta.tables.items())
    engine.dispose()
    return dump


def _prefect_records() -> str:
    """What Prefect's API holds: artifacts, logs shipped to it, flow and task runs (parameters, states)."""
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # sends what is queued and waits
    with get_client(sync_client=True) as client:
        parts = [repr(client.read_artifacts()), repr(client.read_logs()), repr(client.read_flow_runs()),
                 repr(client.read_task_runs())]
    return "\n".join(parts)


def _prefect_logging_on_process_stderr() -> None:
    from prefect.logging.configuration import setup_logging

    with contextlib.redirect_stderr(sys.__stderr__):
        setup_logging(incremental=False)


@pytest.mark.slow
def test_a_whole_cycle_leaks_no_secret(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
                                       request: pytest.FixtureRequest) -> None:
    """Feeds behind ?token= and user:password@, one moved by a redirect carrying the token, one failing
    after a redirect (a "feed down" alert to every ops target); a json:// target with a token in its
    path and a Slack target, at local servers. Run with apprise at DEBUG (``-v``), and grep it all."""
    from flows.monitor import monitor
    from vigie.runtime.summarize import print_summary

    # Prefect (re)configures its console handler on this test's captured stderr: give it back
    # the process's own afterwards, or the tests after this one log to a closed file.
    request.addfinalizer(_prefect_logging_on_process_stderr)
    monkeypatch.setenv("VIGIE_VERBOSE", "1")  # the most apprise ever logs: masked, not silenced
    caplog.set_level(logging.DEBUG)  # every logger's every record, to stderr and to Prefect's API
    with serve_routes(_guarded_routes()) as http, _webhook() as (port, bodies), slack_endpoint() as slack:  # type: ignore[arg-type]
        path = _secret_config(tmp_path, monkeypatch, http.base_url.removeprefix("http://"), port)
        first = monitor(config_path=str(path))
        http.reset_log()
        second = monitor(config_path=str(path))
        # The moved feed is read at its stored (written) location, in full on the wire.
        assert f"/feed2.xml?token={TOKEN}" in [s.path for s in http.log]
        assert f"/moved?token={TOKEN}" not in [s.path for s in http.log]
        slack_texts = json.dumps(slack.payloads)
    cfg = load_config(path)
    assert [s.status for s in first.sources] == ["ok", "ok", "error"], first.sources
    assert first.alerts_recorded > 1 and first.deliveries_failed == 0
    down = [a for a in first.alerts if a.rule_id.startswith("feed") or "down" in a.title.lower()]
    assert down, [a.title for a in first.alerts]
    sent = b"\n".join(bodies).decode("utf-8")
    assert "/hop?token=${FEED_TOKEN}" in sent and "/hop?token=${FEED_TOKEN}" in slack_texts  # told as written

    print_summary(second, cfg)
    outputs = {"stdout and stderr": "\n".join(capfd.readouterr()), "logs": caplog.text,
               "run summary (artifact)": first.to_markdown() + second.to_markdown(),
               "store": _store_dump(cfg.store_url), "alerts.jsonl": cfg.alerts_file.read_text(encoding="utf-8"),
               "webhook": sent, "slack": slack_texts, "prefect": _prefect_records()}
    # apprise and urllib3 (the feeds' client) did speak, at DEBUG, so the grep below has something to find. (Seen in
    # the records: whether Prefect's console handler writes to this test's stderr depends on the tests before.)
    assert any(r.name.startswith("apprise") and r.levelno == logging.DEBUG for r in caplog.records)
    assert any(r.name.startswith("urllib3") and '"GET /feed' in r.getMessage() for r in caplog.records)
    commands = [["config"], ["alerts", "list", "--json"]] + [["alerts", "show", "--json", str(a.alert_id)] for a in first.alerts]
    for args in commands:
        result = runner.invoke(app, [*args, "--config", str(path)])
        assert result.exit_code == 0, result.output
        outputs["vigie " + " ".join(args)] = result.output
    assert "feed2.xml?token=${FEED_TOKEN}" in outputs["store"]  # the stored location, as written
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert not found, found
