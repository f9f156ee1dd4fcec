"""`vigie rules backtest` and `vigie stories`, on a store filled by a real run over the demo feeds
(SQLite and PostgreSQL): the backtest finds what the run recorded, sends and changes nothing, and
shows the articles a changed rule gains and loses; the stories commands show what the run grouped."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
import pytest
from typer.testing import CliRunner

from tests.support_store import store_url  # noqa: F401 - pytest fixture
from vigie.cli.main import app
from vigie.config import Config, load_config
from vigie.rules import load_rules
from vigie.runtime.backtest import backtest
from vigie.runtime.cycle import run_cycle
from vigie.store import schema as t
from vigie.store.db import connect

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def demo_store(tmp_path: Path, url: str) -> tuple[Path, Config, Engine]:
    """The demo configuration on ``url``, after one real run over the demo feeds and inbox."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    text = (REPO / "vigie.yaml").read_text(encoding="utf-8")
    text = text.replace("data_dir: .vigie", f"data_dir: {tmp_path / 'state'}\nstore: '{url}'")
    text = text.replace("url: demo/", f"url: {REPO / 'demo'}/").replace("folder: demo/", f"folder: {REPO / 'demo'}/")
    path = tmp_path / "vigie.yaml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    engine = connect(cfg.store_url)
    summary = run_cycle(cfg, engine, datetime.now(timezone.utc))
    assert summary.alerts_recorded > 0  # the demo alerts: something to find again
    return path, cfg, engine


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, to prove nothing changed."""
    out = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            out[table.name] = sorted(map(repr, conn.execute(select(table)).all()))
    return out


def test_backtest_finds_what_the_run_recorded_and_changes_nothing(tmp_path: Path, store_url: str) -> None:  # noqa: F811
    path, cfg, engine = demo_store(tmp_path, store_url)
    before = snapshot(engine)
    outbox = (tmp_path / "state" / "alerts.jsonl")
    sent_before = outbox.read_text(encoding="utf-8") if outbox.exists() else ""

    report = backtest(engine, load_rules(list(cfg.rules)), cfg)
    with engine.connect() as conn:
        kinds = Counter(conn.execute(select(t.alerts.c.kind)).scalars())
        n_stories = conn.execute(select(func.count()).select_from(t.stories)).scalar_one()
        per_rule = Counter(conn.execute(select(t.matches.c.rule_id)).scalars())
        stories_per_rule = Counter(conn.execute(select(t.story_rules.c.rule_id)).scalars())
        n_articles = conn.execute(select(func.count()).select_from(t.articles)).scalar_one()
    assert report.alerts == dict(kinds)
    assert report.stories == n_stories
    assert {r.rule_id: r.matched for r in report.rules if r.matched} == dict(per_rule)
    assert {r.rule_id: r.stories for r in report.rules if r.stories} == dict(stories_per_rule)
    assert report.articles >= n_articles and report.batches == 1

    result = runner.invoke(app, ["rules", "backtest", "--since", "all", "-c", str(path)])
    assert result.exit_code == 0, result.output
    assert "nothing sent, the store unchanged" in result.output
    assert f"{sum(kinds.values())} alert(s) in {n_stories} stor" in result.output
    assert "spans: title[" in result.output  # each sample says what matched, where
    assert "against the rule in use" not in result.output  # the rules in use: nothing to compare
    assert snapshot(engine) == before
    assert (outbox.read_text(encoding="utf-8") if outbox.exists() else "") == sent_before
    engine.dispose()


def test_a_changed_rule_shows_the_articles_it_gains_and_loses(tmp_path: Path, store_url: str) -> None:  # noqa: F811
    path, cfg, engine = demo_store(tmp_path, store_url)
    with engine.connect() as conn:
        kursk = set(conn.execute(select(t.matches.c.article_id).where(t.matches.c.rule_id == "kursk-north-korea")).scalars())
    assert kursk
    changed = tmp_path / "try" / "rules.yaml"
    changed.parent.mkdir()
    text = (tmp_path / "rules" / "north-korea-russia.yaml").read_text(encoding="utf-8")
    old_query = "query: '@kursk AND (@north-korea OR @kim-jong-un OR title:@kursk)'"
    assert old_query in text
    changed.write_text(text.replace(old_query, "query: '@russia AND NOT @kursk'"), encoding="utf-8")

    result = runner.invoke(app, ["rules", "backtest", str(changed), "--rule", "kursk-north-korea", "--since", "all",
                                 "--json", "-c", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    [rule] = report["rules"]
    assert rule["rule"] == "kursk-north-korea" and rule["compared"]
    assert rule["lost"] == len(kursk) and {s["article"] for s in rule["lost_samples"]} == kursk
    assert rule["gained"] == rule["matched"] > 0
    assert not {s["article"] for s in rule["gained_samples"]} & kursk
    assert all(s["spans"] for s in rule["gained_samples"] + rule["lost_samples"])  # lost: where the rule in use matched

    text_out = runner.invoke(app, ["rules", "backtest", str(changed), "--since", "all", "-c", str(path)]).output
    assert f"against the rule in use: {rule['gained']} article(s) gained, {len(kursk)} lost" in text_out
    assert text_out.count("against the rule in use") == 1  # the other rules did not change
    engine.dispose()


def test_stories_list_and_show(tmp_path: Path, store_url: str) -> None:  # noqa: F811
    path, cfg, engine = demo_store(tmp_path, store_url)
    with engine.connect() as conn:
        stories = conn.execute(select(t.stories.c.id, t.stories.c.title)).all()
    listed = runner.invoke(app, ["stories", "list", "-c", str(path)])
    assert listed.exit_code == 0, listed.output
    for s in stories:
        assert f"#{s.id} " in listed.output and s.title[:40] in listed.output
    assert "rules: kursk-north-korea" in listed.output and "new_story" in listed.output

    out = runner.invoke(app, ["stories", "list", "--json", "-c", str(path)]).output
    as_json = [json.loads(line) for line in out.splitlines()]
    assert {s["id"] for s in as_json} == {s.id for s in stories}
    assert all(a["status"] in ("sent", "pending", "failed", "unrouted") for s in as_json for a in s["alerts"])

    shown = runner.invoke(app, ["stories", "show", str(stories[0].id), "-c", str(path)])
    assert shown.exit_code == 0, shown.output
    assert f"story #{stories[0].id}: {stories[0].title}" in shown.output
    assert "  new  " in shown.output and "why: opened the story" in shown.output and "-> alert #" in shown.output
    missing = runner.invoke(app, ["stories", "show", "999999", "-c", str(path)])
    assert missing.exit_code == 1 and "no story #999999" in missing.output
    engine.dispose()


def test_matching_in_worker_processes_finds_what_one_process_finds(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from vigie.rules import compile_rules
    from vigie.runtime import backtest as bt
    from vigie.store.archive import articles_of, read_batches

    _path, cfg, engine = demo_store(tmp_path, f"sqlite:///{tmp_path / 'vigie.db'}")
    with engine.connect() as conn:
        articles = [s.article for s in articles_of(read_batches(conn))] * 3
    matcher = compile_rules(load_rules(list(cfg.rules)))
    alone = bt.match_all(matcher, articles, workers=1)
    monkeypatch.setattr(bt, "PARALLEL_FROM", 0)
    monkeypatch.setattr(bt, "CHUNK_MIN", 50)  # several chunks, answered in any order
    assert bt.match_all(matcher, articles, workers=2) == alone and alone
    engine.dispose()
