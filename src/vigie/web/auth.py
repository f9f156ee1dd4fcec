"""Who may use the pages: anyone on this machine when bound to loopback without a token; otherwise only
a request carrying the token.

The token comes once in the address (``?token=...``, the link ``vigie web`` prints), is checked, and
set as a cookie (HttpOnly, SameSite=Strict) before a redirect to the same address without it, so it
leaves the address bar and the history; after that the cookie carries it. Scripts and tools may send
it as ``Authorization: Bearer ...`` or ``X-Vigie-Token``. Comparisons are constant-time.

May import: nothing of vigie.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "vigie_token"
HEADER = "x-vigie-token"


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class TokenGate:
    """ASGI middleware: every request must carry ``token`` (in the cookie, a header or, once, the query)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        bearer = request.headers.get("authorization", "")
        given = [request.cookies.get(COOKIE), request.headers.get(HEADER),
                 bearer[7:] if bearer.lower().startswith("bearer ") else None]
        if any(_same(g, self.token) for g in given):
            await self.app(scope, receive, send)
            return
        if _same(request.query_params.get("token"), self.token):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            clean = URL(scope=scope).replace(query=urlencode(rest))
            response = RedirectResponse(f"{clean.path}{'?' + clean.query if clean.query else ''}", status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
            await response(scope, receive, send)
            return
        await PlainTextResponse("vigie web: a token is required: open the address `vigie web` printed "
                                "(with ?token=...), or send it as Authorization: Bearer TOKEN.\n",
                                status_code=401)(scope, receive, send)
