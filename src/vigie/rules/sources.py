"""A rule's ``sources``, ``exclude_sources`` and ``site:`` against an article (for the match stage).

May import: ``vigie.models``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from vigie.models import Article

__all__ = ["site_matches", "source_matches", "source_ok"]


def source_ok(cr: Any, article: Article) -> bool:
    """Does the article pass the rule's ``sources`` and ``exclude_sources``?"""
    if cr.sources and not any(source_matches(p, article) for p in cr.sources):
        return False
    return not any(source_matches(p, article) for p in cr.exclude_sources)


def source_matches(pattern: str, article: Article) -> bool:
    """``site:host`` matches the article URL's host; anything else is a glob over the source id,
    and a bare host name (``lemonde.fr``) also matches the URL's host."""
    if pattern.startswith("site:"):
        return site_matches(pattern[5:], article)
    if fnmatchcase(article.source_id, pattern):
        return True
    looks_like_host = "." in pattern and not any(c in pattern for c in "/*?[:")
    return looks_like_host and site_matches(pattern, article)


def site_matches(host: str, article: Article) -> bool:
    host = host.lower().strip().removeprefix("www.")
    if not article.url or not host:
        return False
    got = (urlsplit(article.url).hostname or "").lower()
    return got == host or got.endswith("." + host) or got == "www." + host
