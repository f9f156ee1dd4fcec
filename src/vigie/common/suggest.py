""""Did you mean": the nearest known name to a misspelt one, for every "unknown ..." message.

One helper for rule files (unknown keys, entities, terms) and vigie.yaml (unknown keys), so
that a typo gets the same kind of hint wherever it is made. ``keys_at`` finds the keys that
were allowed where a pydantic model refused one, by walking pydantic's error location
through the model's field types (tagged unions included: pydantic puts the tag in the location).
"""

from __future__ import annotations

import difflib
import inspect
import types
import typing
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, Tag


def nearest(word: str, known: Iterable[str]) -> str | None:
    """The known name ``word`` most likely stands for: the closest spelling (difflib), else the one
    known name it abbreviates (``kim`` for ``kim-jong-un``) or spells out (``adjective`` for ``adj``);
    None when nothing is close."""
    names = sorted(set(known))
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.75)
    if close:
        return close[0]
    close = difflib.get_close_matches(word.lower(), [n.lower() for n in names], n=1, cutoff=0.6)
    if close:
        return next(n for n in names if n.lower() == close[0])
    starting = [n for n in names if len(word) >= 2 and n.lower().startswith(word.lower())]
    if len(starting) == 1:
        return starting[0]
    # ... else the one known name the word spells out in full (``adjective`` for ``adj``)
    spelt = [n for n in names if len(n) >= 3 and word.lower().startswith(n.lower())]
    return spelt[0] if len(spelt) == 1 else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest known name, or "" (ready to append to a message)."""
    best = nearest(word, known)
    return f" (did you mean {best!r}?)" if best is not None and best != word else ""


def keys_at(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the mapping at ``loc`` (pydantic's location, under ``root``) may hold; [] when unknown."""
    current: list[tuple[Any, str | None]] = [(root, None)]
    for part in loc:
        if isinstance(part, str) and part.startswith("function-"):
            continue  # a validator's name, not a place in the document
        found: list[tuple[Any, str | None]] = []
        for tp, tag in (m for t, _ in current for m in _members(t)):
            origin, args = typing.get_origin(tp), typing.get_args(tp)
            if isinstance(part, str) and tag == part:
                found.append((tp, None))  # pydantic names the member of a tagged union it tried
            elif isinstance(part, int) and origin in (tuple, list) and args:
                found.append((args[0], None))
            elif isinstance(part, str) and origin is dict and len(args) == 2:
                found.append((args[1], None))
            elif isinstance(part, str) and _is_model(tp) and part in tp.model_fields:
                found.append((tp.model_fields[part].annotation, None))
        current = found
    keys: list[str] = []
    for tp, _ in (m for t, _ in current for m in _members(t)):
        if _is_model(tp):
            keys.extend(k for k in tp.model_fields if k not in keys)
    return keys


def _is_model(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, BaseModel)


def _members(tp: Any) -> list[tuple[Any, str | None]]:
    """A type with its Annotated/Optional/Union wrappers opened: (member, its union Tag or None)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(tp)
        tag = next((m.tag for m in meta if isinstance(m, Tag)), None)
        return [(t, tag or inner) for t, inner in _members(base)]
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [(tp, None)]
