"""HTTP for feeds and pages: one client, polite bounds, conditional GET, redirects by hand, a size cap.

Politeness and safety: a bounded number of connections overall (the worker threads of
``vigie.ingest.polite``) and per host (a slot per host name, held for every hop), a connect
timeout and a total deadline per request, a cap on the decoded body size (a gzip or brotli bomb
stops at the cap too), a clear User-Agent, and redirects followed by hand so that a loop is named
and a chain of permanent redirects (301/308) can update the stored URL. Failures are
``FetchError``s naming the URL.

The client is urllib3's (blocking, one connection pool per host): in threads it costs a fraction
of the CPU of httpx's asynchronous client per request, which a poll of 1,000 unchanged feeds is
made of (README, Performance, section 11).
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import ssl
import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urljoin, urlsplit

import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.poolmanager
import urllib3.response
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError

from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.health import FeedState
from vigie.ingest.polite import HostSlots
from vigie.models import Document, Fetched, Source

MAX_REDIRECTS = 10
_CHUNK = 64 * 1024
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
           "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")


# A URL in a message: scheme, user-info (dropped), host; the rest up to white space, a quote or a bracket.
_URL_IN_TEXT = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\s/?#@\"')]*@)?([^\s/?#\"')]*)[^\s\"')]*")
# A request line's path in urllib3's DEBUG line ("GET /feed.xml?token=... HTTP/1.1"): its query.
_QUERY_OF_PATH = re.compile(r"(\s/[^\s?\"]*)\?[^\s\"]*")


class _URLsAsHosts(logging.Filter):
    """urllib3 names the whole URL in its warnings ("Failed to parse headers (url=...)" for a server's
    malformed header), query and user-info included, where a feed's token or password lives: its
    records say only the scheme and host. Prints outside ``vigie run``'s log masking too (``feeds check``).
    The message is masked once formatted: ``vigie.runtime.logmask``'s record factory may have formatted it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's to report
            return True
        shown = _QUERY_OF_PATH.sub(r"\1?…", _URL_IN_TEXT.sub(_host_only, message))
        if shown != message:
            record.msg, record.args = shown, None
        return True


def _host_only(url: re.Match[str]) -> str:
    scheme, host = url.group(1), url.group(2)
    return scheme + host if url.group() == scheme + host else f"{scheme}{host}/…"


_URLS_AS_HOSTS = _URLsAsHosts()


def _hide_urls() -> None:
    """The filter on the loggers urllib3's modules hold (not a fresh lookup by name: a logging set-up may have
    replaced the name's logger since); called by every client, as a set-up may also have run since the last."""
    for module in (urllib3.connection, urllib3.connectionpool, urllib3.poolmanager, urllib3.response):
        module.log.addFilter(_URLS_AS_HOSTS)  # once: addFilter skips a filter already there


@functools.cache
def _tls() -> ssl.SSLContext:
    """The one verifying context of the process (certifi's CA bundle, as httpx and requests use):
    building it reads the bundle (tens of ms), and urllib3 would build one per host's pool."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class Client:
    """The shared client of one poll: connection pools per host, timeouts, User-Agent, host slots."""

    def __init__(self, settings: FetchConfig) -> None:
        _hide_urls()
        self.settings = settings
        self.slots = HostSlots(settings.max_per_host)
        self.headers = {"User-Agent": settings.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate, br"}
        # No proxy from the environment: it must not silently reroute feed traffic. A pool keeps
        # at most max_per_host connections, as many as the host's slots let run at once.
        self.pools = urllib3.PoolManager(num_pools=max(10, 2 * settings.max_connections),
                                         maxsize=settings.max_per_host, retries=False)
        self._tls_lock = threading.Lock()

    def open(self, url: str, headers: dict[str, str], deadline: float) -> urllib3.BaseHTTPResponse:
        """The answer's status and headers to a GET of ``url``; its body is read by the caller."""
        if url[:6].lower() == "https:" and "ssl_context" not in self.pools.connection_pool_kw:
            with self._tls_lock:  # made on the first https URL only: a poll of plain http needs none
                self.pools.connection_pool_kw["ssl_context"] = _tls()
        left = _left(deadline)
        timeout = urllib3.Timeout(connect=min(self.settings.connect_timeout, left), read=left)
        return self.pools.urlopen("GET", url, headers={**self.headers, **_auth(url), **headers}, redirect=False, retries=False,
                                  timeout=timeout, preload_content=False, decode_content=True)

    def close(self) -> None:
        self.pools.clear()


def _auth(url: str) -> dict[str, str]:
    """Basic auth from the URL's ``user:password@``, which urllib3 does not send by itself."""
    parts = urlsplit(url)
    if parts.username is None:
        return {}
    user, password = unquote(parts.username), unquote(parts.password or "")
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")}


def make_client(settings: FetchConfig) -> Client:
    return Client(settings)


