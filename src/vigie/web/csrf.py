"""Cross-site requests: every state-changing request (anything but GET, HEAD, OPTIONS) must prove it
comes from one of vigie's own pages.

- Each browser gets a random token in a cookie (``vigie_csrf``, SameSite=Strict, HttpOnly); every page
  puts the same token in its forms (field ``csrf``) and in a ``<meta>`` the editor's script sends back
  as the ``X-CSRF-Token`` header. A POST passes only when the cookie and the field (or header) agree:
  another site can make a browser send the cookie but cannot read it to fill the field.
- The ``Origin`` (or, without one, the ``Referer``) of a POST must be this server's own address.
- When served on loopback, the ``Host`` must be a loopback name on every request: a page of another
  site whose name was made to resolve to 127.0.0.1 (DNS rebinding) gets nothing.

This is middleware, so a new POST route is protected without having to remember it. The body of a
POST is read here (bounded) and handed on unchanged.

May import: nothing of vigie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Collection
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "vigie_csrf"
FIELD = "csrf"
HEADER = "x-csrf-token"
SAFE = {"GET", "HEAD", "OPTIONS"}
MAX_BODY = 8 * 1024 * 1024  # a rule file is at most 4 MB; its form encoding may double it


def token_of(scope: Scope) -> str:
    """This browser's CSRF token (set by the middleware on every request)."""
    return str(scope["state"]["csrf"])


class CsrfGuard:
    """ASGI middleware: cookie + field/header token on unsafe methods, Origin check, loopback Host check."""

    def __init__(self, app: ASGIApp, allowed_hosts: Collection[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host = request.headers.get("host", "")
        if self.allowed_hosts is not None and (urlsplit(f"//{host}").hostname or "").lower() not in self.allowed_hosts:
            await PlainTextResponse(f"vigie web: unexpected Host {host!r}\n", status_code=400)(scope, receive, send)
            return
        cookie = request.cookies.get(COOKIE)
        token = cookie if cookie and len(cookie) >= 32 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = token
        if scope["method"] not in SAFE:
            body, problem = await self._checked_body(request, receive, host, cookie)
            if problem:
                await PlainTextResponse(f"vigie web: refused: {problem}\n", status_code=403)(scope, receive, send)
                return
            receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and cookie != token:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _checked_body(self, request: Request, receive: Receive, host: str, cookie: str | None) -> tuple[bytes, str]:
        origin = request.headers.get("origin") or request.headers.get("referer")
        own = f"{request.url.scheme}://{host}"
        if origin is not None and origin != own and not origin.startswith(own + "/"):
            return b"", f"request from another origin ({origin})"
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return b"", "request too large"
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        given = request.headers.get(HEADER)
        if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            given = next(iter(parse_qs(body.decode("utf-8", "replace")).get(FIELD, [])), None)
        if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
            return body, "missing or wrong CSRF token (reload the page and try again)"
        return body, ""


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
