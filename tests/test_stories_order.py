"""Order independence on a real labelled day (SQLite and PostgreSQL): the same entries give the
same alerts whether they come in one run or in polls, whatever order a run reads its feeds in.

The day is the North Korea day of ``bench/stories_labels`` (28 real entries of 6 outlets, two
stories, developments among them). A run reads its feeds concurrently and its workers finish in
any order, so the order of the articles handed to the stories stage within one run is arbitrary:
decisions must follow publication time, not that order.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import select

from support_store import config, engine, store_url  # noqa: F401 - fixtures
from vigie.delivery.record import record
from vigie.models import Article
from vigie.store import schema as t

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the bench package lives beside src/, not inside it

from bench.stories_days import load_days, match_all, matcher_of  # noqa: E402

DAY = "2022-11-02-north-korea"


def _replay(eng: Any, polls: Sequence[tuple[list[Article], datetime]], cfg: Any) -> set[tuple[str, str, str]]:
    day = load_days([DAY])[0]
    matcher, policies = matcher_of(day.rules_path)
    for arts, now in polls:
        record(eng, arts, match_all(matcher, arts), policies, cfg, now)
    with eng.connect() as conn:
        rows = conn.execute(select(t.alerts.c.kind, t.alerts.c.rule_id, t.alerts.c.article_id)).all()
    return {(r.kind, r.rule_id, r.article_id) for r in rows}


def _emptied(eng: Any) -> None:
    if eng.dialect.name == "postgresql":  # one schema per test: empty it between the replays
        with eng.begin() as conn:
            for table in reversed(t.metadata.sorted_tables):
                if table.name != "schema_migrations":
                    conn.execute(table.delete())


def test_the_order_a_run_reads_its_feeds_in_changes_no_alert(store_url, tmp_path) -> None:  # noqa: F811
    from vigie.store.db import connect

    arts = [e.article() for e in load_days([DAY])[0].entries]
    end = max(a.published for a in arts)
    outcomes = []
    orders = [sorted(arts, key=lambda a: a.published), list(reversed(arts))]
    shuffled = list(arts)
    random.Random(7).shuffle(shuffled)
    orders.append(shuffled)
    for k, order in enumerate(orders):
        eng = connect(store_url.replace("vigie.db", f"order{k}.db"))
        _emptied(eng)
        outcomes.append(_replay(eng, [(order, end)], config(tmp_path)))
        eng.dispose()
    assert outcomes[0] == outcomes[1] == outcomes[2]
    kinds = sorted(kind for kind, _, _ in outcomes[0])
    assert "new_story" in kinds and "development" in kinds  # the day has both: the check is not vacuous


def test_polls_in_any_feed_order_give_the_one_run_alerts(store_url, tmp_path) -> None:  # noqa: F811
    from vigie.store.db import connect

    arts = sorted((e.article() for e in load_days([DAY])[0].entries), key=lambda a: a.published)
    end = max(a.published for a in arts)
    eng = connect(store_url.replace("vigie.db", "once.db"))
    _emptied(eng)
    once = _replay(eng, [(arts, end)], config(tmp_path))
    eng.dispose()
    # Three polls cut by publication time, each poll's entries read last feed first.
    cuts = [arts[: len(arts) // 3], arts[len(arts) // 3 : 2 * len(arts) // 3], arts[2 * len(arts) // 3 :]]
    polls = [(list(reversed(c)), max(a.published for a in c)) for c in cuts]
    eng = connect(store_url.replace("vigie.db", "polled.db"))
    _emptied(eng)
    polled = _replay(eng, polls, config(tmp_path))
    eng.dispose()
    assert polled == once and len(once) >= 5
