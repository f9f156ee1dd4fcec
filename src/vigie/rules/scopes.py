"""Scopes for the match stage: ``within`` (sentence, segment, field, article) and joined fields.

Only rules that use them reach this module (the compiler gives them their own tags), so the rules
that do not cost nothing more.

* ``within: sentence | segment | field`` (on ``all`` and ``near``): the item holds when the text is
  only one such unit; the units tried are those holding a hit of one of its atoms, in field order then
  text order, and the first that holds gives the spans.
* A joined field name (``title+summary``) reads its fields as one text, in that order: a hit of a
  member field sits at its token position plus the tokens of the members before it, and a phrase
  running across the join is found too (those "crossing" hits are looked for in every article as soon
  as one rule joins fields, so that they wake the rule like any other hit).
* ``near`` with ``within: article`` is a NEAR over the article read as one text (title, summary, body).

A hit in joined positions becomes one span per field it covers, at offsets into that field's text.

May import: ``vigie.rules.scan``, ``vigie.rules.units``, ``vigie.rules.near``, ``vigie.rules.phrases``,
``vigie.models``.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Iterable

from vigie.models import Article
from vigie.rules.near import near_combination
from vigie.rules.phrases import PhraseIndex, resolve, same_case
from vigie.rules.scan import FieldTokens
from vigie.rules.units import unit_bounds

FIELD_ORDER = ("title", "summary", "body", "title+summary", "summary+body", "title+body", "title+summary+body")
ARTICLE = "title+summary+body"
_RANK = {name: i for i, name in enumerate(FIELD_ORDER)}
_END = 1 << 30  # past any token of a field

Hit = tuple[str, int, int]  # field (or joined name), first token, last token
Found = list[tuple[int, Hit]]
Evaluator = Callable[[Any, Any, frozenset[str]], tuple[bool, Found]]


def is_joined(name: str) -> bool:
    return "+" in name


def narrow(outer: frozenset[str], inner: frozenset[str]) -> frozenset[str]:
    """The fields of the inner scope whose every member field the outer one looks at (``title+summary:``
    inside a rule on title, summary and body; ``title:`` inside ``title+summary``); an inner name with
    members the outer scope leaves out gives the outer names it covers (``title+summary:`` inside
    ``title`` is title)."""
    allowed = {m for o in outer for m in o.split("+")}
    out: set[str] = set()
    for i in inner:
        ip = set(i.split("+"))
        if ip <= allowed:
            out.add(i)
        else:
            out.update(o for o in outer if set(o.split("+")) <= ip)
    return frozenset(out)


def tokens_of(tokens: dict[str, FieldTokens], article: Article, name: str) -> FieldTokens:
    """The field's tokens, tokenized now if the match stage skipped it (it could hold no phrase)."""
    got = tokens.get(name)
    if got is None:
        got = tokens[name] = FieldTokens(article.field_text(name))
    return got


def _offsets(tokens: dict[str, FieldTokens], article: Article, joined: str) -> dict[str, int]:
    """Token position of each member field's first token in the joined text."""
    out, at = {}, 0
    for member in joined.split("+"):
        out[member] = at
        at += len(tokens_of(tokens, article, member).folded)
    return out


def to_joined(tokens: dict[str, FieldTokens], article: Article, joined: str, hit: Hit) -> Hit:
    if hit[0] == joined:
        return hit
    parts = real_parts(tokens, article, hit)
    off = _offsets(tokens, article, joined)
    return (joined, off[parts[0][0]] + parts[0][1], off[parts[-1][0]] + parts[-1][2])


def real_parts(tokens: dict[str, FieldTokens], article: Article, hit: Hit) -> list[Hit]:
    """A hit as the stretches of real fields it covers (one unless it runs across a join)."""
    name, first, last = hit
    if not is_joined(name):
        return [hit]
    out: list[Hit] = []
    for member, start in _offsets(tokens, article, name).items():
        n = len(tokens[member].folded)
        lo, hi = max(first, start), min(last, start + n - 1)
        if lo <= hi:
            out.append((member, lo - start, hi - start))
    return out


def real_hits(tokens: dict[str, FieldTokens], article: Article, raw: Found) -> Found:
    """Every (atom, hit) with a joined hit replaced by its stretches of real fields (for spans)."""
    return [(idx, part) for idx, hit in raw for part in real_parts(tokens, article, hit)]


