"""How much a shared word says about an event: its rarity in the language (an IDF).

"leader", "meet" and "president" are shared by reports of unrelated events; "Zaporizhzhia"
or "hypersonic" are not. The weight of a word is ``(7 - zipf)**2`` with zipf its
Zipf frequency in the article's language (``wordfreq``: log10 of occurrences per
billion words), so a word seen once per 10,000 (zipf 5) weighs 4 and a word
``wordfreq`` does not know (zipf 0: a rare name, a transliteration) weighs 49.

Without ``wordfreq`` installed, words are weighed by their length, a crude stand-in
(long words are rarer), so the stage still works.
"""

from __future__ import annotations

import functools
from typing import Callable


@functools.cache
def _frequencies() -> Callable[[str, str], float] | None:
    """wordfreq's ``zipf_frequency``, imported on first use: its import takes seconds in a process
    that already holds Prefect's modules (it walks the call stack to find its data), and a run
    that finds nothing new never weighs a word. None without wordfreq (the length stand-in)."""
    try:  # optional at run time: the stage degrades to the length stand-in
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a dependency; this is the fallback
        return None
    return zipf_frequency


MAX_ZIPF = 7.0
_KNOWN_LANGUAGES = frozenset("ar bg bn bs ca cs da de el en es fa fi fil fr he hi hr hu id it ja ko lt lv mk ms nb nl pl pt ro ru sh sk sl sr sv ta tr uk ur vi zh".split())


@functools.lru_cache(maxsize=200_000)
def weight(word: str, language: str = "en") -> float:
    """The weight of a folded word in ``language`` (ISO 639-1; "und" or unknown: English)."""
    return (MAX_ZIPF - zipf(word, language)) ** 2


@functools.lru_cache(maxsize=200_000)
def zipf(word: str, language: str = "en") -> float:
    """The Zipf frequency of ``word`` (0 to ``MAX_ZIPF``); a length-based guess without ``wordfreq``."""
    frequency = _frequencies()
    if frequency is None:
        return max(0.0, MAX_ZIPF - 0.6 * len(word))
    lang = language if language in _KNOWN_LANGUAGES else "en"
    return min(MAX_ZIPF, float(frequency(word, lang)))


def total(words: "frozenset[str] | set[str]", language: str) -> float:
    """The summed weight of ``words``."""
    return sum(weight(w, language) for w in words)
