"""Migrations: an old store upgrades with its rows intact, and every route ends at the head schema.

On SQLite and, when it answers, PostgreSQL (each store in a fresh schema).
"""

from __future__ import annotations

import itertools
import threading
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, Table, inspect, insert, select

from support_store import T0, pg_schema_url, skip_without_postgres
from vigie.store import schema as head
from vigie.store.db import connect
from vigie.store.migrations import MIGRATIONS, apply_migrations
from vigie.store.migrations import m0001_initial as v1
from vigie.store.migrations.runner import ledger

ALL = [m.name for m in MIGRATIONS]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A maker of empty stores on one backend: SQLite files, or fresh PostgreSQL schemas dropped afterwards."""
    if request.param == "sqlite":
        numbers = itertools.count()
        yield lambda: f"sqlite:///{tmp_path / f'store{next(numbers)}.db'}"
        return
    skip_without_postgres()
    with ExitStack() as stack:
        yield lambda: stack.enter_context(pg_schema_url())


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """Open engines without migrating them; all are disposed after the test."""
    opened: list[Engine] = []

    def open_(url: str) -> Engine:
        opened.append(connect(url, migrate=False))
        return opened[-1]

    yield open_
    for eng in opened:
        eng.dispose()


def shape(engine: Engine) -> dict[str, dict[str, Any]]:
    """What the database says its schema is: tables, columns, keys, indexes, unique constraints."""
    insp = inspect(engine)
    out: dict[str, dict[str, Any]] = {}
    for name in insp.get_table_names():
        out[name] = {
            "columns": {c["name"]: (repr(c["type"]), c["nullable"], c.get("default")) for c in insp.get_columns(name)},
            "primary_key": insp.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted(
                (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"], fk["options"].get("ondelete"))
                for fk in insp.get_foreign_keys(name)
            ),
            "indexes": sorted((str(ix["name"]), ix["column_names"], ix["unique"]) for ix in insp.get_indexes(name)),
            "unique": sorted((str(uc["name"]), uc["column_names"]) for uc in insp.get_unique_constraints(name)),
        }
    return out


def head_shape(engine: Engine) -> dict[str, dict[str, Any]]:
    """The shape of ``vigie.store.schema`` as built directly into the empty store behind ``engine``."""
    with engine.begin() as conn:
        head.metadata.create_all(conn)
    return shape(engine)


def fill_at_first_migration(conn: Connection) -> None:
    """One of everything, written with the frozen 0001 tables: a store as the first release left it."""
    seen = T0 - timedelta(days=1)
    conn.execute(insert(v1.metadata.tables["feeds"]).values(source_id="https://feed-a.example/rss", location="https://feed-a.example/rss",
                                         etag='"v1"', last_success_at=seen, consecutive_failures=0, reported_down=False,
                                         entries_seen=3))
    conn.execute(insert(v1.metadata.tables["articles"]).values(id="a1", source_id="https://feed-a.example/rss", url="https://news.example/a1",
                                            title="Flooding in Lyon", summary="The Rhône rose 2 m.", body="", language="en",
                                            published=seen, first_seen=seen, fingerprint=[1, 2, 3, 4]))
    conn.execute(insert(v1.metadata.tables["article_sources"]).values(article_id="a1", source_id="https://feed-a.example/rss",
                                                   url="https://news.example/a1", first_seen=seen))
    conn.execute(insert(v1.metadata.tables["minhash_bands"]), [{"bucket": f"{band}:abc{band}", "article_id": "a1"} for band in range(3)])
    conn.execute(insert(v1.metadata.tables["matches"]).values(article_id="a1", rule_id="floods", score=2.0, terms=["flood"],
                                           spans=[{"field": "title", "start": 0, "end": 8, "text": "Flooding", "term": "flood"}],
                                           matched_at=seen))
    story_id = conn.execute(insert(v1.metadata.tables["stories"]).values(
        rule_id="floods", title="Flooding in Lyon", terms=["flood"], first_article_id="a1", created_at=seen, updated_at=seen,
        article_count=1, source_count=1, names=["lyon", "rhône"], facts=["2"], keywords=["flooding"], languages=["en"],
        development_count=0, silent_count=0).returning(v1.metadata.tables["stories"].c.id)).scalar_one()
    conn.execute(insert(v1.metadata.tables["story_articles"]).values(story_id=story_id, article_id="a1", added_at=seen, development=False))
    alert_id = conn.execute(insert(v1.metadata.tables["alerts"]).values(
        dedupe_key=f"floods:story:{story_id}", rule_id="floods", kind="new_story", severity="warning", story_id=story_id,
        article_id="a1", title="Flooding in Lyon", payload={"story_articles": 1, "terms": ["flood"]}, created_at=seen,
    ).returning(v1.metadata.tables["alerts"].c.id)).scalar_one()
    conn.execute(insert(v1.metadata.tables["deliveries"]).values(alert_id=alert_id, target="ops", status="sent", attempts=1, sent_at=T0))


def article_id_indexes(engine: Engine) -> set[tuple[str, str]]:
    """(table, index) for every index that starts with article_id without being a primary key."""
    insp = inspect(engine)
    return {(name, str(ix["name"])) for name in insp.get_table_names() for ix in insp.get_indexes(name)
            if ix["column_names"][:1] == ["article_id"]}


def rows(conn: Connection, table: Table, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Every row of ``table`` (only ``columns`` when given), in primary-key order."""
    chosen = [table.c[name] for name in columns] if columns is not None else list(table.c)
    return [dict(r._mapping) for r in conn.execute(select(*chosen).order_by(*table.primary_key.columns))]


