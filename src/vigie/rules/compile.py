"""Compile every rule into one :class:`~vigie.rules.match.Matcher`, once per run.

The compiler turns each rule's expression tree into tuples that are fast to
walk, gives every distinct atom (entity, term, word) one index shared by all
rules, and builds the one phrase index of all their phrases
(:mod:`vigie.rules.phrases`). So that an article only wakes the rules it can
match, it also chooses:

* triggers: each rule is indexed under pairs of atoms, one pair of which must
  be present for the rule to match: its two least shared necessary parts
  (required atoms, "one of" clauses) crossed, so that a common entity used by
  thousands of rules does not wake them all, nor a rule on an entity AND (a OR
  b) every article naming the entity; a rule without such parts, under a set
  of atoms at least one of which must be present;
* cheap necessary conditions, checked before the full evaluation: required
  atoms, "one of" clauses, and the atoms each weighted item needs, so the best
  score a weighted rule could still reach is known.
"""

from __future__ import annotations

from typing import Iterable

from vigie.rules import scopes
from vigie.rules.expr import And, Atom, Expr, Filter, Near, Not, Or, Scope, Within
from vigie.rules.loader import LoadedRule, RuleSet
from vigie.rules.match import CExpr, CompiledRule, Matcher
from vigie.rules.phrases import build_index
from vigie.rules.plans import plan_of


def compile_rules(rule_set: RuleSet | Iterable[LoadedRule]) -> Matcher:
    """Compile the valid rules of ``rule_set`` (disabled rules are left out) into one Matcher
    (a RuleSet from :func:`vigie.rules.cache.load_compiled` already holds it)."""
    if isinstance(rule_set, RuleSet) and isinstance(rule_set.compiled, Matcher):
        return rule_set.compiled
    loaded = rule_set.rules if isinstance(rule_set, RuleSet) else list(rule_set)
    loaded = [r for r in loaded if r.rule.enabled]
    atom_ids: dict[Atom, int] = {}
    atoms: list[Atom] = []
    names: list[str] = []  # atoms' names by index, grown with ``atoms`` (one list for every rule's plan)

    joins: set[str] = set()
    joined_hits = False

    def cexpr(expr: Expr, joined: bool) -> CExpr:
        """``joined``: the rule reads joined fields, its atoms, scopes and NEARs take the scoped tags."""
        nonlocal joined_hits
        if isinstance(expr, Atom):
            idx = atom_ids.get(expr)
            if idx is None:
                idx = atom_ids[expr] = len(atoms)
                atoms.append(expr)
                names.append(expr.name)
            return ("ja" if joined else "a", idx)
        if isinstance(expr, And):
            return ("and", tuple(cexpr(i, joined) for i in expr.items))
        if isinstance(expr, Or):
            return ("or", tuple(cexpr(i, joined) for i in expr.items))
        if isinstance(expr, Not):
            return ("not", cexpr(expr.item, joined))
        if isinstance(expr, Near):
            return ("jnear" if joined else "near", tuple(cexpr(i, joined) for i in expr.items), expr.distance, expr.ordered)
        if isinstance(expr, Scope):
            return ("js" if joined else "scope", frozenset(expr.fields), cexpr(expr.item, joined))
        if isinstance(expr, Within):
            joined_hits = joined_hits or expr.unit == "article"
            item = cexpr(expr.item, joined)
            return ("within", expr.unit, item, tuple(sorted(_atoms_in(item))))
        assert isinstance(expr, Filter)
        return ("f", expr.kind, expr.value)

    compiled: list[CompiledRule] = []
    for lr in loaded:
        r = lr.rule
        rule_joins = scopes.joins_of(r.fields, [e.fields for e in _scopes(lr)])
        joins |= rule_joins
        expr = cexpr(lr.expr, bool(rule_joins)) if lr.expr is not None else None
        weights = tuple((cexpr(e, bool(rule_joins)), w) for e, w in lr.weights)
        clauses = _clauses(expr) if expr is not None else []
        plain_rule = not (weights or r.languages or r.sources or r.exclude_sources or rule_joins)
        compiled.append(CompiledRule(
            plan=plan_of(expr, frozenset(r.fields), names, plain_rule),
            required=frozenset(a for c in clauses for a in c if len(c) == 1),
            clauses=tuple(c for c in clauses if len(c) > 1),
            weight_needs=tuple((_required(e), w) for e, w in weights if w > 0),
            loaded=lr,
            expr=expr,
            weights=weights,
            threshold=lr.threshold,
            fields=frozenset(r.fields),
            languages=frozenset(lang.lower() for lang in r.languages),
            sources=r.sources,
            exclude_sources=r.exclude_sources,
        ))

    # How many rules use each atom: the trigger choice avoids the popular ones.
    popularity = [0] * len(atoms)
    for cr in compiled:
        for idx in _atoms_of(cr):
            popularity[idx] += 1
    triggers: dict[int, dict[int, list[int]]] = {}
    always: list[int] = []
    for i, cr in enumerate(compiled):
        trig = _rule_trigger(cr, popularity)
        pairs = _trigger_pairs(cr, popularity) if trig is not None else None
        if trig is None:
            always.append(i)
        elif pairs is not None:
            for first, second in pairs:
                triggers.setdefault(first, {}).setdefault(second, []).append(i)
        else:
            for idx in trig:
                # Second level: another atom the rule requires (its least used), so that a rule on a
                # common entity AND a common word wakes only when both are found; else the trigger itself.
                others = [a for a in cr.required if a != idx]
                second = min(others, key=lambda a: (popularity[a], a)) if others else idx
                triggers.setdefault(idx, {}).setdefault(second, []).append(i)

    return Matcher(atoms=atoms, rules=compiled, index=build_index(atoms),
                   triggers={k: {b: tuple(rs) for b, rs in v.items()} for k, v in triggers.items()}, always=tuple(always),
                   policies={cr.id: cr.loaded.policy() for cr in compiled},
                   joins=tuple(sorted(joins, key=scopes.FIELD_ORDER.index)), joined=joined_hits or bool(joins))


