"""Untrusted text stays inert on every channel: no bidirectional overrides, no mentions or control
sequences, no script links, whether the target is e-mail, Slack, Markdown, text or a generic json://."""

from __future__ import annotations

import json
import re

import pytest

from support_notify import slack_endpoint, smtp_server
from support_store import article, config, engine, store_url  # noqa: F401 - fixtures
from test_deliver import NOW, record
from test_render import alert
from vigie.config import TargetConfig
from vigie.delivery.inert import neutral_text, strip_bidi
from vigie.delivery.render import render
from vigie.delivery.send import deliver_pending

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI = re.compile(f"[{OVERRIDES}]")
CHANNELS = ("email", "slack", "markdown", "text")
# "invoice_fdp.exe" that an RLO shows as "invoice_exe.pdf"; a right-to-left mark is only a hint and stays.
TRICK = {
    "headline": "Kim Jong Un invoice_\u202efdp.exe \u2066isolated\u2069 \u202aembedded\u202c \u200fmark",
    "extract": "Text \u202dforced\u202c and \u2067rtl\u2069 \u2068first\u2069.",
    "source": "CNN\u202e", "sources": ["CNN\u202e", "BBC\u2066"],
    "terms": ["Kim \u202eJong"],
    "snippets": [{"field": "summary", "cut_before": True, "cut_after": False,
                  "segments": [["lead \u202e", False], ["Kim Jong Un", True]]}],
}
EVIL = {
    "headline": "Putin <!channel> <@U024BE7LH> <#C0123|general> <https://evil.example|click> @here @everyone",
    "extract": "See javascript:alert(1) or JavaScript:alert(2), vbscript:x, data:text/html;base64,PHNjcmlwdD4=.",
    "url": "javascript:alert(3)",
}


@pytest.mark.parametrize("channel", CHANNELS)
def test_bidi_overrides_reach_no_channel(channel: str) -> None:
    for alerts in ([alert(**TRICK)], [alert(1, **TRICK), alert(2, **TRICK)]):  # one alert and a digest
        msg = render(alerts, channel)  # type: ignore[arg-type]
        assert not BIDI.search(msg.title) and not BIDI.search(msg.body), (msg.title, msg.body)
        assert "forced" in msg.body and "CNN" in msg.body  # the text itself stays
    single = render([alert(**TRICK)], channel)  # type: ignore[arg-type]
    assert "invoice_fdp.exe" in single.title and "\u200fmark" in single.title  # a direction mark is harmless


@pytest.mark.parametrize("channel", ["text", "markdown"])
def test_generic_channels_neutralise_mentions_and_script_links_as_slack_does(channel: str) -> None:
    msg = render([alert(**EVIL)], channel)  # type: ignore[arg-type]
    for part in (msg.title, msg.body):
        for bad in ("<!channel>", "<@U024BE7LH>", "<#C0123", "<https://evil.example|", "@here", "@everyone"):
            assert bad not in part, (bad, part)
    for bad in ("javascript:", "JavaScript:", "vbscript:", "data:text"):
        assert bad not in msg.body.replace("\\", ""), (bad, msg.body)
    assert "Putin" in msg.title and "alert(1)" in msg.body.replace("\\", "")  # readable, only defused


def test_neutral_text_is_readable_and_idempotent() -> None:
    text = "<!channel> @here javascript:x \u202eabc"
    once = neutral_text(text)
    assert once.replace("\u200b", "") == strip_bidi(text) and neutral_text(once) == once


def test_every_real_target_gets_inert_text(engine, tmp_path) -> None:  # noqa: F811
    """E-mail (subject and both parts), Slack, and json:// as text and as Markdown, over real servers."""
    evil = article("guid:evil", "Kim Jong Un invoice_\u202efdp.exe <!channel> @here \u2066x\u2069",
                   "Kim Jong Un says javascript:alert(1) <@U024BE7LH> \u202bsecret\u202c.")
    # The hook first: the Slack plugin is pointed at the endpoint opened last.
    with smtp_server() as smtp, slack_endpoint() as hook, slack_endpoint() as slack:
        targets = (
            TargetConfig(name="mail", url=smtp.apprise_url()),
            TargetConfig(name="slack", url=slack.apprise_url()),
            TargetConfig(name="hook-text", url=f"json://127.0.0.1:{hook.port}/text", format="text"),
            TargetConfig(name="hook-md", url=f"json://127.0.0.1:{hook.port}/md", format="markdown"),
        )
        cfg = config(tmp_path).model_copy(update={"targets": targets})
        record(engine, cfg, [evil])
        assert deliver_pending(engine, cfg, NOW).sent_count == 4
        assert (len(smtp.messages), len(slack.payloads), len(hook.payloads)) == (1, 1, 2)
        outputs = [*smtp.subjects(), *smtp.bodies("plain"), *smtp.bodies("html"), json.dumps(slack.payloads, ensure_ascii=False)]
        outputs += [json.dumps(p, ensure_ascii=False) for p in hook.payloads]
    assert len(outputs) == 6
    for out in outputs:
        assert not BIDI.search(out), out
        assert "invoice_fdp.exe" in out.replace("\u200b", "") or "invoice_" in out
        for bad in ("<!channel>", "@here", "<@U024BE7LH>", "javascript:"):
            assert bad not in out, (bad, out)


def test_console_and_alerts_jsonl_show_no_override_but_keep_the_data(engine, tmp_path, capsys) -> None:  # noqa: F811
    headline = "Kim Jong Un invoice_\u202efdp.exe \u2067x\u2069"
    cfg = config(tmp_path)  # no targets: the embedded vigie:// one
    record(engine, cfg, [article("guid:rlo", headline, "Kim Jong Un \u202bsays\u202c.")])
    assert deliver_pending(engine, cfg, NOW).sent_count == 1
    out = capsys.readouterr().out
    assert "invoice_fdp.exe" in out and not BIDI.search(out)
    raw = cfg.alerts_file.read_text(encoding="utf-8")
    assert not BIDI.search(raw) and "\\u202e" in raw
    assert json.loads(raw)["payload"]["headline"] == headline  # the stored data is unchanged
