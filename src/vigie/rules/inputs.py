"""Articles for ``vigie rules test`` from whatever the analyst points at.

INPUT may be an article file (.txt/.md/.html: the first line, or <title>, is the
title), a feed file or URL, a folder (its article files, feeds and JSON-lines
files), or a JSON-lines file of items (``title``, ``summary`` or ``description``,
``text``/``body``, ``url``, ``published``, ``language``).

Everything except JSON lines goes through the very stages a run uses (fetch,
parse, normalize), so a preview sees each article exactly as ``vigie run`` would:
the same title, clean text, language and identity.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from vigie.config import FetchConfig
from vigie.errors import InputError
from vigie.models import Article, Entry
from vigie.ingest.sources import files_under, sources_from_paths

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def _date(value: Any) -> datetime | None:
    if isinstance(value, str) and value.strip():
        try:
            d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return d.astimezone(timezone.utc) if d.tzinfo else d.replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    return None


def articles_from_jsonl(path: Path, now: datetime) -> Iterator[Article | InputError]:
    """One article per JSON line, normalized like a feed entry; a bad line is reported and skipped."""
    from vigie.ingest.normalize import normalize_entry

    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputError(f"{path}:{n}: not JSON: {exc.msg}")
                continue
            if not isinstance(item, dict):
                yield InputError(f"{path}:{n}: expected a JSON object")
                continue
            entry = Entry(
                source_id=str(item.get("source") or item.get("publisher") or path),
                guid=str(item["id"]) if item.get("id") else None,
                link=item.get("url") or item.get("link"),
                title=str(item.get("title") or ""),
                summary=str(item.get("summary") or item.get("description") or ""),
                content=str(item.get("text") or item.get("body") or item.get("content") or ""),
                published=_date(item.get("published") or item.get("date_published") or item.get("date")),
                updated=None,
                language=item.get("language"),
            )
            yield normalize_entry(entry, now)


def _through_the_stages(targets: list[str], now: datetime) -> Iterator[Article | InputError]:
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.normalize import normalize
    from vigie.ingest.parse import parse_fetched

    sources = sources_from_paths(targets, skip_suffixes=JSONL_SUFFIXES)
    for fetched in fetch_sources(sources, {}, FetchConfig()):
        parsed = parse_fetched(fetched)
        if parsed.error:
            yield InputError(parsed.error)
            continue
        yield from normalize(parsed, now)


def read_inputs(inputs: list[str]) -> Iterator[Article | InputError]:
    """Articles of every INPUT, in order; an unreadable INPUT yields an InputError and the rest go on."""
    from vigie.ingest.local import ARTICLE_SUFFIXES

    now = datetime.now(timezone.utc)
    for item in inputs:
        path = Path(item).expanduser()
        try:
            if "://" in item:
                yield from _through_the_stages([item], now)
            elif path.is_dir():
                yield from _through_the_stages([item], now)
                for jsonl in (p for p in files_under(path) if p.suffix.lower() in JSONL_SUFFIXES):
                    yield from articles_from_jsonl(jsonl, now)
            elif not path.is_file():
                yield InputError(f"{item}: no such file, folder or URL")
            elif path.suffix.lower() in JSONL_SUFFIXES:
                yield from articles_from_jsonl(path, now)
            elif path.suffix.lower() in ARTICLE_SUFFIXES:
                yield from _article_file(path, now)
            else:
                yield from _through_the_stages([item], now)
        except Exception as exc:  # noqa: BLE001 - one bad input never stops the preview of the others
            yield InputError(f"{item}: {exc}")


def _article_file(path: Path, now: datetime) -> Iterator[Article | InputError]:
    """One article file, read as the folder source that would hold it reads it."""
    from vigie.ingest.local import ARTICLE_SUFFIXES
    from vigie.models import Document
    from vigie.ingest.normalize import normalize_entry
    from vigie.ingest.article_file import parse_article_file

    doc = Document(location=str(path), body=path.read_bytes(), content_type=ARTICLE_SUFFIXES[path.suffix.lower()],
                   modified=datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc))
    yield normalize_entry(parse_article_file(doc, str(path.resolve().parent)), now)
