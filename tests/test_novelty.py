"""Novelty on a real store (SQLite and PostgreSQL): duplicates, stories, developments, alerts."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from support_store import CORPUS, T0, article, config, engine, match, store_url  # noqa: F401 - fixtures
from vigie.delivery.record import record
from vigie.stories.identity import known_ids
from vigie.models import RulePolicy
from vigie.store import schema as t

KJU = {"Kim Jong Un": r"Kim Jong[- ]Un", "Kursk": r"K[o]?ursk"}
FEEDS = [f"https://feed-{c}.example/rss" for c in "abcdef"]

FIRST = article(
    "guid:a1",
    "Kim Jong Un sends message to Putin as North Korean troops deploy near Kursk",
    "North Korean leader Kim Jong Un sent a message to Vladimir Putin on Friday, as North Korean troops were reported "
    "deployed near Kursk in western Russia.",
    source=FEEDS[0],
)
SYNDICATED = [  # the same wire copy, lightly edited by other outlets
    article("guid:b7", FIRST.title, FIRST.summary.replace(" on Friday", ""), source=FEEDS[1], published=T0 + timedelta(minutes=20)),
    article("guid:c3", FIRST.title + " - agency", FIRST.summary, source=FEEDS[2], published=T0 + timedelta(minutes=35)),
]
REPEAT = article(  # another outlet's own words, nothing new
    "guid:d1",
    "North Korean troops deploy near Kursk as Kim Jong Un messages Putin",
    "Kim Jong Un sent Vladimir Putin a message on Friday while North Korean troops were reported near Kursk in western Russia.",
    source=FEEDS[3], published=T0 + timedelta(hours=2),
)
DEVELOPMENT = article(  # a figure and new people: the story moved
    "guid:e5",
    "Kim Jong Un's troops suffer first casualties near Kursk, Zelensky says",
    "Ukrainian President Volodymyr Zelensky said 30 North Korean soldiers were killed or wounded near Kursk.",
    source=FEEDS[4], published=T0 + timedelta(hours=6),
)
DEVELOPMENT_REPEAT = article(
    "guid:f2",
    "Zelensky says 30 North Korean soldiers killed or wounded near Kursk",
    "Ukrainian President Volodymyr Zelensky said on Monday that 30 North Korean soldiers were killed or wounded near Kursk.",
    source=FEEDS[5], published=T0 + timedelta(hours=7),
)
FRENCH = article(
    "guid:fr1",
    "Kim Jong-un adresse un message à Poutine, ses troupes déployées près de Koursk",
    "Le dirigeant nord-coréen Kim Jong-un a adressé un message à Vladimir Poutine, alors que des soldats nord-coréens "
    "sont déployés dans la région de Koursk.",
    source="https://lemonde.example/rss", language="fr", published=T0 + timedelta(hours=3),
)


def run(engine, cfg, arts, *, policy: RulePolicy | None = None, now=None, health=()):  # noqa: F811
    policy = policy or RulePolicy("kju", name="Kim Jong Un")
    ms = [m for a in arts if (m := match(a, policy.rule_id, KJU)) is not None]
    return record(engine, arts, ms, {policy.rule_id: policy}, cfg, now or T0 + timedelta(days=1), health)


def kinds(engine) -> list[str]:  # noqa: F811
    with engine.connect() as conn:
        return list(conn.execute(select(t.alerts.c.kind).order_by(t.alerts.c.id)).scalars())


def test_syndicated_story_gives_one_alert_with_every_source(engine, tmp_path) -> None:  # noqa: F811
    rep = run(engine, config(tmp_path), [FIRST, *SYNDICATED])
    assert (rep.new_articles, rep.near_duplicates, rep.new_stories, rep.alerts) == (1, 2, 1, 1)
    with engine.connect() as conn:
        story = conn.execute(select(t.stories)).one()
        payload = conn.execute(select(t.alerts.c.payload)).scalar_one()
    assert story.source_count == 3 and story.article_count == 1
    assert payload["headline"] == FIRST.title and payload["terms"] == ["Kim Jong Un", "Kursk"]


def test_exact_duplicates_by_id_and_by_url(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    run(engine, cfg, [FIRST])
    same_id_other_feed = article(FIRST.id, FIRST.title, FIRST.summary, source=FEEDS[1])
    same_url = article("guid:zz", "Different headline from an aggregator about Kim Jong Un", "", source=FEEDS[2], url=FIRST.url)
    rep = run(engine, cfg, [same_id_other_feed, same_url])
    assert (rep.duplicates, rep.new_articles, rep.alerts) == (2, 0, 0)
    rep = run(engine, cfg, [FIRST])  # a re-fetch of the same feed
    assert (rep.already_seen, rep.alerts) == (1, 0)


def test_development_alerts_once_and_repeats_stay_silent(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    run(engine, cfg, [FIRST, *SYNDICATED])
    rep = run(engine, cfg, [REPEAT])
    assert (rep.silent, rep.alerts) == (1, 0)
    rep = run(engine, cfg, [DEVELOPMENT])
    assert (rep.developments, rep.alerts) == (1, 1)
    rep = run(engine, cfg, [DEVELOPMENT_REPEAT])
    assert (rep.silent, rep.alerts) == (1, 0)
    assert kinds(engine) == ["new_story", "development"]
    with engine.connect() as conn:
        story = conn.execute(select(t.stories)).one()
        dev = conn.execute(select(t.alerts.c.payload).where(t.alerts.c.kind == "development")).scalar_one()
    assert story.article_count == 4 and story.source_count == 6
    assert "30" in dev["new"]["facts"] and "zelensky" in dev["new"]["names"]
    assert dev["story_sources"] == 5  # the sources the story had when the development came


def test_replaying_a_batch_records_nothing_new(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    batch = [FIRST, *SYNDICATED, REPEAT, DEVELOPMENT]
    first = run(engine, cfg, batch)
    again = run(engine, cfg, batch)
    assert first.alerts == 2
    assert (again.alerts, again.new_articles, again.already_seen) == (0, 0, len(batch))


def test_other_language_joins_by_shared_entities_without_alert(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    run(engine, cfg, [FIRST])
    rep = run(engine, cfg, [FRENCH])
    assert (rep.new_stories, rep.silent, rep.alerts) == (0, 1, 0)
    with engine.connect() as conn:
        assert sorted(conn.execute(select(t.stories.c.languages)).scalar_one()) == ["en", "fr"]


def test_story_window_closes(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, novelty={"story_window": "24h"})
    run(engine, cfg, [FIRST])
    late = article("guid:late", REPEAT.title, REPEAT.summary, source=FEEDS[3], published=T0 + timedelta(hours=30))
    rep = run(engine, cfg, [late])
    assert (rep.new_stories, rep.alerts) == (1, 1)


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        ("each", ["each", "each", "each"]),  # every new article (near-duplicates are not new)
        ("new_story", ["new_story"]),
        ("developments", ["new_story", "development"]),
    ],
)
def test_policy_decides_what_alerts(engine, tmp_path, alert: str, expected: list[str]) -> None:  # noqa: F811
    run(engine, config(tmp_path), [FIRST, *SYNDICATED, REPEAT, DEVELOPMENT], policy=RulePolicy("kju", alert=alert))  # type: ignore[arg-type]
    assert kinds(engine) == expected


@pytest.mark.parametrize(
    ("notify", "expected"),
    [
        ((), ["mail", "slack"]),  # every target but the operations-only one
        (("urgent",), ["slack"]),
        (("nobody",), ["mail", "slack"]),  # tags no target has: everyone rather than no one
    ],
)
def test_routing_by_tags_writes_one_delivery_per_target(engine, tmp_path, notify, expected) -> None:  # noqa: F811
    cfg = config(tmp_path, [("mail", "mailto://u:p@example.org", ("daily",)), ("slack", "slack://A/B/C", ("urgent",)),
                            ("ops", "json://127.0.0.1/", ("ops",))])
    run(engine, cfg, [FIRST], policy=RulePolicy("kju", notify=notify))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(t.deliveries.c.target)).scalars()) == expected


def test_digest_rule_records_window_end(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, timezone="Europe/Paris")
    now = datetime(2022, 3, 1, 10, 0, tzinfo=timezone.utc)  # 11:00 in Paris
    run(engine, cfg, [FIRST], policy=RulePolicy("kju", digest="daily at 08:00"), now=now)
    with engine.connect() as conn:
        due = conn.execute(select(t.alerts.c.digest_due_at)).scalar_one()
    assert due.replace(tzinfo=timezone.utc) == datetime(2022, 3, 2, 7, 0, tzinfo=timezone.utc)  # 08:00 CET next day


def test_feed_health_events_go_to_operations_targets(engine, tmp_path) -> None:  # noqa: F811
    from vigie.ingest.health import HealthEvent

    cfg = config(tmp_path, [("mail", "mailto://u:p@example.org", ()), ("ops", "json://127.0.0.1/", ("ops",))])
    event = HealthEvent(source_id=FEEDS[0], kind="down", message="https://feed-a.example/rss: HTTP 503 (3 times)", at=T0,
                        consecutive_failures=3, notify=("ops",))
    with engine.begin() as conn:  # the feed as a failed poll leaves it: failing, not yet reported
        conn.execute(t.feeds.insert().values(source_id=FEEDS[0], location=FEEDS[0], consecutive_failures=3, reported_down=False))
    rep = run(engine, cfg, [], health=[event])
    assert rep.alerts == 1
    assert run(engine, cfg, [], health=[event]).alerts == 0  # a retried run records it once
    later = HealthEvent(source_id=FEEDS[0], kind="down", message="again", at=T0 + timedelta(hours=1), notify=("ops",))
    assert run(engine, cfg, [], health=[later]).alerts == 0  # already reported: the feed's state says so
    with engine.connect() as conn:
        row = conn.execute(select(t.alerts)).one()
        targets = list(conn.execute(select(t.deliveries.c.target)).scalars())
    assert row.kind == "feed_health" and "HTTP 503" in row.payload["message"]
    assert targets == ["ops"]


def _corpus_items(pattern: str):  # type: ignore[no-untyped-def]
    path = CORPUS / "articles" / "en_rss_items_2022_geopolitics.jsonl"
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (expected beside the repository)")
    pat = re.compile(pattern)
    out = []
    for line in path.open(encoding="utf-8"):
        item = json.loads(line)
        if pat.search(item["title"] + " " + (item.get("description") or "")):
            out.append(item)
    return out


def test_corpus_one_event_many_outlets(engine, tmp_path) -> None:  # noqa: F811
    """Real items about the Zaporizhzhia plant (26 outlets, 2022): fewer alerts than articles, none doubled."""
    items = _corpus_items(r"Zaporizhzhia")
    arts = []
    for it in items:
        summary = re.sub(r"<[^>]+>", " ", it.get("description") or "")
        arts.append(article("url:" + it["url"], it["title"], summary, source=it["feed_url"], url=it["url"],
                            published=datetime.fromisoformat(it["date_published"]).astimezone(timezone.utc)))
    policy = RulePolicy("zpp")
    ms = [m for a in arts if (m := match(a, "zpp", {"Zaporizhzhia": "Zaporizhzhia"})) is not None]
    rep = record(engine, arts, ms, {"zpp": policy}, config(tmp_path), datetime(2023, 1, 1, tzinfo=timezone.utc))
    again = record(engine, arts, ms, {"zpp": policy}, config(tmp_path), datetime(2023, 1, 2, tzinfo=timezone.utc))
    assert rep.new_articles + rep.near_duplicates + rep.duplicates == len(arts)
    assert rep.alerts == rep.new_stories + rep.developments < len(ms)
    assert rep.silent > 0
    assert again.alerts == 0


def test_record_applies_retention(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, retention="30d")
    run(engine, cfg, [FIRST], now=T0)
    rep = run(engine, cfg, [EVENT_B], now=T0 + timedelta(days=31))
    assert rep.purged_articles == 1
    with engine.connect() as conn:
        assert list(conn.execute(select(t.articles.c.id)).scalars()) == [EVENT_B.id]
        assert conn.execute(select(t.stories.c.title)).scalars().all() == [EVENT_B.title]
        assert len(conn.execute(select(t.alerts)).all()) == 2  # what was said stays


def test_record_applies_alert_retention_to_delivered_alerts_only(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, alert_retention="1d")
    run(engine, cfg, [FIRST], now=T0)
    with engine.begin() as conn:
        first = conn.execute(select(t.alerts.c.id)).scalars().all()
    run(engine, cfg, [EVENT_B], now=T0 + timedelta(days=2))
    with engine.connect() as conn:  # still pending: kept, whatever its age
        assert set(first) <= set(conn.execute(select(t.alerts.c.id)).scalars())
    with engine.begin() as conn:
        conn.execute(update(t.deliveries).where(t.deliveries.c.alert_id.in_(first)).values(status="sent"))
    run(engine, cfg, [], now=T0 + timedelta(days=2))
    with engine.connect() as conn:
        left = set(conn.execute(select(t.alerts.c.id)).scalars())
        assert left and not left & set(first)
        assert not set(conn.execute(select(t.deliveries.c.alert_id)).scalars()) & set(first)


EVENT_B = article("guid:b-event", "Kim Jong Un oversees test of new hypersonic missile near Kursk, state media says",
                  "Pyongyang said the launch of the solid-fuel missile was a success.", published=T0 + timedelta(days=31))


def test_concurrent_record_of_the_same_batch_alerts_once(store_url, tmp_path) -> None:  # noqa: F811
    """Two overlapping runs (threads, each with its own engine) record one batch: one story, one alert."""
    import threading

    from vigie.store.db import connect

    cfg = config(tmp_path)
    engines = [connect(store_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    reports = []

    def worker(eng) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        reports.append(run(eng, cfg, [FIRST, *SYNDICATED, REPEAT, DEVELOPMENT]))

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(r.alerts for r in reports) == [0, 0, 2]
    assert kinds(engines[0]) == ["new_story", "development"]
    for e in engines:
        e.dispose()


def test_known_ids_are_the_stored_ones(engine, tmp_path) -> None:  # noqa: F811
    record(engine, [FIRST], [], {}, config(tmp_path), T0)
    assert known_ids(engine, [FIRST.id, "sha:never-seen"]) == {FIRST.id}


def test_a_failure_while_recording_alerts_leaves_no_story_change_either(engine, tmp_path) -> None:  # noqa: F811
    """Alerts are written after the stories in the same transaction: when writing them fails, nothing stays."""
    from vigie.errors import StoreError

    with engine.begin() as conn:  # a real failure at the last step: the deliveries table is gone
        conn.exec_driver_sql("DROP TABLE deliveries")
    with pytest.raises(StoreError, match="novelty: recording 3 articles failed"):
        run(engine, config(tmp_path), [FIRST, *SYNDICATED])
    with engine.connect() as conn:
        for table in (t.articles, t.article_sources, t.matches, t.stories, t.story_articles, t.alerts):
            assert conn.execute(select(table)).all() == [], table.name