def _left(deadline: float) -> float:
    """Seconds left before ``deadline``; TimeoutError (told as the total timeout) when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


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


def fetch_http(client: Client, source: Source, url: str, state: FeedState | None) -> Fetched:
    """GET ``url`` (redirects by hand, validators of ``state``) within the total deadline, which starts now.

    The caller holds the slot of ``url``'s host; a hop to another host takes that host's slot.
    Every failure is a ``FetchError`` naming ``url``.
    """
    settings = client.settings
    deadline = time.monotonic() + settings.timeout
    late = f"no complete answer within {settings.timeout:g} s (total timeout)"
    try:
        return _follow(client, source, url, state, deadline)
    except NewConnectionError as exc:  # before ConnectTimeoutError: urllib3 makes it a subclass
        raise FetchError(url, f"cannot connect: {_reason(exc)}") from None
    except ConnectTimeoutError:  # the connect timeout, or what was left of the deadline if less
        raise FetchError(url, late if time.monotonic() >= deadline - 0.05
                         else f"connect timeout after {settings.connect_timeout:g} s") from None
    except (ReadTimeoutError, TimeoutError):  # a read waits at most until the deadline
        raise FetchError(url, late) from None
    except (HTTPError, OSError) as exc:
        detail = _reason(exc)
        raise FetchError(url, f"{exc.__class__.__name__}: {detail}".rstrip(": ")) from None


def _reason(exc: BaseException) -> str:
    """The first line of ``exc``, without urllib3's naming of its connection object."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return re.sub(r"^(<[^>]*>|\w+Connection\(host=[^)]*\)): (Failed to establish a new connection: )?", "", text)


def _follow(client: Client, source: Source, url: str, state: FeedState | None, deadline: float) -> Fetched:
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
        host = host_of(current)
        other = host != held
        if other and not client.slots.take(host, _left(deadline)):
            raise TimeoutError
        try:
            response = client.open(current, conditional, deadline)
            try:
                status = response.status
                location = response.headers.get("location")
                if status in _REDIRECTS and location is not None:
                    target = urljoin(current, location.strip())
                    permanent = permanent and status in _PERMANENT
                    if target in seen:
                        raise FetchError(url, f"redirect loop ({' -> '.join(seen + [target])})", status=status)
                    seen.append(target)
                    current = target
                    continue
                return _answer(response, source, url, current, permanent, state, client.settings.max_bytes, deadline)
            finally:
                _done_with(response)
        finally:
            if other:
                client.slots.give(host)
    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects ({' -> '.join(seen)})")


def _answer(response: urllib3.BaseHTTPResponse, source: Source, url: str, current: str, permanent: bool,
            state: FeedState | None, max_bytes: int, deadline: float) -> Fetched:
    """What the final answer (no redirect) to ``url``, read at ``current``, says."""
    status = response.status
    headers = response.headers
    new_location = current if permanent and current != url else None
    if status == 304:
        return Fetched(source=source, status="not_modified", http_status=304, new_location=new_location,
                       etag=headers.get("etag") or (state.etag if state else None),
                       last_modified=headers.get("last-modified") or (state.last_modified if state else None))
    if status >= 400 or status < 200:
        retry = parse_retry_after(headers.get("retry-after")) if status in (429, 503) else None
        reason = response.reason or ""
        hint = {410: " (the feed is gone; remove it from the configuration)"}.get(status, "")
        wait = f", retry after {retry:g} s" if retry is not None else ""
        raise FetchError(current, f"HTTP {status} {reason}{hint}{wait}".replace("  ", " "),
                         status=status, retry_after=retry)
    body = _read_capped(response, current, max_bytes, deadline)
    kept = {k.lower(): v for k, v in headers.itermerged()}  # a repeated header as one, comma-joined
    # What the bytes are now is said by the decoded body, not the transfer encoding.
    kept.pop("content-encoding", None)
    kept.pop("content-length", None)
    kept.setdefault("content-location", current)
    doc = Document(location=current, body=body, content_type=headers.get("content-type"),
                   headers=kept, modified=_http_date(headers.get("last-modified")))
    return Fetched(source=source, status="ok", documents=(doc,), http_status=status,
                   new_location=new_location, etag=headers.get("etag"), last_modified=headers.get("last-modified"))


def _read_capped(response: urllib3.BaseHTTPResponse, url: str, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise FetchError(url, f"body of {int(declared)} bytes is over the {max_bytes}-byte cap", status=response.status)
    chunks: list[bytes] = []
    size = 0
    while True:
        _read_until(response, deadline)
        # One receive at a time (read1), so that the deadline is checked between any two; urllib3
        # (2.6 and later) decodes gzip, deflate and brotli a bounded piece at a time: a bomb is
        # never inflated past what is asked for here.
        chunk = response.read1(_CHUNK, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"body is over the {max_bytes}-byte cap", status=response.status)
        chunks.append(chunk)


def _read_until(response: urllib3.BaseHTTPResponse, deadline: float) -> None:
    """The next read of ``response`` waits at most until the deadline (a server that trickles is cut off)."""
    left = _left(deadline)
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(left)


def _done_with(response: urllib3.BaseHTTPResponse) -> None:
    """A 304's connection back to its pool (it has nothing to read); any other answer's closed if its body
    was left unread (reading it out could outlast the deadline). A body read to the end gave it back already."""
    if response.status == 304:
        response.drain_conn()
        response.release_conn()
    else:
        response.close()
