"""Fetch: the bytes of every due source, concurrently, politely, and never all-or-nothing.

``fetch_sources`` is the stage: a plain synchronous function over an asyncio/httpx core.
Every source gets exactly one ``Fetched`` back, in the order given:

- ``ok`` with its documents (one for a feed, one per article file for a folder);
- ``not_modified`` when the server answered 304 to our validators (ETag / Last-Modified),
  or a local file or folder is unchanged since the last run: nothing to parse downstream;
- ``error`` with a one-line message naming the feed URL or path, and ``retry_after`` when
  the server asked us to wait (429/503). One source failing never raises.

Politeness and safety: a bounded number of connections overall (httpx pool) and per host
(a semaphore per host name, held for every hop), a connect timeout and a total deadline per
source (a server that accepts and never answers costs at most ``timeout`` seconds), a cap
on the decoded body size (a gzip bomb stops at the cap too), a clear User-Agent, and
redirects followed by hand so that a loop is named and a chain of permanent redirects
(301/308) can update the stored URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import threading
import time
from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Coroutine, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.health import FeedState
from vigie.models import Article, Document, Fetched, Source, SourceKind
from vigie.ingest.textclean import extract_main_text

ARTICLE_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
                    ".html": "text/html", ".htm": "text/html"}
_FILE_TYPES = {".json": "application/feed+json", ".xml": "application/xml", ".rss": "application/rss+xml",
               ".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}
MAX_REDIRECTS = 10
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
           "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")

T = TypeVar("T")
log = logging.getLogger("vigie.ingest.fetch")


def fetch_sources(sources: Sequence[Source], states: Mapping[str, FeedState], settings: FetchConfig) -> list[Fetched]:
    """Fetch every source (one ``Fetched`` each, same order); never raises for one source."""
    return [_hide_location(f) for f in run_sync(fetch_sources_async(sources, states, settings))]


def _hide_location(f: Fetched) -> Fetched:
    """An error names the source by its id: its location may hold a secret (``${API_KEY}``)."""
    if f.error and f.source.location != f.source.id and f.source.location in f.error:
        return replace(f, error=f.error.replace(f.source.location, f.source.id))
    return f


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


def make_client(settings: FetchConfig) -> httpx.AsyncClient:
    """The shared client: pool bounds, timeouts and User-Agent from the settings."""
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=settings.max_connections,
                            max_keepalive_connections=settings.max_connections),
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT,
                 "Accept-Encoding": "gzip, deflate, br"},
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment must not silently reroute feed traffic
    )


async def fetch_sources_async(sources: Sequence[Source], states: Mapping[str, FeedState], settings: FetchConfig,
                              *, client: httpx.AsyncClient | None = None) -> list[Fetched]:
    """The async core of :func:`fetch_sources`; pass ``client`` to reuse one across calls."""
    own = client is None
    client = client or make_client(settings)
    hosts = _HostLimiter(settings.max_per_host, settings.max_connections)
    try:
        tasks = [_fetch_one(client, hosts, src, states.get(src.id), settings) for src in sources]
        return list(await asyncio.gather(*tasks))
    finally:
        if own:
            await client.aclose()


class _HostLimiter:
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


def local_path(location: str) -> Path:
    """A filesystem path from a plain path or a ``file://`` URL."""
    if location.lower().startswith("file://"):
        parts = urlsplit(location)
        return Path(unquote(parts.path))
    return Path(location).expanduser()


async def _fetch_one(client: httpx.AsyncClient, hosts: _HostLimiter, source: Source, state: FeedState | None,
                     settings: FetchConfig) -> Fetched:
    started = time.perf_counter()
    location = (state.location if state and state.location else None) or source.location
    try:
        if source.kind == SourceKind.FOLDER:
            result = await asyncio.to_thread(_read_folder, source, state, settings)
        elif is_remote(location):
            async with hosts(location), hosts.total, asyncio.timeout(settings.timeout):
                started = time.perf_counter()  # the feed's own time, not its turn in the queue
                result = await _fetch_http(client, hosts, source, location, state, settings)
        else:
            result = await asyncio.to_thread(_read_file, source, location, state, settings)
    except FetchError as exc:
        result = Fetched(source=source, status="error", error=str(exc), http_status=exc.status,
                         retry_after=exc.retry_after, etag=state.etag if state else None,
                         last_modified=state.last_modified if state else None)
    except TimeoutError:
        result = _error(source, location, state, f"no complete answer within {settings.timeout:g} s (total timeout)")
    except httpx.ConnectTimeout:
        result = _error(source, location, state, f"connect timeout after {settings.connect_timeout:g} s")
    except httpx.TimeoutException as exc:
        result = _error(source, location, state, f"timeout ({exc.__class__.__name__})")
    except httpx.HTTPError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        result = _error(source, location, state, f"{exc.__class__.__name__}: {detail}".rstrip(": "))
    except Exception as exc:  # noqa: BLE001 - one broken source never stops the others
        result = _error(source, location, state, f"unexpected {exc.__class__.__name__}: {exc}")
    return _with_elapsed(result, time.perf_counter() - started)


def _with_elapsed(f: Fetched, elapsed: float) -> Fetched:
    if f.status == "error":
        # Structured fields for whoever collects logs; the message alone already names the feed.
        log.warning("%s", f.error, extra={"source_id": f.source.id, "http_status": f.http_status})
    return replace(f, elapsed=elapsed)


