"""Outbox rules as tables: routing by tags, backoff, claims on a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support_store import T0, config, engine, store_url  # noqa: F401 - fixtures
from vigie.common.times import backoff
from vigie.delivery import outbox
from vigie.delivery.routing import route
from vigie.models import AlertPayload

TARGETS = [("mail", "mailto://u:p@example.org", ("daily",)), ("slack", "slack://A/B/C", ("urgent", "daily")),
           ("ops", "json://127.0.0.1/", ("ops",)), ("all", "json://127.0.0.2/", ())]


@pytest.mark.parametrize(
    ("notify", "operations", "expected"),
    [
        ((), False, ["mail", "slack", "all"]),  # everyone but operations-only targets
        (("urgent",), False, ["slack", "all"]),  # an untagged target is the catch-all
        (("daily", "urgent"), False, ["mail", "slack", "all"]),
        (("ops",), False, ["ops", "all"]),
        ((), True, ["ops"]),
    ],
)
def test_routing(tmp_path, notify, operations, expected) -> None:
    assert route(config(tmp_path, TARGETS), notify, operations=operations) == expected


def test_tags_no_target_has_reach_everyone_rather_than_no_one(tmp_path, caplog) -> None:
    assert route(config(tmp_path, TARGETS[:3]), ("urgnet",)) == ["mail", "slack"]  # a typo in a rule's notify
    assert "no target has the tags ['urgnet']" in caplog.text


def test_health_alerts_reach_someone_without_an_ops_target(tmp_path) -> None:
    assert route(config(tmp_path, TARGETS[:2]), operations=True) == ["mail", "slack"]


def test_no_target_means_the_console(tmp_path) -> None:
    assert route(config(tmp_path)) == ["console"]


@pytest.mark.parametrize(("attempts", "delay"), [(1, 1), (2, 2), (3, 4), (6, 32), (8, 120), (20, 120)])
def test_backoff_grows_and_is_capped(attempts, delay) -> None:
    assert backoff(attempts, timedelta(minutes=1), timedelta(hours=2)) == timedelta(minutes=delay)


def test_claims_are_exclusive_and_expire(engine) -> None:  # noqa: F811
    with engine.begin() as conn:
        aid = outbox.record_alert(conn, dedupe_key="k", rule_id="r", kind="new_story", title="t", payload=AlertPayload(),
                                  created_at=T0, targets=["mail", "slack", "mail"])
        assert outbox.record_alert(conn, dedupe_key="k", rule_id="r", kind="new_story", title="t", payload=AlertPayload(),
                                   created_at=T0, targets=["mail"]) is None
    due = outbox.due_deliveries(engine, T0)
    ids = [d.delivery.id for d in due]
    assert sorted(d.delivery.target for d in due) == ["mail", "slack"] and {d.alert.id for d in due} == {aid}
    lease = timedelta(minutes=10)
    assert outbox.claim(engine, ids, "run-a", T0, lease) == set(ids)
    assert outbox.claim(engine, ids, "run-b", T0 + timedelta(minutes=5), lease) == set()  # held by run-a
    assert outbox.due_deliveries(engine, T0 + timedelta(minutes=5)) == []
    assert outbox.claim(engine, ids, "run-b", T0 + timedelta(minutes=11), lease) == set(ids)  # run-a died: lease over
    assert outbox.mark_sent(engine, ids[:1], "run-a", T0) == 0  # a stale run cannot mark what it lost
    assert outbox.mark_sent(engine, ids[:1], "run-b", T0) == 1
    assert outbox.claim(engine, ids[:1], "run-c", T0 + timedelta(hours=1), lease) == set()  # sent is final
