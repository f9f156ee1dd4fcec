"""The secrets inside a URL, and moving between its written form and its expanded one.

A feed URL may be written with ``${NAME}`` references to environment variables and a
``user:password@`` part; vigie shows and stores it only as written (``source.id``,
``config.mask_userinfo`` masking a literal password as ``****``), and expands it only in
memory for the request. ``conceal_secrets`` turns any text naming the expanded URL (an
error, a redirect's target) back into the written form; ``reveal_secrets`` does the reverse
for a stored location about to be fetched.
"""

from __future__ import annotations

import functools
import os
import re
from urllib.parse import quote, urlsplit

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_MASKED_PASSWORD = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s]*:)\*\*\*\*(?=@)")
_MIN_SECRET = 4  # a shorter value is no secret worth masking, and masking it would garble the text


def url_secrets(written: str, expanded: str, *, spellings: bool = True) -> list[tuple[str, str]]:
    """The secrets of ``expanded`` as ``(value, placeholder)`` pairs, longest value first.

    ``written`` is the same URL as shown (``source.id``, a target's ``display_url``): each
    ``${NAME}`` in it stands for a value of ``expanded``, and a ``****`` user-info password
    (``mask_userinfo``) for the password. Values are found by lining the two up (the
    environment is asked only if they do not line up); a user-info password of
    ``expanded`` is a secret in any case. Percent-encoded spellings of each value are
    included (unless ``spellings`` is false): an HTTP library may quote them in what it reports.
    """
    pieces = re.split(r"(\$\{[A-Za-z_][A-Za-z0-9_]*\})|(?<=:)(\*\*\*\*)(?=@)", written)
    holders = [p for i, p in enumerate(pieces) if i % 3 and p]
    found: list[tuple[str, str]] = []
    if holders:
        pattern = "".join(re.escape(p or "") if i % 3 == 0 else ("(.*?)" if p else "") for i, p in enumerate(pieces))
        m = re.fullmatch(pattern, expanded, re.S)
        if m is not None:
            found = list(zip(m.groups(), holders))
        else:
            found = [(os.environ.get(h[2:-1], ""), h) for h in holders if h.startswith("${")]
    try:
        password = urlsplit(expanded).password if _URL.match(expanded) else None
    except ValueError:
        password = None
    if password:
        found.append((password, "****"))
    found = [(value, holder) for value, holder in found if len(value) >= _MIN_SECRET and value != holder]
    if not spellings:
        return found
    pairs: dict[str, str] = {}
    for value, holder in found:
        for spelling in (value, quote(value, safe=""), quote(value, safe="/:@")):
            pairs.setdefault(spelling, holder)
    return sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)


def conceal_secrets(text: str, written: str, expanded: str) -> str:
    """``text`` with the secrets of ``expanded`` put back in their written form (``${NAME}``, ``****``)."""
    for value, holder in url_secrets(written, expanded):
        text = text.replace(value, holder)
    return text


def reveal_secrets(text: str, written: str, expanded: str) -> str:
    """The inverse of :func:`conceal_secrets`, for the request only: ``${NAME}`` and a ``****``
    user-info password of ``text`` back to the values they stand for in ``expanded``."""
    for value, holder in url_secrets(written, expanded, spellings=False):
        if holder == "****":
            text = _MASKED_PASSWORD.sub(lambda m: m.group(1) + value, text, count=1)
        elif holder in text:
            text = text.replace(holder, value)
    return text


@functools.cache
def masked_url(url: str) -> str:
    """``url`` with its credentials and tokens masked, as apprise shows it; only the scheme if apprise cannot read it."""
    if url.startswith("vigie://"):
        return url  # the embedded target: at most a file path
    import apprise  # here, not at the top: its plugins load in 0.3 CPU-s, and most runs send nothing

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split(":", 1)[0] + "://…"
    return str(plugin.url(privacy=True))
