"""Delivery through apprise to a real SMTP server and a local Slack endpoint, on SQLite and PostgreSQL.

Exactly once per target: across a dead SMTP server, Slack 500/429, a killed run and
overlapping runs. The database decides (claims with a lease), not timing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from support_notify import slack_endpoint, smtp_server
from support_store import T0, article, config, engine, match, store_url  # noqa: F401 - fixtures
from vigie.delivery.record import record as record_batch
from vigie.delivery import outbox
from vigie.config import TargetConfig
from vigie.delivery.send import deliver_pending
from vigie.models import RulePolicy
from vigie.store import schema as t
from vigie.store.db import connect

TERMS = {"Kim Jong Un": r"Kim Jong Un", "Kursk": r"Kursk", "Zaporizhzhia": r"Zaporizhzhia"}
NOW = T0 + timedelta(hours=1)

# Three different events (three stories, three alerts), as real outlets headlined them.
EVENTS = [
    article("guid:1", "Kim Jong Un sends message to Putin as North Korean troops deploy near Kursk",
            "North Korean leader Kim Jong Un sent a message to Vladimir Putin, as North Korean troops were reported near Kursk."),
    article("guid:2", "Shelling of Zaporizhzhia is playing with fire, says UN nuclear chief",
            "The head of the International Atomic Energy Agency said explosions rocked the Zaporizhzhia nuclear plant overnight."),
    article("guid:3", "Kim Jong Un oversees test of new hypersonic missile, state media says",
            "Pyongyang said the launch of the solid-fuel missile was a success, days after Seoul and Washington held drills."),
]


def record(eng, cfg, arts, *, policy: RulePolicy | None = None, now: datetime = T0):  # type: ignore[no-untyped-def]
    policy = policy or RulePolicy("watch", name="Watch list")
    ms = [m for a in arts if (m := match(a, policy.rule_id, TERMS)) is not None]
    return record_batch(eng, arts, ms, {policy.rule_id: policy}, cfg, now)


def statuses(eng) -> list[tuple[int, str, str, int]]:  # type: ignore[no-untyped-def]
    with eng.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.deliveries.c.alert_id, t.deliveries.c.target, t.deliveries.c.status,
                                                      t.deliveries.c.attempts).order_by(t.deliveries.c.id))]


def test_syndicated_story_is_one_email_and_one_slack_message(engine, tmp_path) -> None:  # noqa: F811
    with smtp_server() as smtp, slack_endpoint() as slack:
        cfg = config(tmp_path, [("mail", smtp.apprise_url(), ()), ("slack", slack.apprise_url(), ())])
        copies = [article(f"guid:s{i}", EVENTS[0].title, EVENTS[0].summary, source=f"https://feed-{i}.example/rss") for i in range(5)]
        record(engine, cfg, copies)
        report = deliver_pending(engine, cfg, NOW)
        again = deliver_pending(engine, cfg, NOW + timedelta(hours=1))
        assert report.sent_count == 2 and again.sent_count == 0
        assert len(smtp.messages) == 1 and len(slack.payloads) == 1
        assert smtp.subjects() == [f"[Watch list] New story: {EVENTS[0].title}"]
        text = smtp.bodies("plain")[0]
        assert "Kim Jong Un" in text and "5 sources" in text
        assert "https://news.example/guid:s0" in text  # the plain-text part keeps the link
        assert "*Kim Jong Un*" in slack.texts()[0]  # the matched term, highlighted


def test_smtp_down_for_a_run_then_every_alert_exactly_once(engine, tmp_path) -> None:  # noqa: F811
    with smtp_server() as smtp:
        cfg = config(tmp_path, [("mail", smtp.apprise_url(), ())])
        assert record(engine, cfg, EVENTS).alerts == 3
        smtp.stop()
        down = deliver_pending(engine, cfg, NOW)
        assert down.sent_count == 0 and len(down.pending) == 3
        assert all("mail" in o.reason and "email" in o.reason.lower() for o in down.pending)
        assert [s[2:] for s in statuses(engine)] == [("pending", 1)] * 3
        smtp.start()
        early = deliver_pending(engine, cfg, NOW + timedelta(seconds=30))  # backoff: not yet
        assert early.sent_count == 0
        up = deliver_pending(engine, cfg, NOW + timedelta(minutes=2))
        assert up.sent_count == 3
        assert deliver_pending(engine, cfg, NOW + timedelta(hours=3)).sent_count == 0
        assert sorted(smtp.subjects()) == sorted(f"[Watch list] New story: {a.title}" for a in EVENTS)
        assert [s[2:] for s in statuses(engine)] == [("sent", 2)] * 3


@pytest.mark.parametrize("status", [500, 429])
def test_slack_error_keeps_alert_pending_then_sends_once(engine, tmp_path, status: int) -> None:  # noqa: F811
    with slack_endpoint() as slack:
        cfg = config(tmp_path, [("slack", slack.apprise_url(), ())])
        record(engine, cfg, EVENTS[:1])
        slack.fail_next(status)
        first = deliver_pending(engine, cfg, NOW)
        assert first.sent_count == 0 and f"error={status}" in first.pending[0].reason
        assert deliver_pending(engine, cfg, NOW + timedelta(minutes=2)).sent_count == 1
        assert deliver_pending(engine, cfg, NOW + timedelta(minutes=30)).sent_count == 0
        assert len(slack.payloads) == 1
        assert [code for _, code in slack.requests] == [status, 200]


def test_digest_collects_a_days_alerts_in_one_message(engine, tmp_path) -> None:  # noqa: F811
    with smtp_server() as smtp:
        cfg = config(tmp_path, [("mail", smtp.apprise_url(), ())], timezone="Europe/Paris")
        policy = RulePolicy("watch", name="Watch list", digest="daily at 08:00")
        day = datetime(2022, 3, 1, tzinfo=timezone.utc)
        for i, (art, hour) in enumerate(zip(EVENTS, (9, 13, 18))):  # recorded through the day (UTC)
            record(engine, cfg, [art], policy=policy, now=day + timedelta(hours=hour))
            assert deliver_pending(engine, cfg, day + timedelta(hours=hour, minutes=5)).sent_count == 0
        assert deliver_pending(engine, cfg, day + timedelta(hours=30, minutes=59)).sent_count == 0  # 07:59 Paris
        report = deliver_pending(engine, cfg, day + timedelta(hours=31))  # 08:00 Paris next day
        assert report.sent_count == 3 and len(report.sent) == 1
        assert len(smtp.messages) == 1
        assert smtp.subjects()[0].startswith("[Watch list] Digest: 3 alerts")
        html = smtp.bodies("html")[0]
        assert all(a.title in html for a in EVENTS)
        assert deliver_pending(engine, cfg, day + timedelta(days=3)).sent_count == 0


def test_gives_up_after_max_attempts_and_reports_once(engine, tmp_path) -> None:  # noqa: F811
    with slack_endpoint() as slack:
        cfg = config(tmp_path, [("slack", slack.apprise_url(), ())], delivery={"max_attempts": 2})
        record(engine, cfg, EVENTS[:1])
        slack.fail_always(500)
        r1 = deliver_pending(engine, cfg, NOW)
        r2 = deliver_pending(engine, cfg, NOW + timedelta(hours=1))
        r3 = deliver_pending(engine, cfg, NOW + timedelta(hours=2))
        assert (len(r1.pending), len(r1.failed)) == (1, 0)
        assert (len(r2.pending), len(r2.failed)) == (0, 1)
        assert (len(r3.pending), len(r3.failed)) == (0, 0)
        assert statuses(engine)[0][2:] == ("failed", 2)
        slack.fail_always(None)
        assert outbox.retry_failed(engine, NOW + timedelta(hours=3)) == 1
        assert deliver_pending(engine, cfg, NOW + timedelta(hours=3)).sent_count == 1
        assert len(slack.payloads) == 1


def test_a_broken_target_does_not_stop_the_others(engine, tmp_path) -> None:  # noqa: F811
    with smtp_server() as smtp:
        cfg = config(tmp_path, [("broken", "nosuchservice://nowhere", ()), ("mail", smtp.apprise_url(), ())])
        record(engine, cfg, EVENTS[:2])
        report = deliver_pending(engine, cfg, NOW)
        assert report.sent_count == 2 and len(smtp.messages) == 2
        assert {o.target for o in report.pending} == {"broken"}
        assert "apprise does not accept the URL of target 'broken'" in report.pending[0].reason


def test_untrusted_article_text_cannot_ping_slack_or_inject_html(engine, tmp_path) -> None:  # noqa: F811
    evil = article("guid:evil", "Kim Jong Un <!channel> <@U024BE7LH> <https://evil.example|click here> @here",
                   "<script>alert(1)</script> <b>Kursk</b> & more")
    with smtp_server() as smtp, slack_endpoint() as slack:
        cfg = config(tmp_path, [("mail", smtp.apprise_url(), ()), ("slack", slack.apprise_url(), ())])
        record(engine, cfg, [evil])
        assert deliver_pending(engine, cfg, NOW).sent_count == 2
        payload = json.dumps(slack.payloads[0])
        for bad in ("<!channel>", "<@U024BE7LH>", "<https://evil.example|", "<script>"):
            assert bad not in payload
        assert "&lt;!channel&gt;" in payload and "@\\u200bhere" in payload
        html = smtp.bodies("html")[0]
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_default_console_target_prints_and_writes_json_lines(engine, tmp_path, capsys) -> None:  # noqa: F811
    cfg = config(tmp_path)  # no targets: the embedded vigie:// one
    record(engine, cfg, EVENTS)
    report = deliver_pending(engine, cfg, NOW)
    assert report.sent_count == 3
    out = capsys.readouterr().out
    assert all(a.title in out for a in EVENTS)
    lines = [json.loads(x) for x in cfg.alerts_file.read_text(encoding="utf-8").splitlines()]
    assert [x["payload"]["headline"] for x in lines] == [a.title for a in EVENTS]
    assert {x["target"] for x in lines} == {"console"}


def test_concurrent_runs_send_each_alert_once(store_url, tmp_path) -> None:  # noqa: F811
    # Nine unrelated texts (near-duplicates would rightly collapse into one alert).
    arts = [article(f"guid:c{i}", f"Kim Jong Un bulletin number {i}", " ".join(f"w{i}x{j}" for j in range(12))) for i in range(9)]
    with smtp_server() as smtp, slack_endpoint() as slack:
        slack.delay = 0.02  # a slow target widens the window in which runs overlap
        cfg = config(tmp_path, [("mail", smtp.apprise_url(), ()), ("slack", slack.apprise_url(), ())])
        eng = connect(store_url)
        n = record(eng, cfg, arts, policy=RulePolicy("watch", alert="each")).alerts
        assert n == len(arts)
        engines = [connect(store_url) for _ in range(4)]  # like four workers, each with its own pool
        barrier = threading.Barrier(len(engines))
        reports = []

        def worker(e) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()
            reports.append(deliver_pending(e, cfg, NOW))

        threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert sum(r.sent_count for r in reports) == 2 * n
        assert len(slack.payloads) == n and len(smtp.messages) == n
        assert len({m["subject"] for m in smtp.messages}) == n
        assert {s[2] for s in statuses(eng)} == {"sent"}
        for e in [eng, *engines]:
            e.dispose()


_KILLED_RUN = r"""
import os, signal, sys
from datetime import timedelta
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from support_store import config
from test_deliver import EVENTS, NOW, T0, record
from vigie.delivery import outbox
from vigie.store.db import connect
eng = connect(sys.argv[1])
cfg = config(Path(sys.argv[2]), [("slack", "slack://T000VIGIE/B000VIGIE/abcdefghijklmnopqrstuvwx", ())])
record(eng, cfg, EVENTS)
if sys.argv[4] == "claimed":  # killed while sending: the claim is taken, nothing marked
    due = outbox.due_deliveries(eng, NOW)
    outbox.claim(eng, [d.delivery.id for d in due], "doomed-run", NOW, timedelta(minutes=10))
