"""fetch_sources against a real HTTP server on loopback: validators, errors, caps, timeouts."""

from __future__ import annotations

import asyncio
import base64
import gzip
import socket
import threading
import time
from pathlib import Path

import pytest

from support_http import Reply, Request, serve_directory, serve_routes
from vigie.config import FetchConfig
from vigie.ingest.fetch import fetch_sources
from vigie.ingest.http import parse_retry_after
from vigie.ingest.local import local_path
from vigie.ingest.health import FeedState
from vigie.models import Fetched, Source, SourceKind

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>http://example.com/1</link><guid>http://example.com/1</guid></item>
</channel></rss>"""
FAST = FetchConfig(connect_timeout=1.0, timeout=2.0, max_bytes=100_000, max_connections=10, max_per_host=4)


def feed(url: str) -> Source:
    return Source(id=url, kind=SourceKind.FEED, location=url)


def one(source: Source, state: FeedState | None = None, settings: FetchConfig = FAST) -> Fetched:
    return fetch_sources([source], {source.id: state} if state else {}, settings)[0]


def state_after(f: Fetched) -> FeedState:
    return FeedState(source_id=f.source.id, etag=f.etag, last_modified=f.last_modified,
                     location=f.new_location)


def test_second_poll_of_unchanged_feeds_transfers_no_body(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}.xml").write_bytes(FEED.replace(b"One", f"One {i}".encode()))
    with serve_directory(tmp_path) as server:
        sources = [feed(server.url(f"/f{i}.xml")) for i in range(5)]
        first = fetch_sources(sources, {}, FAST)
        assert [f.status for f in first] == ["ok"] * 5
        assert all(f.etag and f.last_modified for f in first)
        assert first[2].documents[0].body == (tmp_path / "f2.xml").read_bytes()
        server.reset_log()
        second = fetch_sources(sources, {f.source.id: state_after(f) for f in first}, FAST)
        assert [f.status for f in second] == ["not_modified"] * 5
        assert [s.status for s in server.log] == [304] * 5
        assert server.body_bytes == 0
        assert all("if-none-match" in s.request_headers for s in server.log)
        # The validators survive a 304, for the poll after that.
        assert [f.etag for f in second] == [f.etag for f in first]


def test_if_modified_since_alone_gives_304(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(FEED)
    with serve_directory(tmp_path) as server:
        src = feed(server.url("/a.xml"))
        first = one(src)
        second = one(src, FeedState(source_id=src.id, last_modified=first.last_modified))
        assert second.status == "not_modified"
        assert server.log[-1].request_headers["if-modified-since"] == first.last_modified


@pytest.mark.parametrize(
    ("reply", "status", "words", "retry_after"),
    [
        (Reply(status=404, body=b"no"), 404, "HTTP 404", None),
        (Reply(status=410, body=b"gone"), 410, "gone", None),
        (Reply(status=500, body=b"oops"), 500, "HTTP 500", None),
        (Reply(status=429, headers={"Retry-After": "120"}), 429, "retry after 120", 120.0),
        (Reply(status=503, headers={"Retry-After": "7"}), 503, "HTTP 503", 7.0),
    ],
)
def test_http_errors_are_values_naming_the_feed(reply: Reply, status: int, words: str, retry_after: float | None) -> None:
    with serve_routes({"/feed": reply}) as server:
        src = feed(server.url("/feed"))
        prior = FeedState(source_id=src.id, etag='"abc"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
        f = one(src, prior)
    assert f.status == "error" and f.http_status == status
    assert src.location in (f.error or "") and words in (f.error or "")
    assert f.retry_after == retry_after
    # A failed poll keeps what we knew: the next one still sends the validators.
    assert (f.etag, f.last_modified) == (prior.etag, prior.last_modified)


def test_retry_after_as_http_date() -> None:
    from datetime import datetime, timezone

    now = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Mon, 01 Jan 2024 12:05:00 GMT", now) == 300.0
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("soon") is None


def test_redirect_loop_is_named() -> None:
    routes = {"/a": Reply(status=302, headers={"Location": "/b"}), "/b": Reply(status=301, headers={"Location": "/a"})}
    with serve_routes(routes) as server:
        f = one(feed(server.url("/a")))
    assert f.status == "error" and "redirect loop" in (f.error or "")


def test_permanent_redirect_moves_the_feed_temporary_does_not() -> None:
    routes = {
        "/old": Reply(status=301, headers={"Location": "/mid"}),
        "/mid": Reply(status=308, headers={"Location": "/new"}),
        "/temp": Reply(status=302, headers={"Location": "/new"}),
        "/new": Reply(body=FEED, etag='"n1"'),
    }
    with serve_routes(routes) as server:
        moved = one(feed(server.url("/old")))
        temp = one(feed(server.url("/temp")))
        assert moved.status == "ok" and moved.new_location == server.url("/new")
        assert moved.documents[0].location == server.url("/new")
        assert temp.status == "ok" and temp.new_location is None
        # The stored location is used on the next poll: no more hop through /old.
        server.reset_log()
        again = one(feed(server.url("/old")), state_after(moved))
        assert again.status == "not_modified"
        assert [s.path for s in server.log] == ["/new"]


def test_body_over_the_cap_is_refused_even_gzipped() -> None:
    big = b"<rss>" + b"x" * 200_000 + b"</rss>"
    bomb = Reply(body=b"<rss>" + b"\0" * 5_000_000 + b"</rss>", gzip=True)
    with serve_routes({"/big": Reply(body=big), "/bomb": bomb}) as server:
        results = fetch_sources([feed(server.url("/big")), feed(server.url("/bomb"))], {}, FAST)
        bomb_wire = server.hits("/bomb")
    assert [r.status for r in results] == ["error", "error"]
    assert all("cap" in (r.error or "") for r in results)
    assert len(bomb_wire) == 1 and bomb_wire[0].body_bytes < 100_000  # what was on the wire was small: the cap is on the decoded bytes


def test_gzip_is_negotiated_and_decoded() -> None:
    body = FEED * 20
    with serve_routes({"/z": Reply(body=body, gzip=True)}) as server:
        f = one(feed(server.url("/z")))
        wire = server.hits("/z")[0]
    assert f.status == "ok" and f.documents[0].body == body
    assert "gzip" in wire.request_headers["accept-encoding"] and "br" in wire.request_headers["accept-encoding"]
    assert wire.body_bytes == len(gzip.compress(body)) < len(body)
    assert "content-encoding" not in f.documents[0].headers  # the document's bytes are already decoded


def test_brotli_is_negotiated_and_decoded() -> None:
    import brotli

    body = FEED * 20
    with serve_routes({"/br": Reply(body=body, brotli=True)}) as server:
        f = one(feed(server.url("/br")))
        wire = server.hits("/br")[0]
    assert f.status == "ok" and f.documents[0].body == body
    assert wire.body_bytes == len(brotli.compress(body)) < len(body)


def test_a_server_that_never_answers_costs_one_timeout_and_stops_nobody() -> None:
    settings = FAST.model_copy(update={"timeout": 0.5})
    with serve_routes({"/hang": Reply(hang=True), "/ok": Reply(body=FEED)}) as server:
        started = time.perf_counter()
        results = fetch_sources([feed(server.url("/hang")), feed(server.url("/ok"))], {}, settings)
        took = time.perf_counter() - started
    assert [r.status for r in results] == ["error", "ok"]
    assert "timeout" in (results[0].error or "")
    assert 0.4 < took < 2.0
    assert results[0].elapsed >= 0.45


def test_connection_refused_is_an_error_value() -> None:
    with serve_routes({}) as server:
        dead = server.base_url
    f = one(feed(dead + "/feed.xml"))
    assert f.status == "error" and dead in (f.error or "")


def test_user_agent_and_per_host_concurrency_bound() -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(req: Request) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Reply(body=FEED)

    settings = FAST.model_copy(update={"max_per_host": 2, "user_agent": "vigie-test/1"})
    with serve_routes({}, fallback=slow) as server:
        results = fetch_sources([feed(server.url(f"/f{i}")) for i in range(8)], {}, settings)
        agents = {s.request_headers.get("user-agent") for s in server.log}
    assert [r.status for r in results] == ["ok"] * 8
    assert state["max"] == 2
    assert agents == {"vigie-test/1"}


def test_local_files_file_urls_and_folders(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Title A\n\nBody A.", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# Title B\nBody B.", encoding="utf-8")
    (folder / "c.html").write_text("<title>C</title><p>Body C</p>", encoding="utf-8")
    (folder / "ignored.json").write_text("{}", encoding="utf-8")
    (folder / ".hidden.txt").write_text("x", encoding="utf-8")
    sources = [feed(str(path)), feed(path.as_uri()), Source(id="arts", kind=SourceKind.FOLDER, location=str(folder)),
               feed(str(tmp_path / "missing.xml"))]
    results = fetch_sources(sources, {}, FAST)
    assert [r.status for r in results] == ["ok", "ok", "ok", "error"]
    assert results[0].documents[0].body == FEED == results[1].documents[0].body
    assert sorted(Path(d.location).name for d in results[2].documents) == ["a.txt", "b.md", "c.html"]
    assert "missing.xml" in (results[3].error or "")
    # Unchanged files and folders are "not modified" on the next poll; a changed one is read again.
    states = {r.source.id: state_after(r) for r in results[:3]}
    again = fetch_sources(sources[:3], states, FAST)
    assert [r.status for r in again] == ["not_modified"] * 3
    (folder / "a.txt").write_text("Title A\n\nBody A, edited.", encoding="utf-8")
    assert fetch_sources(sources[2:3], states, FAST)[0].status == "ok"


def test_file_url_path() -> None:
    assert local_path("file:///tmp/a%20b.xml") == Path("/tmp/a b.xml")


def test_fetch_sources_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(FEED)

    async def inside() -> list[Fetched]:
        return fetch_sources([feed(str(tmp_path / "a.xml"))], {}, FAST)

    assert asyncio.run(inside())[0].status == "ok"


@pytest.mark.skipif(not (CORPUS / "feeds").is_dir(), reason="the shared corpus (../shared/corpus) is not beside the repository")
def test_corpus_feed_over_http_keeps_its_bytes() -> None:
    with serve_directory(CORPUS / "feeds", gzip=True) as server:
        f = one(feed(server.url("/golem_1.xml")), settings=FAST.model_copy(update={"max_bytes": 10_000_000}))
    assert f.status == "ok" and f.documents[0].body == (CORPUS / "feeds" / "golem_1.xml").read_bytes()


def test_the_deadline_starts_when_the_host_lets_the_request_go() -> None:
    # Six slow feeds of one host, one at a time: the queue is longer than the timeout,
    # each request is not. Waiting one's turn is politeness, not a timeout.
    settings = FAST.model_copy(update={"max_per_host": 1, "timeout": 0.6})
    with serve_routes({}, fallback=lambda req: Reply(body=FEED, delay=0.15)) as server:
        results = fetch_sources([feed(server.url(f"/f{i}")) for i in range(6)], {}, settings)
    assert [r.status for r in results] == ["ok"] * 6, [r.error for r in results]


def test_an_error_names_the_source_by_its_id_not_its_secret_location() -> None:
    with serve_routes({"/rss": Reply(status=404)}) as server:
        secret = server.url("/rss") + "?key=k3y-s3cret"
        src = Source(id=server.url("/rss") + "?key=${FEED_KEY}", kind=SourceKind.FEED, location=secret)
        (got,) = fetch_sources([src], {}, FetchConfig())
    assert got.status == "error" and got.error and "404" in got.error
    assert "k3y-s3cret" not in got.error and "${FEED_KEY}" in got.error


def test_user_info_in_the_url_is_sent_as_basic_auth() -> None:
    auth = "Basic " + base64.b64encode(b"alice:p@ss w0rd").decode()
    with serve_routes({}, fallback=lambda req: Reply(body=FEED) if req.headers.get("authorization") == auth
                      else Reply(status=401)) as server:
        url = server.url("/feed.xml").replace("://", "://alice:p%40ss%20w0rd@")
        assert one(feed(url)).status == "ok"
        assert one(feed(server.url("/feed.xml"))).status == "error"  # no user-info, no credentials


def test_a_server_that_trickles_is_cut_off_at_the_total_deadline() -> None:
    # Each byte comes well within the read timeout; the whole body never comes within the deadline
    # (and what is left of it is not read out after the deadline either).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 60000\r\n\r\n")
            while not stop.wait(0.01):
                try:
                    conn.sendall(b"x")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    settings = FAST.model_copy(update={"timeout": 0.6})
    started = time.perf_counter()
    try:
        f = one(feed(f"http://127.0.0.1:{listener.getsockname()[1]}/slow.xml"), settings=settings)
    finally:
        stop.set()
        listener.close()
    assert f.status == "error" and "total timeout" in (f.error or ""), f.error
    assert time.perf_counter() - started < 1.5


def test_tls_certificates_are_verified(tmp_path: Path) -> None:
    # A server whose certificate nobody signed: the feed is an error naming it, never read unverified.
    import datetime as dt
    import ipaddress
    import ssl
    from http.server import BaseHTTPRequestHandler, HTTPServer

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd = HTTPServer(("127.0.0.1", 0), Feed)
    httpd.socket = server_side.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"https://127.0.0.1:{httpd.server_address[1]}/feed.xml"
        f = one(feed(url))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert f.status == "error" and url in (f.error or "") and "CERTIFICATE_VERIFY_FAILED" in (f.error or ""), f.error
