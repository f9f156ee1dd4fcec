"""Logs that cannot leak a secret: apprise kept at WARNING, and every log record masked.

apprise logs, at DEBUG, the URLs it posts to and the payloads it sends: a Slack webhook's
path is its token, a ``json://`` URL may hold one (and httpx logs every URL it requests at
INFO). ``quiet_apprise`` sets their loggers to WARNING, DEBUG only when asked for (``vigie
run -v``; the ``VIGIE_VERBOSE`` environment variable carries the choice to the flow-run
processes of ``vigie serve``), and sets the gate of ``delivery.apprise_log`` to match.

``protect(config)`` is the belt to those braces: it learns the secrets of the configuration
(the expanded ``${NAME}`` values and user-info passwords of the feed URLs, the parts of each
target URL that apprise itself would mask) and installs a log-record factory that replaces
them, in every record of every logger (vigie's, apprise's, Prefect's, which ships records to
its API) and in the traceback a record carries, by their written form or ``****``.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from vigie.common.urlsecrets import url_secrets
from vigie.config import Config
from vigie.delivery import apprise_log
from vigie.models import SourceKind

CHATTY_LOGGERS = ("apprise", "httpx", "urllib3")  # they log the URLs they call (urllib3: the feeds')
VERBOSE_ENV = "VIGIE_VERBOSE"

_lock = threading.Lock()
_secrets: dict[str, str] = {}  # value -> what is shown instead
_ordered: list[tuple[str, str]] = []  # the same, longest value first
_installed = False


def quiet_apprise(verbose: bool | None = None) -> None:
    """apprise's logger (and httpx's and urllib3's, which log every URL they request) at WARNING,
    or DEBUG when ``verbose`` (None: as ``VIGIE_VERBOSE`` says)."""
    if verbose is None:
        verbose = os.environ.get(VERBOSE_ENV, "") not in ("", "0", "false")
    level = logging.DEBUG if verbose else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    apprise_log.pass_on(level)


def protect(config: Config) -> None:
    """Mask the secrets of ``config`` in every log record from now on (apprise quieted too)."""
    quiet_apprise()
    pairs: list[tuple[str, str]] = []
    for source in config.source_objects():
        if source.kind == SourceKind.FEED and source.location != source.id:
            pairs += url_secrets(source.id, source.location)
    for target in config.targets:
        secret, shown = target.url.get_secret_value(), target.shown_url
        pairs += url_secrets(shown, secret) if "${" in shown else url_secrets(secret, secret)
        # What apprise masks in its own rendering: every token-sized piece it does not show.
        pairs += [(piece, "****") for piece in apprise_log.secret_pieces(secret) if piece not in shown]
    remember(pairs)


def remember(pairs: list[tuple[str, str]]) -> None:
    """Mask each ``value`` as its ``placeholder`` in every log record from now on."""
    global _ordered, _installed
    with _lock:
        for value, placeholder in pairs:
            if value:
                _secrets.setdefault(value, placeholder)
        _ordered = sorted(_secrets.items(), key=lambda pair: len(pair[0]), reverse=True)
        if not _installed:
            _install()
            _installed = True


def mask(text: str) -> str:
    """``text`` with every remembered secret replaced."""
    for value, placeholder in _ordered:
        if value in text:
            text = text.replace(value, placeholder)
    return text


def _install() -> None:
    previous = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not _ordered:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's to report, unmasked args or not
            return record
        shown = mask(message)
        if shown != message or record.args:
            record.msg, record.args = shown, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return record

    logging.setLogRecordFactory(masked_record)
