"""`vigie web`'s application: the pages of each area, their templates and static files, and the guards.

Server-rendered with Jinja2, autoescape on for every template: whatever came from a feed (titles,
URLs, errors quoting a server) is text on these pages, never markup; links are drawn only for
http(s) addresses. The stylesheet and the editor's small script ship in ``vigie/web/static``; the
pages load nothing from elsewhere (the Content-Security-Policy says so to the browser too).

May import: vigie.common, vigie.config, vigie.store, vigie.web.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Mapping
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from vigie.common.text import clip
from vigie.common.times import local_time
from vigie.config import Config
from vigie.web import csrf
from vigie.web.auth import TokenGate

STATIC = Path(__file__).parent / "static"
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass
class Web:
    """What every page needs: the configuration, the store, the templates."""

    config: Config
    engine: Engine
    env: Environment

    def page(self, request: Request, template: str, *, http_status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(csrf=csrf.token_of(request.scope), path=request.url.path,
                                                      tz=self.config.timezone, **values)
        return HTMLResponse(html, status_code=http_status)


def web_of(request: Request) -> Web:
    return request.app.state.web


async def form_of(request: Request) -> Mapping[str, str]:
    """An url-encoded form's fields (the first value of each)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def http_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None (no javascript:, data: or relative links from a feed)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def templates(config: Config) -> Environment:
    env = Environment(loader=PackageLoader("vigie.web", "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
    base = f"{Path(config.path).resolve().parent}{os.sep}"
    env.filters["when"] = lambda value: local_time(value, config.timezone)
    # Paths under the configuration's folder (rule files, feed files) as the configuration writes them.
    env.filters["short"] = lambda text: str(text).replace(base, "")
    env.filters["clip"] = clip
    env.filters["http_link"] = http_link
    return env


class Headers:
    """Security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(b"content-security-policy", POLICY.encode()), (b"x-content-type-options", b"nosniff"),
                                       (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def create_app(config: Config, engine: Engine, *, token: str | None = None,
               allowed_hosts: Collection[str] | None = ("127.0.0.1", "localhost", "::1")) -> ASGIApp:
    """The application over ``engine``. ``token``: required on every request when given.
    ``allowed_hosts``: Host names accepted (None: any, for a server bound elsewhere behind a token)."""
    from vigie.web import pages_alerts, pages_feeds, pages_rules, pages_stories

    routes = [*pages_stories.ROUTES, *pages_alerts.ROUTES, *pages_feeds.ROUTES, *pages_rules.ROUTES,
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, exception_handlers={404: _not_found})
    app.state.web = Web(config, engine, templates(config))
    guarded: ASGIApp = csrf.CsrfGuard(app, allowed_hosts)
    if token:
        guarded = TokenGate(guarded, token)
    return Headers(guarded)


async def _not_found(request: Request, exc: Exception) -> HTMLResponse:
    detail = getattr(exc, "detail", None) or "no such page"
    return web_of(request).page(request, "error.html", http_status=404, message=detail)

