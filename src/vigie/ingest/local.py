"""Local sources: a feed file, or a folder of article files, with a validator like an ETag.

A local validator (names, modification times and sizes) makes an unchanged file or folder
"not_modified", as a 304 does for a feed on the web.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vigie.config import FetchConfig
from vigie.errors import FetchError
from vigie.ingest.health import FeedState
from vigie.models import Document, Fetched, Source

ARTICLE_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
                    ".html": "text/html", ".htm": "text/html"}
_FILE_TYPES = {".json": "application/feed+json", ".xml": "application/xml", ".rss": "application/rss+xml",
               ".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}


def local_path(location: str) -> Path:
    """A filesystem path from a plain path or a ``file://`` URL."""
    if location.lower().startswith("file://"):
        parts = urlsplit(location)
        return Path(unquote(parts.path))
    return Path(location).expanduser()


def _file_validator(stats: Sequence[tuple[str, int, int]]) -> str:
    """A local ETag from names, mtimes and sizes: unchanged files give "not_modified"."""
    digest = hashlib.sha1(repr(sorted(stats)).encode()).hexdigest()[:20]
    return f'"local-{digest}"'


def read_file(source: Source, location: str, state: FeedState | None, settings: FetchConfig) -> Fetched:
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


def read_folder(source: Source, state: FeedState | None, settings: FetchConfig) -> Fetched:
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
