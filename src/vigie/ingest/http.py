"""HTTP for feeds and pages: one client, polite bounds, conditional GET, redirects by hand, a size cap.

Politeness and safety: a bounded number of connections overall (the httpx pool) and per host
(a semaphore per host name, held for every hop), a connect timeout and a total deadline per
request, a cap on the decoded body size (a gzip bomb stops at the cap too), a clear
User-Agent, and redirects followed by hand so that a loop is named and a chain of permanent
redirects (301/308) can update the stored URL. Failures are ``FetchError``s naming the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import threading
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Coroutine, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.health import FeedState
from vigie.models import Document, Fetched, Source

MAX_REDIRECTS = 10
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
           "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end from sync code, even when this thread already runs an event loop
    (a Prefect task, a notebook): then it runs on a helper thread with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="vigie-fetch")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process: building it reads the CA bundle
    (tens of ms), and a run makes a client per batch of feeds."""
    return httpx.create_ssl_context()


def make_client(settings: FetchConfig) -> httpx.AsyncClient:
    """The shared client: pool bounds, timeouts and User-Agent from the settings."""
    return httpx.AsyncClient(
        verify=_tls(),
        limits=httpx.Limits(max_connections=settings.max_connections,
                            max_keepalive_connections=settings.max_connections),
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT,
                 "Accept-Encoding": "gzip, deflate, br"},
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment must not silently reroute feed traffic
    )


class HostLimiter:
    """Slots for requests: ``total`` at once overall, ``per_host`` at once per host name.

    A request waits here for its slots *before* its deadline starts: a thousand feeds of one
    publisher queue politely instead of timing out in the queue. The overall bound matches the
    httpx pool, so the pool itself never makes anyone wait.
    """

    def __init__(self, per_host: int, total: int) -> None:
        self.per_host = max(1, per_host)
        self.total = asyncio.Semaphore(max(1, total))
        self.sems: dict[str, asyncio.Semaphore] = {}

    def __call__(self, url: str) -> asyncio.Semaphore:
        host = host_of(url)
        sem = self.sems.get(host)
        if sem is None:
            sem = self.sems[host] = asyncio.Semaphore(self.per_host)
        return sem


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_remote(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


async def fetch_http(client: httpx.AsyncClient, hosts: HostLimiter, source: Source, url: str,
                      state: FeedState | None, settings: FetchConfig) -> Fetched:
    conditional: dict[str, str] = {}
    if state and state.etag:
        conditional["If-None-Match"] = state.etag
    if state and state.last_modified:
        conditional["If-Modified-Since"] = state.last_modified
    seen = [url]
    permanent = True
    current = url
    held = host_of(url)  # the caller holds this host's slot; a hop elsewhere takes that host's
    for _hop in range(MAX_REDIRECTS + 1):
        async with (contextlib.nullcontext() if host_of(current) == held else hosts(current)):
            request = client.build_request("GET", current, headers=conditional)
            response = await client.send(request, stream=True)
            try:
                status = response.status_code
                if status in _REDIRECTS and "location" in response.headers:
                    target = urljoin(current, response.headers["location"].strip())
                    permanent = permanent and status in _PERMANENT
                    if target in seen:
                        raise FetchError(url, f"redirect loop ({' -> '.join(seen + [target])})", status=status)
                    seen.append(target)
                    current = target
                    continue
                new_location = current if permanent and current != url else None
                if status == 304:
                    return Fetched(source=source, status="not_modified", http_status=304, new_location=new_location,
                                   etag=response.headers.get("etag") or (state.etag if state else None),
                                   last_modified=response.headers.get("last-modified")
                                   or (state.last_modified if state else None))
                if status >= 400 or status < 200:
                    retry = parse_retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
                    reason = response.reason_phrase or ""
                    hint = {410: " (the feed is gone; remove it from the configuration)"}.get(status, "")
                    wait = f", retry after {retry:g} s" if retry is not None else ""
                    raise FetchError(current, f"HTTP {status} {reason}{hint}{wait}".replace("  ", " "),
                                     status=status, retry_after=retry)
                body = await _read_capped(response, current, settings.max_bytes)
                headers = {k.lower(): v for k, v in response.headers.items()}
                # What the bytes are now is said by the decoded body, not the transfer encoding.
                headers.pop("content-encoding", None)
                headers.pop("content-length", None)
                headers.setdefault("content-location", current)
                doc = Document(location=current, body=body, content_type=response.headers.get("content-type"),
                               headers=headers, modified=_http_date(response.headers.get("last-modified")))
                return Fetched(source=source, status="ok", documents=(doc,), http_status=status,
                               new_location=new_location, etag=response.headers.get("etag"),
                               last_modified=response.headers.get("last-modified"))
            finally:
                await response.aclose()
    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects ({' -> '.join(seen)})")


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise FetchError(url, f"body of {int(declared)} bytes is over the {max_bytes}-byte cap", status=response.status_code)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"body is over the {max_bytes}-byte cap", status=response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)
