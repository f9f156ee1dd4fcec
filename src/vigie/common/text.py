"""Text jobs every stage shares: folding, sentence splitting, and cutting a line at a word boundary.

``fold`` is the one comparison form of vigie: rules, articles, story features and
near-duplicate fingerprints all compare folded text, so "Kim Jong-Un", "KIM JONG-UN"
and "Kóursk"/"Koursk" meet wherever they are compared.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# Letters that Unicode does not decompose but readers treat as their base letters.
_SPECIAL = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ß": "ss"})


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text``.

    Marks are stripped only from Latin, Greek and Cyrillic letters (Koursk ==
    Kóursk, ё == е); Hangul and kana keep theirs because there a mark changes
    the syllable, not just its accent.
    """
    low = text.casefold()
    if low.isascii():
        return low
    low = low.translate(_SPECIAL)
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", low):
        if unicodedata.combining(ch) and out and ord(out[-1][0]) < 0x0530:
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


# A sentence ends at . ! ? or … followed by white space and something that opens a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“'A-ZÀ-ÖØ-ÞА-ЯЁ0-9])")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "mme", "mlle", "mgr", "me", "gen", "gén", "col",
                            "lt", "sgt", "capt", "gov", "sen", "rep", "jr", "sr", "vs", "etc", "no", "n°", "art", "av"})


def folded_word(token: str) -> str:
    """A token folded, without its possessive and edge quotes or hyphens: "Russia's" -> "russia"."""
    word = fold(token).replace("’", "'").strip("'-")
    for suffix in ("'s", "'"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def sentence_ends(text: str) -> list[int]:
    """Offsets in ``text`` where a sentence ends (before the white space that follows it).

    "M. Dupont", "Dr. Who" and "J. Smith" do not end a sentence: a one-letter word or a
    known abbreviation before the full stop is passed over.
    """
    ends = []
    for m in _SENTENCE_END.finditer(text):
        word = text[: m.start()].rsplit(None, 1)[-1].rstrip(".").lower() if text[: m.start()].strip() else ""
        if len(word) <= 1 or word in _ABBREVIATIONS:
            continue
        ends.append(m.start())
    return ends


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (see ``sentence_ends``), white space around each removed."""
    out, start = [], 0
    for end in sentence_ends(text):
        out.append(text[start:end].strip())
        start = end
    out.append(text[start:].strip())
    return [s for s in out if s]


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut at the last word boundary (unless that loses
    over half) and ended with ``…``; a text that fits is returned as it is."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def cut_at_spans(text: str, spans: Iterable[tuple[int, int]]) -> tuple[tuple[str, bool], ...]:
    """``text`` cut into (piece, marked) pairs at the spans: sorted, overlaps merged, clipped to the text.

    One cutter for every place that highlights (alert payloads, the web pages), so an overlap
    of two marks is highlighted alike everywhere instead of one place dropping the second mark.
    """
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return tuple(out)
