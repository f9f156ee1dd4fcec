"""One article field to its folded tokens, fast: the same tokens as :func:`vigie.rules.folding.tokenize`.

The tokenizer's full pattern tries a URL, an e-mail address, a host/path, a tag and an entity at
every word, which costs more than the whole phrase lookup. Most fields of a news item have none
of the characters those regions need, so a field is tokenized with the smallest pattern that gives
the same tokens:

* no ``<``, ``&``, ``@``, ``/``, ``www.`` and no apostrophe: letters and digits runs, and one token
  per CJK character (no region to skip can occur);
* apostrophes but none of the others: the same, with French elisions and English possessives
  skipped as the full pattern does;
* anything else: the full pattern.

An ASCII field is lower-cased once and tokenized already folded (``fold`` of ASCII is
``casefold``, which is ``lower``); other fields fold token by token through the shared cache.
``tests/test_rules_scan.py`` checks the three ways against :func:`tokenize` on the corpus.
"""

from __future__ import annotations

import re
import string

from vigie.rules.folding import _APOS, _ELISIONS, _FOLD_CACHE, _TOKEN_RE, APOSTROPHES, fold_token

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDS_RE = re.compile(rf"[{_CJK}]|[^\W_]+")
# _WORDS_RE on ASCII text: the letters and digits of ASCII are its word characters but "_" (a third faster)
_ASCII_WORDS_RE = re.compile("[A-Za-z0-9]+")
_ELIDED_RE = re.compile(
    rf"(?:\b{_ELISIONS}[{_APOS}](?=[^\W\d_])|(?<=[^\W_])[{_APOS}]s\b)|([{_CJK}]|[^\W_]+)", re.IGNORECASE)
