"""Compile every rule into one matcher whose cost per article grows with the article, not the rules.

How an article is matched:

1. each field (title, summary, body) is tokenized and folded once
   (:mod:`vigie.rules.folding`);
2. ONE phrase index, built from the phrases of all atoms (entities, terms,
   words) of all rules, finds every phrase occurrence: whole-word keys sit in
   a hash table by first word (one dict lookup per article token, whatever
   the number of rules, like spaCy's PhraseMatcher), and the few prefix keys
   (``deploy*``, Korean names followed by particles) in one Aho-Corasick
   automaton (pyahocorasick) run over ``" tok tok tok "``. Keys are whole
   tokens, so "ball" never fires inside "football". Inflected forms were
   expanded at compile time (:func:`vigie.rules.lemmas.inflections`) and tagged with
   their language, so English forms only count in English articles, French
   forms in French ones.

   Why not one character-level automaton for everything: measured on the
   corpus items, its cost per character grows with its size (about 3 µs per
   item at 10 rules, 16 µs at 10,000 rules and 250,000 keys), and
   pyahocorasick's token-sequence mode was two orders of magnitude slower
   still at that size; the hash lookups stay flat.
3. only the rules "triggered" by an atom that was found are looked at. Each
   rule is indexed under a set of atoms at least one of which must be present
   for the rule to match (for an AND, its least shared operand, so a common
   entity used by thousands of rules does not wake them all); cheap
   necessary conditions (required atoms, "one of" clauses, the best score a
   weighted rule could still reach) are checked before the full evaluation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Iterable
from urllib.parse import urlsplit

import ahocorasick

from vigie.rules import lemmas as nlp
from vigie.models import Article, Match, RulePolicy, Span
from vigie.rules.expr import And, Atom, Expr, Filter, Near, Not, Or, Scope
from vigie.rules.folding import is_acronym, is_cjk_or_hangul, raw_and_folded, token_spans, tokenize
from vigie.rules.loader import LoadedRule, RuleSet

ALL_FIELDS: tuple[str, ...] = ("title", "summary", "body")
MAX_VARIANTS_PER_PHRASE = 2000  # inflections of a multi-word phrase multiply; past this we stop expanding

# Compiled expressions are tuples (fast to walk): (tag, ...)
#   ("a", atom_index)  ("and", items)  ("or", items)  ("not", item)
#   ("near", items, distance, ordered)  ("scope", frozenset(fields), item)  ("f", kind, value)
CExpr = tuple[Any, ...]
# What a key finds: (number of words, atoms found in any language, (atom, languages, acronym positions) to check)
Payload = tuple[int, tuple[int, ...], tuple[tuple[int, Any, tuple[int, ...]], ...]]
Hit = tuple[str, int, int]  # field, first token, last token


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

    @property
    def id(self) -> str:
        return self.loaded.id


@dataclass
class Matcher:
    """All rules of a run, compiled once. Use :func:`vigie.rules.match.match_article`."""

    atoms: list[Atom]
    rules: list[CompiledRule]
    phrases: dict[str, tuple[tuple[tuple[str, ...], Payload], ...]]  # first word -> (next words, payload)
    automaton: Any  # ahocorasick.Automaton of the prefix keys ("deploy*", Hangul names), or None
    triggers: dict[int, tuple[int, ...]]  # atom index -> rules to evaluate when it is found
    always: tuple[int, ...]  # rules that can match without any atom (rare: NOT-only parts)
    policies: dict[str, RulePolicy] = field(default_factory=dict)
    n_patterns: int = 0
    # Per rule, the pre-checks as plain tuples (hot loop): (required, clauses, weight_needs, threshold)
    checks: list[tuple[frozenset[int], tuple[frozenset[int], ...], tuple[tuple[frozenset[int], float], ...], float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.checks = [(cr.required, cr.clauses, cr.weight_needs, cr.threshold) for cr in self.rules]

    def match(self, article: Article) -> list[Match]:
        return _match(self, article)


def compile_rules(rule_set: RuleSet | Iterable[LoadedRule]) -> Matcher:
    """Compile the valid rules of ``rule_set`` (disabled rules are left out) into one Matcher."""
    loaded = rule_set.rules if isinstance(rule_set, RuleSet) else list(rule_set)
    loaded = [r for r in loaded if r.rule.enabled]
    atom_ids: dict[Atom, int] = {}
    atoms: list[Atom] = []

    def cexpr(expr: Expr) -> CExpr:
        if isinstance(expr, Atom):
            idx = atom_ids.get(expr)
            if idx is None:
                idx = atom_ids[expr] = len(atoms)
                atoms.append(expr)
            return ("a", idx)
        if isinstance(expr, And):
            return ("and", tuple(cexpr(i) for i in expr.items))
        if isinstance(expr, Or):
            return ("or", tuple(cexpr(i) for i in expr.items))
        if isinstance(expr, Not):
            return ("not", cexpr(expr.item))
        if isinstance(expr, Near):
            return ("near", tuple(cexpr(i) for i in expr.items), expr.distance, expr.ordered)
        if isinstance(expr, Scope):
            return ("scope", frozenset(expr.fields), cexpr(expr.item))
        assert isinstance(expr, Filter)
        return ("f", expr.kind, expr.value)

    compiled: list[CompiledRule] = []
    for lr in loaded:
        r = lr.rule
        expr = cexpr(lr.expr) if lr.expr is not None else None
        weights = tuple((cexpr(e), w) for e, w in lr.weights)
        clauses = _clauses(expr) if expr is not None else []
        compiled.append(CompiledRule(
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
    triggers: dict[int, list[int]] = {}
    always: list[int] = []
    for i, cr in enumerate(compiled):
        trig = _rule_trigger(cr, popularity)
        if trig is None:
            always.append(i)
        else:
            for idx in trig:
                triggers.setdefault(idx, []).append(i)

    phrases, automaton, n = _build_index(atoms)
    return Matcher(atoms=atoms, rules=compiled, phrases=phrases, automaton=automaton,
                   triggers={k: tuple(v) for k, v in triggers.items()}, always=tuple(always),
                   policies={cr.id: cr.loaded.policy() for cr in compiled}, n_patterns=n)


def _atoms_of(cr: CompiledRule) -> set[int]:
    out: set[int] = set()

    def walk(e: CExpr) -> None:
        tag = e[0]
        if tag == "a":
            out.add(e[1])
        elif tag in ("and", "or", "near"):
            for i in e[1]:
                walk(i)
        elif tag == "not":
            walk(e[1])
        elif tag == "scope":
            walk(e[2])

    if cr.expr is not None:
        walk(cr.expr)
    for e, _ in cr.weights:
        walk(e)
    return out


def _required(e: CExpr) -> frozenset[int]:
    """Atoms that every match of ``e`` contains (an AND of them is necessary)."""
    tag = e[0]
    if tag == "a":
        return frozenset((e[1],))
    if tag in ("and", "near"):
        return frozenset().union(*(_required(i) for i in e[1]))
    if tag == "or":
        parts = [_required(i) for i in e[1]]
        return frozenset.intersection(*parts) if parts else frozenset()
    if tag == "scope":
        return _required(e[2])
    return frozenset()  # not, filter


_MAX_CLAUSES = 16


def _clauses(e: CExpr) -> list[frozenset[int]]:
    """A conjunction of "at least one of these atoms" clauses that every match of ``e`` satisfies."""
    tag = e[0]
    if tag == "a":
        return [frozenset((e[1],))]
    if tag in ("and", "near"):
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
    if tag == "scope":
        return _clauses(e[2])
    return []  # not, filter


def _trigger(e: CExpr, popularity: list[int]) -> frozenset[int] | None:
    """Atoms at least one of which must be found for ``e`` to hold (None: no such set)."""
    tag = e[0]
    if tag == "a":
        return frozenset((e[1],))
    if tag == "or":
        parts = [_trigger(i, popularity) for i in e[1]]
        return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    if tag in ("and", "near"):
        parts = [p for p in (_trigger(i, popularity) for i in e[1]) if p is not None]
        if not parts:
            return None
        return min(parts, key=lambda p: (sum(popularity[a] for a in p), len(p)))
    if tag == "scope":
        return _trigger(e[2], popularity)
    return None  # not, filter


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
        if keep and all(t is not None for t in keep):
            return frozenset().union(*keep)  # type: ignore[arg-type]
    return None


# ---- the phrase index ---------------------------------------------------------------------------

def acronym_positions(phrase: str) -> tuple[int, ...]:
    """Word positions of ``phrase`` written as acronyms (they must be upper-case in the article too)."""
    toks = tokenize(phrase.rstrip().rstrip("*"))
    core = phrase.rstrip().rstrip("*")
    return tuple(i for i, (s, e) in enumerate(zip(toks.starts, toks.ends)) if is_acronym(core[s:e]))


def phrase_patterns(phrase: str, inflect: bool, languages: Iterable[str]) -> dict[str, set[str] | None]:
    """Automaton keys of one phrase -> the languages they count in (None: every language)."""
    prefix = phrase.rstrip().endswith("*")
    core = phrase.rstrip().rstrip("*")
    toks = tokenize(core)
    words = toks.folded
    # Lemma tables are keyed by the written (accented) word, so inflect the raw words, not the folded ones.
    raw_words = [core[s:e].lower() for s, e in zip(toks.starts, toks.ends)]
    if not words:
        return {}
    if words and words[-1] and is_cjk_or_hangul(words[-1][-1]):
        prefix = True  # Korean/Japanese glue particles to names: 김정은이, 김정은은
    tail = "" if prefix else " "
    out: dict[str, set[str] | None] = {" " + " ".join(words) + tail: None}
    if inflect:
        for lang in languages:
            per_word = [sorted(nlp.inflections(w, lang)) for w in raw_words]
            if prefix:
                per_word[-1] = [words[-1]]  # the * already covers the endings
            for combo in itertools.islice(itertools.product(*per_word), MAX_VARIANTS_PER_PHRASE):
                key = " " + " ".join(combo) + tail
                langs = out.setdefault(key, set())
                if langs is not None:
                    langs.add(lang)
    return out


def _build_index(atoms: list[Atom]) -> tuple[dict[str, Any], Any, int]:
    """The phrase table (whole-word keys, by first word) and the automaton (prefix keys)."""
    table: dict[str, dict[tuple[int, tuple[int, ...]], set[str] | None]] = {}
    for idx, atom in enumerate(atoms):
        for phrase in atom.phrases:
            caps = acronym_positions(phrase)
            for key, langs in phrase_patterns(phrase, atom.inflect and not caps, atom.languages).items():
                slot = table.setdefault(key, {})
                idx_caps = (idx, caps)
                if idx_caps in slot and (slot[idx_caps] is None or langs is None):
                    slot[idx_caps] = None
                elif idx_caps in slot:
                    slot[idx_caps] = slot[idx_caps] | langs  # type: ignore[operator]
                else:
                    slot[idx_caps] = None if langs is None else set(langs)
    phrases: dict[str, list[tuple[tuple[str, ...], Payload]]] = {}
    automaton = None
    for key, slot in table.items():
        words = key.split()
        plain = tuple(idx for (idx, caps), langs in slot.items() if langs is None and not caps)
        checked = tuple((idx, None if langs is None else frozenset(langs), caps)
                        for (idx, caps), langs in slot.items() if langs is not None or caps)
        payload: Payload = (len(words), plain, checked)
        if key.endswith(" "):
            phrases.setdefault(words[0], []).append((tuple(words[1:]), payload))
        else:
            if automaton is None:
                automaton = ahocorasick.Automaton()
            automaton.add_word(key, payload)
    if automaton is not None:
        automaton.make_automaton()
    return {k: tuple(v) for k, v in phrases.items()}, automaton, len(table)


# ---- matching --------------------------------------------------------------------------------

@dataclass
class _Ctx:
    article: Article
    lang: str
    hits: dict[int, list[Hit]]


def _effective_language(article: Article) -> str:
    """The article's language as normalize decided it; "und" (undetermined) lets every language's rules try."""
    return (article.language or "und").lower().split("-")[0]


def _match(m: Matcher, article: Article) -> list[Match]:
    if not m.phrases and m.automaton is None and not m.always:
        return []
    lang = _effective_language(article)
    any_lang = lang == "und"
    hits: dict[int, list[Hit]] = {}
    phrases_get = m.phrases.get
    automaton = m.automaton
    for fname in ALL_FIELDS:
        text = article.field_text(fname)
        if not text:
            continue
        raws, folded = raw_and_folded(text)
        if not folded:
            continue
        found: list[tuple[int, Payload]] = []  # (last token, payload)
        # Whole-word keys: one hash lookup per token, whatever the number of rules.
        for i, word in enumerate(folded):
            entries = phrases_get(word)
            if entries is None:
                continue
            for rest, payload in entries:
                if not rest:
                    found.append((i, payload))
                elif tuple(folded[i + 1:i + 1 + len(rest)]) == rest:
                    found.append((i + len(rest), payload))
        # Prefix keys ("deploy*", Korean names with particles): Aho-Corasick over " tok tok tok ".
        if automaton is not None:
            joined = " " + " ".join(folded) + " "
            for end, payload in automaton.iter(joined):
                # `end` is a letter of the key's last word: the spaces before it number last + 1.
                found.append((joined.count(" ", 0, end) - 1, payload))
        for last, (n_words, plain, checked) in found:
            hit = (fname, last - n_words + 1, last)
            for idx in plain:
                got = hits.get(idx)
                if got is None:
                    hits[idx] = [hit]
                else:
                    got.append(hit)
            for idx, langs, caps in checked:
                if langs is None or any_lang or lang in langs:
                    if caps and not all(raws[hit[1] + c].isupper() for c in caps):
                        continue  # an acronym variant found in lower case ("un", "us")
                    hits.setdefault(idx, []).append(hit)
    if not hits and not m.always:
        return []
    candidates: set[int] = set(m.always)
    triggers = m.triggers
    for idx in hits:
        rs = triggers.get(idx)
        if rs:
            candidates.update(rs)
    found_atoms = set(hits)
    ctx = _Ctx(article, lang, hits)
    tokens: dict[str, Any] = {}  # field -> token offsets, computed when a span needs them
    out: list[Match] = []
    rules = m.rules
    checks = m.checks
    for ri in sorted(candidates):
        required, clauses, weight_needs, threshold = checks[ri]
        if not required <= found_atoms:
            continue  # a word the rule cannot do without is absent
        if clauses and not all(not c.isdisjoint(found_atoms) for c in clauses):
            continue  # every alternative of a needed part is absent
        if weight_needs and sum(w for need, w in weight_needs if need <= found_atoms) < threshold:
            continue  # even every weighted item that could still hold would not reach the threshold
        cr = rules[ri]
        result = _eval_rule(cr, ctx)
        if result is None:
            continue
        score, raw_spans = result
        spans = _spans(m, article, tokens, raw_spans)
        names: list[str] = []
        for s in spans:
            if s.term not in names:
                names.append(s.term)
        r = cr.loaded.rule
        out.append(Match(rule_id=r.id, article_id=article.id, score=score, spans=spans,
                         severity=r.severity, notify=r.notify, terms=tuple(names)))
    return out


def _source_ok(cr: CompiledRule, article: Article) -> bool:
    if cr.sources and not any(_source_matches(p, article) for p in cr.sources):
        return False
    return not any(_source_matches(p, article) for p in cr.exclude_sources)


def _source_matches(pattern: str, article: Article) -> bool:
    """``site:host`` matches the article URL's host; anything else is a glob over the source id,
    and a bare host name (``lemonde.fr``) also matches the URL's host."""
    if pattern.startswith("site:"):
        return _site_matches(pattern[5:], article)
    if fnmatchcase(article.source_id, pattern):
        return True
    looks_like_host = "." in pattern and not any(c in pattern for c in "/*?[:")
    return looks_like_host and _site_matches(pattern, article)


