"""What a story alert shows: the payload copied into the alert, and its highlighted snippets.

The payload is everything the templates render (``vigie.delivery.render``), copied
into the alert when it is recorded so that it stays readable after retention has
forgotten the article.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import re

from vigie.common.text import cut_at_spans, fold
from vigie.common.times import utc
from vigie.models import AlertPayload, Article, Snippet, Span, WhatIsNew
from vigie.stories.events import event_spans
from vigie.stories.names import figure_spans
from vigie.stories.story_alerts import StoryAlert
from vigie.stories.features import lede


def story_payload(alert: StoryAlert, source_names: Mapping[str, str]) -> AlertPayload:
    """The payload of an alert the stories stage decided on."""
    art, m = alert.article, alert.match
    source = source_names.get(art.source_id) or art.source_id
    return AlertPayload(
        rule_id=m.rule_id,
        rule_name=alert.policy.name or m.rule_id,
        severity=alert.severity,
        kind=alert.kind,
        headline=art.title,
        url=art.url,
        source=source,
        sources=tuple(sorted({source_names.get(s) or s for s in alert.sources} | {source})),
        published=utc(art.published),
        language=art.language,
        extract=lede(art, 500),
        terms=alert.terms,
        snippets=snippets(art, tuple(sp for f in alert.firings for sp in f.match.spans) or m.spans),
        new=alert.new,
        story_id=alert.story_id,
        story_title=alert.story_title,
        story_articles=alert.story.articles,
        story_sources=alert.story.sources,
        score=m.score,
        rules=tuple(f.policy.name or f.match.rule_id for f in alert.firings) if len(alert.firings) > 1 else (),
    )


def snippets(art: Article, spans: Sequence[Span], *, context: int = 90, limit: int = 3) -> tuple[Snippet, ...]:
    """Up to ``limit`` extracts around the matched spans, as segments (text, is_match).

    Windows are chosen so that every matched term shows in context before any term
    shows twice: the reader sees why the rule fired (Kim Jong Un *and* Koursk), not
    the first name five times. The summary and body come first: the title is shown
    as the headline anyway, so it gives a window only for a term found nowhere else. Offsets that do not fit the text (a span computed on
    another version of it) are re-found by the span's text, or skipped: a snippet
    never shows a wrong highlight.
    """
    order = {"summary": 0, "body": 1, "title": 2}
    resolved: list[tuple[int, int, int, str]] = []  # (field rank, start, end, term)
    for s in spans:
        text = art.field_text(s.field)
        start, end = s.start, s.end
        if text[start:end] != s.text:
            start = text.find(s.text)
            if start < 0 or not s.text:
                continue
            end = start + len(s.text)
        resolved.append((order[s.field], start, end, s.term))
    resolved = sorted(set(resolved))
    fields = {rank: name for name, rank in order.items()}
    covered: set[str] = set()
    out: list[Snippet] = []
    for rank, first, _end, term in resolved:
        if term in covered or len(out) >= limit:
            continue
        fieldname = fields[rank]
        text = art.field_text(fieldname)
        # This span and the matches close enough after it to show with it.
        ranges = [(s0, e0) for r, s0, e0, _t in resolved if r == rank and first <= s0 < first + 2 * context]
        covered |= {t for r, s0, _e, t in resolved if r == rank and first <= s0 < first + 2 * context}
        last = max(e for _, e in ranges)
        lo, hi = max(0, first - context), min(len(text), last + context)
        if lo > 0:  # start and end on word boundaries
            sp = text.find(" ", lo, first)
            lo = sp + 1 if sp >= 0 else lo
        if hi < len(text):
            sp = text.rfind(" ", last, hi)
            hi = sp if sp >= 0 else hi
        segs: list[tuple[str, bool]] = []
        pos = lo
        for s0, e0 in sorted(set(ranges)):
            if s0 < pos or e0 > hi:
                continue
            if s0 > pos:
                segs.append((text[pos:s0], False))
            segs.append((text[s0:e0], True))
            pos = e0
        if pos < hi:
            segs.append((text[pos:hi], False))
        out.append(Snippet(fieldname, tuple(segs), cut_before=lo > 0, cut_after=hi < len(text)))
    return tuple(out)



def new_segments(new: WhatIsNew) -> tuple[tuple[str, bool], ...]:
    """The sentence that says what is new, as segments (text, is_new): its new names, figures
    and event words highlighted. Empty when the development has no sentence."""
    text = new.sentence
    if not text:
        return ()
    folded = fold(text)
    marks = event_spans(text, set(new.events)) if len(folded) == len(text) else []
    for word in (*new.terms, *new.names):
        if len(folded) == len(text):
            marks += [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded)]
    marks += [(start, end) for start, end, value in figure_spans(text) if value in new.facts]
    return cut_at_spans(text, set(marks))
