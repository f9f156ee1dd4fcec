"""Evaluation plans: the rule shapes analysts write most, decided from the atoms found, not by walking the tree.

Most rules are an AND of parts, each an atom, an OR of atoms (either maybe scoped to fields) or a
NOT of such; or a NEAR of two atoms or more. For the first kind, whether the rule fires is a few set
tests on the atoms an article holds (every atom of a clause-with-one-atom found, every other clause
meeting the found atoms, no atom of a NOT found), and the hits that make its spans are those of its
positive atoms found, in the order the expression names them; scoped atoms test their hits' fields.
For a NEAR of atoms, the plan says which atoms and fields to give :func:`vigie.rules.near.near_combination`.

Every other rule (weights, language or source filters, joined fields, ``within``, NEAR of OR groups,
an OR holding an AND) has no plan and is evaluated by walking its compiled expression
(:func:`vigie.rules.match._eval`). ``tests/test_match_identity.py`` checks that both ways give the
same matches as the reference matcher.

Plans are plain tuples, pickled with the compiled matcher.

May import: ``vigie.rules.near``.
"""

from __future__ import annotations

from typing import Any, Sequence

from vigie.rules.near import FIELDS, NEAR_MAX_POSITIONS, near_combination, near_pair, token_order

REAL_FIELDS = 3  # title, summary, body: a literal on all of them looks at every hit

Hit = tuple[str, int, int]  # field, first token, last token
Literal = tuple[int, frozenset[str] | None]  # an atom and the fields its hits must be in (None: any)
# ("bool", required atoms, clauses (one of each must be found), absent atoms, scoped clauses (must hold,
#  literals), positive literals in expression order, plain: every literal on any field, atoms of distinct names,
#  fixed: when plain and every positive atom is required, those atoms: the hits of a match are theirs)
# ("near", atoms, fields or None, distance, ordered)
Plan = tuple[Any, ...]


def plan_of(expr: tuple[Any, ...] | None, fields: frozenset[str], names: Sequence[str], plain_rule: bool) -> Plan | None:
    """The plan of one compiled rule expression, or None when it must be walked. ``plain_rule``: the rule
    has no weights, no language or source filter and no joined field (the plans do not cover those)."""
    if expr is None or not plain_rule:
        return None
    if expr[0] == "near" and all(item[0] == "a" for item in expr[1]):
        return ("near", tuple(item[1] for item in expr[1]), _fields(fields), expr[2], expr[3])
    required: set[int] = set()
    clauses: list[frozenset[int]] = []
    absent: set[int] = set()
    scoped: list[tuple[bool, tuple[Literal, ...]]] = []
    order: list[Literal] = []

    def part(e: tuple[Any, ...], f: frozenset[str]) -> bool:
        tag = e[0]
        if tag == "scope":
            return part(e[2], f & e[1])
        if tag == "and":
            return bool(e[1]) and all(part(item, f) for item in e[1])
        negated = tag == "not"
        got = _literals(e[1] if negated else e, f)
        if got is None:
            return False
        if any(lit_fields is not None for _, lit_fields in got):
            scoped.append((not negated, tuple(got)))
        elif negated:
            absent.update(idx for idx, _ in got)
        elif len(got) == 1:
            required.add(got[0][0])
        else:
            clauses.append(frozenset(idx for idx, _ in got))
        if not negated:
            order.extend(got)
        return True

    if not part(expr, fields):
        return None
    atoms = [idx for idx, _ in order]
    plain = (all(lit_fields is None for _, lit_fields in order) and len(set(atoms)) == len(atoms)
             and len({names[idx] for idx in atoms}) == len(atoms))
    fixed = tuple(atoms) if plain and not clauses and atoms else None  # every positive atom is required
    return ("bool", frozenset(required), tuple(clauses), frozenset(absent), tuple(scoped), tuple(order), plain, fixed)


def _fields(fields: frozenset[str]) -> frozenset[str] | None:
    return None if len(fields) == REAL_FIELDS else fields


def _literals(e: tuple[Any, ...], fields: frozenset[str]) -> list[Literal] | None:
    """An atom or an OR of atoms (each maybe scoped) as its literals; None for anything else."""
    tag = e[0]
    if tag == "a":
        return [(e[1], _fields(fields))]
    if tag == "scope":
        return _literals(e[2], fields & e[1])
    if tag == "or" and e[1]:
        out: list[Literal] = []
        for item in e[1]:
            got = _literals(item, fields)
            if got is None:
                return None
            out.extend(got)
        return out
    return None


def scoped_hold(scoped: tuple[tuple[bool, tuple[Literal, ...]], ...], hits: dict[int, list[Hit]]) -> bool:
    """Does every scoped clause of a plan hold: one of its atoms hit in its fields (none, for a NOT)?"""
    for positive, literals in scoped:
        found = any(f is None or h[0] in f for idx, f in literals for h in hits.get(idx, ()))
        if found is not positive:
            return False
    return True


def near_hits(plan: Plan, hits: dict[int, list[Hit]], cache: dict[Any, Any]) -> list[tuple[int, Hit]] | None:
    """The hits of a NEAR plan's atoms that sit close enough (the first in field then token order), or None;
    ``cache`` keeps each atom's hits by field for the other NEAR rules of the article."""
    _, atoms, fields, distance, ordered = plan
    for idx in atoms:
        if idx not in hits:
            return None
    if len(atoms) != 2:
        per_item = [[(idx, h) for h in hits[idx] if fields is None or h[0] in fields] for idx in atoms]
        return near_combination(per_item, distance, ordered)
    first, second = atoms
    hx, hy = hits[first], hits[second]
    if len(hx) == 1 and len(hy) == 1:  # the common case: each atom once in the article
        hit_x, hit_y = hx[0], hy[0]
        if hit_x[0] != hit_y[0] or (fields is not None and hit_x[0] not in fields):
            return None
        # as near_pair decides it for one hit each
        after = ordered or (hit_x[1], hit_x[2]) <= (hit_y[1], hit_y[2])
        gap = hit_y[1] - hit_x[2] - 1 if after else hit_x[1] - hit_y[2] - 1
        return [(first, hit_x), (second, hit_y)] if 0 <= gap <= distance else None
    xs, ys = _by_field(hits, cache, first), _by_field(hits, cache, second)
    for fname in FIELDS:
        x, y = xs.get(fname), ys.get(fname)
        if x and y and (fields is None or fname in fields):
            pair = near_pair(x, y, distance, ordered)
            if pair is not None:
                return pair
    return None


def _by_field(hits: dict[int, list[Hit]], cache: dict[Any, Any], idx: int) -> dict[str, list[tuple[int, Hit]]]:
    """One atom's hits per field in token order (the first NEAR_MAX_POSITIONS), built once per article."""
    key = ("by field", idx)
    got = cache.get(key)
    if got is None:
        got = {}
        for h in hits[idx]:
            got.setdefault(h[0], []).append((idx, h))
        for found in got.values():
            found.sort(key=token_order)
            del found[NEAR_MAX_POSITIONS:]
        cache[key] = got
    return got
