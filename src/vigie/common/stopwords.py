"""spaCy's stop-word lists: the one source of function words in vigie.

Language detection scores them, lemma expansion drops inflected forms that are stop
words, and story features leave them out of an article's content words.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path

LATIN_LANGS = ("en", "fr", "de", "es", "it", "pt")
CYRILLIC_LANGS = ("ru", "uk")


@functools.lru_cache(maxsize=None)
def stop_words() -> dict[str, frozenset[str]]:
    """spaCy's stop-word list of each candidate language, lower-cased."""
    out: dict[str, frozenset[str]] = {}
    for lang in LATIN_LANGS + CYRILLIC_LANGS:
        words = _spacy_stop_words(lang)
        if words is not None:
            out[lang] = frozenset(w.lower() for w in words if len(w) > 1 or lang not in ("en",))
    return out


def _spacy_stop_words(lang: str) -> set[str] | None:
    """``spacy.lang.<lang>.stop_words.STOP_WORDS``, read without importing ``spacy.lang.<lang>``.

    Importing the module the usual way runs the language package's ``__init__`` first, which
    builds its tokenizer exceptions: 6 s for French alone (bench/bench_e2e.py measured it in the
    normalize stage). The stop-word files are plain sets with no imports, so they are loaded
    from their path on their own.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - spaCy is a dependency
        return None
    path = Path(spec.submodule_search_locations[0]) / "lang" / lang / "stop_words.py"
    file_spec = importlib.util.spec_from_file_location(f"_vigie_stop_words_{lang}", path)
    if file_spec is None or file_spec.loader is None or not path.is_file():
        try:  # an unusual install: the ordinary, slower import
            return set(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
        except ImportError:  # pragma: no cover - spaCy ships all of these
            return None
    module = importlib.util.module_from_spec(file_spec)
    file_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)
