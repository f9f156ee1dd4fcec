"""Matched spans shown in their text: a title with its spans marked, and short excerpts of the summary
and body around theirs. Pieces come back as (text, marked) pairs; the template escapes every piece,
so nothing of an article's text is ever markup.

May import: vigie.models, vigie.store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import Engine, select

from vigie.common.text import cut_at_spans
from vigie.models import Span
from vigie.store import schema as t
from vigie.store.db import reader

Piece = tuple[str, bool]  # text, and whether a rule matched it
CONTEXT = 60  # characters shown either side of a span outside the title


@dataclass(frozen=True)
class Marked:
    title: tuple[Piece, ...]
    excerpts: tuple[tuple[str, tuple[Piece, ...]], ...]  # (field, pieces) for spans in summary or body


def texts_of(engine: Engine, article_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """The matchable fields of stored articles, by id (those retention forgot are missing)."""
    ids = list(dict.fromkeys(article_ids))
    a = t.articles
    out: dict[str, dict[str, str]] = {}
    with reader(engine) as conn:
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(a.c.id, a.c.title, a.c.summary, a.c.body).where(a.c.id.in_(ids[i:i + 500]))):
                out[r.id] = {"title": r.title, "summary": r.summary or "", "body": r.body or ""}
    return out


def pieces(text: str, spans: Sequence[tuple[int, int]]) -> tuple[Piece, ...]:
    """``text`` cut at the spans (sorted, overlaps merged, clipped to the text)."""
    return cut_at_spans(text, spans)


def mark(title: str, fields: dict[str, str] | None, spans: Sequence[Span]) -> Marked:
    """The title with its spans marked, and an excerpt around each other field's first spans."""
    on_title = [(s.start, s.end) for s in spans if s.field == "title" and s.text == title[s.start:s.end]]
    excerpts = []
    for name in ("summary", "body"):
        text = (fields or {}).get(name, "")
        hits = sorted((s.start, s.end) for s in spans if s.field == name and text[s.start:s.end] == s.text)[:3]
        if not hits:
            continue
        lo, hi = max(0, hits[0][0] - CONTEXT), min(len(text), hits[-1][1] + CONTEXT)
        if hi - lo > 4 * CONTEXT + 200:  # far apart: only the first span's neighbourhood
            hi = min(len(text), hits[0][1] + CONTEXT)
            hits = [h for h in hits if h[1] <= hi]
        cut = pieces(text[lo:hi], [(s - lo, e - lo) for s, e in hits])
        excerpts.append((name, (("…", False),) * (lo > 0) + cut + (("…", False),) * (hi < len(text))))
    return Marked(pieces(title, on_title), tuple(excerpts))
