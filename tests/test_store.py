"""The store: migrations, constraints and retention, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from support_store import T0, engine, store_url  # noqa: F401 - fixtures
from vigie.store import schema as t
from vigie.store.db import connect, table_names
from vigie.store.migrations import MIGRATIONS, apply_migrations
from vigie.store.retention import purge


def test_migrations_create_every_table_once(store_url: str) -> None:  # noqa: F811
    eng = connect(store_url)
    try:
        assert {"articles", "stories", "alerts", "deliveries", "minhash_bands", "feeds"} <= set(table_names(eng))
        assert apply_migrations(eng) == []  # already applied: nothing to do
        with eng.connect() as conn:
            assert sorted(conn.execute(select(t.schema_migrations.c.name)).scalars()) == [m.name for m in MIGRATIONS]
    finally:
        eng.dispose()


def test_sqlite_uses_wal(tmp_path) -> None:
    eng = connect(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    eng.dispose()


def _alert(key: str) -> dict:
    return dict(dedupe_key=key, rule_id="r", kind="new_story", title="t", payload={}, created_at=T0)


@pytest.mark.parametrize("what", ["dedupe_key", "delivery_per_target"])
def test_constraints_refuse_doubles(engine, what: str) -> None:  # noqa: F811
    with engine.begin() as conn:
        aid = conn.execute(insert(t.alerts).values(_alert("k1")).returning(t.alerts.c.id)).scalar_one()
        conn.execute(insert(t.deliveries).values(alert_id=aid, target="mail", status="pending", attempts=0))
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            if what == "dedupe_key":
                conn.execute(insert(t.alerts).values(_alert("k1")))
            else:
                conn.execute(insert(t.deliveries).values(alert_id=aid, target="mail", status="pending", attempts=0))


def test_retention_forgets_old_articles_and_keeps_alerts(engine) -> None:  # noqa: F811
    with engine.begin() as conn:
        for aid, seen in (("old", T0 - timedelta(days=100)), ("new", T0)):
            conn.execute(insert(t.articles).values(id=aid, source_id="s", title=aid, summary="", body="", language="en",
                                                   published=seen, first_seen=seen))
            conn.execute(insert(t.article_sources).values(article_id=aid, source_id="s", first_seen=seen))
        conn.execute(insert(t.alerts).values(_alert("old-alert")))
        conn.execute(insert(t.stories).values(id=7, rule_id="r", title="old", terms=[], first_article_id="old", created_at=T0,
                                              updated_at=T0, names=[], facts=[], keywords=[], languages=["en"]))
        conn.execute(insert(t.story_articles).values(story_id=7, article_id="old", added_at=T0))
    report = purge(engine, T0, timedelta(days=90))
    assert (report.articles, report.stories) == (1, 1)
    with engine.connect() as conn:
        assert list(conn.execute(select(t.articles.c.id)).scalars()) == ["new"]
        assert list(conn.execute(select(t.article_sources.c.article_id)).scalars()) == ["new"]
        assert conn.execute(select(t.alerts.c.dedupe_key)).scalars().all() == ["old-alert"]


def test_alert_retention_forgets_old_alerts_with_their_deliveries_but_never_a_pending_one(engine) -> None:  # noqa: F811
    ages = {"old-done": 400, "old-pending": 400, "recent": 10}
    statuses = {"old-done": ("sent", "failed"), "old-pending": ("sent", "pending"), "recent": ("sent",)}
    with engine.begin() as conn:
        for key, days in ages.items():
            aid = conn.execute(insert(t.alerts).values({**_alert(key), "created_at": T0 - timedelta(days=days)})
                               .returning(t.alerts.c.id)).scalar_one()
            for n, status in enumerate(statuses[key]):
                conn.execute(insert(t.deliveries).values(alert_id=aid, target=f"target{n}", status=status, attempts=1))
    assert purge(engine, T0, timedelta(days=90)).alerts == 0  # without alert_retention, alerts stay
    report = purge(engine, T0, timedelta(days=90), timedelta(days=365))
    assert report.alerts == 1
    with engine.connect() as conn:
        assert sorted(conn.execute(select(t.alerts.c.dedupe_key)).scalars()) == ["old-pending", "recent"]
        kept = conn.execute(select(t.alerts.c.dedupe_key, t.deliveries.c.status)
                            .join(t.deliveries, t.deliveries.c.alert_id == t.alerts.c.id)).all()
        assert sorted(map(tuple, kept)) == [("old-pending", "pending"), ("old-pending", "sent"), ("recent", "sent")]
    assert purge(engine, T0, timedelta(days=90), timedelta(days=365)).alerts == 0  # nothing more to do


def test_sqlite_readers_do_not_wait_for_a_writing_run(tmp_path) -> None:
    """Writers take the lock at BEGIN (IMMEDIATE); `vigie alerts` reads beside a long run (WAL)."""
    import threading

    from vigie.delivery.outbox import list_alerts

    eng = connect(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.begin() as conn:
        conn.execute(insert(t.alerts).values(_alert("k")))
    done = threading.Event()
    with eng.begin() as conn:  # a run holding the write lock
        conn.execute(insert(t.alerts).values(_alert("k2")))
        th = threading.Thread(target=lambda: (list_alerts(eng), done.set()))
        th.start()
        th.join(5)
        assert done.is_set(), "a reader waited for the writer"
    eng.dispose()