def test_a_fresh_store_is_exactly_the_head_schema(new_store_url: Callable[[], str], engines) -> None:
    migrated = engines(new_store_url())
    assert apply_migrations(migrated) == ALL
    assert shape(migrated) == head_shape(engines(new_store_url()))


def test_a_store_at_the_first_migration_upgrades_to_head_with_its_rows(new_store_url: Callable[[], str], engines) -> None:
    store = engines(new_store_url())
    assert apply_migrations(store, through="0001_initial") == ["0001_initial"]
    with store.begin() as conn:
        fill_at_first_migration(conn)
    with store.connect() as conn:
        before = {table.name: rows(conn, table) for table in v1.metadata.sorted_tables}
    assert all(before.values())
    assert article_id_indexes(store) == set()

    assert apply_migrations(store) == ALL[1:]

    assert article_id_indexes(store) == {("story_articles", "ix_story_articles_article_id"),
                                         ("minhash_bands", "ix_minhash_bands_article_id")}
    assert shape(store) == head_shape(engines(new_store_url()))
    with store.connect() as conn:
        # Read back through the head tables, the ones the queries use, limited to the columns 0001 had.
        after = {old.name: rows(conn, head.metadata.tables[old.name], old.c.keys()) for old in v1.metadata.sorted_tables}
        assert after == before
        assert sorted(conn.execute(select(ledger.c.name)).scalars()) == ALL
    with store.begin() as conn:  # the head tables write into the upgraded store, ids carry on
        alert_id = conn.execute(insert(head.alerts).values(dedupe_key="floods:later", rule_id="floods", kind="new_story",
                                                          title="Later", payload={}, created_at=T0).returning(head.alerts.c.id)).scalar_one()
        assert alert_id > before["alerts"][0]["id"]


def test_two_processes_starting_at_once_migrate_once(new_store_url: Callable[[], str], engines) -> None:
    url = new_store_url()
    stores = [engines(url), engines(url)]
    start = threading.Barrier(2)
    applied: list[list[str]] = [[], []]
    errors: list[BaseException] = []

    def migrate(i: int) -> None:
        start.wait()
        try:
            applied[i] = apply_migrations(stores[i])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert sorted(applied[0] + applied[1]) == ALL
    with stores[0].connect() as conn:
        assert sorted(conn.execute(select(ledger.c.name)).scalars()) == ALL
