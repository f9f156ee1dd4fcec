"""A slow, simple matcher that defines what vigie's fast matcher must return (tests only).

It follows the rule language's definition directly, with none of the fast matcher's machinery
(no phrase index, no automaton, no triggers, no necessary-condition checks, no compiled tuples):
every field is tokenized with offsets, every key of every atom (the phrase's folded words and, for
bare words, their inflections: ``phrases.phrase_patterns``) is compared at every token position,
and every rule's expression tree (``LoadedRule.expr``) is evaluated on every article. The fast
matcher is then checked to return exactly the same matches (rule ids, scores, spans, terms).

Ties are broken the one documented way: an atom's hits are taken in field order (title, summary,
body, then the joined names), then by first and last token; NEAR takes the first combination in that
order, ``within`` the first unit (in field order, then text order) holding a hit where the item holds.

Joined fields (``title+summary``) are searched as their own concatenated token lists (every hit, not
"crossing" ones added to the fields' own); ``within`` restricts the hits to those whose every token lies
in the unit; ``within: article`` places hits in the title+summary+body list.
"""

from __future__ import annotations

import itertools
from fnmatch import fnmatchcase

from vigie.models import Article, Match, Span
from vigie.rules.expr import And, Atom, Expr, Filter, Near, Not, Or, Scope, Within
from vigie.rules.folding import tokenize
from vigie.rules.units import segment_starts, sentence_starts
from vigie.rules.loader import LoadedRule
from vigie.rules.match import _site_matches, _source_ok
from vigie.rules.phrases import acronym_positions, phrase_patterns

FIELDS = ("title", "summary", "body", "title+summary", "summary+body", "title+body", "title+summary+body")
ARTICLE = 6
Hit = tuple[int, int, int]  # field or joined name number, first token, last token


class _View:
    """One field or joined name: its words, as written, and the (field, token) each comes from."""

    def __init__(self, name: str, real: dict[str, tuple[str, object]]) -> None:
        self.words: list[str] = []
        self.raws: list[str] = []
        self.owners: list[tuple[str, int]] = []
        self.spans: list[tuple[int, int]] = []
        for member in name.split("+"):
            text, toks = real[member]
            if toks is None:
                continue
            for i, w in enumerate(toks.folded):  # type: ignore[attr-defined]
                self.words.append(w)
                self.raws.append(text[toks.starts[i]:toks.ends[i]])  # type: ignore[attr-defined]
                self.owners.append((member, i))
                self.spans.append((toks.starts[i], toks.ends[i]))  # type: ignore[attr-defined]


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
            for key, langs in phrase_patterns(phrase, atom.inflect and not caps, atom.languages, atom.pos).items():
                out.append((tuple(key.split()), not key.endswith(" "), None if langs is None else frozenset(langs), caps))
        return out

    def _hits_in(self, atom: Atom, name: int) -> list[Hit]:
        got = self.view_hits.get((atom, name))
        if got is None:
            got = self.view_hits[(atom, name)] = [(name, a, b) for a, b in self._hits(self.keys[atom], self.views[name], self.lang)]
        return got

    def match(self, article: Article) -> list[Match]:
        lang = self.lang = (article.language or "und").lower().split("-")[0]
        real: dict[str, tuple[str, object]] = {}
        for name in FIELDS[:3]:
            text = article.field_text(name)
            real[name] = (text, tokenize(text) if text else None)
        self.real = real
        self.views = [_View(name, real) for name in FIELDS]
        self.view_hits: dict[tuple[Atom, int], list[Hit]] = {}
        self.units: dict[tuple[str, str], list[int]] = {}
        hits = _Hits(self)
        out = []
        for r in self.rules:
            got = self._rule(r, article, lang, hits)
            if got is None:
                continue
            score, raw = got
            spans: list[Span] = []
            seen = set()
            for atom, (f, first, last) in raw:
                view = self.views[f]
                for field in FIELDS[:3]:  # one span per real field the hit covers
                    covered = [i for i in range(first, last + 1) if view.owners[i][0] == field]
                    if not covered:
                        continue
                    start, end = view.spans[covered[0]][0], view.spans[covered[-1]][1]
                    key = (field, start, end, atom.name)
                    if key not in seen:
                        seen.add(key)
                        spans.append(Span(field=field, start=start, end=end, text=real[field][0][start:end], term=atom.name))  # type: ignore[arg-type]
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
    def _hits(keys: list, view: _View, lang: str) -> list[tuple[int, int]]:  # type: ignore[type-arg]
        found: set[tuple[int, int]] = set()
        words = view.words
        present = set(words)
        for key, prefix, langs, caps in keys:
            if langs is not None and lang != "und" and lang not in langs:
                continue
            if (len(key) > 1 or not prefix) and key[0] not in present:
                continue  # only to save time: such a key cannot be found here
            n = len(key)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n - 1]) != key[:-1]:
                    continue
                last = words[i + n - 1]
                if not (last.startswith(key[-1]) if prefix else last == key[-1]):
                    continue
                if all(view.raws[i + c].isupper() for c in caps):
                    found.add((i, i + n - 1))
        return sorted(found)

    def unit_of(self, unit: str, field: str, token: int) -> tuple[str, int, int]:
        """The unit (field, first token, last token) of one token of a real field."""
        text, toks = self.real[field]
        n = len(toks.folded)  # type: ignore[attr-defined]
        if unit == "field":
            return (field, 0, n - 1)
        starts = sentence_starts(text, self.lang) if unit == "sentence" else segment_starts(text)
        ids = [max(i for i, s in enumerate(starts) if s <= toks.starts[t]) for t in range(n)]  # type: ignore[attr-defined]
        lo = min(t for t in range(n) if ids[t] == ids[token])
        hi = max(t for t in range(n) if ids[t] == ids[token])
        return (field, lo, hi)

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