def cross_hits(index: PhraseIndex, joins: Iterable[str], article: Article, lang: str,
               tokens: dict[str, FieldTokens]) -> dict[str, dict[int, list[Hit]]]:
    """Per joined name, the atoms whose phrase runs across one of its joins, with their hits (the same
    language and capitals checks as within a field)."""
    out: dict[str, dict[int, list[Hit]]] = {}
    for joined in joins:
        members = [tokens_of(tokens, article, m) for m in joined.split("+")]
        folded = [w for t in members for w in t.folded]
        ends, at = [], 0
        for t in members:
            at += len(t.folded)
            ends.append(at)  # first position of the next member
        raws: list[str] | None = None
        per: dict[int, list[Hit]] = {}
        for last, payload in index.find(folded):
            n_words, atoms, capped = resolve(payload, lang)  # the language rule of a field's own hits
            first = last - n_words + 1
            if bisect_right(ends, first) == bisect_right(ends, last):
                continue  # inside one field: a hit of that field already
            hit = (joined, first, last)
            for idx in atoms:
                per.setdefault(idx, []).append(hit)
            for idx, caps in capped:
                raws = raws if raws is not None else [w for t in members for w in t.raws]
                if same_case(raws, first, caps):
                    per.setdefault(idx, []).append(hit)
        if per:
            out[joined] = per
    return out


def joined_atom(idx: int, ctx: Any, fields: frozenset[str]) -> tuple[bool, Found]:
    """An atom's hits in the fields and joined names of ``fields`` (joined ones in joined positions)."""
    got: Found = []
    hits = ctx.hits.get(idx, ())
    for name in FIELD_ORDER:
        if name not in fields:
            continue
        if not is_joined(name):
            got.extend((idx, h) for h in hits if h[0] == name)
            continue
        members = name.split("+")
        got.extend((idx, to_joined(ctx.tokens, ctx.article, name, h)) for h in hits if h[0] in members)
        got.extend((idx, h) for h in ctx.cache.get("cross", {}).get(name, {}).get(idx, ()))
    return bool(got), got


def near(e: Any, ctx: Any, fields: frozenset[str], ev: Evaluator, across: bool = False) -> tuple[bool, Found]:
    """A NEAR whose operands may have hits in joined names, or (``across``) over the whole article."""
    _, items, distance, ordered = e
    per_item: list[Found] = []
    for item in items:
        ok, found = ev(item, ctx, fields)
        if not ok:
            return False, []
        if across:
            found = [(idx, to_joined(ctx.tokens, ctx.article, ARTICLE, h)) for idx, h in found]
        per_item.append(found)
    combo = near_combination(per_item, distance, ordered, order=(ARTICLE,) if across else FIELD_ORDER)
    return (True, combo) if combo is not None else (False, [])


def within(e: Any, ctx: Any, fields: frozenset[str], ev: Evaluator, make_ctx: Callable[..., Any]) -> tuple[bool, Found]:
    """``item`` held inside one unit (sentence, segment or field) of the text; ``article`` for a NEAR."""
    _, unit, item, item_atoms = e
    if unit == "article":
        return near(item, ctx, fields, ev, across=True)
    allowed = {m for name in fields for m in name.split("+")}
    candidates: set[tuple[str, int, int]] = set()
    for idx in item_atoms:
        for h in ctx.hits.get(idx, ()):
            if h[0] in allowed:
                u = _unit_of(ctx, unit, h)
                if u is not None:
                    candidates.add(u)
    for u in sorted(candidates, key=lambda u: (_RANK[u[0]], u[1])):
        fname, lo, hi = u
        inside: dict[int, list[Hit]] = {}
        for idx in item_atoms:
            kept = [h for h in ctx.hits.get(idx, ()) if h[0] == fname and lo <= h[1] and h[2] <= hi]
            if kept:
                inside[idx] = kept
        sub = make_ctx(ctx.article, ctx.lang, inside, {}, ctx.tokens, {**ctx.cache, "cross": {}})
        ok, found = ev(item, sub, fields)
        if ok:
            return True, found
    return False, []


def _unit_of(ctx: Any, unit: str, hit: Hit) -> tuple[str, int, int] | None:
    """The unit (field, first token, last token) holding the whole hit; None when it runs across two."""
    fname = hit[0]
    if unit == "field":
        return (fname, 0, _END)
    key = (unit, fname)
    bounds = ctx.cache.get(key)
    if bounds is None:
        bounds = ctx.cache[key] = unit_bounds(tokens_of(ctx.tokens, ctx.article, fname), unit, ctx.lang)
    i = bisect_right(bounds, hit[1]) - 1
    end = bounds[i + 1] - 1 if i + 1 < len(bounds) else _END
    return (fname, bounds[i], end) if hit[2] <= end else None


def joins_of(fields: Iterable[str], scopes: Iterable[Iterable[str]]) -> set[str]:
    """The joined names among a rule's fields and its scopes'."""
    return {name for group in (fields, *scopes) for name in group if is_joined(name)}

