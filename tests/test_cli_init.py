"""`vigie init`: a starter configuration and rule file that check clean and match what they say."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.config import load_config
from vigie.models import Article
from vigie.rules import compile_rules, load_rules, match_article

runner = CliRunner()


def test_init_writes_a_starter_that_config_and_rules_check_accept(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "watch")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "watch"
    assert (root / "vigie.yaml").is_file() and (root / "rules" / "watch.yaml").is_file() and (root / "inbox").is_dir()

    config = load_config(root / "vigie.yaml")
    assert config.data_dir == root / ".vigie" and [s.kind.value for s in config.source_objects()] == ["folder"]
    rule_set = load_rules(config.rules)
    assert rule_set.errors == [] and [r.id for r in rule_set.rules] == ["example-watch"]
    for command in (["config", "-c", str(root / "vigie.yaml")], ["rules", "check", "-c", str(root / "vigie.yaml")]):
        checked = runner.invoke(app, command)
        assert checked.exit_code == 0, (command, checked.output)

    # The starter rule fires on what its comments say it is for, and not on a lone "talks".
    matcher = compile_rules(rule_set)
    when = datetime(2026, 12, 1, tzinfo=timezone.utc)
    hit = Article(id="a", source_id="s", url=None, title="Ceasefire talks resume at the United Nations", summary="",
                  body="", language="en", published=when)
    miss = Article(id="b", source_id="s", url=None, title="Trade talks resume in Geneva", summary="", body="",
                   language="en", published=when)
    assert [m.rule_id for m in match_article(matcher, hit)] == ["example-watch"]
    assert match_article(matcher, miss) == []


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "vigie.yaml").write_text("data_dir: mine\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "exists" in result.output and (tmp_path / "vigie.yaml").read_text(encoding="utf-8") == "data_dir: mine\n"
    assert not (tmp_path / "rules").exists()
    forced = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0 and "data_dir: .vigie" in (tmp_path / "vigie.yaml").read_text(encoding="utf-8")


def test_a_missing_configuration_points_to_init(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "-c", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "vigie init" in result.output
