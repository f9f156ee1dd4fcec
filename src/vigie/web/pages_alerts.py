"""Alerts page: sent, pending and failed alerts with each target's state and last error; a retry button
puts an alert's failed deliveries back to pending, as ``vigie alerts retry ID`` does (the next run, or
``vigie alerts send``, sends them). Target URLs are never shown (they may hold secrets): targets by name.

May import: vigie.delivery, vigie.web.
"""

from __future__ import annotations

from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from vigie.delivery.outbox import list_alerts, retry_failed
from vigie.web.app import web_of

STATUSES = ("sent", "pending", "failed")


async def alerts(request: Request) -> Response:
    web = web_of(request)
    status = request.query_params.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    lines = list_alerts(web.engine, status=status, limit=200)
    retried = request.query_params.get("retried")
    return web.page(request, "alerts.html", lines=lines, status=status or "", statuses=STATUSES,
                    retried=int(retried) if retried and retried.isdigit() else None)


async def retry(request: Request) -> Response:
    web = web_of(request)
    n = retry_failed(web.engine, datetime.now(timezone.utc), int(request.path_params["alert_id"]))
    return RedirectResponse(f"/alerts?retried={n}", status_code=303)


ROUTES = [Route("/alerts", alerts, name="alerts"), Route("/alerts/{alert_id:int}/retry", retry, methods=["POST"])]
