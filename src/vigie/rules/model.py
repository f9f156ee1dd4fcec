"""The rule file format, as pydantic models (the JSON Schema is generated from these).

A rule file holds four sections: reusable ``entities`` (a canonical name and
every variant of it across languages and scripts), reusable ``terms`` (words
and phrases matched with their inflections, plus synonyms), named match items
(``define``, used by name: ``use: name``, ``$name``), and ``rules``
(a boolean ``match`` tree, a ``query`` string in the Meltwater / Google Alerts
style, or ``weights`` with a threshold, or several of those at once: every
one given must hold).

Every model forbids unknown keys: a typo in a rule file is an error pointing at
its line, never a silently ignored setting.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from vigie.common.times import parse_duration
from vigie.rules.digest import parse_digest

# A joined name reads its fields as one text, in this order: a phrase or NEAR may run across the join.
FieldName = Literal["title", "summary", "body", "title+summary", "summary+body", "title+body", "title+summary+body"]
Within = Literal["sentence", "segment", "field", "article"]
Pos = Literal["noun", "verb", "adj"]
_FIELDS = ("Only look in these fields: title, summary, body, or a joined name (title+summary, summary+body, "
           "title+body, title+summary+body) that reads them as one text.")
_POS = ("Only the inflections of this part of speech (from the lemma tables' noun, verb and adjective "
        "tables): forces as a noun gives force, not forced.")
Severity = Literal["info", "low", "medium", "high", "critical"]
EntityKind = Literal["person", "place", "organisation", "group", "event", "product", "thing", "other"]
MatchMode = Literal["inflect", "exact"]
Case = Literal["insensitive", "sensitive"]
_CASE = "sensitive: the article must write each word with the same capitals (Arm the chip maker, not arm)."
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"invalid id {value!r}: use letters, digits, '-', '_' or '.', starting with a letter or digit")
    return value


def _non_empty(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    for v in values:
        if not v.strip():
            raise ValueError(f"empty {what}")
    return values


class Entity(_Strict):
    """A named thing and all the ways the press writes it.

    Variants match as whole words after folding (case, accents, hyphens,
    apostrophes and curly quotes do not matter); a variant ending in ``*``
    also matches longer words (``Курск*`` matches Курске, Курска).
    Variants are not inflected: list declined forms or use ``*``.
    """

    name: str = Field("", description="Canonical name, reported in matches (default: the entity id).")
    kind: EntityKind = Field("other", description="What the entity is.")
    case: Case = Field("insensitive", description=_CASE)
    variants: tuple[str, ...] = Field(..., min_length=1, description="Every spelling, language and script of the name; end one with * for the words it starts (Курск*, 북한*); one ending in Hangul also matches with a Korean particle glued to it (김정은이), never a longer word.")
    description: str = Field("", description="Free text for analysts.")

    _v = field_validator("variants")(lambda v: _non_empty(v, "variant"))


class Term(_Strict):
    """A topic word or phrase, with its synonyms, matched with its inflections."""

    name: str = Field("", description="Canonical name, reported in matches (default: the term id).")
    words: tuple[str, ...] = Field(..., min_length=1, description="Words and phrases (synonyms included); a trailing * matches any ending.")
    match: MatchMode = Field("inflect", description="inflect: also match inflected forms (troops/troop, déployé/déployer); exact: folded form only.")
    languages: tuple[str, ...] = Field(("en", "fr"), description="Languages whose inflections are added.")
    case: Case = Field("insensitive", description=_CASE)
    pos: Pos | None = Field(None, description=_POS, examples=["noun"])
    description: str = Field("", description="Free text for analysts.")

    _w = field_validator("words")(lambda v: _non_empty(v, "word"))


# ---- the boolean match tree -------------------------------------------------------------

class _Node(_Strict):
    fields: tuple[FieldName, ...] | None = Field(None, description=_FIELDS, examples=[["title+summary"]])


class AllNode(_Node):
    all: tuple["Node", ...] = Field(..., min_length=1, description="Every item must match.")
    within: Within = Field("article", examples=["sentence"], description="All items inside one sentence, one segment (a part between | or bullet separators), one field, or anywhere in the article.")


class AnyNode(_Node):
    any: tuple["Node", ...] = Field(..., min_length=1, description="At least one item must match.")


class NoneNode(_Node):
    none: tuple["Node", ...] = Field(..., min_length=1, description="No item may match.")


class EntityNode(_Node):
    entity: str = Field(..., description="Id of an entity of this file.")


class TermNode(_Node):
    term: str = Field(..., description="Id of a term of this file.")


class TextNode(_Node):
    text: str = Field(..., min_length=1, description="A word or phrase written in the rule itself.")
    exact: bool = Field(False, description="Match the folded form only, no inflections.")
    case: Case = Field("insensitive", description=_CASE)
    pos: Pos | None = Field(None, description=_POS, examples=["noun"])


class UseNode(_Node):
    use: str = Field(..., description="A name of this file's define: section, or the id of another rule of this file (its match and query).")


class QueryNode(_Node):
    query: str = Field(..., min_length=1, description="A query string (see the query language).")


class NearNode(_Node):
    near: tuple["Node", ...] = Field(..., min_length=2, description="Items that must occur close together (words, phrases, entities, terms or any: of them).")
    distance: int = Field(5, ge=0, le=1000, description="At most this many words between them.")
    ordered: bool = Field(False, description="They must occur in the given order.")
    within: Within = Field("field", examples=["segment"], description="Also inside one sentence or segment; field: in one field (default); article: across fields, counting the words between in the order title, summary, body.")


NODE_KEYS = ("all", "any", "none", "entity", "term", "text", "query", "near", "use")


def _node_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return next((k for k in NODE_KEYS if getattr(value, k, None) is not None), None)
    if isinstance(value, dict):
        return next((k for k in NODE_KEYS if k in value), None)
    return None


Node = Annotated[
    Union[
        Annotated[AllNode, Tag("all")],
        Annotated[AnyNode, Tag("any")],
        Annotated[NoneNode, Tag("none")],
        Annotated[EntityNode, Tag("entity")],
        Annotated[TermNode, Tag("term")],
        Annotated[TextNode, Tag("text")],
        Annotated[QueryNode, Tag("query")],
        Annotated[NearNode, Tag("near")],
        Annotated[UseNode, Tag("use")],
    ],
    Discriminator(_node_tag, custom_error_type="node_kind", custom_error_message="expected one of the keys " + ", ".join(NODE_KEYS)),
]

for _m in (AllNode, AnyNode, NoneNode, NearNode):
    _m.model_rebuild()


# ---- weights ---------------------------------------------------------------------------

class WeightedItem(_Strict):
    """One weighted item: exactly one of entity, term, text, query or use."""

    entity: str | None = None
    term: str | None = None
    text: str | None = None
    query: str | None = None
    use: str | None = Field(None, description="A define: name or the id of another rule of this file.")
    weight: float = Field(1.0, description="Added to the score when the item matches (once per item).")
    fields: tuple[FieldName, ...] | None = Field(None, description=_FIELDS, examples=[["title+summary"]])

    @model_validator(mode="after")
    def _one(self) -> "WeightedItem":
        given = [k for k in ("entity", "term", "text", "query", "use") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of entity, term, text, query or use")
        return self


class Weights(_Strict):
    """Weighted items and the score an article must reach (Europe Media Monitor style)."""

    threshold: float = Field(..., description="The rule fires when the summed weights of the items found reach this.")
    items: tuple[WeightedItem, ...] = Field(..., min_length=1)


# ---- rules and files --------------------------------------------------------------------

class Escalate(_Strict):
    """Tell once when a story's independent sources grow fast (breaking news)."""

    sources: int = Field(..., ge=2, description="Independent sources (syndicated copies not counted) that a story must reach ...")
    within: str = Field(..., description="... within this time, counted back from its newest article: 30m, 2h, 1d.")

    @field_validator("within")
    @classmethod
    def _within(cls, value: str) -> str:
        if parse_duration(value).total_seconds() <= 0:
            raise ValueError("within must be a positive duration")
        return value


