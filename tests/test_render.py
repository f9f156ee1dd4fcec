"""Rendering: what an alert says, per channel; untrusted text stays inert; limits are kept."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from vigie.models import Alert, AlertPayload
from vigie.delivery.render import SLACK_LIMITS, Limits, render, template_dirs

T = datetime(2022, 3, 1, 8, 0, tzinfo=timezone.utc)


def alert(i: int = 1, kind: str = "new_story", **payload: object) -> Alert:
    """An alert whose payload is read from JSON, as the outbox stores it."""
    base: dict[str, object] = {
        "rule_name": "Kim Jong Un", "kind": kind, "headline": "Kim Jong Un sends message to Putin",
        "url": "https://news.example/a?x=1&y=2", "source": "CNN", "sources": ["CNN", "BBC"],
        "published": "2022-03-01T08:00:00+00:00",
        "extract": "North Korean leader Kim Jong Un sent a message to Vladimir Putin on Friday.",
        "terms": ["Kim Jong Un"],
        "snippets": [{"field": "summary", "cut_before": True, "cut_after": True,
                      "segments": [["leader ", False], ["Kim Jong Un", True], [" sent a message", False]]}],
        "story_id": i, "story_title": "Kim Jong Un sends message to Putin", "story_articles": 3, "story_sources": 2,
    }
    base.update(payload)
    return Alert(id=i, rule_id="kju", kind=kind, title=str(base["headline"]), created_at=T, article_id=f"a{i}", story_id=i,
                 payload=AlertPayload.from_json(base))


@pytest.mark.parametrize(
    ("channel", "hit", "link"),
    [
        ("email", "<mark><b>Kim Jong Un</b></mark>", '<a href="https://news.example/a?x=1&amp;y=2">Kim Jong Un sends message to Putin</a>'),
        ("slack", "*Kim Jong Un*", "<https://news.example/a?x=1&y=2|Kim Jong Un sends message to Putin>"),
        ("markdown", "**Kim Jong Un**", "[Kim Jong Un sends message to Putin](https://news.example/a?x=1&y=2)"),
        ("text", "[Kim Jong Un]", "https://news.example/a?x=1&y=2"),
    ],
)
def test_alert_says_rule_why_headline_sources_time_and_link(channel: str, hit: str, link: str) -> None:
    msg = render([alert()], channel, tz="Europe/Paris")  # type: ignore[arg-type]
    assert msg.title == "[Kim Jong Un] New story: Kim Jong Un sends message to Putin"
    for expected in ("Kim Jong Un", "CNN, BBC", "2022-03-01 09:00 CET", "2 sources", hit, link):
        assert expected in msg.body, (expected, msg.body)


def test_development_says_what_is_new() -> None:
    msg = render([alert(kind="development", new={"names": ["zelensky"], "facts": ["30"]})], "text")
    assert "What is new: names Zelensky; figures 30" in msg.body
    assert msg.title.startswith("[Kim Jong Un] Development:")


EVIL = {
    "headline": "Putin <!channel> <@U024BE7LH> <https://evil.example|click> @here & co",
    "extract": "<script>alert(1)</script> [free](https://evil.example) ![x](https://t.example/p.png) # Heading",
    "url": "javascript:alert(1)",
}


@pytest.mark.parametrize(
    ("channel", "forbidden", "required"),
    [
        ("email", ["<script>", 'href="javascript', "&lt;!channel&gt;"], ["&lt;script&gt;", "&lt;\u200b!channel&gt;"]),
        ("slack", ["<!channel>", "<@U024BE7LH>", "<https://evil.example|", "javascript:", " @here"],
         ["&lt;!channel&gt;", "&lt;@U024BE7LH&gt;", "&amp; co"]),
        ("markdown", ["[free](", "![x](", "](javascript"], ["\\[free\\]\\(https://evil.example\\)", "\\# Heading"]),
    ],
)
def test_untrusted_text_cannot_become_markup(channel: str, forbidden: list[str], required: list[str]) -> None:
    msg = render([alert(**EVIL)], channel)  # type: ignore[arg-type]
    for bad in forbidden:
        assert bad not in msg.body, (bad, msg.body)
    for good in required:
        assert good in msg.body, (good, msg.body)
    if channel == "slack":
        assert "<!channel>" not in msg.title and "\u200b" in msg.title


def _digest(n: int) -> list[Alert]:
    return [alert(i, headline=f"Event number {i}: " + "word " * 40, extract="text " * 100) for i in range(1, n + 1)]


@pytest.mark.parametrize(("channel", "limits"), [("slack", SLACK_LIMITS), ("text", Limits(title=120, body=1200)), ("markdown", Limits(body=2000))])
def test_long_digests_fit_the_channel_without_broken_markup(channel: str, limits: Limits) -> None:
    msg = render(_digest(40), channel, limits=limits)  # type: ignore[arg-type]
    assert len(msg.body) <= limits.body and len(msg.title) <= limits.title
    assert "more alert" in msg.body  # says what was left out
    if channel == "slack":
        assert msg.body.count("<") == msg.body.count(">")  # every <url|text> closed
        for line in msg.body.splitlines():
            assert line.count("*") % 2 == 0, line
    if channel == "markdown":
        assert msg.body.count("[") - msg.body.count("\\[") == msg.body.count("](")


def test_digest_groups_by_rule_and_story() -> None:
    alerts = [alert(1), alert(2, kind="development", story_id=1, headline="Troops suffer casualties", new={"facts": ["30"]}),
              alert(3, headline="Missile test", story_id=3)]
    msg = render(alerts, "text")
    assert msg.title == "[Kim Jong Un] Digest: 3 alerts, 3 stories"
    body = msg.body
    assert body.count("== Kim Jong Un ==") == 1
    assert "-- Story: Kim Jong Un sends message to Putin" in body
    assert body.index("Troops suffer casualties") < body.index("Missile test")


def test_user_templates_take_precedence(tmp_path: Path) -> None:
    data_dir, cfg_dir = tmp_path / "data", tmp_path / "cfg"
    (data_dir / "templates").mkdir(parents=True)
    (cfg_dir / "templates").mkdir(parents=True)
    (data_dir / "templates" / "alert.txt.j2").write_text("DATA {{ item.headline }}\n", encoding="utf-8")
    (cfg_dir / "templates" / "alert.txt.j2").write_text("CONFIG {{ item.headline }}\n", encoding="utf-8")
    (cfg_dir / "templates" / "alert.md.j2").write_text("CONFIG-MD {{ item.headline }} {{ link(item.url, 'x') }}\n", encoding="utf-8")
    dirs = template_dirs(data_dir, cfg_dir / "vigie.yaml")
    assert render([alert()], "text", user_dirs=dirs).body == "DATA Kim Jong Un sends message to Putin\n"
    md = render([alert(headline="a_b *c*")], "markdown", user_dirs=dirs).body
    assert md.startswith("CONFIG-MD a\\_b \\*c\\* [x](https://news.example/a?x=1&y=2)")  # escaping holds in user templates
    assert re.search(r"\[Kim Jong Un\]", render([alert()], "text").body)  # packaged template otherwise


@pytest.mark.parametrize(
    ("channel", "story", "fact"),
    [
        ("email", "&laquo;Kim Jong Un sends message to Putin&raquo;", "<mark><b>30</b></mark>"),
        ("slack", "*Kim Jong Un sends message to Putin* (3 articles, 2 sources when alerted)", "*30*"),
        ("markdown", "**Kim Jong Un sends message to Putin** (3 articles, 2 sources when alerted)", "**30**"),
        ("text", "Story: Kim Jong Un sends message to Putin (3 articles, 2 sources when alerted)", "[30]"),
    ],
)
def test_a_development_names_its_story_counts_and_the_sentence_with_the_new_fact(channel: str, story: str, fact: str) -> None:
    """Every channel: the story's first headline and counts as stored with the alert, and what is new as a sentence."""
    dev = alert(kind="development", headline="Zelensky says 30 North Korean soldiers killed near Kursk",
                new={"facts": ["30"], "sentence": "Zelensky says 30 North Korean soldiers killed near Kursk"},
                rules=["Kim Jong Un", "The Kursk front"])
    msg = render([dev], channel, tz="Europe/Paris")  # type: ignore[arg-type]
    assert story in msg.body and fact in msg.body
    assert "Kim Jong Un, The Kursk front" in msg.body  # one message lists every rule that fired
