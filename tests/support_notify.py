"""Real notification servers on 127.0.0.1 for tests: an SMTP server and a Slack webhook stand-in.

    with smtp_server() as smtp:              # aiosmtpd on an ephemeral port
        url = smtp.apprise_url()             # mailto://127.0.0.1:PORT?...
        ...
        smtp.stop(); ...; smtp.start()       # down for a run, then up again (same port)
        smtp.messages                        # email.message.EmailMessage objects received

    with slack_endpoint() as slack:          # apprise's Slack plugin pointed at it
        url = slack.apprise_url()            # slack://T000/B000/XXXX
        slack.fail_next(500, times=1)        # or 429
        slack.payloads                       # JSON bodies received (successful ones)

Both are context managers that start and stop their server; nothing leaves loopback.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Collector:
    def __init__(self, owner: "SmtpServer") -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.owner.lock:
            self.owner.messages.append(msg)  # type: ignore[arg-type]
            self.owner.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that keeps what it receives; can be stopped and restarted on its port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        if self._controller is None:
            self._controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def apprise_url(self, to: str = "analyst@example.org", sender: str = "vigie@example.org") -> str:
        # mailto:// is plain SMTP (no TLS); no user means no AUTH.
        return f"mailto://127.0.0.1:{self.port}?from={sender}&to={to}&name=vigie"

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(m["subject"]) for m in self.messages]

    def bodies(self, subtype: str = "plain") -> list[str]:
        """The text/plain (or text/html) part of each message received."""
        out = []
        with self.lock:
            for m in self.messages:
                part = m.get_body(preferencelist=(subtype,))
                out.append(part.get_content() if part is not None else "")
        return out


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer(port).start()
    try:
        yield server
    finally:
        server.stop()


class SlackEndpoint:
    """A local HTTP endpoint that answers like Slack's incoming webhooks ("ok"), or fails on demand."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.requests: list[tuple[str, int]] = []  # (path, status answered)
        self.lock = threading.Lock()
        self._failures: list[int] = []
        self._always: int | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self.port = 0
        self.delay = 0.0

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([status] * times)

    def fail_always(self, status: int | None) -> None:
        """Answer ``status`` to every request (None: back to normal)."""
        with self.lock:
            self._always = status

    def _next_status(self) -> int:
        with self.lock:
            if self._always is not None:
                return self._always
            return self._failures.pop(0) if self._failures else 200

    def start(self) -> "SlackEndpoint":
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if endpoint.delay:
                    time.sleep(endpoint.delay)
                status = endpoint._next_status()
                with endpoint.lock:
                    endpoint.requests.append((self.path, status))
                    if status == 200:
                        endpoint.payloads.append(json.loads(raw or b"{}"))
                body = b"ok" if status == 200 else (b"rate_limited" if status == 429 else b"internal_error")
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def apprise_url(self, channel: str = "") -> str:
        return "slack://T000VIGIE/B000VIGIE/abcdefghijklmnopqrstuvwx" + (f"/{channel}" if channel else "")

    def texts(self) -> list[str]:
        """Title and body text of each message received, as Slack would get them."""
        out = []
        with self.lock:
            for p in self.payloads:
                parts = []
                for att in p.get("attachments", []):
                    if att.get("title"):
                        parts.append(att["title"])
                    if att.get("text"):
                        parts.append(att["text"])
                    for block in att.get("blocks", []):
                        text = block.get("text")
                        if isinstance(text, dict):
                            parts.append(text.get("text", ""))
                out.append("\n".join(parts))
        return out


@contextmanager
def slack_endpoint() -> Iterator[SlackEndpoint]:
    """Start the endpoint and point apprise's Slack plugin (class attribute ``webhook_url``) at it."""
    from apprise.plugins.slack import NotifySlack

    endpoint = SlackEndpoint().start()
    saved = NotifySlack.webhook_url
    NotifySlack.webhook_url = f"{endpoint.base_url}/services"
    try:
        yield endpoint
    finally:
        NotifySlack.webhook_url = saved
        endpoint.stop()