class Rule(_Strict):
    """One alert rule. Give ``match``, ``query`` or ``weights`` (several: all must hold)."""

    id: str = Field(..., description="Unique id, used in alerts and the store.")
    name: str = Field("", description="Human title of the rule.")
    description: str = Field("", description="Free text for analysts.")
    enabled: bool = Field(True, description="A disabled rule is checked but never matched.")
    match: Node | None = Field(None, description="Boolean tree: all / any / none / near of entity, term, text, query.")
    query: str | None = Field(None, description="Query string: quotes, AND, OR, NOT/-, ( ), NEAR/n, ONEAR/n, title: summary: body:, site:, source:, lang:.")
    weights: Weights | None = Field(None, description="Weighted items with a threshold.")
    fields: tuple[FieldName, ...] = Field(("title", "summary", "body"), description="Fields the rule looks at (joined names read fields as one text: title+summary).",
                                        examples=[["title+summary", "body"]])
    languages: tuple[str, ...] = Field((), description="Only articles in these languages (ISO 639-1); empty: all.")
    sources: tuple[str, ...] = Field((), description="Only these sources: source ids (glob patterns) or site hosts (site:example.com); empty: all.")
    exclude_sources: tuple[str, ...] = Field((), description="Never these sources (same forms as sources).")
    severity: Severity = Field("info", description="Routing weight of the alert.")
    notify: tuple[str, ...] = Field((), description="Apprise tags to notify; empty: every target.")
    alert: Literal["each", "new_story", "developments"] = Field("developments", description="each matching article, the first article of a story, or a story and its developments.")
    digest: str = Field("immediate", description="immediate, hourly, or 'daily at HH:MM' (config time zone).")
    escalate: Escalate | None = Field(None, description="Tell once when a story grows fast: {sources: 5, within: 2h}.")

    _id = field_validator("id")(lambda v: _check_id(v))

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        parse_digest(value)
        return value

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("empty query")
        return value

    @model_validator(mode="after")
    def _something(self) -> "Rule":
        if self.match is None and self.query is None and self.weights is None:
            raise ValueError("a rule needs 'match', 'query' or 'weights'")
        return self


class RuleFile(_Strict):
    """One YAML rule file."""

    version: Literal[1] = Field(1, description="Format version.")
    entities: dict[str, Entity] = Field(default_factory=dict, description="Entities by id.")
    terms: dict[str, Term] = Field(default_factory=dict, description="Terms by id.")
    define: dict[str, Node] = Field(default_factory=dict, description="Named match items, used by name in rules: use: name, $name in queries, use: in weights.")
    rules: tuple[Rule, ...] = Field((), description="The rules.")

    @field_validator("entities", "terms", "define")
    @classmethod
    def _ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            _check_id(key)
        return value
