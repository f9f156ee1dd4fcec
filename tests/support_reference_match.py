"""A slow, simple matcher that defines what vigie's fast matcher must return (tests only).

It follows the rule language's definition directly, with none of the fast matcher's machinery
(no phrase index, no automaton, no triggers, no necessary-condition checks, no compiled tuples):
every field is tokenized with offsets, every key of every atom (the phrase's folded words and, for
bare words, their inflections: ``phrases.phrase_patterns``) is compared at every token position,
and every rule's expression tree (``LoadedRule.expr``) is evaluated on every article. The fast
matcher is then checked to return exactly the same matches (rule ids, scores, spans, terms).

Ties are broken the one documented way: an atom's hits are taken in field order (title, summary,
body), then by first and last token; NEAR takes the first combination in that order.
"""

from __future__ import annotations

import itertools
from fnmatch import fnmatchcase

from vigie.models import Article, Match, Span
from vigie.rules.expr import And, Atom, Expr, Filter, Near, Not, Or, Scope
from vigie.rules.folding import tokenize
from vigie.rules.loader import LoadedRule
from vigie.rules.match import _site_matches, _source_ok
from vigie.rules.phrases import acronym_positions, phrase_patterns

FIELDS = ("title", "summary", "body")
Hit = tuple[int, int, int]  # field number, first token, last token


class ReferenceMatcher:
    def __init__(self, rules: list[LoadedRule]) -> None:
        self.rules = [r for r in rules if r.rule.enabled]
        # atom -> [(key words, is a prefix key, languages or None, acronym positions)]
        self.keys: dict[Atom, list[tuple[tuple[str, ...], bool, frozenset[str] | None, tuple[int, ...]]]] = {}
        for r in self.rules:
            for e in ([r.expr] if r.expr is not None else []) + [e for e, _ in r.weights]:
                for atom in _atoms(e):
                    if atom not in self.keys:
                        self.keys[atom] = self._keys_of(atom)

    @staticmethod
    def _keys_of(atom: Atom) -> list[tuple[tuple[str, ...], bool, frozenset[str] | None, tuple[int, ...]]]:
        out = []
        for phrase in atom.phrases:
            caps = acronym_positions(phrase)
            for key, langs in phrase_patterns(phrase, atom.inflect and not caps, atom.languages).items():
                out.append((tuple(key.split()), not key.endswith(" "), None if langs is None else frozenset(langs), caps))
        return out

    def match(self, article: Article) -> list[Match]:
        lang = (article.language or "und").lower().split("-")[0]
        fields = []
        for name in FIELDS:
            text = article.field_text(name)
            toks = tokenize(text) if text else None
            fields.append((text, toks))
        hits = {atom: self._hits(keys, fields, lang) for atom, keys in self.keys.items()}
        out = []
        for r in self.rules:
            got = self._rule(r, article, lang, hits)
            if got is None:
                continue
            score, raw = got
            spans: list[Span] = []
            seen = set()
            for atom, (f, first, last) in raw:
                text, toks = fields[f]
                assert toks is not None
                start, end = toks.starts[first], toks.ends[last]
                key = (f, start, end, atom.name)
                if key not in seen:
                    seen.add(key)
                    spans.append(Span(field=FIELDS[f], start=start, end=end, text=text[start:end], term=atom.name))  # type: ignore[arg-type]
            spans.sort(key=lambda s: (FIELDS.index(s.field), s.start, s.end))
            terms: list[str] = []
            for s in spans:
                if s.term not in terms:
                    terms.append(s.term)
            rule = r.rule
            out.append(Match(rule_id=rule.id, article_id=article.id, score=score, spans=tuple(spans),
                             severity=rule.severity, notify=rule.notify, terms=tuple(terms)))
        return out

    @staticmethod
    def _hits(keys: list, fields: list, lang: str) -> list[Hit]:  # type: ignore[type-arg]
        found: set[Hit] = set()
        for f, (text, toks) in enumerate(fields):
            if toks is None:
                continue
            words = toks.folded
            present = set(words)
            for key, prefix, langs, caps in keys:
                if langs is not None and lang != "und" and lang not in langs:
                    continue
                if (len(key) > 1 or not prefix) and key[0] not in present:
                    continue  # only to save time: such a key cannot be found here
                n = len(key)
                for i in range(len(words) - n + 1):
                    if words[i:i + n - 1] != key[:-1]:
                        continue
                    last = words[i + n - 1]
                    if not (last.startswith(key[-1]) if prefix else last == key[-1]):
                        continue
                    if all(text[toks.starts[i + c]:toks.ends[i + c]].isupper() for c in caps):
                        found.add((f, i, i + n - 1))
        return sorted(found)

    def _rule(self, r: LoadedRule, article: Article, lang: str, hits: dict) -> tuple[float, list] | None:  # type: ignore[type-arg]
        rule = r.rule
        if rule.languages and lang not in {x.lower() for x in rule.languages}:
            return None
        if not _source_ok(_RuleSources(rule.sources, rule.exclude_sources), article):  # type: ignore[arg-type]
            return None
        ctx = (article, lang, hits)
        fields = frozenset(rule.fields)
        spans: list = []  # type: ignore[type-arg]
        if r.expr is not None:
            ok, found = _eval(r.expr, ctx, fields)
            if not ok:
                return None
            spans.extend(found)
        if r.weights:
            score = 0.0
            for e, w in r.weights:
                ok, found = _eval(e, ctx, fields)
                if ok:
                    score += w
                    if w > 0:
                        spans.extend(found)
            if score < r.threshold:
                return None
        else:
            score = float(len({a for a, _ in spans})) or 1.0
        return score, spans


