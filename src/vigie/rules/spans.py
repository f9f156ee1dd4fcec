"""The spans and the Match of a rule that fired, built once per article for every rule that shares them.

A span is one atom hit (field, first token, last token) as character offsets into the field's text,
with the atom's name. Within one article, every hit of a given name is one Span object, built the
first time a rule that fired needs it, with its sort key (field order, start, end); a rule's spans are
its hits' spans without repeats (same field, offsets and name), sorted by that key, ties kept in the
order the rule's expression named them; its terms are the distinct names in span order.

:class:`~vigie.models.Match` and :class:`~vigie.models.Span` are frozen dataclasses whose generated
``__init__`` sets each field through ``object.__setattr__``; with about 18 matches and 55 spans an
article at 10,000 realistic rules, that alone was a sixth of the match stage. They are built here by
filling the new instance's attribute dictionary key by key (about three times faster than giving it a
new dictionary, which loses the key sharing of the class's instances): the same fields in the same
order, an object equal to the one ``__init__`` gives (``tests/test_match.py`` checks it against the
dataclass fields).

May import: ``vigie.models``, ``vigie.rules.scan``.
"""

from __future__ import annotations

from operator import attrgetter, itemgetter
from typing import Any, Iterable, Sequence

from vigie.models import Match, Span
from vigie.rules.scan import FieldTokens

Hit = tuple[str, int, int]  # field, first token, last token
Entry = tuple[int, Span]  # sort key, span

_RANK = {"title": 0, "summary": 1, "body": 2}
_KEY = itemgetter(0)
_SPAN = itemgetter(1)
_TERM = attrgetter("term")
_new = object.__new__
SPAN_FIELDS = ("field", "start", "end", "text", "term")
MATCH_FIELDS = ("rule_id", "article_id", "score", "spans", "severity", "notify", "terms")


def new_span(field: str, start: int, end: int, text: str, term: str) -> Span:
    """``Span(field, start, end, text, term)`` without the generated ``__init__``."""
    span = _new(Span)
    attrs = span.__dict__  # filled key by key: the instance keeps its class's shared-key dictionary
    attrs["field"] = field
    attrs["start"] = start
    attrs["end"] = end
    attrs["text"] = text
    attrs["term"] = term
    return span


def new_match(rule: dict[str, Any], article_id: str, score: float, spans: tuple[Span, ...], terms: tuple[str, ...]) -> Match:
    """``Match(...)`` without the generated ``__init__``; ``rule`` holds the rule's own fields (:func:`rule_fields`)."""
    match = _new(Match)
    attrs = match.__dict__
    attrs.update(rule)
    attrs["article_id"] = article_id
    attrs["score"] = score
    attrs["spans"] = spans
    attrs["terms"] = terms
    return match


def rule_fields(rule_id: str, severity: str, notify: tuple[str, ...]) -> dict[str, Any]:
    """The fields every Match of one rule shares, in the dataclass's order."""
    return {"rule_id": rule_id, "article_id": "", "score": 0.0, "spans": (), "severity": severity, "notify": notify, "terms": ()}