# A field containing one of these may hold a region the full pattern skips (URL, e-mail, tag, entity).
_MARKUP_RE = re.compile(r"[<&@/]|www\.", re.IGNORECASE)
_APOSTROPHE_SET = frozenset(APOSTROPHES)
# The runs of letters an elision or a possessive drops (the words of folding._ELISIONS, and the "s" of
# "Russia's"), and every part of one: no token made of these, and an ASCII field's offsets can be found
# token after token (FieldTokens._found_offsets).
_DROPPED = ("l", "d", "j", "n", "m", "t", "s", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu")
_DROPPED_PARTS = frozenset(word[i:j] for word in _DROPPED for i in range(len(word)) for j in range(i + 1, len(word) + 1))

_ASCII_APOS_RE = re.compile("['`]")  # the apostrophes of APOSTROPHES that are ASCII
_WORD_CHARS = frozenset(string.ascii_letters + string.digits + "_")
_ALNUM = frozenset(string.ascii_letters + string.digits)
_LETTERS = frozenset(string.ascii_letters)


def _ascii_elided(text: str) -> list[str]:
    """The tokens ``_ELIDED_RE`` gives for an ASCII text, about 1.5 times faster: that pattern tries an
    elision and a possessive at every character, this looks only at the apostrophes.

    The text is cut at its apostrophes; at each, as the pattern scanning from the left decides it: an
    elision when the run of letters before it is exactly one of _DROPPED with no word character
    before it (and not the "s" a possessive just took) and a letter after it; otherwise a possessive
    when a letter or digit is before it and an "s" ending a word after it. The dropped letters are
    cut, and the pieces' words are the tokens. ``tests/test_rules_scan.py`` checks it against the
    pattern on the corpus and on generated strings of apostrophes, elisions and underscores."""
    pieces = _ASCII_APOS_RE.split(text)
    low = _ASCII_APOS_RE.split(text.lower()) if not text.islower() else pieces
    starts = [0] * len(pieces)
    ends: list[int | None] = [None] * len(pieces)
    changed = False
    for i in range(len(pieces) - 1):
        left, right = low[i], low[i + 1]
        if right[:1] in _LETTERS and left.endswith(_DROPPED):
            for word in _DROPPED:
                j = len(left) - len(word)
                if left.endswith(word) and ((left[j - 1] not in _WORD_CHARS) if j else not starts[i]):
                    ends[i] = j  # an elision: its letters go, the apostrophe is taken
                    changed = True
                    break
            if ends[i] is not None:
                continue
        if left[-1:] in _ALNUM and right[:1] == "s" and right[1:2] not in _WORD_CHARS:
            starts[i + 1] = 1  # a possessive: its "s" goes
            changed = True
    if not changed:
        return _ASCII_WORDS_RE.findall(text)
    return _ASCII_WORDS_RE.findall(" ".join([p[s:e] for p, s, e in zip(pieces, starts, ends)]))


class FieldTokens:
    """The folded tokens of one field; the raw tokens and their offsets are computed when asked."""

    __slots__ = ("text", "folded", "_way", "_raws", "_offsets")

    def __init__(self, text: str) -> None:
        self.text = text
        self._raws: list[str] | None = None
        self._offsets: list[tuple[int, int]] | None = None
        ascii_text = text.isascii()
        low = text.lower() if ascii_text else text
        if ascii_text:
            # the same tests as below, by substring searches (a third of the cost of the pattern and the set)
            if "<" in text or "&" in text or "@" in text or "/" in text or "www." in low:
                self._way = 2
            elif "'" in text or "`" in text:  # the ASCII ones of APOSTROPHES
                self._way = 1
            else:
                self._way = 0
        elif _MARKUP_RE.search(text):
            self._way = 2
        elif _APOSTROPHE_SET.isdisjoint(text):
            self._way = 0
        else:
            self._way = 1
        if ascii_text and self._way != 2:
            self.folded: list[str] = self._tokens(low)
        elif ascii_text:
            # The full pattern reads capitals (a host/path ends in a lower-case top-level domain, so
            # N.Korea/Russia stays words): tokenize the text as written, then lower each token.
            raws = self._raws = self._tokens(text)
            self.folded = [raw.lower() for raw in raws]
        else:
            raws = self._raws = self._tokens(text)
            cache = _FOLD_CACHE
            folded = []
            for raw in raws:
                f = cache.get(raw)
                folded.append(f if f is not None else fold_token(raw))
            self.folded = folded

    def _tokens(self, text: str) -> list[str]:
        if self._way == 0:
            return (_ASCII_WORDS_RE if text.isascii() else _WORDS_RE).findall(text)
        if self._way == 1:
            return _ascii_elided(text) if text.isascii() else [t for t in _ELIDED_RE.findall(text) if t]
        return [word or cjk for cjk, word in _TOKEN_RE.findall(text) if word or cjk]

    @property
    def raws(self) -> list[str]:
        """The tokens as written (for the upper-case check of acronyms)."""
        if self._raws is None:
            self._raws = self._tokens(self.text)
        return self._raws

    @property
    def offsets(self) -> list[tuple[int, int]]:
        """(start, end) of every token in the field's text (for spans)."""
        if self._offsets is None:
            if self.text.isascii() and (self._way == 0 or (self._way == 1 and _DROPPED_PARTS.isdisjoint(self.folded))):
                self._offsets = self._found_offsets()
            elif self._way == 0:
                self._offsets = [m.span() for m in _WORDS_RE.finditer(self.text)]
            else:
                pattern = _ELIDED_RE if self._way == 1 else _TOKEN_RE
                self._offsets = [m.span(m.lastindex) for m in pattern.finditer(self.text) if m.lastindex]
        return self._offsets

    def _found_offsets(self) -> list[tuple[int, int]]:
        """The offsets of an ASCII field's tokens, each found after the one before (a third of the cost of
        the pattern's spans). Exact: between two tokens lie only characters no token starts with, or,
        with apostrophes, the letters an elision or a possessive drops; the caller makes sure no token
        is made of such letters (else "Russia's s" would put "s" at the possessive)."""
        find = self.text.lower().find
        out = []
        pos = 0
        for token in self.folded:
            start = find(token, pos)
            pos = start + len(token)
            # not (pos, pos := ...): Cython 3 assigns before it reads the tuple's first item
            out.append((start, pos))
        return out
