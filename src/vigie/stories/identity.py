"""Identity: is this article one the store already holds?

An article already stored under its id, or under its canonical URL, is an *exact
duplicate*; one whose text has a MinHash similarity of at least
``config.novelty.near_duplicate`` with a stored article (syndicated wire copy,
lightly edited) is a *near duplicate*. Either way it adds a source to the article
already stored and nothing else happens: ten outlets, one article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Sequence

from sqlalchemy import Connection, Engine, bindparam, select

from vigie.common.times import utc
from vigie.models import Article
from vigie.store import schema as t
from vigie.store.db import reader
from vigie.stories import minhash

MIN_WORDS_FOR_NEAR_DUPLICATE = 6  # below this, two headlines alike by chance would merge
_CHUNK = 500  # ids per IN (...) list

IdentityStatus = Literal["new", "seen", "exact", "near"]

# The statements of every article, built once. Plain INSERTs, not insert-or-ignore: SQLAlchemy compiles a
# dialect's ON CONFLICT insert anew at every execution (about 0.5 ms a row), a plain one once. They only
# write rows that cannot exist yet: the article's id is not stored (``KnownArticles``, while the batch
# holds the store), so neither are its bands or sources (foreign keys); a source row that may exist is
# looked for first. The IN lists are expanding parameters: a list of literals is coerced value by value.
_a, _b, _s = t.articles, t.minhash_bands, t.article_sources
_INSERT_ARTICLE = _a.insert()
_INSERT_BANDS = _b.insert()
_INSERT_SOURCE = _s.insert()
_HAS_SOURCE = select(_s.c.article_id).where(_s.c.article_id == bindparam("article_id"), _s.c.source_id == bindparam("source_id"))
_CANDIDATES = select(_b.c.article_id).where(_b.c.bucket.in_(bindparam("buckets", expanding=True))).distinct()
_FINGERPRINTS = select(_a.c.id, _a.c.fingerprint).where(_a.c.id.in_(bindparam("ids", expanding=True)), _a.c.duplicate_of.is_(None))


@dataclass(frozen=True)
class Identity:
    """Which stored article an incoming one is, and how that was found."""

    canonical: str  # the id of the stored article: its own, or the one it duplicates
    status: IdentityStatus  # "new", "seen" (a re-fetch), "exact" (same id or URL, another source) or "near"


def known_ids(engine: Engine, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the store already holds (e.g. so a full-text page is fetched once, not every poll)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    with reader(engine) as conn:
        for i in range(0, len(wanted), _CHUNK):
            found.update(conn.execute(select(t.articles.c.id).where(t.articles.c.id.in_(wanted[i : i + _CHUNK]))).scalars())
    return found


class KnownArticles:
    """Which of a batch's ids and URLs the store already holds, read in a few queries up front.

    While a batch is recorded nobody else writes (IMMEDIATE on SQLite, the advisory
    lock on PostgreSQL), so the maps stay true as long as this batch's own inserts are
    added to them.
    """

    def __init__(self, conn: Connection, articles: Sequence[Article]) -> None:
        a = t.articles
        self.ids: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        ids = sorted({x.id for x in articles})
        urls = sorted({x.url for x in articles if x.url})
        for i in range(0, len(ids), _CHUNK):
            for r in conn.execute(select(a.c.id, a.c.duplicate_of).where(a.c.id.in_(ids[i : i + _CHUNK]))):
                self.ids[r.id] = r.duplicate_of or r.id
        for i in range(0, len(urls), _CHUNK):
            for r in conn.execute(select(a.c.url, a.c.id, a.c.duplicate_of).where(a.c.url.in_(urls[i : i + _CHUNK])).order_by(a.c.id)):
                self.urls.setdefault(r.url, r.duplicate_of or r.id)

    def add(self, art: Article, canonical: str) -> None:
        self.ids.setdefault(art.id, canonical)
        if art.url:
            self.urls.setdefault(art.url, canonical)


def identify(conn: Connection, art: Article, near_threshold: float, now: datetime, known: KnownArticles) -> Identity:
    """Store ``art`` (as itself or as a copy) and say which stored article it is."""
    canonical = known.ids.get(art.id)
    if canonical is not None:
        return Identity(canonical, "exact" if _add_source(conn, canonical, art, now) else "seen")
    canonical = known.urls.get(art.url) if art.url else None
    if canonical is not None:
        _insert_article(conn, art, now, sig=None, duplicate_of=canonical)
        known.add(art, canonical)
        return Identity(canonical, "exact" if _add_source(conn, canonical, art, now) else "seen")
    text = "\n".join(x for x in (art.title, art.summary, art.body) if x)
    sig = minhash.signature(text) if len(minhash.words(text)) >= MIN_WORDS_FOR_NEAR_DUPLICATE else []
    near = _near_duplicate(conn, sig, near_threshold) if sig else None
    if near is not None:
        _insert_article(conn, art, now, sig=None, duplicate_of=near)
        known.add(art, near)
        _add_source(conn, near, art, now)
        return Identity(near, "near")
    _insert_article(conn, art, now, sig=sig or None, duplicate_of=None)
    known.add(art, art.id)
    _add_source(conn, art.id, art, now, new_article=True)
    if sig:  # one executemany
        conn.execute(_INSERT_BANDS, [dict(bucket=b, article_id=art.id) for b in minhash.buckets(sig)])
    return Identity(art.id, "new")


def _add_source(conn: Connection, canonical: str, art: Article, now: datetime, *, new_article: bool = False) -> bool:
    """Record that ``art``'s source carries ``canonical``; False when it was recorded before."""
    if not new_article and conn.execute(_HAS_SOURCE, dict(article_id=canonical, source_id=art.source_id)).first():
        return False
    conn.execute(_INSERT_SOURCE, dict(article_id=canonical, source_id=art.source_id, url=art.url, first_seen=now))
    return True


def _insert_article(conn: Connection, art: Article, now: datetime, *, sig: list[int] | None, duplicate_of: str | None) -> None:
    conn.execute(
        _INSERT_ARTICLE,
        dict(
            id=art.id, source_id=art.source_id, url=art.url, title=art.title, summary=art.summary, body=art.body,
            language=art.language, published=utc(art.published), updated=utc(art.updated), first_seen=now,
            fingerprint=sig, duplicate_of=duplicate_of,
        ),
    )


def _near_duplicate(conn: Connection, sig: list[int], threshold: float) -> str | None:
    """The stored canonical article most similar to ``sig``, if at least ``threshold`` alike."""
    # Two plain indexed lookups; most articles have no candidate and stop after the first.
    ids = list(conn.execute(_CANDIDATES, {"buckets": minhash.buckets(sig)}).scalars())
    if not ids:
        return None
    best, best_sim = None, 0.0
    for row in conn.execute(_FINGERPRINTS, {"ids": ids}):
        sim = minhash.similarity(sig, row.fingerprint or [])
        if sim >= threshold and (sim > best_sim or (sim == best_sim and best is not None and row.id < best)):
            best, best_sim = row.id, sim
    return best
