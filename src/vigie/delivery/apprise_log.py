"""apprise's log: captured per call for a failure's reason, and kept from leaking a target's secrets.

``captured`` records what apprise logs during one call (its DEBUG lines included: they
carry the server's answer); ``failure_reason`` makes one line of it, and ``redact``
takes the target's secrets and every URL's path out of any text. apprise's logger does not
propagate: its records reach the application's handlers only through ``pass_on``'s gate
(WARNING unless asked for more), redacted.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from io import StringIO

# apprise itself is imported where it is used: a run with nothing to send never loads it.
LOGGER_NAME = "apprise"  # apprise.logger.LOGGER_NAME, its logger's name

_target_url: ContextVar[str] = ContextVar("vigie_apprise_target", default="")  # per thread: the URL being sent to
_onward: _Onward | None = None
_install_lock = threading.Lock()


def pass_on(level: int) -> None:
    """apprise's records from ``level`` up go on to the application's handlers, redacted.

    Set once at start-up (WARNING; DEBUG for ``vigie run -v``), never per call: the
    application's handlers (stderr, Prefect's logs) see apprise only through this gate,
    and the delivery captures, which lower apprise's level to DEBUG, do not move it.
    """
    _install().setLevel(level)


@contextmanager
def captured(level: int, secret_url: str) -> Iterator[StringIO]:
    """What apprise logs from ``level`` up during the block, captured for the failure reason.

    apprise's DEBUG lines quote the URL it posts to (a Slack webhook's path is its token) and
    the whole payload: they stay in the capture. What goes on to the application's handlers
    is what ``pass_on`` lets through, redacted with ``secret_url`` like the reason.
    """
    from apprise import LogCapture

    _install()
    token = _target_url.set(secret_url)
    try:
        with LogCapture(level=level) as cap:
            yield cap
    finally:
        _target_url.reset(token)


def _install() -> _Onward:
    """apprise's logger stops propagating; one handler passes its records on, gated and redacted."""
    global _onward
    with _install_lock:
        if _onward is None:
            logger = logging.getLogger(LOGGER_NAME)
            _onward = _Onward(logger, logging.WARNING)
            logger.addHandler(_onward)
            logger.propagate = False
        return _onward


class _Onward(logging.Handler):
    """Passes a redacted copy of each record to the handlers above ``logger``, as propagation would."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        super().__init__(level)
        self.logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args, copy.exc_info, copy.exc_text = redact(record.getMessage(), _target_url.get()), None, None, None
        parent = self.logger.parent
        while parent is not None:  # logging.Logger.callHandlers, from the parent up
            for handler in parent.handlers:
                if copy.levelno >= handler.level:
                    handler.handle(copy)
            parent = parent.parent if parent.propagate else None


_ANY_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^\s'\"<>]+)", re.I)
_URL_FIELD = re.compile(r"(\burl: ?)[^\s'\"]+", re.I)
_SECRET_PART = re.compile(r"[^/:@?&=#%\s]{6,}")


def failure_reason(captured: str, secret_url: str) -> str:
    """The warnings and errors apprise logged, on one line (its debug chatter left out).

    The reason is stored, logged and shown by ``vigie alerts``, and apprise's messages
    quote the URLs it called (a Slack webhook's path is its token): every URL is cut
    to its scheme and host, and every long piece of the target's URL is masked.
    """
    lines = [ln.strip() for ln in captured.splitlines() if ln.strip()]
    important = [ln.split(" - ", 2)[-1] for ln in lines if " - WARNING - " in ln or " - ERROR - " in ln]
    details = [ln.split(" - ", 2)[-1] for ln in lines if "Response Details" in ln or "Exception" in ln]
    chosen = important + [d for d in details if d not in important]
    return redact(" | ".join(dict.fromkeys(chosen)), secret_url)[:2000]


def secret_pieces(secret_url: str) -> set[str]:
    """The token-sized pieces of a target URL that may be secrets: every one but a real host name.

    A real host name says where delivery failed and is no secret; apprise puts some tokens in
    the host position (slack://TokenA/...), and those have no dot."""
    rest = secret_url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    keep = {host} if "." in host or host == "localhost" else set()
    return set(_SECRET_PART.findall(rest)) - keep


def redact(text: str, secret_url: str) -> str:
    """``text`` without the secrets of ``secret_url`` nor the paths and credentials of any URL."""
    for piece in sorted(secret_pieces(secret_url), key=len, reverse=True):
        text = text.replace(piece, "****")

    def host_only(m: re.Match[str]) -> str:
        rest = m.group(2).split("/", 1)[0].rsplit("@", 1)[-1]
        return f"{m.group(1)}://{rest}/…"

    return _URL_FIELD.sub(r"\1…", _ANY_URL.sub(host_only, text))