_ATOM = ("a", "ja")
_LIST = ("and", "or", "near", "jnear")
_WRAP = ("scope", "js", "within")  # the item is e[2]
_AND = ("and", "near", "jnear")


def _scopes(lr: LoadedRule) -> list[Scope]:
    out: list[Scope] = []

    def walk(e: Expr) -> None:
        if isinstance(e, Scope):
            out.append(e)
        if isinstance(e, (And, Or, Near)):
            for i in e.items:
                walk(i)
        elif isinstance(e, (Not, Scope, Within)):
            walk(e.item)

    for e in ([lr.expr] if lr.expr is not None else []) + [e for e, _ in lr.weights]:
        walk(e)
    return out


def _atoms_in(e: CExpr, out: set[int] | None = None) -> set[int]:
    out = set() if out is None else out
    tag = e[0]
    if tag in _ATOM:
        out.add(e[1])
    elif tag in _LIST:
        for i in e[1]:
            _atoms_in(i, out)
    elif tag == "not":
        _atoms_in(e[1], out)
    elif tag in _WRAP:
        _atoms_in(e[2], out)
    return out


def _atoms_of(cr: CompiledRule) -> set[int]:
    out: set[int] = set()
    if cr.expr is not None:
        _atoms_in(cr.expr, out)
    for e, _ in cr.weights:
        _atoms_in(e, out)
    return out


def _required(e: CExpr) -> frozenset[int]:
    """Atoms that every match of ``e`` contains (an AND of them is necessary)."""
    tag = e[0]
    if tag in _ATOM:
        return frozenset((e[1],))
    if tag in _AND:
        return frozenset().union(*(_required(i) for i in e[1]))
    if tag == "or":
        parts = [_required(i) for i in e[1]]
        return frozenset.intersection(*parts) if parts else frozenset()
    if tag in _WRAP:
        return _required(e[2])
    return frozenset()  # not, filter


