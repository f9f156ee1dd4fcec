"""MinHash signatures over word shingles, and LSH buckets to find near-duplicates.

Syndicated copy (the same wire story in ten feeds, with a changed headline or a
trimmed last sentence) shares most of its 3-word shingles. The Jaccard similarity
of two shingle sets is estimated by the share of equal MinHash values, and the
signature is cut into bands: two texts that share one band's values land in the
same bucket, so candidates are found with an index lookup instead of comparing
every stored article.

The hash functions are fixed (seeded from constants), so signatures stored by one
run compare with those computed by the next.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import TYPE_CHECKING, Any, Sequence

from vigie.common.text import fold

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS  # 4 rows per band: J=0.8 pairs are candidates with p > 0.999, J=0.3 ones with p ~ 0.12
SHINGLE = 3

# Universal hashing (a*x + b) mod p with p = 2^31 - 1: every product fits in 64 bits,
# so numpy computes the whole signature in one vectorised step.
_MERSENNE = (1 << 31) - 1
_WORD = re.compile(r"\w+", re.UNICODE)


def _coefficients() -> list[tuple[int, int]]:
    out = []
    for i in range(NUM_PERM):
        digest = hashlib.blake2b(f"vigie-minhash-{i}".encode(), digest_size=16).digest()
        a = int.from_bytes(digest[:8], "big") % (_MERSENNE - 1) + 1
        b = int.from_bytes(digest[8:], "big") % _MERSENNE
        out.append((a, b))
    return out


if TYPE_CHECKING:
    import numpy as np


@functools.cache
def _numpy() -> tuple[Any, np.ndarray, np.ndarray]:
    """numpy and the coefficients as columns, on the first signature: a run where no article is new
    (every feed answered 304) never computes one, and numpy takes a good part of a second to import."""
    import numpy

    coeffs = _coefficients()
    a = numpy.array([a for a, _ in coeffs], dtype=numpy.uint64)[:, None]
    b = numpy.array([b for _, b in coeffs], dtype=numpy.uint64)[:, None]
    return numpy, a, b


def words(text: str) -> list[str]:
    """Folded words (``vigie.common.text.fold``): "Kiev" and "kiev", "Kóursk" and "koursk" compare equal."""
    return _WORD.findall(fold(text))


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The set of k-word shingles of ``text`` (the words themselves when the text is shorter than k)."""
    w = words(text)
    if len(w) < k:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def signature(text: str) -> list[int]:
    """The MinHash signature (NUM_PERM 32-bit values) of the text's shingles; [] for an empty text."""
    sh = shingles(text)
    if not sh:
        return []
    numpy, a, b = _numpy()
    hashes = numpy.array([int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "big") % _MERSENNE
                          for s in sh], dtype=numpy.uint64)
    return [int(v) for v in ((a * hashes[None, :] + b) % _MERSENNE).min(axis=1)]


def similarity(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts (0.0 when either is empty)."""
    if not sig_a or not sig_b or len(sig_a) != len(sig_b):
        return 0.0
    return sum(1 for x, y in zip(sig_a, sig_b) if x == y) / len(sig_a)


def buckets(sig: Sequence[int]) -> list[str]:
    """The LSH bucket keys of a signature, one per band ("<band>:<hex digest>")."""
    if not sig:
        return []
    out = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(",".join(map(str, rows)).encode(), digest_size=12).hexdigest()
        out.append(f"{band}:{digest}")
    return out
