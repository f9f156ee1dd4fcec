"""The match stage: articles in, the rules that fired on them out (pure: no I/O, no store).

Compile the rules once (:func:`vigie.rules.compile_rules`, or :func:`vigie.rules.load_compiled`), then
call :func:`match_article` per article or :func:`match_articles` on a batch. "No match" is an empty list.

How an article is matched, at a cost that grows with the article and the rules that fire, not the rules:

1. each field is tokenized and folded once (:mod:`vigie.rules.scan`);
2. the one phrase index of all rules (:mod:`vigie.rules.phrases`) finds every phrase occurrence; a form
   tagged with languages counts only in articles of those languages, an acronym only in capitals;
3. only the rules "triggered" by two atoms found (or one, for one-atom rules) are looked at, and cheap
   necessary conditions (required atoms, "one of" clauses, the best score a weighted rule could still
   reach; :mod:`vigie.rules.compile`) are checked before the rule's compiled expression is evaluated;
   the common shapes (AND of atoms, OR groups and NOTs; NEAR of two atoms) have a plan instead, decided
   from the atoms found without walking the expression (:mod:`vigie.rules.plans`);
4. spans are built for the rules that fire only, once per atom hit and article (:mod:`vigie.rules.spans`).
"""

from __future__ import annotations

import gc
from fnmatch import fnmatchcase
from dataclasses import dataclass, field
from typing import Any, Iterable

from vigie.models import Article, Match, MatchField, RulePolicy
from vigie.rules import scopes
from vigie.rules.expr import Atom
from vigie.rules.scan import FieldTokens
from vigie.rules.loader import LoadedRule
from vigie.rules.near import near_combination
from vigie.rules.phrases import PhraseIndex
from vigie.rules.plans import Plan, near_hits, scoped_hold
from vigie.rules.spans import SpanBook, new_match, rule_fields
from vigie.rules.sources import site_matches as _site_matches, source_ok as _source_ok

ALL_FIELDS: tuple[MatchField, ...] = ("title", "summary", "body")
_ALL_FIELDS_SET = frozenset(ALL_FIELDS)

# Compiled expressions are tuples (fast to walk): (tag, ...)
#   ("a", atom_index)  ("and", items)  ("or", items)  ("not", item)
#   ("near", items, distance, ordered)  ("scope", frozenset(fields), item)  ("f", kind, value)
#   rules with joined fields or within (vigie.rules.scopes): ("ja", atom_index) ("js", fields, item)
#   ("jnear", items, distance, ordered) ("within", unit, item, atoms of item)
CExpr = tuple[Any, ...]
Hit = tuple[str, int, int]  # field (or a joined name, vigie.rules.scopes), first token, last token
# Per rule, the cheap necessary conditions: (required atoms, clauses, weight needs, threshold)
Checks = tuple[frozenset[int], tuple[frozenset[int], ...], tuple[tuple[frozenset[int], float], ...], float]


@dataclass(frozen=True)
class CompiledRule:
    loaded: LoadedRule
    expr: CExpr | None
    weights: tuple[tuple[CExpr, float], ...]
    threshold: float
    fields: frozenset[str]
    languages: frozenset[str]
    sources: tuple[str, ...]
    exclude_sources: tuple[str, ...]
    # Cheap necessary conditions, checked before the full evaluation: each clause is a set of atoms
    # at least one of which must be found; each weighted item counts only if its required atoms were.
    required: frozenset[int] = frozenset()  # the one-atom clauses: atoms that must all be found
    clauses: tuple[frozenset[int], ...] = ()  # the other clauses
    weight_needs: tuple[tuple[frozenset[int], float], ...] = ()
    plan: Plan | None = None  # the common shapes, decided without walking expr (vigie.rules.plans)

    @property
    def id(self) -> str:
        return self.loaded.id


@dataclass
class Matcher:
    """All rules of a run, compiled once by :func:`vigie.rules.compile_rules`."""

    atoms: list[Atom]
    rules: list[CompiledRule]
    index: PhraseIndex
    # atom index -> second atom -> rules to evaluate when both are found (the second is often the first)
    triggers: dict[int, dict[int, tuple[int, ...]]]
    always: tuple[int, ...]  # rules that can match without any atom (rare: NOT-only parts)
    policies: dict[str, RulePolicy] = field(default_factory=dict)
    checks: list[Checks] = field(default_factory=list)  # per rule, as plain tuples for the hot loop
    joins: tuple[str, ...] = ()  # joined field names some rule reads (title+summary): their crossing hits
    joined: bool = False  # some rule may give hits in joined positions (spans map them back)
    names: list[str] = field(default_factory=list)  # per atom, its name (a span's term)
    plans: list[Plan | None] = field(default_factory=list)  # per rule
    match_fields: list[dict[str, Any]] = field(default_factory=list)  # per rule, what each of its Matches shares

    def __post_init__(self) -> None:
        self.checks = [(cr.required, cr.clauses, cr.weight_needs, cr.threshold) for cr in self.rules]
        self.names = [atom.name for atom in self.atoms]
        self.plans = [cr.plan for cr in self.rules]
        self.match_fields = [rule_fields(r.id, r.severity, r.notify) for r in (cr.loaded.rule for cr in self.rules)]

    @property
    def n_patterns(self) -> int:
        return self.index.size

    def match(self, article: Article) -> list[Match]:
        return match_article(self, article)


