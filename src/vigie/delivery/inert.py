"""Untrusted text made inert, whatever channel shows it.

Everything an alert carries comes from a feed. Before any channel's own escaping, every
value goes through ``neutral_text`` (e-mail, whose plain-text part turns ``&lt;`` back into
``<``; Markdown and text, which cover ``json://`` and every other generic target, whose
receiver may well render it as Slack or HTML) or, for Slack mrkdwn, which shows ``<`` only
as ``&lt;``, ``neutral``:

- bidirectional overrides, embeddings and isolates (U+202A..U+202E, U+2066..U+2069) are
  removed: they make text read in another order than it is written (a headline or a
  "file name" that lies). The plain marks U+200E/U+200F only hint a direction and stay;
- ``@here``/``@channel``/``@everyone``/``@all`` and ``<!channel>``/``<@U..>``/``<#C..>``/
  ``<https://..|..>`` control sequences get a zero-width space that keeps them readable but
  unparsable;
- ``javascript:``, ``vbscript:``, ``data:`` and ``file:`` schemes get a zero-width space
  before their colon, so no receiver turns them into a live link.

Then each channel escapes its own markup (``slack_escape``, ``md_escape``; HTML through
Jinja's autoescape), and only http(s) URLs become links (``safe_url``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

ZWSP = "\u200b"
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"@(?=(here|channel|everyone|all)\b)", re.IGNORECASE)
_CONTROL_SEQUENCE = re.compile(r"<(?=[!@#]|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"\b(javascript|vbscript|data|file)(?=:)", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional overrides, embeddings and isolates."""
    return BIDI_CONTROLS.sub("", text)


def neutral(value: Any) -> str:
    """A value as text that no channel can read as a mention or a script link (for Slack mrkdwn,
    which escapes ``<`` for good)."""
    text = strip_bidi(str(value))
    text = _SCRIPT_SCHEME.sub(lambda m: m.group(1) + ZWSP, text)
    return _MENTION.sub("@" + ZWSP, text)


def neutral_text(value: Any) -> str:
    """``neutral``, and ``<!channel>``-style control sequences broken: for text shown as is (text,
    Markdown, Slack plain_text), which a receiver may still hand to Slack or a browser."""
    return _CONTROL_SEQUENCE.sub("<" + ZWSP, neutral(value))


def slack_escape(value: Any) -> str:
    """Text made inert for Slack mrkdwn: no ``<!channel>``, ``<@U..>`` or ``<url|text>`` can survive."""
    return neutral(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_plain(value: Any) -> str:
    """For Slack plain_text (the header): shown as is, but with control sequences broken."""
    return neutral_text(value)


def md_escape(value: Any) -> str:
    """Markdown punctuation backslash-escaped: an article cannot add a link, image or heading."""
    return _MD_SPECIAL.sub(r"\\\1", neutral_text(value))


def safe_url(url: Any) -> str | None:
    """The URL if it is http(s), with the characters that end a link in any channel percent-encoded."""
    if not url:
        return None
    text = strip_bidi(str(url)).strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return quote(text, safe=":/?#@!$&'*+,;=%-._~")