def _site_matches(host: str, article: Article) -> bool:
    host = host.lower().strip().removeprefix("www.")
    if not article.url or not host:
        return False
    got = (urlsplit(article.url).hostname or "").lower()
    return got == host or got.endswith("." + host) or got == "www." + host


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
        got = [(e[1], h) for h in ctx.hits.get(e[1], ()) if h[0] in fields]
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
    return _eval_filter(e[1], e[2], ctx), []


def _eval_filter(kind: str, value: str, ctx: _Ctx) -> bool:
    if kind == "lang":
        return ctx.lang == value
    if kind == "site":
        return _site_matches(value, ctx.article)
    return fnmatchcase(ctx.article.source_id, value)


_NEAR_MAX_POSITIONS = 64  # per operand; keeps a pathological article from blowing up the product


def _eval_near(e: CExpr, ctx: _Ctx, fields: frozenset[str]) -> tuple[bool, list[tuple[int, Hit]]]:
    _, items, distance, ordered = e
    per_item: list[list[tuple[int, Hit]]] = []
    for item in items:
        ok, found = _eval(item, ctx, fields)
        if not ok:
            return False, []
        per_item.append(found)
    for fname in ALL_FIELDS:
        options = [sorted((x for x in found if x[1][0] == fname), key=lambda x: x[1][1])[:_NEAR_MAX_POSITIONS] for found in per_item]
        if any(not o for o in options):
            continue
        for combo in itertools.product(*options):
            seq = list(combo) if ordered else sorted(combo, key=lambda x: (x[1][1], x[1][2]))
            good = True
            for a, b in zip(seq, seq[1:]):
                gap = b[1][1] - a[1][2] - 1  # words strictly between
                if gap < 0 or gap > distance:
                    good = False
                    break
            if good:
                return True, list(combo)
    return False, []


def _spans(m: Matcher, article: Article, tokens: dict[str, Any], raw: list[tuple[int, Hit]]) -> tuple[Span, ...]:
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Span] = []
    for idx, (fname, first, last) in raw:
        toks = tokens.get(fname)
        if toks is None:
            toks = tokens[fname] = token_spans(article.field_text(fname))
        start, end = toks[first][0], toks[last][1]
        name = m.atoms[idx].name
        key = (fname, start, end, name)
        if key in seen:
            continue
        seen.add(key)
        text = article.field_text(fname)
        out.append(Span(field=fname, start=start, end=end, text=text[start:end], term=name))  # type: ignore[arg-type]
    order = {f: i for i, f in enumerate(ALL_FIELDS)}
    out.sort(key=lambda s: (order[s.field], s.start, s.end))
    return tuple(out)
