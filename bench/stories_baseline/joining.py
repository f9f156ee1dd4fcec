"""Frozen baseline (commit 7ffabeb), story joining: which open story of a rule a new matching article belongs to.

An article joins the story of the same rule that shares most of its headline/lede
words (one language; a quarter suffices when it also shares two of the rule's
canonical entities) or at least two of those entities (across languages), within
``config.novelty.story_window`` of the story's last article. Otherwise it starts a
story of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, select

from vigie.common.times import utc
from bench.stories_baseline import schema as t
from bench.stories_baseline.features import Features

SAME_LANGUAGE_JOIN = 0.5  # share of the article's headline/lede words already in the story
SAME_LANGUAGE_JOIN_WITH_TERMS = 0.25  # ... when it also shares two or more of the rule's entities
CROSS_LANGUAGE_TERMS = 2  # canonical entities in common to join a story in another language
TERM_WEIGHT = 0.25  # what one shared entity adds to the containment when stories compete


@dataclass(frozen=True)
class StoredStory:
    """What a story knows so far: the union of its articles' features."""

    id: int
    title: str
    terms: frozenset[str]
    names: frozenset[str]
    facts: frozenset[str]
    keywords: frozenset[str]
    languages: frozenset[str]
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> StoredStory:
        return cls(
            id=int(row.id), title=row.title, terms=frozenset(row.terms), names=frozenset(row.names),
            facts=frozenset(row.facts), keywords=frozenset(row.keywords), languages=frozenset(row.languages),
            updated_at=utc(row.updated_at),
        )


def best_story(conn: Connection, rule_id: str, feats: Features, published: datetime, window: timedelta) -> StoredStory | None:
    """The open story of ``rule_id`` this article belongs to, or None."""
    s = t.stories
    rows = conn.execute(
        select(s).where(s.c.rule_id == rule_id, s.c.updated_at >= published - window, s.c.created_at <= published + window)
    ).all()
    words = feats.keywords | feats.names
    best: StoredStory | None = None
    best_score = 0.0
    for story in map(StoredStory.from_row, rows):
        known = story.keywords | story.names
        containment = len(words & known) / len(words) if words else 0.0
        shared_terms = len(feats.terms & story.terms)
        if feats.language in story.languages:
            joins = containment >= SAME_LANGUAGE_JOIN or (
                shared_terms >= CROSS_LANGUAGE_TERMS and containment >= SAME_LANGUAGE_JOIN_WITH_TERMS
            )
        else:
            joins = shared_terms >= CROSS_LANGUAGE_TERMS
        score = containment + TERM_WEIGHT * shared_terms
        if joins and (score > best_score or (score == best_score and best is not None and story.id < best.id)):
            best, best_score = story, score
    return best
