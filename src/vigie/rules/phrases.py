"""The phrase index: every phrase of every rule in one structure, built once, searched once per field.

The phrases of all atoms (entities, terms, words) of all rules become keys of
folded whole words. Whole-word keys sit in a hash table by first word (one
dict lookup per article token, whatever the number of rules, like spaCy's
PhraseMatcher); the few prefix keys (``deploy*``, ``북한*``) go into one
Aho-Corasick automaton (pyahocorasick) run over ``" tok tok tok "``. Keys are
whole tokens, so "ball" never fires inside "football", and a Korean variant is
one whole-word key per listed particle (:mod:`vigie.rules.korean`). Inflected forms are expanded here, at build time
(:func:`vigie.rules.lemmas.inflections`), and tagged with their language, so
English forms only count in English articles, French forms in French ones;
the first article in a language gets tables of its own where each key's atoms
are already sorted into those that count and those with capitals to check.

Why not one character-level automaton for everything: measured on the corpus
items, its cost per character grows with its size (about 3 µs per item at 10
rules, 16 µs at 10,000 rules and 250,000 keys), and pyahocorasick's
token-sequence mode was two orders of magnitude slower still at that size; the
hash lookups stay flat.
"""

from __future__ import annotations

import itertools
from itertools import compress
from dataclasses import dataclass, field
from typing import Any, Iterable

import ahocorasick

from vigie.rules import korean, lemmas as nlp
from vigie.rules.expr import Atom
from vigie.rules.folding import is_acronym, is_cjk_or_hangul, tokenize
from vigie.rules.scan import FieldTokens

MAX_VARIANTS_PER_PHRASE = 2000  # inflections of a multi-word phrase multiply; past this we stop expanding

# What a key finds: (number of words, atoms found in any language,
# (atom, the languages it counts in or None for all, case checks: word positions that must be upper-case,
# or (position, word as written) for a case-sensitive atom) to check)
CaseCheck = int | tuple[int, str]
Checked = tuple[int, frozenset[str] | None, tuple[CaseCheck, ...]]
Payload = tuple[int, tuple[int, ...], tuple[Checked, ...]]
# A payload as one article language sees it: (number of words, atoms found, (atom, case checks) to check)
Resolved = tuple[int, tuple[int, ...], tuple[tuple[int, tuple[CaseCheck, ...]], ...]]
Hit = tuple[str, int, int]  # field, first token, last token
# One language's view of the whole-word keys: the single table and the pairs table, payloads resolved
Tables = tuple[dict[str, Resolved], dict[tuple[str, str], tuple[tuple[tuple[str, ...], Resolved], ...]]]


