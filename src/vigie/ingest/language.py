"""Language of a text: py3langid's model, with the feed's declared language winning on short texts.

Why a library: py3langid (a maintained fork of langid.py: a naive Bayes model over
byte n-grams, 140 languages, no download at run time) beats the stop-word guess
vigie used to make, on real corpus items in 12 languages (``python -m bench --only
lang`` prints both, measured in the same run). Its probabilities are calibrated for
length (a softmax at temperature sqrt(bytes)), so a five-word headline gets a modest
probability where a paragraph gets a sure one, and that is what decides below.

Why the declaration wins on short texts: a headline is a few words, and few words
mislead any model ("North Korean troops die in Russia's war in Ukraine" reads as
German to a stop-word count: "die", "war", "in"). A feed that says ``en`` is right
far more often. The text overrides the declaration only when it clearly says
otherwise: its best language is at least ``CLEAR`` probable and the declared one
below ``UNLIKELY`` (a German item in an English feed, an English item in a feed that
says ``kn``). Without a declaration, the best language is taken when it is at least
``ALONE`` probable, else the text is "und" (undetermined: every language's word
forms count in matching).
"""

from __future__ import annotations

import functools
from typing import Any

UNDETERMINED = "und"
MAX_CHARS = 1500  # the start of a long text says its language as well as the whole

CLEAR = 0.9  # the text's best language overrides a declared one from this probability ...
UNLIKELY = 0.02  # ... when the declared language is less probable than this;
IMPOSSIBLE = 1e-4  # a declared language this improbable did not write the text (another script, mostly)
ALONE = 0.1  # without a declaration, a best language below this is "und"

# Declared codes the model knows under another name (deprecated ISO 639-1 codes, Bokmål).
_ALIASES = {"nb": "no", "iw": "he", "in": "id", "fil": "tl"}
# Varieties the model confuses with a big neighbour on a few words of news ("Turkmen police stop women
# drivers" reads as Nigerian Pidgin): their probability counts for the neighbour unless a feed declares them.
_VARIETY_OF = {"pcm": "en", "lb": "de"}
_NO_LANGUAGE = "zxx"  # the model's label for text with no linguistic content (numbers, codes)


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model with calibrated probabilities (loaded once, about 0.8 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def normalize_code(code: str | None) -> str | None:
    """``"en-US"``, ``"IT-it"``, ``"fr_FR"`` -> ``"en"``, ``"it"``, ``"fr"``; junk or nothing -> None."""
    head = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return head if head.isalpha() and 2 <= len(head) <= 3 else None


def language_probabilities(text: str) -> dict[str, float]:
    """Every language of the model -> its probability for ``text`` (they sum to 1)."""
    return dict(_identifier().rank(text[:MAX_CHARS]))


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639 code of ``text``'s language, or ``hint`` (else "und") when the text does not clearly say."""
    hint = normalize_code(hint)
    if not any(ch.isalpha() for ch in text[:MAX_CHARS]):
        return hint or UNDETERMINED
    probs = language_probabilities(text)
    for variety, neighbour in _VARIETY_OF.items():
        if hint != variety:
            probs[neighbour] += probs.pop(variety)
    best = max(probs, key=probs.__getitem__)
    if best == _NO_LANGUAGE:
        return hint or UNDETERMINED
    sure = probs[best] >= ALONE
    if hint is not None:
        declared = probs.get(_ALIASES.get(hint, hint), 0.0)
        if declared < UNLIKELY and probs[best] >= CLEAR:
            return best  # the text clearly says otherwise
        if declared < IMPOSSIBLE:
            return best if sure else UNDETERMINED  # the declaration cannot be right
        return hint
    return best if sure else UNDETERMINED
