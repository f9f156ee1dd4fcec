"""Alert payloads: the snippets they show, and their JSON as stored by this and older versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from support_store import T0, article, config, engine, match, store_url  # noqa: F401 - fixtures
from test_novelty import FIRST, KJU
from vigie.delivery.payload import snippets
from vigie.delivery.record import record
from vigie.ingest.health import HealthEvent
from vigie.models import AlertPayload, Article, RulePolicy, Snippet, Span, WhatIsNew
from vigie.store import schema as t

# Payloads exactly as vigie stored them before they were typed: every key, in its order.
STORED_STORY = {
    "rule_id": "kju", "rule_name": "Kim Jong Un", "severity": "info", "kind": "development",
    "headline": "Zelensky says 30 North Korean soldiers killed", "url": "https://news.example/e5", "source": "Feed E",
    "sources": ["Feed E", "Feed F"], "published": "2022-03-01T14:00:00+00:00", "language": "en",
    "extract": "Ukrainian President Volodymyr Zelensky said 30 North Korean soldiers were killed.",
    "terms": ["Kim Jong Un", "Kursk"],
    "snippets": [{"field": "summary", "segments": [["near ", False], ["Kursk", True]], "cut_before": True, "cut_after": False}],
    "new": {"names": ["zelensky"], "facts": ["30"]}, "story_id": 4, "story_title": "Kim Jong Un sends message to Putin",
    "story_articles": 3, "story_sources": 5, "score": 2.0,
}
STORED_HEALTH = {
    "kind": "feed_health", "rule_id": "_feed_health", "rule_name": "feed health", "headline": "Feed down: Feed A",
    "source": "Feed A", "source_id": "https://feed-a.example/rss", "state": "down", "message": "HTTP 503 (3 times)",
    "consecutive_failures": 3, "last_error": "HTTP 503", "severity": "warning", "published": "2022-03-01T08:00:00+00:00",
    "url": None,
}


@pytest.mark.parametrize("stored", [STORED_STORY, STORED_HEALTH], ids=["story", "feed_health"])
def test_stored_payloads_read_and_write_back_unchanged(stored: dict[str, object]) -> None:
    payload = AlertPayload.from_json(stored)
    assert payload.to_json() == stored
    assert list(payload.to_json()) == list(stored)  # the same keys, in the same order


def test_stored_payload_reads_into_typed_fields() -> None:
    payload = AlertPayload.from_json(STORED_STORY)
    assert payload.published == T0 + timedelta(hours=6)
    assert payload.new == WhatIsNew(names=("zelensky",), facts=("30",))
    assert payload.snippets == (Snippet("summary", (("near ", False), ("Kursk", True)), cut_before=True),)
    assert (payload.story_sources, payload.score, payload.kind) == (5, 2.0, "development")


@pytest.mark.parametrize("stored", [{}, None, {"kind": "mystery", "story_articles": "many", "new": ["x"], "snippets": "none"}])
def test_payloads_with_missing_or_odd_keys_still_read(stored) -> None:  # type: ignore[no-untyped-def]
    payload = AlertPayload.from_json(stored)
    assert (payload.kind, payload.severity, payload.story_articles, payload.new, payload.snippets) == (None, "info", None, WhatIsNew(), ())
    assert AlertPayload.from_json(payload.to_json()) == payload


def test_recorded_alerts_store_the_keys_of_their_kind(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    ms = [m for m in [match(FIRST, "kju", KJU)] if m is not None]
    event = HealthEvent(source_id="https://feed-z.example/rss", kind="down", message="HTTP 503", at=T0, consecutive_failures=3)
    with engine.begin() as conn:
        conn.execute(t.feeds.insert().values(source_id=event.source_id, location=event.source_id, consecutive_failures=3,
                                             reported_down=False))
    record(engine, [FIRST], ms, {"kju": RulePolicy("kju", name="Kim Jong Un")}, cfg, T0 + timedelta(days=1), [event])
    with engine.connect() as conn:
        stored = dict(conn.execute(select(t.alerts.c.kind, t.alerts.c.payload)).tuples().all())
    assert list(stored["new_story"]) == list(STORED_STORY)
    assert list(stored["feed_health"]) == list(STORED_HEALTH)
    assert stored["new_story"]["snippets"][0]["segments"][1] == ["Kim Jong Un", True]


def test_snippets_highlight_matched_spans_in_context() -> None:
    m = match(FIRST, "kju", KJU)
    assert m is not None
    snips = snippets(FIRST, m.spans)
    # The summary shows the name in context; the title is the headline already, so no title window repeats it.
    assert [s.field for s in snips] == ["summary"]
    hits = [seg[0] for seg in snips[0].segments if seg[1]]
    assert hits[0] == "Kim Jong Un"
    assert "".join(seg[0] for seg in snips[0].segments) in FIRST.summary


def test_snippets_show_every_matched_term_before_repeating_one() -> None:
    """The seed article says Kim Jong Un early and Koursk far below: both show in context."""
    body = ("Le leader nord-coréen Kim Jong Un a écrit à Moscou. " + "Texte sans rapport. " * 40
            + "Des troupes ont été envoyées dans la région de Koursk.")
    art = Article(id="sha:1", source_id="inbox", url=None, title="Message de Kim Jong Un", summary="", body=body,
                  language="fr", published=T0)
    spans = (Span("title", 14, 25, "Kim Jong Un", "Kim Jong Un"), Span("body", 22, 33, "Kim Jong Un", "Kim Jong Un"),
             Span("body", body.index("Koursk"), body.index("Koursk") + 6, "Koursk", "Kursk"))
    snips = snippets(art, spans)
    shown = [seg[0] for s in snips for seg in s.segments if seg[1]]
    assert shown == ["Kim Jong Un", "Koursk"]  # each term once; the title's repeat of the name gives no window
    assert [s.field for s in snips] == ["body", "body"]

