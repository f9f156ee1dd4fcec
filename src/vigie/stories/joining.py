"""Story joining: which open story (of any rule) a new matching article reports on.

Outlets word one event differently (0-22% of headline/lede words in common) but name
the same people and places, and the words they share that matter are rare ones. An
article joins the open story with the best score, within ``config.novelty.story_window``
of it, when it is the same event by one of these (``same_event``):

- *same language*: the rarity-weighted share of its words (``vigie.stories.rarity``)
  the story already has is at least ``WORDS``; or at least ``WORDS_WITH_ENTITIES`` when it
  shares ``ENTITIES`` of the story's core entities (named by a third of its articles:
  variants folded, across rules; "Putin" in reports of Zelensky's visit is an aside); or it shares that
  many entities and they are rare names (their summed rarity at least ``RARE_ENTITIES``);
  or ``WORDS_WITH_ONE_ENTITY`` with one entity and an event class or figure in common; or
  ``WORDS_ON_SUBJECT`` when its headline names only the story's core entities (``on_subject``:
  "Zelensky, in Crew Neck and Cargo Pants ..." in a story about Zelensky's visit), or
  ``WORDS_NAMING_SUBJECT`` when it names one of them among other names (``names_subject``), while
  the story is ``HOT``;
- *across languages*: words do not compare, entities do: two shared entities, or one
  within a day when the two also share a figure, an event class or a rare word spelt
  alike (a name: "Zelensky"), or, within ``ALONE_WINDOW``, when the article has no other
  entity of the rules (a one-entity rule's report of the same half-day).

Rarity makes "leader, meet, president" weigh little: two reports of a meeting no longer
join an earlier missile-launch story on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import Connection, Row, select

from vigie.common.times import utc
from vigie.store import schema as t
from vigie.stories import rarity
from vigie.stories.actors import party
from vigie.stories.events import material
from vigie.stories.features import Features, entity_terms
from vigie.stories.names import same_entity

WORDS = 0.45  # rarity-weighted share of the article's words already in the story
WORDS_WITH_ENTITIES = 0.15  # ... when it also shares ENTITIES entities
WORDS_WITH_ONE_ENTITY = 0.2  # ... when it shares one, and an event class or a figure
ENTITIES = 2
RARE_ENTITIES = 30.0  # ... or when the shared entities are rare names (summed rarity, vigie.stories.rarity)
CORE = 3  # an entity that a third of a story's articles name is what the story is about
SUBJECT = 4  # ... and one a quarter name is among its subjects: a headline naming only such is about it
MERGE = 0.6  # an article fitting a second story this well shows the two are one event
CROSS_LANGUAGE_WINDOW = timedelta(hours=24)  # one shared entity joins across languages only this close
ALONE_WINDOW = timedelta(hours=12)  # ... and with nothing else in common, only this close
ENTITY_WEIGHT = 0.15  # what one shared entity adds to the score when stories compete
WORDS_ON_SUBJECT = 0.1  # ... when the headline names only what the story is about
HOT = timedelta(hours=6)  # ... and the story had an article this recently
WORDS_NAMING_SUBJECT = 0.2  # ... or when it names one of them among other names


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
    created_at: datetime
    entities: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    last_published: datetime | None = None
    entity_counts: Mapping[str, int] = field(default_factory=dict)  # {entity: articles that named it}
    articles: int = 1
    actors: frozenset[str] = frozenset()  # parties that acted or spoke in its articles (not only named)

    @classmethod
    def from_row(cls, row: Row[Any]) -> StoredStory:
        return cls(
            id=int(row.id), title=row.title, terms=frozenset(row.terms), names=frozenset(row.names),
            facts=frozenset(row.facts), keywords=frozenset(row.keywords), languages=frozenset(row.languages),
            updated_at=utc(row.updated_at), created_at=utc(row.created_at),
            entities=frozenset(row.entities or ()), events=frozenset(row.events or ()),
            last_published=utc(row.last_published) if row.last_published is not None else utc(row.updated_at),
            entity_counts=dict(row.entity_counts or {}), articles=int(row.article_count or 1),
            actors=frozenset(row.actors or ()),
        )

    def core_entities(self, share: int = CORE) -> frozenset[str]:
        """The entities a third (1/``share``) of its articles name: what the story is about, not its asides
        ("Putin" in reports of Zelensky's visit). All of them in a small or older story."""
        if self.articles < 3 or not self.entity_counts:
            return self.entities
        return frozenset(e for e, n in self.entity_counts.items() if share * n >= self.articles)


def best_story(conn: Connection, feats: Features, published: datetime, window: timedelta) -> StoredStory | None:
    """The open story this article belongs to, or None."""
    found = matching_stories(conn, feats, published, window)
    return found[0] if found else None


def matching_stories(conn: Connection, feats: Features, published: datetime, window: timedelta) -> list[StoredStory]:
    """The open stories this article belongs to, best first (ties: the oldest story).

    More than one means the stories were one event all along, told apart only because
    their articles came in another order: the caller merges them.
    """
    s = t.stories
    rows = conn.execute(
        select(s).where(s.c.updated_at >= published - window, s.c.created_at <= published + window)
    ).all()
    scored = sorted(((same_event(feats, story, published), story) for story in map(StoredStory.from_row, rows)),
                    key=lambda x: (-x[0], x[1].id))
    best = [story for score, story in scored[:1] if score > 0]
    return best + [story for score, story in scored[1:] if score >= MERGE and _one_event(best[0], story)]


def _one_event(a: StoredStory, b: StoredStory) -> bool:
    """Whether story ``b``, read as one article, would join story ``a``, and the two are about the same
    things (half the core entities of the smaller one are core to the other): a bridging article (a
    roundup of the day) is not enough to merge two stories that have little in common, nor is the
    vocabulary of two big stories of one day ("Putin vows ..." and Zelensky's visit both say
    "Ukraine", "military", "support")."""
    core_a = {party(e) for e in a.core_entities()}
    core_b = {party(e) for e in b.core_entities()}
    if 2 * shared_entities(core_b, core_a) < min(len(core_a), len(core_b)):
        return False
    as_article = Features(
        terms=b.terms, title_names=frozenset(), names=b.names, facts=b.facts, keywords=b.keywords,
        language=sorted(b.languages)[0] if b.languages else "und", entities=b.entities, events=b.events,
    )
    return same_event(as_article, a, b.last_published or b.updated_at) > 0


def same_event(feats: Features, story: StoredStory, published: datetime) -> float:
    """How well ``feats`` fits ``story`` (0.0: not the same event)."""
    if feats.language in story.languages:
        # Seats of government read as their country ("Moscow denies" in a story about Russia).
        entities, core = parties(feats.entities), parties(story.core_entities())
        shared = shared_entities(entities, core)
        words = feats.keywords | feats.names
        total = rarity.total(words, feats.language)
        share = rarity.total(words & (story.keywords | story.names), feats.language) / total if total else 0.0
        rare = sum(entity_weight(x) for x in entities if known(x, core))
        corroborated = bool(material(feats.events & story.events) or feats.numbers & story.facts)
        hot = abs(published - (story.last_published or story.updated_at)) <= HOT
        joins = (
            share >= WORDS
            or (shared >= ENTITIES and (share >= WORDS_WITH_ENTITIES or rare >= RARE_ENTITIES))
            or (shared >= 1 and corroborated and share >= WORDS_WITH_ONE_ENTITY)
            or (hot and share >= WORDS_ON_SUBJECT and on_subject(feats, story))
            or (hot and share >= WORDS_NAMING_SUBJECT and names_subject(feats, story))
            # A digest of the day opens no story: it retells, among others, the hot story whose subject it names.
            or (hot and feats.roundup and shared >= 1 and share >= WORDS_ON_SUBJECT)
        )
        return share + ENTITY_WEIGHT * shared if joins else 0.0
    # Across languages: entities (language-independent once folded to the rules' canonical
    # names), figures, event classes and words spelt alike (names, mostly).
    shared = shared_entities(parties(feats.entities), parties(story.entities))
    near = abs(published - (story.last_published or story.updated_at)) <= CROSS_LANGUAGE_WINDOW
    spelt_alike = {w for w in (feats.keywords | feats.names) & (story.keywords | story.names) if rarity.zipf(w) < 3.5}
    corroborated = bool(feats.numbers & story.facts or material(feats.events & story.events) or spelt_alike)
    # An article that names nothing but the one entity it shares (a one-entity rule's
    # report: "Poutine ..." beside "Putin ...") joins the story of the same day.
    gap = abs(published - (story.last_published or story.updated_at))
    alone = len(entity_terms(feats.terms)) == 1 and gap <= ALONE_WINDOW
    joins = shared >= ENTITIES or (shared >= 1 and near and (corroborated or alone))
    return ENTITY_WEIGHT * shared + 0.1 * corroborated if joins else 0.0


def on_subject(feats: Features, story: StoredStory) -> bool:
    """Whether the headline names only what the story is about: its core entities (seats of government
    read as their country). A headline that names another name ("Kherson residents tell of torture",
    "Wagner Group: ...", "Putin vows ..." beside a story about Zelensky's visit that only mentions
    Putin) is about another event, whatever its lede recalls."""
    named = {party(e) for e in feats.title_entities}
    core = story.core_entities(SUBJECT) | {party(e) for e in story.core_entities(SUBJECT)}
    return bool(named) and all(known(e, core) for e in named)


def names_subject(feats: Features, story: StoredStory) -> bool:
    """Whether the headline names one of the story's core entities, whatever else it names ("Watch:
    Ukraine's Zelenskyy seen in Poland heading to U.S." in a story about Zelensky's visit): with a fifth
    of its words in a story reported within hours, it is that story seen from somewhere new, not another
    ("Biden holds emergency roundtable ... at G20 Summit after 'Russian-made missile' falls on Polish village")."""
    core = story.core_entities() | {party(e) for e in story.core_entities()}
    return any(known(party(e), core) for e in feats.title_entities)


def parties(entities: "frozenset[str] | set[str]") -> frozenset[str]:
    """``entities`` with each seat of government or capital read as its country ("kremlin" -> "russia")."""
    return frozenset(party(e) for e in entities)


def shared_entities(a: "frozenset[str] | set[str]", b: "frozenset[str] | set[str]") -> int:
    """How many of ``a`` are in ``b`` (a part of a name counts: "kim" and "kim jong un")."""
    return sum(1 for x in a if known(x, b))


def known(x: str, b: "frozenset[str] | set[str]") -> bool:
    return x in b or any(same_entity(x, y) for y in b)


def entity_weight(name: str) -> float:
    """The rarity of a name: that of its rarest word ("brittney griner": "griner")."""
    return max((rarity.weight(w) for w in name.split()), default=0.0)
