"""Feeds page: the health of every configured source, as ``vigie feeds status`` reads it from the store
(last success, last error, failures in a row, next try). Nothing is fetched.

May import: vigie.ingest, vigie.web.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigie.ingest.health import FeedState, load_states
from vigie.web.app import web_of


async def feeds(request: Request) -> Response:
    web = web_of(request)
    sources = web.config.source_objects()
    states = load_states(web.engine, sources)
    rows = [(src, states.get(src.id) or FeedState(source_id=src.id)) for src in sources]
    return web.page(request, "feeds.html", rows=rows)


ROUTES = [Route("/feeds", feeds, name="feeds")]