class _Hits:
    """atom -> its hits in the three fields (views of joined names are asked for by number)."""

    def __init__(self, ref: ReferenceMatcher, inside: tuple[str, int, int] | None = None) -> None:
        self.ref, self.inside = ref, inside

    def get(self, atom: Atom, name: int) -> list[Hit]:
        got = self.ref._hits_in(atom, name)
        if self.inside is None:
            return got
        field, lo, hi = self.inside
        owners = self.ref.views[name].owners
        return [h for h in got if all(owners[i][0] == field and lo <= owners[i][1] <= hi for i in range(h[1], h[2] + 1))]


def _narrow(outer: frozenset[str], inner: frozenset[str]) -> frozenset[str]:
    allowed = {m for o in outer for m in o.split("+")}
    out = set()
    for i in inner:
        if set(i.split("+")) <= allowed:
            out.add(i)
        else:
            out.update(o for o in outer if set(o.split("+")) <= set(i.split("+")))
    return frozenset(out)


class _RuleSources:
    def __init__(self, sources: tuple[str, ...], exclude: tuple[str, ...]) -> None:
        self.sources, self.exclude_sources = sources, exclude


def _atoms(e: Expr) -> list[Atom]:
    if isinstance(e, Atom):
        return [e]
    if isinstance(e, (And, Or, Near)):
        return [a for i in e.items for a in _atoms(i)]
    if isinstance(e, (Not, Scope, Within)):
        return _atoms(e.item)
    return []


def _eval(e: Expr, ctx: tuple, fields: frozenset[str]) -> tuple[bool, list]:  # type: ignore[type-arg]
    article, lang, hits = ctx
    if isinstance(e, Atom):
        got = [(e, h) for f, name in enumerate(FIELDS) if name in fields for h in hits.get(e, f)]
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
        return _eval(e.item, ctx, _narrow(fields, frozenset(e.fields)))
    if isinstance(e, Near):
        return _near(e, ctx, fields)
    if isinstance(e, Within):
        return _within(e, ctx, fields)
    assert isinstance(e, Filter)
    if e.kind == "lang":
        return lang == e.value, []
    if e.kind == "site":
        return _site_matches(e.value, article), []
    return fnmatchcase(article.source_id, e.value), []


def _within(e: Within, ctx: tuple, fields: frozenset[str]) -> tuple[bool, list]:  # type: ignore[type-arg]
    article, lang, hits = ctx
    ref = hits.ref
    if e.unit == "article":
        assert isinstance(e.item, Near)
        article_view = ref.views[ARTICLE]
        return _near(e.item, ctx, fields, lambda h: (ARTICLE, article_view.owners.index(ref.views[h[0]].owners[h[1]]),
                                                     article_view.owners.index(ref.views[h[0]].owners[h[2]])))
    allowed = {m for name in fields for m in name.split("+")}
    units = set()
    for atom in _atoms(e.item):
        for f in range(3):
            if FIELDS[f] in allowed:
                for _, first, last in hits.get(atom, f):
                    u = ref.unit_of(e.unit, FIELDS[f], first)
                    if last <= u[2]:
                        units.add(u)
    for u in sorted(units, key=lambda u: (FIELDS.index(u[0]), u[1])):
        ok, found = _eval(e.item, (article, lang, _Hits(ref, u)), fields)
        if ok:
            return True, found
    return False, []


def _near(e: Near, ctx: tuple, fields: frozenset[str], place=None) -> tuple[bool, list]:  # type: ignore[type-arg, no-untyped-def]
    per_item = []
    for i in e.items:
        ok, found = _eval(i, ctx, fields)
        if not ok:
            return False, []
        per_item.append(found if place is None else [(a, place(h)) for a, h in found])
    for f in range(len(FIELDS)):
        options = [sorted((x for x in found if x[1][0] == f), key=lambda x: (x[1][1], x[1][2]))[:64] for found in per_item]
        for combo in itertools.product(*options):
            seq = list(combo) if e.ordered else sorted(combo, key=lambda x: (x[1][1], x[1][2]))
            if all(0 <= b[1][1] - a[1][2] - 1 <= e.distance for a, b in zip(seq, seq[1:])):
                return True, list(combo)
    return False, []
