"""Store fixtures for tests: the same test on SQLite and, when it answers, PostgreSQL.

PostgreSQL tests run in a fresh schema (``search_path`` in the URL) dropped afterwards,
so tests never see each other's rows. Set VIGIE_TEST_PG_URL to use another server.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("VIGIE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def pg_unavailable() -> str | None:
    """None when PostgreSQL answers, else why not (cached)."""
    if "reason" not in _pg_state:
        try:
            eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "skip, and say why"
            _pg_state["reason"] = f"PostgreSQL at {PG_URL.split('@')[-1]} does not answer: {exc.__class__.__name__}"
    return _pg_state["reason"]


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema; the schema is dropped afterwards."""
    name = f"vigie_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def skip_without_postgres() -> None:
    """Skip the calling test, saying why, when PostgreSQL does not answer."""
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store URL, once for SQLite (a file in tmp_path) and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vigie.db'}"
        return
    skip_without_postgres()
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def engine(store_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on ``store_url``, disposed after the test."""
    from vigie.store.db import connect

    eng = connect(store_url)
    yield eng
    eng.dispose()


# --- builders for novelty/outbox tests -----------------------------------------------

import re as _re  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from vigie.config import Config, TargetConfig  # noqa: E402
from vigie.models import Article, Match, Span  # noqa: E402

T0 = datetime(2022, 3, 1, 8, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def article(aid: str, title: str, summary: str = "", *, source: str = "https://feed-a.example/rss", url: str | None = None,
            published: datetime = T0, language: str = "en", body: str = "") -> Article:
    return Article(id=aid, source_id=source, url=url if url is not None else f"https://news.example/{aid}", title=title,
                   summary=summary, body=body, language=language, published=published)


def match(art: Article, rule: str, patterns: dict[str, str], *, notify: tuple[str, ...] = ()) -> Match | None:
    """A Match of ``rule`` on ``art`` where each canonical term's regex pattern occurs (None if none does)."""
    spans = []
    for term, pat in patterns.items():
        for fieldname in ("title", "summary", "body"):
            for m in _re.finditer(pat, art.field_text(fieldname), _re.IGNORECASE):
                spans.append(Span(fieldname, m.start(), m.end(), m.group(0), term))  # type: ignore[arg-type]
    if not spans:
        return None
    terms = tuple(sorted({s.term for s in spans}))
    return Match(rule_id=rule, article_id=art.id, score=float(len(spans)), spans=tuple(spans), terms=terms, notify=notify)


def config(tmp_path: Path, targets: list[tuple[str, str, tuple[str, ...]]] | None = None, **kw) -> Config:  # type: ignore[no-untyped-def]
    """A Config with data_dir in tmp_path and the given (name, url, tags) targets."""
    tcs = tuple(TargetConfig(name=n, url=u, display_url=u.split("?")[0], tags=tags) for n, u, tags in (targets or []))
    return Config(path=tmp_path / "vigie.yaml", data_dir=tmp_path / "data", targets=tcs, **kw)
