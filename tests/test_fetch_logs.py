"""What urllib3 logs about a feed never names the feed's secret (its query token or its password).

A server that sends a malformed header makes urllib3 warn "Failed to parse headers (url=...)" with the
whole URL; outside ``vigie run`` (``feeds check``) no log masking is installed, so the warning itself must
hold only the scheme and host. The server is a real socket on 127.0.0.1 that answers one malformed reply.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from vigie.config import FetchConfig
from vigie.ingest.fetch import fetch_sources
from vigie.models import Source, SourceKind

FEED = b"<rss version='2.0'><channel><title>t</title><item><title>a</title><link>http://x/a</link></item></channel></rss>"
TOKEN = "s3cr3t-token-4711"
PASSWORD = "hunter2-pass"


@contextmanager
def malformed_header_server() -> Iterator[int]:
    """Answers every request with a header line that has no colon (a defect urllib3 warns about)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n"
                             b"this line has no colon\r\nContent-Length: %d\r\n\r\n" % len(FEED) + FEED)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize("masking", [False, True], ids=["plain", "with vigie run's log masking"])
@pytest.mark.parametrize("level", [logging.WARNING, logging.DEBUG])
def test_urllib3_logs_name_no_token_nor_password(caplog: pytest.LogCaptureFixture, level: int, masking: bool) -> None:
    if masking:
        # Once a run has installed its record factory, records arrive formatted (no args) and only the run's
        # own secrets masked: this feed's token is none of them.
        from vigie.runtime.logmask import remember

        remember([("another-secret-0815", "****")])
    with malformed_header_server() as port:
        url = f"http://reader:{PASSWORD}@127.0.0.1:{port}/feed.xml?token={TOKEN}"
        with caplog.at_level(level, logger="urllib3"):
            fetched = fetch_sources([Source(id=url, kind=SourceKind.FEED, location=url)], {}, FetchConfig(timeout=5))
    assert fetched[0].status == "ok"
    said = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("Failed to parse headers" in line for line in said)  # the warning is still told...
    assert any(f"127.0.0.1:{port}" in line for line in said)  # ...naming the host
    assert not any(TOKEN in line or PASSWORD in line for line in said), said
