"""Frozen baseline (commit 7ffabeb), developments: what an article joining a story brings that the story lacked.

An article is a development only when it brings something new: an entity of the
rule, a figure, a name in its headline, or two names in its lede
(``vigie.stories.features``). Across languages only entities and figures count,
names being spelt differently ("Poutine", "Putin"). Otherwise it joins silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.stories_baseline.features import Features, term_words
from bench.stories_baseline.joining import StoredStory


@dataclass(frozen=True)
class WhatIsNew:
    """What an article brought to its story (``vigie.models.WhatIsNew`` as it was at the frozen commit)."""

    terms: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Development:
    """Whether an article moves its story on, and with what."""

    moves_story: bool
    new: WhatIsNew  # empty unless ``moves_story``


def development(story: StoredStory, feats: Features) -> Development:
    """What ``feats`` (an article joining ``story``) adds to it."""
    # A name is new only if the story never had the word at all (as a name, as a
    # plain word, or inside one of the rule's entities: "Jong-un", "South").
    known = story.names | story.keywords | term_words(story.terms | feats.terms)
    new_names = {n for n in feats.names if n not in known and not all(p in known for p in n.split("-"))}
    new_terms = tuple(sorted(feats.terms - story.terms))
    new_facts = tuple(sorted(feats.facts - story.facts))
    if feats.language in story.languages:
        moves = bool(new_terms or new_facts or (feats.title_names & new_names) or len(new_names) >= 2)
        new = WhatIsNew(new_terms, tuple(sorted(new_names)), new_facts)
    else:
        # Names are spelt differently across languages: only the rule's canonical
        # entities and figures can tell news from translation.
        moves = bool(new_terms or new_facts)
        new = WhatIsNew(new_terms, (), new_facts)
    return Development(moves, new if moves else WhatIsNew())
