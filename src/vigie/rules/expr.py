"""The internal expression tree that both rule forms (``match:`` trees and ``query:`` strings) become.

Atoms carry everything needed to match them (their phrases and how to match
them), so two rules that use the same entity share one atom and the compiled
automaton holds each phrase once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

AtomKind = Literal["entity", "term", "text"]
FilterKind = Literal["site", "source", "lang"]


@dataclass(frozen=True)
class Atom:
    kind: AtomKind
    name: str  # canonical name reported in Match.terms
    phrases: tuple[str, ...]  # as written; a trailing * means "any ending"
    inflect: bool  # expand words with their inflections
    languages: tuple[str, ...] = ("en", "fr")  # languages whose inflections are added
    case_sensitive: bool = False  # the article must write each word with the phrase's capitals
    pos: str | None = None  # only the inflections of this part of speech (noun, verb, adj)


@dataclass(frozen=True)
class And:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Not:
    item: "Expr"


@dataclass(frozen=True)
class Near:
    items: tuple["Expr", ...]  # each an Atom or an Or of Atoms (something with positions)
    distance: int  # at most this many words between consecutive items
    ordered: bool


@dataclass(frozen=True)
class Scope:
    fields: tuple[str, ...]
    item: "Expr"


@dataclass(frozen=True)
class Within:
    """``item`` must hold inside one unit of the text: a sentence, a segment, a field, or (for a NEAR
    across fields) the article read as one text."""

    unit: str  # sentence | segment | field | article
    item: "Expr"


@dataclass(frozen=True)
class Filter:
    kind: FilterKind
    value: str


Expr = Union[Atom, And, Or, Not, Near, Scope, Within, Filter]


def atoms(expr: Expr, positive: bool = True) -> list[tuple[Atom, bool]]:
    """Every atom of ``expr`` with whether it counts for the match (False under a NOT)."""
    if isinstance(expr, Atom):
        return [(expr, positive)]
    if isinstance(expr, (And, Or, Near)):
        return [a for item in expr.items for a in atoms(item, positive)]
    if isinstance(expr, Not):
        return atoms(expr.item, not positive)
    if isinstance(expr, (Scope, Within)):
        return atoms(expr.item, positive)
    return []


def positional(expr: Expr) -> bool:
    """Can ``expr`` be a NEAR operand (does it have word positions)?"""
    if isinstance(expr, Atom):
        return True
    if isinstance(expr, Or):
        return all(positional(i) for i in expr.items)
    return False
