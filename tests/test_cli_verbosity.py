"""vigie -q / -v / --debug: errors only, what vigie does, everything with tracebacks; a level never outlives its command."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigie.cli import verbosity
from vigie.cli.main import app
from vigie.config import Config
from vigie.runtime.summarize import print_summary
from vigie.runtime.summary import RunSummary, SourceLine

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - id: koursk\n    query: koursk\n", encoding="utf-8")
    (tmp_path / "vigie.yaml").write_text("data_dir: state\n", encoding="utf-8")
    return tmp_path


def test_quiet_prints_nothing_when_all_is_well_and_errors_still(project: Path) -> None:
    cfg = str(project / "vigie.yaml")
    loud = runner.invoke(app, ["rules", "check", "-c", cfg])
    assert loud.exit_code == 0 and "1 valid rule(s)" in loud.output
    quiet = runner.invoke(app, ["-q", "rules", "check", "-c", cfg])
    assert quiet.exit_code == 0 and quiet.output == ""
    (project / "rules" / "bad.yaml").write_text("rules:\n  - id: x\n    quer: y\n", encoding="utf-8")
    broken = runner.invoke(app, ["-q", "rules", "check", "-c", cfg])
    assert broken.exit_code == 1 and "bad.yaml:3" in broken.output and "valid rule(s)" not in broken.output


def test_debug_shows_vigie_debug_logs_and_the_traceback_behind_an_error(project: Path) -> None:
    cfg = str(project / "vigie.yaml")
    plain = runner.invoke(app, ["config", "-c", cfg])
    assert plain.exit_code == 0 and "DEBUG" not in plain.output
    verbose = runner.invoke(app, ["-v", "config", "-c", cfg])
    assert verbose.exit_code == 0 and "DEBUG" not in verbose.output
    debug = runner.invoke(app, ["--debug", "config", "-c", cfg])
    assert debug.exit_code == 0
    assert "vigie.cli.common: DEBUG: configuration " in debug.output

    (project / "broken.yaml").write_text("sourcs: []\n", encoding="utf-8")
    short = runner.invoke(app, ["config", "-c", str(project / "broken.yaml")])
    assert short.exit_code == 2 and "Traceback" not in short.output and "sourcs: unknown key" in short.output
    long = runner.invoke(app, ["--debug", "config", "-c", str(project / "broken.yaml")])
    assert long.exit_code == 2 and "Traceback (most recent call last)" in long.output
    assert "ConfigError" in long.output and "sourcs: unknown key" in long.output


def test_quiet_and_verbose_together_is_a_usage_error() -> None:
    result = runner.invoke(app, ["-q", "-v", "rules", "schema"])
    assert result.exit_code == 2 and "errors only" in result.output


@pytest.mark.parametrize("words", [["-q"], ["-v"], ["--debug"]])
def test_a_level_ends_with_its_command(project: Path, words: list[str]) -> None:
    result = runner.invoke(app, [*words, "config", "-c", str(project / "vigie.yaml")])
    assert result.exit_code == 0, result.output
    vigie_log = logging.getLogger("vigie")
    assert verbosity.level() is verbosity.Level.NORMAL
    assert vigie_log.level == logging.NOTSET and vigie_log.propagate and not vigie_log.handlers


def _summary(failed_source: bool) -> RunSummary:
    now = datetime.now(timezone.utc)
    sources = (SourceLine("https://feeds.example.org/a", "ok", 3),)
    if failed_source:
        sources += (SourceLine("https://feeds.example.org/down", "error", 0, "HTTP 503"),)
    return RunSummary(started_at=now, finished_at=now, sources=sources, rules_loaded=2, articles_seen=3)


def test_a_quiet_run_summary_prints_problems_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = Config(data_dir=tmp_path)
    print_summary(_summary(failed_source=False), config, quiet=True)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    print_summary(_summary(failed_source=True), config, quiet=True)
    out = capsys.readouterr()
    assert out.out == "" and "https://feeds.example.org/down: error: HTTP 503" in out.err
    assert "vigie run finished" not in out.err
    print_summary(_summary(failed_source=True), config)
    assert "vigie run finished" in capsys.readouterr().out