@dataclass
class _Ctx:
    article: Article
    lang: str
    hits: dict[int, list[Hit]]
    pairs: dict[int, list[tuple[int, Hit]]]
    tokens: dict[str, FieldTokens]  # the fields tokenized so far
    cache: dict[Any, Any]  # for scoped rules: crossing hits, sentence and segment bounds


def _effective_language(article: Article) -> str:
    """The article's language as normalize decided it; "und" (undetermined) lets every language's rules try."""
    return (article.language or "und").lower().split("-")[0]


def match_article(m: Matcher, article: Article) -> list[Match]:
    """Every rule of ``m`` that fires on ``article``, with the spans that made it fire."""
    # The cycle collector off while matching: matching makes no cycles, but its many small tuples would
    # start collections that walk every object of a large matcher again and again. (Written out rather
    # than a context manager: at 10 rules that machinery cost a tenth of an article's matching.)
    was_on = gc.isenabled()
    gc.disable()
    try:
        return _match_article(m, article)
    finally:
        if was_on:
            gc.enable()


def match_articles(matcher: Matcher, articles: Iterable[Article]) -> list[Match]:
    """:func:`match_article` over a batch, in article order."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        return [x for article in articles for x in _match_article(matcher, article)]
    finally:
        if was_on:
            gc.enable()


def _match_article(m: Matcher, article: Article) -> list[Match]:
    if not m.index.size and not m.always:
        return []
    lang = _effective_language(article)
    fields: dict[str, FieldTokens] = {}
    hits = _find_atoms(m.index, article, lang, fields)
    if not hits and not m.always and not m.joins:
        return []
    candidates: set[int] = set(m.always)
    triggers = m.triggers
    found_atoms = set(hits)
    cache: dict[Any, Any] = {}
    if m.joins:  # a phrase across joined fields wakes the rules like any hit
        cache["cross"] = scopes.cross_hits(m.index, m.joins, article, lang, fields)
        found_atoms.update(idx for per in cache["cross"].values() for idx in per)
    for idx in triggers.keys() & found_atoms:  # the atoms found that wake some rule
        second = triggers[idx]
        if len(second) < 4:
            for other, woken in second.items():
                if other in found_atoms:
                    candidates.update(woken)
        else:
            for other in second.keys() & found_atoms:  # one C-level intersection per atom found
                candidates.update(second[other])
    present = found_atoms if not m.joins else set(hits)  # atoms with hits of their own (not only across a join)
    ctx = _Ctx(article, lang, hits, {}, fields, cache)
    out: list[Match] = []
    rules = m.rules
    checks = m.checks
    plans = m.plans
    book = SpanBook(fields, m.names)
    for ri in sorted(candidates):
        plan = plans[ri]
        if plan is not None and plan[0] == "bool":
            _, required, clauses, absent, scoped, order, plain, fixed = plan
            if not required <= present:
                continue
            if clauses and any(map(present.isdisjoint, clauses)):
                continue  # no atom of a "one of" clause found
            if absent and not absent.isdisjoint(present):
                continue
            if scoped and not scoped_hold(scoped, hits):
                continue
            if plain:
                included = fixed or [idx for idx, _ in order if idx in present]
                spans, terms = book.of_atoms(included, hits) if included else ((), ())
                out.append(new_match(m.match_fields[ri], article.id, float(len(included)) or 1.0, spans, terms))
                continue
            raw_spans = [(idx, h) for idx, f in order for h in hits.get(idx, ()) if f is None or h[0] in f]
            score = float(len({a for a, _ in raw_spans})) or 1.0
        elif plan is not None:
            combo = near_hits(plan, hits, cache)
            if combo is None:
                continue
            if len(combo) == 2 and combo[0][0] != combo[1][0]:
                spans, terms = book.of_pair(combo[0], combo[1], hits)
                out.append(new_match(m.match_fields[ri], article.id, 2.0, spans, terms))
                continue
            raw_spans, score = combo, float(len({a for a, _ in combo}))
        else:
            required, clauses, weight_needs, threshold = checks[ri]
            if not required <= found_atoms:
                continue  # a word the rule cannot do without is absent
            if clauses and any(map(found_atoms.isdisjoint, clauses)):
                continue  # every alternative of a needed part is absent
            if weight_needs and sum(w for need, w in weight_needs if need <= found_atoms) < threshold:
                continue  # even every weighted item that could still hold would not reach the threshold
            result = _eval_rule(rules[ri], ctx)
            if result is None:
                continue
            score, raw_spans = result
            if m.joined:
                raw_spans = scopes.real_hits(fields, article, raw_spans)
        spans, terms = book.of_hits(raw_spans, hits)
        out.append(new_match(m.match_fields[ri], article.id, score, spans, terms))
    return out


def _find_atoms(index: PhraseIndex, article: Article, lang: str, fields: dict[str, FieldTokens]) -> dict[int, list[Hit]]:
    """Where each atom occurs in the article: atom index -> hits (``fields`` gets each field's tokens)."""
    hits: dict[int, list[Hit]] = {}
    for fname, text in (("title", article.title), ("summary", article.summary), ("body", article.body)):
        if not text or (text.isascii() and not index.may_occur(text.lower())):
            continue  # nothing to find here: not even tokenized
        toks = fields[fname] = FieldTokens(text)
        if toks.folded:
            index.add_hits(toks, fname, lang, hits)
    return hits


def _eval_rule(cr: CompiledRule, ctx: _Ctx) -> tuple[float, list[tuple[int, Hit]]] | None:
    if cr.languages and ctx.lang not in cr.languages:
        return None
    if (cr.sources or cr.exclude_sources) and not _source_ok(cr, ctx.article):
        return None
    spans: list[tuple[int, Hit]] = []
    if cr.expr is not None:
        ok, found = _eval(cr.expr, ctx, cr.fields)
        if not ok:
            return None
        spans.extend(found)
    if cr.weights:
        score = 0.0
        for e, w in cr.weights:
            ok, found = _eval(e, ctx, cr.fields)
            if ok:
                score += w
                if w > 0:
                    spans.extend(found)
        if score < cr.threshold:
            return None
    else:
        score = float(len({a for a, _ in spans})) or 1.0
    return score, spans


def _eval(e: CExpr, ctx: _Ctx, fields: frozenset[str]) -> tuple[bool, list[tuple[int, Hit]]]:
    tag = e[0]
    if tag == "a":
        idx = e[1]
        if fields is _ALL_FIELDS_SET or len(fields) == 3:
            got = ctx.pairs.get(idx)  # an atom's hits as (atom, hit), built once for all the rules using it
            if got is None:
                got = ctx.pairs[idx] = [(idx, h) for h in ctx.hits.get(idx, ())]
        else:
            got = [(idx, h) for h in ctx.hits.get(idx, ()) if h[0] in fields]
        return bool(got), got
    if tag == "and":
        acc: list[tuple[int, Hit]] = []
        for item in e[1]:
            ok, found = _eval(item, ctx, fields)
            if not ok:
                return False, []
            acc.extend(found)
        return True, acc
    if tag == "or":
        acc = []
        any_ok = False
        for item in e[1]:
            ok, found = _eval(item, ctx, fields)
            if ok:
                any_ok = True
                acc.extend(found)
        return any_ok, acc
    if tag == "not":
        ok, _ = _eval(e[1], ctx, fields)
        return not ok, []
    if tag == "scope":
        return _eval(e[2], ctx, fields & e[1])
    if tag == "near":
        return _eval_near(e, ctx, fields)
    if tag == "f":
        return _eval_filter(e[1], e[2], ctx), []
    if tag == "ja":
        return scopes.joined_atom(e[1], ctx, fields)
    if tag == "js":
        return _eval(e[2], ctx, scopes.narrow(fields, e[1]))
    if tag == "jnear":
        return scopes.near(e, ctx, fields, _eval)
    return scopes.within(e, ctx, fields, _eval, _Ctx)


def _eval_filter(kind: str, value: str, ctx: _Ctx) -> bool:
    if kind == "lang":
        return ctx.lang == value
    if kind == "site":
        return _site_matches(value, ctx.article)
    return fnmatchcase(ctx.article.source_id, value)


def _eval_near(e: CExpr, ctx: _Ctx, fields: frozenset[str]) -> tuple[bool, list[tuple[int, Hit]]]:
    _, items, distance, ordered = e
    per_item: list[list[tuple[int, Hit]]] = []
    for item in items:
        ok, found = _eval(item, ctx, fields)
        if not ok:
            return False, []
        per_item.append(found)
    combo = near_combination(per_item, distance, ordered)
    return (True, combo) if combo is not None else (False, [])
