"""vigie run --dry-run: a real run's decision, printed; the SQLite store byte for byte unchanged, nothing sent."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from support_http import serve_directory
from support_notify import slack_endpoint, smtp_server
from vigie.cli.main import app
from vigie.config import load_config
from vigie.runtime.cycle import run_cycle
from vigie.store import schema
from vigie.store.db import connect

runner = CliRunner()


def _write_config(tmp: Path, repo: Path, feed_url: str, mail_url: str, slack_url: str) -> Path:
    config = tmp / "vigie.yaml"
    config.write_text(
        f"data_dir: state\ntimezone: Europe/Paris\nrules: [{repo / 'rules'}]\n"
        f"sources:\n  - url: {feed_url}\n  - folder: inbox\n    language: fr\n"
        f"targets:\n"
        f"  - name: analysts-mail\n    url: '{mail_url}'\n    tags: [analysts]\n"
        f"  - name: slack-urgent\n    url: '{slack_url}'\n    tags: [slack]\n"
        f"  - name: console\n    url: vigie://\n",
        encoding="utf-8",
    )
    return config


def _real_run(config_path: Path) -> list[str]:
    cfg = load_config(config_path)
    engine = connect(cfg.store_url)
    try:
        return [a.title for a in run_cycle(cfg, engine, datetime.now(timezone.utc)).alerts]
    finally:
        engine.dispose()


def _store_state(db: Path, config_path: Path) -> tuple[str, dict[str, int]]:
    """The store file's digest and the row count of every table (read after every engine is gone)."""
    engine = connect(load_config(config_path).store_url)
    try:
        with engine.connect() as conn:
            counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                      for name, table in schema.metadata.tables.items()}
    finally:
        engine.dispose()
    return hashlib.sha256(db.read_bytes()).hexdigest(), counts


@pytest.mark.slow
def test_dry_run_says_what_a_run_would_alert_and_changes_nothing(repo: Path, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    shutil.copy(repo / "demo" / "feeds" / "nyt_2.xml", feeds / "nyt_2.xml")
    (tmp_path / "inbox").mkdir()
    with serve_directory(feeds) as http, smtp_server() as smtp, slack_endpoint() as slack:
        config = _write_config(tmp_path, repo, http.url("nyt_2.xml"), smtp.apprise_url(), slack.apprise_url())
        _real_run(config)  # a store with articles, stories, alerts, deliveries and the feed's validators

        # Then something new: the seed article arrives, and the feed changes (a new ETag, the same entries).
        shutil.copy(repo / "demo" / "inbox" / "seed-article-fr.txt", tmp_path / "inbox")
        with (feeds / "nyt_2.xml").open("a", encoding="utf-8") as feed:
            feed.write("\n<!-- republished -->\n")
        db = tmp_path / "state" / "vigie.db"
        before = _store_state(db, config)
        jsonl = (tmp_path / "state" / "alerts.jsonl").read_bytes()
        mails, posts = len(smtp.messages), len(slack.payloads)
        http.reset_log()

        result = runner.invoke(app, ["run", "--dry-run", "-c", str(config)])

        assert result.exit_code == 0, result.output
        assert "nothing stored, nothing sent" in result.output
        assert "A run now would alert" in result.output and "Kim Jong Un" in result.output
        assert "-> analysts-mail" in result.output  # with the targets the routing would choose
        assert http.body_bytes > 0  # it did fetch the changed feed
        after = _store_state(db, config)
        assert after[1] == before[1]  # no row added or removed in any table
        assert after[0] == before[0]  # the store file byte for byte
        assert (tmp_path / "state" / "alerts.jsonl").read_bytes() == jsonl  # the console target wrote nothing
        assert (len(smtp.messages), len(slack.payloads)) == (mails, posts)  # SMTP and HTTP targets got nothing

        # The rehearsal was the real decision: a real run now alerts exactly what it announced,
        # and fetches the feed whole (the dry run stored no validator).
        would = [ln.split(": ", 1)[1] for ln in result.output.splitlines() if ln.startswith("  [")]
        http.reset_log()
        real = _real_run(config)
        assert sorted(real) == sorted(would) and real
        assert http.body_bytes > 0
        assert len(smtp.messages) > mails


def test_dry_run_on_a_store_that_does_not_exist_creates_nothing(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    shutil.copy(repo / "demo" / "inbox" / "seed-article-fr.txt", tmp_path / "inbox")
    config = tmp_path / "vigie.yaml"
    config.write_text(f"data_dir: state\nrules: [{repo / 'rules'}]\nsources:\n  - folder: inbox\n    language: fr\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["run", "--dry-run", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "A run now would alert" in result.output and "-> console" in result.output
    assert not (tmp_path / "state").exists()
