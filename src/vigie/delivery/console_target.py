"""The embedded default target ``vigie://``: the console and a JSON-lines file, through apprise.

The demo and a first run need no account anywhere, yet alerts must take the same
road as real ones: recorded in the outbox, sent through apprise, marked sent only
from apprise's result. So ``vigie://`` is a real apprise plugin (registered with
``apprise.decorators.notify``) that prints each message to standard output and
appends one JSON object per alert to a file:

    vigie://                          the file chosen by the deliverer (config.alerts_file)
    vigie:///abs/path/alerts.jsonl    that file

The deliverer tells the plugin which alerts the message carries with
``console_context()`` (a context variable, so concurrent threads do not mix).

The file is rotated when a write would take it past ``ROTATE_BYTES``: ``alerts.jsonl``
becomes ``alerts.jsonl.1`` (``.1`` becomes ``.2`` ... up to ``KEEP_ROTATED``, the oldest
dropped). Writers hold an exclusive lock on the file while they rotate or append, and
write only to the file still at the path, so no line goes to a renamed file or is lost.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping, Sequence, TextIO

from vigie.delivery.inert import BIDI_CONTROLS

SCHEMA = "vigie"
ROTATE_BYTES = 10 * 1024 * 1024
KEEP_ROTATED = 3


@dataclass
class ConsoleContext:
    alerts: Sequence[Mapping[str, Any]] = ()  # JSON-ready objects, one per alert in the message
    default_path: Path | None = None
    stream: TextIO | None = None
    written: list[Path] = field(default_factory=list)
    rotate_bytes: int = ROTATE_BYTES


_current: ContextVar[ConsoleContext | None] = ContextVar("vigie_console", default=None)


@contextmanager
def console_context(alerts: Sequence[Mapping[str, Any]], default_path: Path | None, stream: TextIO | None = None,
                    rotate_bytes: int = ROTATE_BYTES) -> Iterator[ConsoleContext]:
    """Make ``alerts`` and the default JSONL path known to the plugin while a message is sent."""
    ctx = ConsoleContext(alerts=alerts, default_path=default_path, stream=stream, rotate_bytes=rotate_bytes)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def _path_from(meta: Mapping[str, Any]) -> Path | None:
    # apprise parses vigie:///a/b.jsonl as host "a" + fullpath "/b.jsonl"
    host, full = meta.get("host") or "", meta.get("fullpath") or ""
    text = f"/{host}{full}" if host else full
    return Path(text) if text not in ("", "/") else None


def _terminal_safe(line: str) -> str:
    """A JSON line with bidirectional overrides written as \\u escapes: the same data, but
    ``cat alerts.jsonl`` cannot be made to show text in another order than it is stored."""
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def _send(body: str, title: str, notify_type: str, meta: Mapping[str, Any], *args: Any, **kwargs: Any) -> bool:
    ctx = _current.get() or ConsoleContext()
    stream = ctx.stream or sys.stdout
    line = "=" * 72
    stream.write(f"{line}\n{title}\n{line}\n{body.rstrip()}\n\n" if title else f"{body.rstrip()}\n\n")
    stream.flush()
    path = _path_from(meta) or ctx.default_path
    if path is None:
        return True
    objects = list(ctx.alerts) or [{"title": title, "body": body, "type": notify_type}]
    data = "".join(_terminal_safe(json.dumps(o, ensure_ascii=False, default=str)) + "\n" for o in objects)
    append_lines(path, data.encode("utf-8"), ctx.rotate_bytes)
    ctx.written.append(path)
    return True


def append_lines(path: Path, data: bytes, rotate_bytes: int = ROTATE_BYTES) -> None:
    """Append whole lines to ``path``, rotating it first when they would take it past ``rotate_bytes``.

    One write of whole lines, then fsync: a crash never leaves half an object, and "sent" is
    only reported once the lines are on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        with open(path, "ab") as fh:
            _lock(fh)  # released when the file is closed
            if not _still_at(fh, path):
                continue  # another writer rotated it while we waited: write to the new file
            size = os.fstat(fh.fileno()).st_size
            if size and size + len(data) > rotate_bytes:
                _rotate(path)
                continue
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return


def _rotate(path: Path) -> None:
    """alerts.jsonl -> .1 -> .2 ... -> .KEEP_ROTATED (the oldest dropped); renames, never copies."""
    for n in range(KEEP_ROTATED - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{n + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


def _still_at(fh: BinaryIO, path: Path) -> bool:
    try:
        here = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fh.fileno())
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)


def _lock(fh: BinaryIO) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: one writer at a time is then the deployment's business
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


def register() -> None:
    """Register the ``vigie://`` schema with apprise (once per process).

    Called by the deliverer before it builds an Apprise object, not at import: asking apprise
    whether a schema is known loads every one of its plugins (about 1 s on a busy machine),
    which a run with nothing to send does not need."""
    from apprise.decorators import notify
    from apprise.decorators.base import N_MGR

    if SCHEMA not in N_MGR:
        notify(on=SCHEMA, name="vigie console and JSON lines")(_send)