@dataclass(frozen=True)
class PhraseIndex:
    single: dict[str, Payload]  # one-word keys: word -> payload
    pairs: dict[tuple[str, str], tuple[tuple[tuple[str, ...], Payload], ...]]  # first two words -> (next words, payload)
    automaton: Any  # ahocorasick.Automaton of the prefix keys ("deploy*", "북한*"), or None
    size: int  # number of keys
    pair_firsts: frozenset[str] = frozenset()  # first words of the longer keys
    firsts: Any = None  # ahocorasick.Automaton of every key's first word (see may_occur), or None
    # Per article language, the two tables with each payload resolved for that language (resolve), built
    # when the first article in that language is matched; not pickled.
    resolved: dict[str, Tables] = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["resolved"] = {}  # rebuilt on use: the cache stays the size of the keys
        return state

    def may_occur(self, lowered_ascii: str) -> bool:
        """False when no key can be found in this lower-cased ASCII text, so it need not be tokenized:
        a token of ASCII text is a substring of its lower-cased form (folding ASCII is lower-casing)."""
        if self.firsts is None:
            return True
        for _ in self.firsts.iter(lowered_ascii):
            return True
        return False

    def find(self, folded: list[str]) -> list[tuple[int, Payload]]:
        """Every key found in one field's folded tokens, as (position of its last token, payload)."""
        found = _whole_words(folded, self.single, self.pairs, self.pair_firsts)
        found.extend(self._prefixes(folded))
        return found

    def _prefixes(self, folded: list[str]) -> list[tuple[int, Payload]]:
        """The prefix keys found: Aho-Corasick over " tok tok tok "."""
        if self.automaton is None:
            return []
        joined = " " + " ".join(folded) + " "
        # `end` is a letter of the key's last word: the spaces before it number last + 1.
        return [(joined.count(" ", 0, end) - 1, payload) for end, payload in self.automaton.iter(joined)]

    def tables(self, lang: str) -> Tables:
        """The whole-word tables with every payload resolved for articles in ``lang`` (built once)."""
        got = self.resolved.get(lang)
        if got is None:
            got = self.resolved[lang] = (
                {word: resolve(payload, lang) for word, payload in self.single.items()},
                {pair: tuple((rest, resolve(payload, lang)) for rest, payload in entries)
                 for pair, entries in self.pairs.items()})
        return got

    def add_hits(self, toks: FieldTokens, fname: str, lang: str, hits: dict[int, list[Hit]]) -> None:
        """Add to ``hits`` (atom -> hits) every atom found in one field's tokens, in an article in ``lang``
        ("und": any language counts)."""
        single, pairs = self.tables(lang)
        found = _whole_words(toks.folded, single, pairs, self.pair_firsts)
        if self.automaton is not None:
            found.extend((last, resolve(payload, lang)) for last, payload in self._prefixes(toks.folded))
        for last, (n_words, atoms, capped) in found:
            hit = (fname, last - n_words + 1, last)
            for idx in atoms:
                got = hits.get(idx)
                if got is None:
                    hits[idx] = [hit]
                else:
                    got.append(hit)
            for idx, caps in capped:
                if same_case(toks.raws, hit[1], caps):  # not an acronym in lower case ("un", "us"), nor other capitals
                    hits.setdefault(idx, []).append(hit)

    def keys(self) -> list[str]:
        """Every key as its folded words joined by spaces ("vladimir putin"; prefix keys without their *)."""
        out = list(self.single) + [" ".join(pair + rest) for pair, entries in self.pairs.items() for rest, _ in entries]
        if self.automaton is not None:
            out.extend(k.strip() for k in self.automaton.keys())
        return out


def _whole_words(folded: list[str], single: dict[str, Any], pairs: dict[tuple[str, str], Any],
                 pair_firsts: frozenset[str]) -> list[tuple[int, Any]]:
    """The whole-word keys found in ``folded``, as (position of the last token, the table's value).

    One hash lookup per token, whatever the number of rules; keys of two words and more by their first
    two words, so that hundreds of keys that share a first word ("military ...") are not all compared
    at each of its occurrences. ``compress`` keeps the positions whose lookup found a value without a
    Python step per token."""
    values = list(map(single.get, folded))
    found: list[tuple[int, Any]] = list(compress(enumerate(values), values))
    for i in compress(range(len(folded) - 1), map(pair_firsts.__contains__, folded)):
        entries = pairs.get((folded[i], folded[i + 1]))
        if entries is None:
            continue
        for rest, value in entries:
            if not rest:
                found.append((i + 1, value))
            elif tuple(folded[i + 2:i + 2 + len(rest)]) == rest:
                found.append((i + 1 + len(rest), value))
    return found


def resolve(payload: Payload, lang: str) -> Resolved:
    """What a key finds in an article of ``lang``: its atoms that count there without a check, and those
    with capitals to check (an atom keeps its place among the others, as in the payload)."""
    n_words, plain, checked = payload
    if not checked:
        return payload  # type: ignore[return-value]  # the same shape: shared by every language
    ok = [(idx, caps) for idx, langs, caps in checked if langs is None or lang == "und" or lang in langs]
    return n_words, plain + tuple(idx for idx, caps in ok if not caps), tuple((idx, caps) for idx, caps in ok if caps)


def acronym_positions(phrase: str) -> tuple[int, ...]:
    """Word positions of ``phrase`` written as acronyms (they must be upper-case in the article too)."""
    toks = tokenize(phrase.rstrip().rstrip("*"))
    core = phrase.rstrip().rstrip("*")
    return tuple(i for i, (s, e) in enumerate(zip(toks.starts, toks.ends)) if is_acronym(core[s:e]))


def written_words(phrase: str) -> tuple[tuple[int, str], ...]:
    """(position, word as written) of each word of ``phrase``: the case checks of a case-sensitive atom."""
    core = phrase.rstrip().rstrip("*")
    toks = tokenize(core)
    return tuple((i, core[s:e]) for i, (s, e) in enumerate(zip(toks.starts, toks.ends)))