def _error(source: Source, location: str, state: FeedState | None, message: str) -> Fetched:
    # Validators are kept on error: a failed poll must not make the next one fetch (and
    # re-announce) everything, nor forget what we knew.
    return Fetched(source=source, status="error", error=str(FetchError(location, message)),
                   etag=state.etag if state else None, last_modified=state.last_modified if state else None)


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


async def _fetch_http(client: httpx.AsyncClient, hosts: _HostLimiter, source: Source, url: str,
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


def _file_validator(stats: Sequence[tuple[str, int, int]]) -> str:
    """A local ETag from names, mtimes and sizes: unchanged files give "not_modified"."""
    digest = hashlib.sha1(repr(sorted(stats)).encode()).hexdigest()[:20]
    return f'"local-{digest}"'


def _read_file(source: Source, location: str, state: FeedState | None, settings: FetchConfig) -> Fetched:
    path = local_path(location)
    try:
        st = path.stat()
        if not path.is_file():
            raise FetchError(str(path), "not a file (use 'folder:' for a folder of articles)")
        etag = _file_validator([(path.name, st.st_mtime_ns, st.st_size)])
        if state is not None and state.etag == etag:
            return Fetched(source=source, status="not_modified", etag=etag)
        if st.st_size > settings.max_bytes:
            raise FetchError(str(path), f"file of {st.st_size} bytes is over the {settings.max_bytes}-byte cap")
        body = path.read_bytes()
    except OSError as exc:
        raise FetchError(str(path), exc.strerror or exc.__class__.__name__) from None
    modified = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)
    # A type from the suffix, as a web server would send: without one feedparser warns on every file.
    ctype = _FILE_TYPES.get(path.suffix.lower())
    # No content-location: relative links in a local file have no web base to resolve against.
    headers = {"content-type": ctype} if ctype else {}
    doc = Document(location=str(path), body=body, content_type=ctype, headers=headers, modified=modified)
    return Fetched(source=source, status="ok", documents=(doc,), etag=etag)


def _read_folder(source: Source, state: FeedState | None, settings: FetchConfig) -> Fetched:
    root = local_path(source.location)
    if not root.is_dir():
        raise FetchError(str(root), "no such folder" if not root.exists() else "not a folder")
    files = sorted(p for p in root.rglob("*")
                   if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    stats = []
    for p in files:
        st = p.stat()
        stats.append((str(p.relative_to(root)), st.st_mtime_ns, st.st_size))
    etag = _file_validator(stats)
    if state is not None and state.etag == etag:
        return Fetched(source=source, status="not_modified", etag=etag)
    docs = []
    for p, (_, _, size) in zip(files, stats):
        if size > settings.max_bytes:
            continue  # one oversized file is skipped, the folder still comes through
        docs.append(Document(location=str(p), body=p.read_bytes(), content_type=ARTICLE_SUFFIXES[p.suffix.lower()],
                             modified=datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc)))
    return Fetched(source=source, status="ok", documents=tuple(docs), etag=etag)


# -- full text of article pages (sources with ``full_text: true``) ---------------------------------------------------


def fetch_full_text(articles: Sequence[Article], sources: Sequence[Source], settings: FetchConfig, *,
                    skip: Container[str] = frozenset()) -> list[Article]:
    """Articles of ``full_text`` sources with their page's main text as ``body`` (same order).

    Only articles of sources configured with ``full_text: true``, with an http(s) URL, and whose
    id is not in ``skip`` (pass the ids the store already has: a page is fetched once, not on
    every poll) are fetched, with the same connection bounds, timeouts, size cap and User-Agent
    as feeds. The page's text replaces the body only when it is longer than what the feed gave;
    a page that fails or has no prose leaves the article as it was. Identity never changes.
    """
    wanted = {s.id for s in sources if s.full_text}
    todo = [i for i, a in enumerate(articles)
            if a.source_id in wanted and a.url and is_remote(a.url) and a.id not in skip]
    if not todo:
        return list(articles)
    pages = run_sync(_fetch_pages([articles[i].url for i in todo], settings))  # type: ignore[misc]
    out = list(articles)
    for i, page in zip(todo, pages):
        if page is None:
            continue
        text = extract_main_text(page)
        if len(text) > len(out[i].body):
            out[i] = replace(out[i], body=text)
    return out


async def _fetch_pages(urls: Sequence[str], settings: FetchConfig) -> list[str | None]:
    async with make_client(settings) as client:
        hosts = _HostLimiter(settings.max_per_host, settings.max_connections)

        async def one(url: str) -> str | None:
            source = Source(id=url, kind=SourceKind.FEED, location=url)
            try:
                async with hosts(url), hosts.total, asyncio.timeout(settings.timeout):
                    fetched = await _fetch_http(client, hosts, source, url, None, settings)
            except (FetchError, TimeoutError, httpx.HTTPError) as exc:
                log.warning("full text of %s not fetched: %s", url, exc)
                return None
            doc = fetched.documents[0]
            ctype = (doc.content_type or "").lower()
            if ctype and "html" not in ctype:
                return None
            return decode_html(doc.body, ctype)

        return list(await asyncio.gather(*(one(u) for u in urls)))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(body: bytes, content_type: str = "") -> str:
    """Text of an HTML page: the HTTP charset, else the page's <meta charset>, else UTF-8, else cp1252."""
    candidates = []
    m = re.search(r"charset=([\w.:-]+)", content_type or "")
    if m:
        candidates.append(m.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for enc in [*candidates, "utf-8"]:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")
