"""`vigie alerts`: list, show, retry and send against a real store and a local Slack endpoint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support_notify import slack_endpoint
from support_store import article, match
from vigie.delivery.record import record
from vigie.cli.alerts import app
from vigie.config import load_config
from vigie.delivery.send import deliver_pending
from vigie.models import RulePolicy
from vigie.store.db import connect

runner = CliRunner()


def _setup(tmp_path: Path, slack_url: str) -> Path:
    cfg_path = tmp_path / "vigie.yaml"
    cfg_path.write_text(
        "data_dir: data\n"
        "delivery:\n  max_attempts: 1\n"
        "targets:\n"
        f"  - name: team-slack\n    url: {slack_url}\n"
        "  - name: console\n    url: vigie://\n",
        encoding="utf-8",
    )
    cfg = load_config(cfg_path)
    eng = connect(cfg.store_url)
    arts = [
        article("guid:1", "Kim Jong Un sends message to Putin", "North Korean leader Kim Jong Un sent a message to Vladimir Putin."),
        article("guid:2", "Kim Jong Un oversees missile test", "Pyongyang said the launch of the solid-fuel missile was a success."),
    ]
    ms = [m for a in arts if (m := match(a, "kju", {"Kim Jong Un": "Kim Jong Un"}))]
    record(eng, arts, ms, {"kju": RulePolicy("kju", name="Kim Jong Un")}, cfg, datetime.now(timezone.utc) - timedelta(minutes=5))
    eng.dispose()
    return cfg_path


def test_list_show_retry_send(tmp_path: Path) -> None:
    with slack_endpoint() as slack:
        cfg_path = _setup(tmp_path, slack.apprise_url())
        cfg = load_config(cfg_path)
        slack.fail_always(500)
        eng = connect(cfg.store_url)
        deliver_pending(eng, cfg, datetime.now(timezone.utc))  # console: sent; slack: failed (max_attempts 1)
        eng.dispose()

        res = runner.invoke(app, ["-c", str(cfg_path)])  # plain `vigie alerts` lists
        assert res.exit_code == 0, res.output
        assert "#2" in res.output and "#1" in res.output
        assert "team-slack=failed" in res.output and "console=sent" in res.output
        assert "error=500" in res.output  # why it failed
        assert "slack://" not in res.output  # target URLs may hold secrets: names only

        res = runner.invoke(app, ["list", "--status", "failed", "--json", "-c", str(cfg_path)])
        rows = [json.loads(x) for x in res.output.splitlines()]
        assert [r["status"] for r in rows] == ["failed", "failed"]

        res = runner.invoke(app, ["show", "1", "-c", str(cfg_path)])
        assert res.exit_code == 0, res.output
        assert "Kim Jong Un sends message to Putin" in res.output
        assert "[Kim Jong Un]" in res.output  # the matched term, highlighted
        assert "story #1 timeline (1 article):" in res.output and "first" in res.output  # the story's articles, in order
        assert "team-slack: failed, 1 attempt(s)" in res.output and "why:" in res.output

        assert runner.invoke(app, ["show", "99", "-c", str(cfg_path)]).exit_code == 1

        res = runner.invoke(app, ["retry", "1", "-c", str(cfg_path)])
        assert "1 failed delivery back to pending" in res.output
        slack.fail_always(None)
        res = runner.invoke(app, ["send", "-c", str(cfg_path)])
        assert res.exit_code == 0, res.output
        assert "1 deliveries sent" in res.output
        assert len(slack.payloads) == 1
        res = runner.invoke(app, ["list", "--status", "sent", "-c", str(cfg_path)])
        assert "#1" in res.output and "#2" not in res.output


@pytest.mark.parametrize("args", [["list", "--status", "bogus"], ["list", "-c", "missing.yaml"]])
def test_bad_input_exits_2(tmp_path: Path, args: list[str]) -> None:
    cfg_path = tmp_path / "vigie.yaml"
    cfg_path.write_text("data_dir: data\n", encoding="utf-8")
    res = runner.invoke(app, ["-c", str(cfg_path), *args])
    assert res.exit_code == 2


def test_list_shows_times_in_the_configured_zone_and_each_reason_once_cut_at_a_word(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on: the webhook's error is long
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg_path = tmp_path / "vigie.yaml"
    cfg_path.write_text("data_dir: data\ntimezone: Europe/Paris\ndelivery:\n  max_attempts: 1\n"
                        f"targets:\n  - name: webhook\n    url: json://127.0.0.1:{port}/hook\n", encoding="utf-8")
    cfg = load_config(cfg_path)
    eng = connect(cfg.store_url)
    title = "Kim Jong Un sends a message to Vladimir Putin about the summit planned for the spring in Vladivostok"
    arts = [article("guid:1", title, "North Korean leader Kim Jong Un sent a message to Vladimir Putin.")]
    ms = [m for a in arts if (m := match(a, "kju", {"Kim Jong Un": "Kim Jong Un"}))]
    created = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)  # 10:30 in Paris, winter time
    record(eng, arts, ms, {"kju": RulePolicy("kju", name="Kim Jong Un")}, cfg, created)
    deliver_pending(eng, cfg, datetime.now(timezone.utc))
    eng.dispose()

    res = runner.invoke(app, ["list", "-c", str(cfg_path)])
    assert res.exit_code == 0, res.output
    assert "2026-01-15 10:30 CET" in res.output  # the configured zone, named
    assert "webhook: webhook:" not in res.output
    reason_line = next(ln for ln in res.output.splitlines() if ln.strip().startswith("webhook: "))
    shown = reason_line.strip().removeprefix("webhook: ")
    assert shown.endswith("…") and len(shown) <= 160
    full = load_full_error(cfg_path).removeprefix("webhook: ")
    assert full.startswith(shown[:-1]) and full[len(shown) - 1] == " "  # cut where a word ends
    shown_title = res.output.splitlines()[0].split("kju", 1)[1].strip()
    assert shown_title.endswith("…") and title.startswith(shown_title[:-1]) and title[len(shown_title) - 1] == " "

    shown_alert = runner.invoke(app, ["show", "1", "-c", str(cfg_path)])
    assert "recorded 2026-01-15 10:30 CET" in shown_alert.output
    assert "why: webhook:" not in shown_alert.output


def load_full_error(cfg_path: Path) -> str:
    from vigie.delivery.outbox import get_alert

    eng = connect(load_config(cfg_path).store_url)
    try:
        found = get_alert(eng, 1)
        assert found is not None
        return found.deliveries[0].last_error or ""
    finally:
        eng.dispose()


def test_send_counts_what_waits_for_its_digest_as_pending_and_says_so(tmp_path: Path) -> None:
    from vigie.delivery.backlog import backlog

    cfg_path = tmp_path / "vigie.yaml"
    cfg_path.write_text("data_dir: data\ntimezone: Europe/Paris\ntargets:\n  - name: console\n    url: vigie://\n",
                        encoding="utf-8")
    cfg = load_config(cfg_path)
    eng = connect(cfg.store_url)
    arts = [article("guid:1", "Kim Jong Un sends message to Putin", "Kim Jong Un sent a message."),
            article("guid:2", "Kursk: North Korean troops seen", "Troops were seen near Kursk.")]
    ms = [match(arts[0], "kju", {"Kim Jong Un": "Kim Jong Un"}), match(arts[1], "kursk", {"Kursk": "Kursk"})]
    now = datetime.now(timezone.utc)
    policies = {"kju": RulePolicy("kju"), "kursk": RulePolicy("kursk", digest="daily at 08:00")}
    record(eng, arts, [m for m in ms if m], policies, cfg, now)
    eng.dispose()

    res = runner.invoke(app, ["send", "-c", str(cfg_path)])
    assert res.exit_code == 0, res.output
    assert "1 deliveries sent in 1 messages" in res.output
    assert "1 pending (1 held for a digest, due " in res.output and ("08:00 CET" in res.output or "08:00 CEST" in res.output)
    assert ", 0 failed" in res.output

    eng = connect(cfg.store_url)
    try:
        waiting = backlog(eng, datetime.now(timezone.utc))
        assert (waiting.pending, waiting.held_for_digest, waiting.waiting_retry) == (1, 1, 0)
        after = backlog(eng, datetime.now(timezone.utc) + timedelta(days=2))  # the window has closed: due now
        assert (after.pending, after.held_for_digest, after.due_unsent) == (1, 0, 1)
    finally:
        eng.dispose()
