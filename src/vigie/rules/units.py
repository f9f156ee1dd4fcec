"""Sentences and segments of one article field, as token ranges (for ``within: sentence | segment``).

* A sentence is what spaCy's rule-based ``sentencizer`` finds on spaCy's tokenizer for the article's
  language (a blank pipeline, no statistical model: ``U.S.`` and ``Mr.`` stay words, a sentence ends
  after ``.``, ``!``, ``?`` and their equivalents in other scripts); a language spaCy has no blank
  pipeline for uses its multi-language one.
* A segment is the part of a field between two separators, the way newsletter digests and
  aggregators join items: ``|``, ``¦``, ``•``, ``▪``, ``■``, ``◆``, ``♦``, ``►``, ``▶``, ``▸``, and ``·``
  unless it sits between two letters or digits (Catalan ``col·lecció``). A field with none is one segment.

A unit never crosses a field: the title is never in the summary's sentence. Each function returns the
first token of every unit of the field, in order, over the field's tokens (:mod:`vigie.rules.scan`).

May import: ``vigie.rules.scan`` and spaCy.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from typing import Any

from vigie.rules.scan import FieldTokens

SEPARATORS = "|¦•▪■◆♦►▶▸"
_SEGMENT_RE = re.compile(rf"[{re.escape(SEPARATORS)}]|(?<![^\W_])·|·(?![^\W_])")
@functools.lru_cache(maxsize=None)
def sentencizer(lang: str) -> Any:
    """A blank spaCy pipeline for ``lang`` with the rule-based sentencizer (cached per language)."""
    import spacy

    try:
        nlp = spacy.blank(lang)
        nlp("A test. Another one.")  # some tokenizers (Korean, Japanese, Thai) need packages not installed
    except Exception:  # noqa: BLE001 - a language spaCy cannot build blank ("und" too): the multi-language rules
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_starts(text: str, lang: str) -> list[int]:
    """Character offsets where the sentences of ``text`` start."""
    if not text.strip():
        return [0]
    return [sent.start_char for sent in sentencizer(lang)(text).sents] or [0]


def segment_starts(text: str) -> list[int]:
    """Character offsets where the segments of ``text`` start (after each separator)."""
    return [0] + [m.end() for m in _SEGMENT_RE.finditer(text)]


def unit_bounds(toks: FieldTokens, unit: str, lang: str) -> list[int]:
    """The first token of each sentence or segment of the field (empty units left out)."""
    starts = sentence_starts(toks.text, lang) if unit == "sentence" else segment_starts(toks.text)
    bounds: list[int] = []
    last_unit = -1
    for i, (start, _end) in enumerate(toks.offsets):
        u = bisect_right(starts, start) - 1
        if u != last_unit:
            bounds.append(i)
            last_unit = u
    return bounds
