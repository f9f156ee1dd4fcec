"""The baseline of ``python -m bench --only lang``: the stop-word guess vigie made before py3langid.

Kept verbatim (only this paragraph added) so the benchmark prints today's detector beside the one
it replaced, measured in the same run on the same items. What it did:

Language of a text, from spaCy's own stop-word lists and the script it is written in.

Pure and dependency-free beyond spaCy (already installed): news titles and
summaries are short, and the most reliable cue in a short text is its
function words ("le", "des", "the", "of", "und" ...). We count the tokens of
the text that are stop words of each candidate language, weighting words that
are stop words of a single language higher (they decide between close
languages such as es/pt/it), and pick the best; scripts that belong to one
language family decide directly (Hangul -> ko, kana -> ja, Han -> zh, Greek,
Arabic, Hebrew ...). Cyrillic goes to ru or uk by stop words and letters
only Ukrainian has (і, ї, є, ґ).

``hint`` (a feed's declared language) wins when the text gives no clear
signal, and breaks near-ties.
"""

from __future__ import annotations

import functools
import re

from vigie.common.stopwords import CYRILLIC_LANGS, LATIN_LANGS, stop_words

UNDETERMINED = "und"

_WORD = re.compile(r"[^\W\d_]+")
# Script ranges that name a language (or a family we report by its main language).
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("ko", r"[\uac00-\ud7af\u1100-\u11ff]"),
    ("ja", r"[\u3040-\u30ff]"),
    ("zh", r"[\u4e00-\u9fff]"),
    ("el", r"[\u0370-\u03ff]"),
    ("ar", r"[\u0600-\u06ff]"),
    ("he", r"[\u0590-\u05ff]"),
    ("hi", r"[\u0900-\u097f]"),
    ("th", r"[\u0e00-\u0e7f]"),
    ("ka", r"[\u10a0-\u10ff]"),
    ("hy", r"[\u0530-\u058f]"),
    ("bn", r"[\u0980-\u09ff]"),
    ("pa", r"[\u0a00-\u0a7f]"),
    ("gu", r"[\u0a80-\u0aff]"),
    ("ta", r"[\u0b80-\u0bff]"),
    ("te", r"[\u0c00-\u0c7f]"),
    ("kn", r"[\u0c80-\u0cff]"),
    ("ml", r"[\u0d00-\u0d7f]"),
)
# Languages the text cannot tell apart from a script's main one (no stop-word list here):
# when a feed declares one of them and the script agrees, the declaration wins.
_SHARED_SCRIPT = {"ur": "ar", "fa": "ar", "ps": "ar", "ug": "ar", "mr": "hi", "ne": "hi", "yi": "he"}
_CYRILLIC_HINTS = frozenset({"ru", "uk", "bg", "sr", "be", "mk", "kk", "ky", "mn", "tg"})
_SCRIPT_RES = tuple((lang, re.compile(pat)) for lang, pat in _SCRIPTS)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_RU_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")


@functools.lru_cache(maxsize=None)
def _weights() -> dict[str, dict[str, float]]:
    """word -> {lang: weight}; a word shared by k languages weighs 1/k in each."""
    table: dict[str, dict[str, float]] = {}
    for lang, words in stop_words().items():
        for w in words:
            table.setdefault(w, {})[lang] = 1.0
    for langs in table.values():
        share = 1.0 / len(langs)
        for lang in langs:
            langs[lang] = share
    return table


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of ``text``'s language, or ``hint`` (else "und") when the text does not say."""
    hint = (hint or "").split("-")[0].split("_")[0].lower() or None
    sample = text[:2000]
    if not sample.strip():
        return hint or UNDETERMINED
    letters = _WORD.findall(sample)
    n_letters = sum(len(w) for w in letters) or 1
    # A script that belongs to one language decides when it makes up a real part of the text.
    for lang, pat in _SCRIPT_RES:
        if len(pat.findall(sample)) / n_letters > 0.3:
            return hint if hint is not None and _SHARED_SCRIPT.get(hint) == lang else lang
    cyr = len(_CYRILLIC.findall(sample))
    lat = len(_LATIN.findall(sample))
    candidates = CYRILLIC_LANGS if cyr > lat else LATIN_LANGS
    if hint is not None and hint not in LATIN_LANGS + CYRILLIC_LANGS and hint not in _SHARED_SCRIPT \
            and all(hint != lang for lang, _ in _SCRIPTS) and (hint in _CYRILLIC_HINTS) == (cyr > lat):
        # A declared language we have no stop words for (Slovak, Polish, Bulgarian...), in the
        # script the text is written in: stop-word overlap with French or Russian is not evidence.
        return hint
    weights = _weights()
    scores = dict.fromkeys(candidates, 0.0)
    for word in letters:
        for lang, w in weights.get(word.lower(), {}).items():
            if lang in scores:
                scores[lang] += w
    if cyr > lat:
        scores["uk"] += 2.0 * len(_UK_LETTERS.findall(sample))
        scores["ru"] += 2.0 * len(_RU_LETTERS.findall(sample))
    best = max(scores, key=lambda k: scores[k])
    top = scores[best]
    if top < 0.5:
        if hint:
            return hint
        return candidates[0] if cyr > lat and cyr else UNDETERMINED
    if hint in scores and scores[hint] >= 0.8 * top:
        return hint
    return best