_MAX_CLAUSES = 16


def _clauses(e: CExpr) -> list[frozenset[int]]:
    """A conjunction of "at least one of these atoms" clauses that every match of ``e`` satisfies."""
    tag = e[0]
    if tag in _ATOM:
        return [frozenset((e[1],))]
    if tag in _AND:
        out: list[frozenset[int]] = []
        for i in e[1]:
            for c in _clauses(i):
                if c not in out:
                    out.append(c)
        return out[:_MAX_CLAUSES]
    if tag == "or":
        acc: list[frozenset[int]] | None = None
        for i in e[1]:
            cs = _clauses(i)
            if not cs:
                return []  # this branch may hold with nothing found: no clause for the OR
            acc = cs if acc is None else [a | c for a in acc for c in cs][:_MAX_CLAUSES]
        return acc or []
    if tag in _WRAP:
        return _clauses(e[2])
    return []  # not, filter


def _trigger(e: CExpr, popularity: list[int]) -> frozenset[int] | None:
    """Atoms at least one of which must be found for ``e`` to hold (None: no such set)."""
    tag = e[0]
    if tag in _ATOM:
        return frozenset((e[1],))
    if tag == "or":
        union: frozenset[int] = frozenset()
        for i in e[1]:
            part = _trigger(i, popularity)
            if part is None:
                return None  # this branch holds without any atom found: so may the OR
            union |= part
        return union
    if tag in _AND:
        parts = [p for p in (_trigger(i, popularity) for i in e[1]) if p is not None]
        if not parts:
            return None
        return min(parts, key=lambda p: (sum(popularity[a] for a in p), len(p)))
    if tag in _WRAP:
        return _trigger(e[2], popularity)
    return None  # not, filter


_MAX_PAIRS = 16


def _trigger_pairs(cr: CompiledRule, popularity: list[int]) -> list[tuple[int, int]] | None:
    """Pairs of atoms, one pair of which every article the rule fires on holds: the two least used of its
    necessary parts (required atoms, "one of" clauses), crossed; None when the rule has no such parts.
    A rule on an entity AND (a OR b OR c) wakes on (a, entity), (b, entity), (c, entity), not on the
    entity alone, so that it is not looked at in every article naming the entity."""
    if cr.expr is None:
        return None
    parts = sorted([frozenset((a,)) for a in cr.required] + list(cr.clauses),
                   key=lambda p: (sum(popularity[a] for a in p), len(p), sorted(p)))
    if not parts:
        return None
    first = sorted(parts[0])
    if len(parts) == 1 or len(first) * len(parts[1]) > _MAX_PAIRS:
        return [(a, a) for a in first]
    return [(a, b) for a in first for b in sorted(parts[1])]


def _rule_trigger(cr: CompiledRule, popularity: list[int]) -> frozenset[int] | None:
    if cr.expr is not None:
        trig = _trigger(cr.expr, popularity)
        if trig is not None:
            return trig
    if cr.weights and cr.threshold > 0:
        # Items whose weights together stay below the threshold cannot fire the rule on their own,
        # so one of the other items must be present: leave out the most popular (and untriggerable)
        # items while their sum stays below the threshold, and trigger on the rest.
        items = [(_trigger(e, popularity), w) for e, w in cr.weights if w > 0]
        items.sort(key=lambda it: (it[0] is not None, -sum(popularity[a] for a in it[0] or ())))
        left_out = 0.0
        keep: list[frozenset[int] | None] = []
        for trig, w in items:
            if not keep and left_out + w < cr.threshold:
                left_out += w
            else:
                keep.append(trig)
        triggered = [t for t in keep if t is not None]
        if keep and len(triggered) == len(keep):
            return frozenset[int]().union(*triggered)
    return None
