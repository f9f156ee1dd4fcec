"""End to end: the Prefect flow in the test harness, over real servers on loopback.

Feeds come from a local HTTP server (ETag, Last-Modified), alert e-mails go to a
real SMTP server (aiosmtpd) through apprise's mailto://, Slack messages to a
local endpoint through apprise's own Slack plugin. A second run sends nothing
again and transfers no feed body.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support_http import serve_directory
from support_notify import slack_endpoint, smtp_server

pytestmark = pytest.mark.slow

FEEDS = ["nyt_2.xml", "guardian_1.xml"]


def _write_config(tmp: Path, repo: Path, feed_base: str, mail_url: str, slack_url: str) -> Path:
    sources = "".join(f"  - url: {feed_base}/{name}\n" for name in FEEDS)
    config = tmp / "vigie.yaml"
    config.write_text(
        f"data_dir: state\n"
        f"rules: [{repo / 'rules'}]\n"
        f"sources:\n{sources}"
        f"  - folder: inbox\n"
        f"    language: fr\n"
        f"targets:\n"
        f"  - name: analysts-mail\n    url: '{mail_url}'\n    tags: [analysts]\n"
        f"  - name: slack-urgent\n    url: '{slack_url}'\n    tags: [slack]\n"
        f"  - name: console\n    url: vigie://\n",
        encoding="utf-8",
    )
    return config


def test_flow_alerts_once_by_mail_and_slack(prefect_harness: None, repo: Path, tmp_path: Path) -> None:
    from flows.monitor import monitor

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for name in FEEDS:
        shutil.copy(repo / "demo" / "feeds" / name, feeds / name)
    (tmp_path / "inbox").mkdir()
    shutil.copy(repo / "demo" / "inbox" / "seed-article-fr.txt", tmp_path / "inbox")

    with serve_directory(feeds) as http, smtp_server() as smtp, slack_endpoint() as slack:
        config = _write_config(tmp_path, repo, http.url("").rstrip("/"), smtp.apprise_url(), slack.apprise_url())

        first = monitor(config_path=str(config))

        # The seed article fired the three seed rules: one message per target, listing the rules routed
        # to it (the analysts' mail all three; Slack the two that name it), each recorded once.
        seed_alerts = [a for a in first.alerts if "Kim Jong Un" in a.title or "Poutine" in a.title]
        assert seed_alerts and len({a.alert_id for a in seed_alerts}) == len(seed_alerts)
        assert first.deliveries_failed == 0
        named = "\n".join(smtp.bodies("plain"))
        assert all(rule in named for rule in ("Kim Jong Un mentioned", "The Kursk front", "North Korean troops deployed"))
        # The daily-digest rule waits for its window, and the summary says so.
        digest = [a for a in first.alerts if a.rule_id == "nk-russia-watch"]
        assert digest and all("=held for a digest (due " in t for a in digest for t in a.targets)
        assert first.deliveries_pending == first.backlog.held_for_digest >= len(digest)

        # E-mail: the analysts' target got the seed's alerts, as HTML and plain text.
        mails = smtp.messages
        assert mails, "no e-mail reached the SMTP server"
        plain = "\n".join(smtp.bodies("plain"))
        assert "Kim Jong Un" in plain
        assert "Koursk" in plain  # every matched term is shown in context, not only the first
        assert smtp.bodies("html") and all("<script" not in b for b in smtp.bodies("html"))

        # Slack: only the rules routed to it (Kursk, troops), in Slack's own payload.
        texts = "\n".join(slack.texts())
        assert "Koursk" in texts or "Kursk" in texts
        # The Kim Jong Un rule notifies the analysts' mail only: none of its alerts went to Slack.
        assert not any("Kim Jong Un mentioned" in t for t in slack.texts())
        assert any("Kim Jong Un mentioned" in subject for subject in smtp.subjects())

        # The console target wrote JSON lines in the data directory.
        lines = (tmp_path / "state" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
        assert lines and all(json.loads(line)["rule_id"] for line in lines)

        # Second run: every feed answers 304, nothing is sent twice.
        sent_mails, sent_slack, jsonl = len(smtp.messages), len(slack.payloads), len(lines)
        http.reset_log()
        second = monitor(config_path=str(config))
        assert second.alerts_recorded == 0
        assert len(smtp.messages) == sent_mails
        assert len(slack.payloads) == sent_slack
        assert len((tmp_path / "state" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()) == jsonl
        assert http.body_bytes == 0, "unchanged feeds were transferred again"
        assert {s.status for s in second.sources if s.source.startswith("http")} == {"not_modified"}
