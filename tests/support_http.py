"""A real HTTP server on 127.0.0.1 for tests and benchmarks (no mocks).

Two ways to start one, both context managers that yield a :class:`LocalServer`
(``server.base_url``, ``server.url("/path")``, ``server.log`` of what was served):

``serve_directory(root, gzip=False)``
    serves the files under ``root`` with an ETag and a Last-Modified, answers
    ``If-None-Match`` / ``If-Modified-Since`` with 304 and no body, and gzips bodies
    for clients that accept it when ``gzip=True``.

``serve_routes({"/path": script, ...}, fallback=None)``
    scripted answers. A script is a :class:`Reply` (always the same answer), a list of
    replies (one per request, the last one repeated), or a function ``Request -> Reply``.
    A reply can be delayed (``delay``), never answered (``hang=True``), gzipped, carry
    validators (honoured with 304 like files), or any status and headers (a 429 with
    Retry-After, a redirect loop, a 410, a body over a cap...).

The server speaks HTTP/1.1 with keep-alive and serves each connection on its own thread,
so it stands a concurrent poll of a thousand feeds.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Union
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    headers: Mapping[str, str]  # lower-case names


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/xml"
    etag: str | None = None
    last_modified: str | None = None  # an HTTP date
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # accept the request and never answer
    gzip: bool = False  # gzip the body when the client accepts it
    brotli: bool = False  # brotli-compress the body when the client accepts it (wins over gzip)


Script = Union[Reply, Sequence[Reply], Callable[[Request], Reply]]


@dataclass(frozen=True)
class Served:
    method: str
    path: str
    status: int
    body_bytes: int  # bytes of body put on the wire (after gzip)
    request_headers: Mapping[str, str]


class LocalServer:
    """A running server: where it listens and what it has served."""

    def __init__(self, httpd: ThreadingHTTPServer) -> None:
        self.httpd = httpd
        host, port = httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.log: list[Served] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def record(self, served: Served) -> None:
        with self._lock:
            self.log.append(served)

    def hits(self, path: str) -> list[Served]:
        return [s for s in self.log if s.path == path]

    @property
    def body_bytes(self) -> int:
        return sum(s.body_bytes for s in self.log)

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()


def file_reply(path: Path, *, gzip: bool = False, content_type: str | None = None) -> Reply:
    """A 200 with the file's bytes and validators derived from its content and mtime."""
    body = path.read_bytes()
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    ctype = content_type or ("application/feed+json" if path.suffix == ".json" else "application/xml")
    return Reply(body=body, etag=etag, last_modified=formatdate(path.stat().st_mtime, usegmt=True),
                 gzip=gzip, content_type=ctype)


def _not_modified(req: Request, reply: Reply) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None and reply.etag is not None:
        return reply.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = req.headers.get("if-modified-since")
    if ims and reply.last_modified:
        try:
            return parsedate_to_datetime(reply.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(server: LocalServer, resolve: Callable[[Request], Reply]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the
        # client's delayed ACK (40 ms) on every keep-alive request.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
            pass

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            reply = resolve(req)
            if reply.hang:
                server.stopping.wait()
                self.close_connection = True
                return
            if reply.delay:
                server.stopping.wait(reply.delay)
            status, body = reply.status, reply.body
            headers = dict(reply.headers)
            if status == 200 and _not_modified(req, reply):
                status, body = 304, b""
            if reply.etag:
                headers.setdefault("ETag", reply.etag)
            if reply.last_modified:
                headers.setdefault("Last-Modified", reply.last_modified)
            accepted = [e.split(";")[0].strip() for e in req.headers.get("accept-encoding", "").split(",")]
            if body and reply.brotli and "br" in accepted:
                import brotli

                body = brotli.compress(body)
                headers["Content-Encoding"] = "br"
            elif body and reply.gzip and "gzip" in accepted:
                body = gzip_module.compress(body)
                headers["Content-Encoding"] = "gzip"
            if status != 304 and body:
                headers.setdefault("Content-Type", reply.content_type)
            sending = body if self.command != "HEAD" and status != 304 else b""
            # Recorded before anything goes out, so that a client that has its answer
            # finds it in the log at once (no race with the test's assertions).
            server.record(Served(self.command, self.path, status, len(sending), req.headers))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if sending:
                try:
                    self.wfile.write(sending)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a size cap): fine

    return Handler


@contextmanager
def _run(resolve: Callable[[Request], Reply]) -> Iterator[LocalServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler, bind_and_activate=False)
    httpd.daemon_threads = True
    httpd.request_queue_size = 1024  # a concurrent poll opens many connections at once
    httpd.server_bind()
    httpd.server_activate()
    server = LocalServer(httpd)
    httpd.RequestHandlerClass = _make_handler(server, resolve)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()  # releases hanging and delayed handlers
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_routes(routes: Mapping[str, Script], *, fallback: Callable[[Request], Reply] | None = None) -> Iterator[LocalServer]:
    """Scripted answers by path (the query string is part of the path when the key has one)."""
    counters: dict[str, int] = {}
    lock = threading.Lock()

    def resolve(req: Request) -> Reply:
        key = req.path if req.path in routes else urlsplit(req.path).path
        script = routes.get(key)
        if script is None:
            return fallback(req) if fallback else Reply(status=404, body=b"not found", content_type="text/plain")
        if isinstance(script, Reply):
            return script
        if callable(script):
            return script(req)
        with lock:
            n = counters.get(key, 0)
            counters[key] = n + 1
        return script[min(n, len(script) - 1)]

    with _run(resolve) as server:
        yield server


@contextmanager
def serve_directory(root: str | Path, *, gzip: bool = False) -> Iterator[LocalServer]:
    """The files under ``root`` with ETag/Last-Modified and 304s; replies are cached per file."""
    base = Path(root).resolve()
    cache: dict[Path, tuple[int, Reply]] = {}

    def resolve(req: Request) -> Reply:
        rel = unquote(urlsplit(req.path).path).lstrip("/")
        path = (base / rel).resolve()
        if (base not in path.parents and path != base) or not path.is_file():
            return Reply(status=404, body=b"not found", content_type="text/plain")
        mtime = path.stat().st_mtime_ns
        hit = cache.get(path)
        if hit is None or hit[0] != mtime:
            hit = cache[path] = (mtime, file_reply(path, gzip=gzip))
        return hit[1]

    with _run(resolve) as server:
        yield server


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