class _RuleSources:
    def __init__(self, sources: tuple[str, ...], exclude: tuple[str, ...]) -> None:
        self.sources, self.exclude_sources = sources, exclude


def _atoms(e: Expr) -> list[Atom]:
    if isinstance(e, Atom):
        return [e]
    if isinstance(e, (And, Or, Near)):
        return [a for i in e.items for a in _atoms(i)]
    if isinstance(e, (Not, Scope)):
        return _atoms(e.item)
    return []


def _eval(e: Expr, ctx: tuple, fields: frozenset[str]) -> tuple[bool, list]:  # type: ignore[type-arg]
    article, lang, hits = ctx
    if isinstance(e, Atom):
        got = [(e, h) for h in hits[e] if FIELDS[h[0]] in fields]
        return bool(got), got
    if isinstance(e, And):
        acc = []
        for i in e.items:
            ok, found = _eval(i, ctx, fields)
            if not ok:
                return False, []
            acc.extend(found)
        return True, acc
    if isinstance(e, Or):
        results = [_eval(i, ctx, fields) for i in e.items]
        return any(ok for ok, _ in results), [x for ok, found in results if ok for x in found]
    if isinstance(e, Not):
        return not _eval(e.item, ctx, fields)[0], []
    if isinstance(e, Scope):
        return _eval(e.item, ctx, fields & frozenset(e.fields))
    if isinstance(e, Near):
        return _near(e, ctx, fields)
    assert isinstance(e, Filter)
    if e.kind == "lang":
        return lang == e.value, []
    if e.kind == "site":
        return _site_matches(e.value, article), []
    return fnmatchcase(article.source_id, e.value), []


def _near(e: Near, ctx: tuple, fields: frozenset[str]) -> tuple[bool, list]:  # type: ignore[type-arg]
    per_item = []
    for i in e.items:
        ok, found = _eval(i, ctx, fields)
        if not ok:
            return False, []
        per_item.append(found)
    for f in range(len(FIELDS)):
        options = [sorted((x for x in found if x[1][0] == f), key=lambda x: (x[1][1], x[1][2]))[:64] for found in per_item]
        for combo in itertools.product(*options):
            seq = list(combo) if e.ordered else sorted(combo, key=lambda x: (x[1][1], x[1][2]))
            if all(0 <= b[1][1] - a[1][2] - 1 <= e.distance for a, b in zip(seq, seq[1:])):
                return True, list(combo)
    return False, []