class SpanBook:
    """The spans of one article's hits, built when first needed and shared by the rules that fire."""

    __slots__ = ("fields", "names", "by_atom", "offsets")

    def __init__(self, fields: dict[str, FieldTokens], names: Sequence[str]) -> None:
        self.fields = fields
        self.names = names
        # atom -> its hits' entries sorted (no repeats), their spans, and the entry of each hit
        self.by_atom: dict[int, tuple[list[Entry], tuple[Span, ...], dict[Hit, Entry]]] = {}
        self.offsets: dict[str, list[tuple[int, int]]] = {}

    def of_atom(self, idx: int, hits: list[Hit]) -> tuple[list[Entry], tuple[Span, ...], dict[Hit, Entry]]:
        """Every hit of one atom as sorted entries without repeats, their spans, and each hit's entry."""
        got = self.by_atom.get(idx)
        if got is None:
            by_hit: dict[Hit, Entry] = {}
            name = self.names[idx]
            for hit in hits:
                if hit in by_hit:
                    continue
                fname, first, last = hit
                offsets = self.offsets.get(fname)
                if offsets is None:
                    offsets = self.offsets[fname] = self.fields[fname].offsets
                start, end = offsets[first][0], offsets[last][1]
                span = _new(Span)
                attrs = span.__dict__  # as new_span does
                attrs["field"] = fname
                attrs["start"] = start
                attrs["end"] = end
                attrs["text"] = self.fields[fname].text[start:end]
                attrs["term"] = name
                by_hit[hit] = ((_RANK[fname] << 60) | (start << 30) | end, span)
            if len(by_hit) == 1:
                entries = list(by_hit.values())
                got = self.by_atom[idx] = (entries, (entries[0][1],), by_hit)
            else:
                entries = sorted(by_hit.values(), key=_KEY)
                got = self.by_atom[idx] = (entries, tuple(map(_SPAN, entries)), by_hit)
        return got

    def _entry(self, idx: int, hit: Hit) -> Entry:
        """The entry of a hit that is not one of the atom's own (a stretch of a hit across joined fields)."""
        fname, first, last = hit
        toks = self.fields[fname]
        start, end = toks.offsets[first][0], toks.offsets[last][1]
        return ((_RANK[fname] << 60) | (start << 30) | end, new_span(fname, start, end, toks.text[start:end], self.names[idx]))

    def of_atoms(self, atoms: Sequence[int], hits: dict[int, list[Hit]]) -> tuple[tuple[Span, ...], tuple[str, ...]]:
        """Spans and terms of every hit of ``atoms``, atoms of distinct names (no span can repeat)."""
        by_atom = self.by_atom
        if len(atoms) == 1:
            idx = atoms[0]
            got = by_atom.get(idx)
            return (got if got is not None else self.of_atom(idx, hits[idx]))[1], (self.names[idx],)
        if len(atoms) == 2:  # the most common rule: an entity AND a word, often one hit each
            a, b = atoms
            got = by_atom.get(a)
            ea = (got if got is not None else self.of_atom(a, hits[a]))[0]
            got = by_atom.get(b)
            eb = (got if got is not None else self.of_atom(b, hits[b]))[0]
            if len(ea) == 1 and len(eb) == 1:
                sa, sb = ea[0][1], eb[0][1]
                if eb[0][0] < ea[0][0]:  # sorted by key, ties in the order given
                    sa, sb = sb, sa
                return (sa, sb), (sa.term, sb.term)
            both = sorted(ea + eb, key=_KEY)
            spans = tuple(map(_SPAN, both))
            return spans, tuple(dict.fromkeys(map(_TERM, spans)))
        entries: list[Entry] = []
        for idx in atoms:
            got = by_atom.get(idx)
            entries += (got if got is not None else self.of_atom(idx, hits[idx]))[0]
        entries.sort(key=_KEY)
        spans = tuple(map(_SPAN, entries))
        return spans, tuple(dict.fromkeys(map(_TERM, spans)))

    def of_pair(self, first: tuple[int, Hit], second: tuple[int, Hit], hits: dict[int, list[Hit]]) -> tuple[tuple[Span, ...], tuple[str, ...]]:
        """:meth:`of_hits` of two of the atoms' own hits (a NEAR of two atoms), without its general loop."""
        (a, x), (b, y) = first, second
        got = self.by_atom.get(a)
        ea = (got if got is not None else self.of_atom(a, hits[a]))[2][x]
        got = self.by_atom.get(b)
        eb = (got if got is not None else self.of_atom(b, hits[b]))[2][y]
        sa, sb = ea[1], eb[1]
        ta, tb = sa.term, sb.term
        if ea[0] == eb[0] and ta == tb:
            return (sa,), (ta,)
        if eb[0] < ea[0]:  # sorted by key, ties in the order given
            sa, sb, ta, tb = sb, sa, tb, ta
        return (sa, sb), ((ta,) if ta == tb else (ta, tb))

    def of_hits(self, raw: Iterable[tuple[int, Hit]], hits: dict[int, list[Hit]]) -> tuple[tuple[Span, ...], tuple[str, ...]]:
        """Spans and terms of ``(atom, hit)`` pairs in the order a rule's expression gave them (the first of
        equal spans kept: same field, offsets and name)."""
        names = self.names
        kept: dict[tuple[int, str], Entry] = {}
        for idx, hit in raw:
            got = self.by_atom.get(idx)
            if got is None and idx in hits:
                got = self.of_atom(idx, hits[idx])
            entry = got[2].get(hit) if got is not None else None
            if entry is None:  # a stretch of a hit across joined fields: not one of the atom's own hits
                entry = self._entry(idx, hit)
            kept.setdefault((entry[0], names[idx]), entry)
        entries = sorted(kept.values(), key=_KEY)
        spans = tuple(map(_SPAN, entries))
        return spans, tuple(dict.fromkeys(map(_TERM, spans)))
