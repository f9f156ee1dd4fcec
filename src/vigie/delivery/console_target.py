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
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence, TextIO

from apprise.decorators import notify

from vigie.delivery.inert import BIDI_CONTROLS

SCHEMA = "vigie"


@dataclass
class ConsoleContext:
    alerts: Sequence[Mapping[str, Any]] = ()  # JSON-ready objects, one per alert in the message
    default_path: Path | None = None
    stream: TextIO | None = None
    written: list[Path] = field(default_factory=list)


_current: ContextVar[ConsoleContext | None] = ContextVar("vigie_console", default=None)


@contextmanager
def console_context(alerts: Sequence[Mapping[str, Any]], default_path: Path | None, stream: TextIO | None = None) -> Iterator[ConsoleContext]:
    """Make ``alerts`` and the default JSONL path known to the plugin while a message is sent."""
    ctx = ConsoleContext(alerts=alerts, default_path=default_path, stream=stream)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of whole lines, then fsync: a crash never leaves half an object, and
    # "sent" is only reported once the lines are on disk.
    data = "".join(_terminal_safe(json.dumps(o, ensure_ascii=False, default=str)) + "\n" for o in objects)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    ctx.written.append(path)
    return True


def register() -> None:
    """Register the ``vigie://`` schema with apprise (once per process)."""
    from apprise.decorators.base import N_MGR

    if SCHEMA not in N_MGR:
        notify(on=SCHEMA, name="vigie console and JSON lines")(_send)


register()