def same_case(raws: list[str], start: int, checks: tuple[CaseCheck, ...]) -> bool:
    """Do the article's words from ``start`` pass ``checks``: capitals for an acronym position, and the
    capitals of the written word for a case-sensitive one (letter by letter: "Arms" passes for "Arm")."""
    for check in checks:
        if type(check) is int:
            if not raws[start + check].isupper():
                return False
        else:
            pos, word = check  # type: ignore[misc]
            if any(a.isupper() != b.isupper() for a, b in zip(raws[start + pos], word) if a.isalpha() and b.isalpha()):
                return False
    return True


def phrase_patterns(phrase: str, inflect: bool, languages: Iterable[str], pos: str | None = None) -> dict[str, set[str] | None]:
    """Index keys of one phrase -> the languages they count in (None: every language)."""
    prefix = phrase.rstrip().endswith("*")
    core = phrase.rstrip().rstrip("*")
    toks = tokenize(core)
    words = toks.folded
    # Lemma tables are keyed by the written (accented) word, so inflect the raw words, not the folded ones.
    raw_words = [core[s:e].lower() for s, e in zip(toks.starts, toks.ends)]
    if not words:
        return {}
    # Korean glues particles to names (김정은이, 김정은의): the word and its listed endings, never any
    # longer word (김정은행장); ideographs and kana are one token each, a prefix key costs nothing more there.
    endings = korean.with_endings(words[-1]) if not prefix and korean.is_hangul(words[-1][-1]) else ()
    if not prefix and not endings and is_cjk_or_hangul(words[-1][-1]):
        prefix = True
    tail = "" if prefix else " "
    head = " " + " ".join(words[:-1]) + " " if len(words) > 1 else " "
    out: dict[str, set[str] | None] = {head + last + tail: None for last in endings or (words[-1],)}
    if inflect:
        for lang in languages:
            per_word = [sorted(nlp.inflections(w, lang, pos)) for w in raw_words]
            if prefix or endings:
                per_word[-1] = [words[-1]]  # the * or the Korean endings already cover the endings
            for combo in itertools.islice(itertools.product(*per_word), MAX_VARIANTS_PER_PHRASE):
                key = " " + " ".join(combo) + tail
                langs = out.setdefault(key, set())
                if langs is not None:
                    langs.add(lang)
    return out


def build_index(atoms: list[Atom]) -> PhraseIndex:
    """The phrase table (whole-word keys, by first word) and the automaton (prefix keys) of ``atoms``."""
    table: dict[str, dict[tuple[int, tuple[CaseCheck, ...]], set[str] | None]] = {}
    for idx, atom in enumerate(atoms):
        for phrase in atom.phrases:
            caps: tuple[CaseCheck, ...] = acronym_positions(phrase)
            inflect = atom.inflect and not caps
            if atom.case_sensitive:
                caps = written_words(phrase)
            for key, langs in phrase_patterns(phrase, inflect, atom.languages, atom.pos).items():
                slot = table.setdefault(key, {})
                idx_caps = (idx, caps)
                if idx_caps not in slot:
                    slot[idx_caps] = None if langs is None else set(langs)
                else:
                    had = slot[idx_caps]
                    slot[idx_caps] = None if had is None or langs is None else had | langs
    single: dict[str, Payload] = {}
    pairs: dict[tuple[str, str], list[tuple[tuple[str, ...], Payload]]] = {}
    automaton = None
    for key, slot in table.items():
        key_words = key.split()
        plain = tuple(idx for (idx, caps), langs in slot.items() if langs is None and not caps)
        checked = tuple((idx, None if langs is None else frozenset(langs), caps)
                        for (idx, caps), langs in slot.items() if langs is not None or caps)
        payload: Payload = (len(key_words), plain, checked)
        if key.endswith(" ") and len(key_words) == 1:
            single[key_words[0]] = payload
        elif key.endswith(" "):
            pairs.setdefault((key_words[0], key_words[1]), []).append((tuple(key_words[2:]), payload))
        else:
            if automaton is None:
                automaton = ahocorasick.Automaton()
            automaton.add_word(key, payload)
    if automaton is not None:
        automaton.make_automaton()
    firsts = None
    first_words = {key.split()[0] for key in table if key.split()}
    if first_words:
        firsts = ahocorasick.Automaton()
        for word in first_words:
            firsts.add_word(word, None)
        firsts.make_automaton()
    return PhraseIndex(single, {k: tuple(v) for k, v in pairs.items()}, automaton, len(table),
                       frozenset(first for first, _ in pairs), firsts)
