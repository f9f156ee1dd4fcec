"""The match stage: articles in, the rules that fired on them out (pure: no I/O, no store).

Compile the rules once per run with :func:`vigie.rules.compile_rules`, then call
:func:`match_article` per article or :func:`match_articles` on a batch. "No
match" is an empty list, not an exception.
"""

from __future__ import annotations

from typing import Iterable

from vigie.models import Article, Match
from vigie.rules.compile import Matcher


def match_article(matcher: Matcher, article: Article) -> list[Match]:
    """Every rule of ``matcher`` that fires on ``article``, with the spans that made it fire."""
    return matcher.match(article)


def match_articles(matcher: Matcher, articles: Iterable[Article]) -> list[Match]:
    """:func:`match_article` over a batch, in article order."""
    out: list[Match] = []
    for article in articles:
        out.extend(matcher.match(article))
    return out
