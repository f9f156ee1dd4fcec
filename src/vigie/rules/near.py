"""NEAR/n and ONEAR/n: which occurrences of the operands sit close enough (for the match stage).

Each operand comes as its hits ``(atom, (field, first token, last token))``. Within one field, the
combinations are tried in token order (by first, then last token of each operand's hits, at most
:data:`NEAR_MAX_POSITIONS` per operand), and the first that holds is the one reported; "n" counts
the words strictly between consecutive operands, in the given order (ONEAR) or in text order (NEAR).
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence, TypeVar

NEAR_MAX_POSITIONS = 64  # per operand; keeps a pathological article from blowing up the product
FIELDS = ("title", "summary", "body")

Found = TypeVar("Found", bound=tuple[int, tuple[str, int, int]])  # atom, (field, first token, last token)


def near_combination(per_item: Sequence[list[Found]], distance: int, ordered: bool,
                     order: Sequence[str] = FIELDS) -> list[Found] | None:
    """One hit per operand, close enough to each other, tried field by field in ``order`` (joined
    names too, :mod:`vigie.rules.scopes`); None when no combination is."""
    for fname in order:
        options = [sorted((x for x in found if x[1][0] == fname), key=token_order)[:NEAR_MAX_POSITIONS]
                   for found in per_item]
        if any(not o for o in options):
            continue
        if len(options) == 2:  # the common case, without building each combination
            pair = near_pair(options[0], options[1], distance, ordered)
            if pair is not None:
                return pair
            continue
        for combo in itertools.product(*options):
            seq = list(combo) if ordered else sorted(combo, key=token_order)
            if all(0 <= b[1][1] - a[1][2] - 1 <= distance for a, b in zip(seq, seq[1:])):
                return list(combo)
    return None


def token_order(x: tuple[int, tuple[str, int, int]]) -> Any:
    return x[1][1:]


def near_pair(xs: list[Found], ys: list[Found], distance: int, ordered: bool) -> list[Found] | None:
    """The first (x, y) in product order that is close enough, as the general loop would find it."""
    for x in xs:
        xf, xl = x[1][1], x[1][2]
        for y in ys:
            yf, yl = y[1][1], y[1][2]
            after = ordered or (xf, xl) <= (yf, yl)
            gap = yf - xl - 1 if after else xf - yl - 1  # words strictly between
            if 0 <= gap <= distance:
                return [x, y]
            if after and gap > distance:
                break  # the next ys start later still
    return None
