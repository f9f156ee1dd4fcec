"""Fetch: the bytes of every due source, concurrently, politely, and never all-or-nothing.

``fetch_sources`` is the stage: a plain synchronous function over worker threads (``polite``).
Every source gets exactly one ``Fetched`` back, in the order given:

- ``ok`` with its documents (one for a feed, one per article file for a folder);
- ``not_modified`` when the server answered 304 to our validators (ETag / Last-Modified),
  or a local file or folder is unchanged since the last run: nothing to parse downstream;
- ``error`` with a one-line message naming the feed URL or path, and ``retry_after`` when
  the server asked us to wait (429/503). One source failing never raises.

How: http(s) feeds through ``vigie.ingest.http`` (bounds, conditional GET, redirects, size
cap), local files and folders through ``vigie.ingest.local``; a source that waits for its host's
slot starts its total deadline only once it has one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from vigie.common.urlsecrets import conceal_secrets, reveal_secrets
from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.health import FeedState
from vigie.ingest.http import Client, fetch_http, host_of, is_remote, make_client
from vigie.ingest.local import read_file, read_folder
from vigie.ingest.polite import run_politely
from vigie.models import Fetched, Source, SourceKind

log = logging.getLogger(__name__)


def fetch_sources(sources: Sequence[Source], states: Mapping[str, FeedState], settings: FetchConfig) -> list[Fetched]:
    """Fetch every source (one ``Fetched`` each, same order); never raises for one source."""
    client = make_client(settings)
    try:
        jobs = [(src, state, _where(src, state)) for src in sources for state in (states.get(src.id),)]
        return run_politely(jobs, lambda job: _slot_of(*job), lambda job: _fetch_one(client, *job),
                            client.slots, settings.max_connections)
    finally:
        client.close()


def _slot_of(source: Source, state: FeedState | None, location: str) -> str | None:
    """The host whose slot fetching ``source`` takes (None: a local file or folder takes none)."""
    return host_of(location) if source.kind != SourceKind.FOLDER and is_remote(location) else None


def _where(source: Source, state: FeedState | None) -> str:
    """Where to read ``source`` now: its stored location (a permanent redirect moved it), in full."""
    stored = state.location if state else None
    if not stored or stored == source.id:
        return source.location
    return reveal_secrets(stored, source.id, source.location)


def _conceal(f: Fetched, state: FeedState | None) -> Fetched:
    """``f`` holding the source's secrets only as written (``${API_KEY}``, ``user:****@``).

    The expanded location lives only for the request: the error, the new location (stored),
    the documents' locations (in parse errors, the base of relative links) name it as written.
    """
    src = f.source
    if src.location == src.id:
        return f

    def hide(text: str) -> str:
        return conceal_secrets(text, src.id, src.location)

    new_location = hide(f.new_location) if f.new_location else None
    if new_location is None and state and state.location and hide(state.location) != state.location:
        new_location = hide(state.location)  # stored in full by an older version: store it as written
    documents = tuple(replace(d, location=hide(d.location), headers={
        k: _without_userinfo(hide(v)) if k == "content-location" else v for k, v in d.headers.items()})
        for d in f.documents)
    # An error names the source by its id, whatever the id is.
    error = hide(f.error).replace(src.location, src.id) if f.error else None
    return replace(f, error=error, new_location=new_location, documents=documents)


def _without_userinfo(url: str) -> str:
    """``url`` without ``user:password@``: links resolved against a feed's URL must not carry them."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@", r"\1", url)


def _fetch_one(client: Client, source: Source, state: FeedState | None, location: str) -> Fetched:
    started = time.perf_counter()  # the feed's own time, not its turn in the queue: its slot is held
    try:
        if source.kind == SourceKind.FOLDER:
            result = read_folder(source, state, client.settings)
        elif is_remote(location):
            result = fetch_http(client, source, location, state)
        else:
            result = read_file(source, location, state, client.settings)
    except FetchError as exc:
        result = Fetched(source=source, status="error", error=str(exc), http_status=exc.status,
                         retry_after=exc.retry_after, etag=state.etag if state else None,
                         last_modified=state.last_modified if state else None)
    except Exception as exc:  # noqa: BLE001 - one broken source never stops the others
        result = _error(source, location, state, f"unexpected {exc.__class__.__name__}: {exc}")
    return _with_elapsed(_conceal(result, state), time.perf_counter() - started)


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