print("recorded", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _child_env(tests_dir: str) -> dict[str, str]:
    """The environment of a child run: the tests folder on the path, before the vigie this run imports."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (tests_dir, os.environ.get("PYTHONPATH"))))}


@pytest.mark.parametrize("moment", ["recorded", "claimed"])
def test_a_killed_run_loses_nothing(store_url, tmp_path, moment: str) -> None:  # noqa: F811
    tests_dir = str(Path(__file__).resolve().parent)
    proc = subprocess.run([sys.executable, "-c", _KILLED_RUN, store_url, str(tmp_path), tests_dir, moment],
                          capture_output=True, text=True, timeout=120, env=_child_env(tests_dir))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "recorded" in proc.stdout
    eng = connect(store_url)
    with slack_endpoint() as slack:
        cfg = config(tmp_path, [("slack", slack.apprise_url(), ())])
        first = deliver_pending(eng, cfg, NOW)
        if moment == "claimed":  # the dead run's lease still holds: wait for it, never double-send
            assert first.sent_count == 0
            first = deliver_pending(eng, cfg, NOW + timedelta(minutes=11))
        assert first.sent_count == 3
        assert deliver_pending(eng, cfg, NOW + timedelta(hours=1)).sent_count == 0
        assert len(slack.payloads) == 3
    eng.dispose()


def test_console_target_path_can_travel_in_the_url(engine, tmp_path, capsys) -> None:  # noqa: F811
    path = tmp_path / "elsewhere" / "feed-alerts.jsonl"
    cfg = config(tmp_path, [("console", f"vigie://{path}", ())])
    record(engine, cfg, EVENTS[:2], policy=RulePolicy("watch", digest="hourly"))
    report = deliver_pending(engine, cfg, T0 + timedelta(hours=2))
    assert report.sent_count == 2 and len(report.sent) == 1  # one hourly digest
    assert "Digest: 2 alerts" in capsys.readouterr().out
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["alert_id"] for x in lines] == [1, 2]  # one object per alert, even in a digest
    assert not cfg.alerts_file.exists()


@pytest.mark.parametrize(("fmt", "expected"), [("markdown", "**[Kim Jong Un"), ("text", "Kim Jong Un <\u200b!channel>")])
def test_other_targets_get_markdown_or_text(engine, tmp_path, fmt: str, expected: str) -> None:  # noqa: F811
    """Any apprise target: here apprise's JSON webhook plugin, posting to a local endpoint."""
    art = article("guid:md", "Kim Jong Un <!channel> [click](https://evil.example)", EVENTS[0].summary)
    with slack_endpoint() as hook:  # it answers any POST with 200 and keeps the JSON body
        url = f"json://127.0.0.1:{hook.port}/hook"
        cfg = config(tmp_path).model_copy(update={"targets": (TargetConfig(name="hook", url=url, format=fmt),)})
        record(engine, cfg, [art])
        assert deliver_pending(engine, cfg, NOW).sent_count == 1
        message = hook.payloads[0]["message"]
        assert expected in message
        if fmt == "markdown":
            assert "\\[click\\]\\(https://evil.example\\)" in message  # no link smuggled in


def test_a_broken_user_template_keeps_the_alert_pending_with_the_reason(engine, tmp_path) -> None:  # noqa: F811
    with slack_endpoint() as slack:
        cfg = config(tmp_path, [("slack", slack.apprise_url(), ())])
        (cfg.data_dir / "templates").mkdir(parents=True)
        (cfg.data_dir / "templates" / "alert.slack.j2").write_text("{% if %}broken\n", encoding="utf-8")
        record(engine, cfg, EVENTS[:1])
        report = deliver_pending(engine, cfg, NOW)
        assert report.sent_count == 0 and "TemplateSyntaxError" in report.pending[0].reason
        assert slack.payloads == []
        (cfg.data_dir / "templates" / "alert.slack.j2").unlink()  # fixed: the packaged template again
        assert deliver_pending(engine, cfg, NOW + timedelta(minutes=5)).sent_count == 1


_WORKER = r"""
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from apprise.plugins.slack import NotifySlack
from support_store import config
from test_deliver import NOW
from vigie.delivery.send import deliver_pending
from vigie.store.db import connect
NotifySlack.webhook_url = sys.argv[4]
cfg = config(Path(sys.argv[2]), [("slack", "slack://T000VIGIE/B000VIGIE/abcdefghijklmnopqrstuvwx", ())])
print(deliver_pending(connect(sys.argv[1]), cfg, NOW).sent_count)
"""


@pytest.mark.slow
def test_two_worker_processes_send_each_alert_once(store_url, tmp_path) -> None:  # noqa: F811
    """Like two `prefect worker` processes on one store: separate processes, same due alerts."""
    tests_dir = str(Path(__file__).resolve().parent)
    arts = [article(f"guid:p{i}", f"Kim Jong Un bulletin number {i}", " ".join(f"w{i}x{j}" for j in range(12))) for i in range(12)]
    eng = connect(store_url)
    with slack_endpoint() as slack:
        slack.delay = 0.02
        cfg = config(tmp_path, [("slack", slack.apprise_url(), ())])
        assert record(eng, cfg, arts, policy=RulePolicy("watch", alert="each")).alerts == 12
        procs = [subprocess.Popen([sys.executable, "-c", _WORKER, store_url, str(tmp_path), tests_dir, f"{slack.base_url}/services"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env(tests_dir))
                 for _ in range(3)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
        assert sum(int(o[0].strip().splitlines()[-1]) for o in outs) == 12
        assert len(slack.payloads) == 12
    eng.dispose()


def test_a_dead_targets_reason_never_holds_its_secrets(engine, tmp_path) -> None:  # noqa: F811
    """apprise quotes the URL it called; a Slack webhook's path is its token. The stored reason must not."""
    with slack_endpoint() as slack:
        url = slack.apprise_url()
        slack.stop()  # connection refused: apprise logs the request URL
        cfg = config(tmp_path, [("slack", url, ()), ("webhook", "json://127.0.0.1:9/hooks/s3cretHookPath", ())])
        record(engine, cfg, EVENTS[:1])
        report = deliver_pending(engine, cfg, NOW)
    assert {o.target for o in report.pending} == {"slack", "webhook"}
    with engine.connect() as conn:
        stored = [r for r in conn.execute(select(t.deliveries.c.last_error)).scalars()]
    for text in stored + [o.reason for o in report.pending]:
        assert text, "a failure must say why"
        for secret in ("abcdefghijklmnopqrstuvwx", "B000VIGIE", "T000VIGIE", "s3cretHookPath"):
            assert secret not in text, text


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("Max retries exceeded with url: /services/TA/BB/tokentoken", "slack://TA/BB/tokentoken", "Max retries exceeded with url: …"),
        ("POST https://user:pw@hooks.example.org/x/SECRET1 failed", "json://hooks.example.org/x/SECRET1", "POST https://hooks.example.org/… failed"),
        ("Connection refused by 127.0.0.1:2525 for bobsecret", "mailtos://bobsecret:pw123456@127.0.0.1:2525", "Connection refused by 127.0.0.1:2525 for ****"),
    ],
)
def test_redact(text: str, url: str, expected: str) -> None:
    from vigie.delivery.send import redact

    assert redact(text, url) == expected
