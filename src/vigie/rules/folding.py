"""Text folding and tokenization shared by rule compilation and article matching.

Both sides of a match go through the very same two functions, so "Kim Jong-un",
"KIM Jong-Un" and "Kim Jong Un" meet as the same three tokens, and the
analyst never lists case, accent, hyphen or apostrophe variants by hand.

Why our own tokenizer rather than spaCy's: matching must run at thousands of
items per second, and all we need from a token is its folded form and its
character offsets. The regex below keeps the tokenization decisions that
matter for matching (and that spaCy's French tokenizer also makes):

* French elisions (l', d', qu', jusqu' ...) are split off and dropped, so
  "l'armée" and "d'Ukraine" expose "armée" and "Ukraine";
* English possessives ('s) are dropped, so "Russia's" exposes "Russia";
* hyphens and apostrophes separate tokens, so "Jong-un" == "Jong un";
* URLs, e-mail addresses, HTML tags and entities are skipped whole: a rule
  never fires on markup or on the words of a link; a bare ``host/path``
  needs a lower-case letter top-level domain (``bbc.co.uk/news``), so
  ``N.Korea/Russia``, ``U.S./EU`` and ``3.5/10`` stay words;
* each CJK ideograph or kana is a token of its own (those scripts have no
  spaces), so a phrase of ideographs matches inside a run of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigie.common.text import fold

# Apostrophes seen in the wild: ASCII, right single quote, modifier letter, prime, grave/acute.
APOSTROPHES = "'\u2019\u02bc\u2032\u0060\u00b4"
_APOS = re.escape(APOSTROPHES)

# French elided articles/pronouns/conjunctions (the ones spaCy's French tokenizer splits off).
_ELISIONS = r"(?:[ldjnmtsc]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)"

_TOKEN_RE = re.compile(
    r"(?:"
    r"(?:https?|ftp)://\S+"  # URLs
    r"|www\.\S+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    # bare host/path: a lower-case letter top-level domain (not N.Korea/Russia, 3.5/10); possessive, as
    # a label never holds a dot: an ordinary word fails here at once, without backtracking
    r"|\b(?:[\w-]++\.)++(?-i:[a-z]{2,24})/\S*"
    r"|</?[A-Za-z!][^>]*>"  # HTML tags and comments
    r"|&#?\w+;"  # HTML entities left in text
    rf"|\b{_ELISIONS}[{_APOS}](?=[^\W\d_])"  # l'armée -> armée
    rf"|(?<=[^\W_])[{_APOS}]s\b"  # Russia's -> Russia
    r")"
    r"|([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"  # one CJK char = one token
    r"|([^\W_]+)",
    re.IGNORECASE,
)

@dataclass(frozen=True)
class Tokens:
    """The folded tokens of one text, with their character offsets in that text."""

    folded: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.folded)


# Folding is the hot spot of matching; the same words recur across articles.
_FOLD_CACHE: dict[str, str] = {}
_FOLD_CACHE_MAX = 500_000


def fold_token(raw: str) -> str:
    got = _FOLD_CACHE.get(raw)
    if got is None:
        if len(_FOLD_CACHE) >= _FOLD_CACHE_MAX:
            _FOLD_CACHE.clear()
        got = _FOLD_CACHE[raw] = fold(raw)
    return got


def tokenize(text: str) -> Tokens:
    """Split ``text`` into folded word tokens with offsets (see module docstring)."""
    folded: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cache = _FOLD_CACHE
    for m in _TOKEN_RE.finditer(text):
        idx = m.lastindex
        if idx is None:  # a skipped region
            continue
        raw = m.group(idx)
        f = cache.get(raw)
        if f is None:
            f = fold_token(raw)
        folded.append(f)
        starts.append(m.start(idx))
        ends.append(m.end(idx))
    return Tokens(tuple(folded), tuple(starts), tuple(ends))


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text`` (same tokens as :func:`tokenize`), for building spans."""
    return [m.span(m.lastindex) for m in _TOKEN_RE.finditer(text) if m.lastindex]


def raw_and_folded(text: str) -> tuple[list[str], list[str]]:
    """The tokens of ``text`` as written and folded (same tokens as :func:`tokenize`, no offsets)."""
    cache = _FOLD_CACHE
    raws = [word or cjk for cjk, word in _TOKEN_RE.findall(text) if word or cjk]
    folded = []
    for raw in raws:
        f = cache.get(raw)
        folded.append(f if f is not None else fold_token(raw))
    return raws, folded


def is_acronym(word: str) -> bool:
    """An upper-case word of 2-5 letters (UN, US, NATO, OTAN): as a variant it only matches in capitals,
    so "UN" never fires on the French article "un" nor "US" on the pronoun "us"."""
    return 2 <= len(word) <= 5 and word.isupper() and word.isalpha()


def fold_words(text: str) -> tuple[str, ...]:
    """The folded tokens of a rule phrase (same tokenizer as articles)."""
    return tokenize(text).folded


def is_cjk_or_hangul(ch: str) -> bool:
    """Scripts that glue particles or other words to a name (Korean 김정은이, Japanese ...)."""
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF
