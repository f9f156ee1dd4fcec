"""The README's performance tables come from one saved run: ``python -m bench.markdown`` renders it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the bench package lives beside src/, not inside it

from bench import markdown  # noqa: E402
from bench.support import Table, save_results  # noqa: E402


def test_a_saved_run_renders_as_markdown_tables_with_the_printed_cells(tmp_path: Path) -> None:
    t = Table(name="peers", title="1b. Matching", columns=("rules", "vigie", "flashtext", "ahead", "note"))
    t.add(10_000, 7_512.4, 0.5, True, "a | b")
    t.add(10, None, float("nan"), False, "-")
    t.notes.append("items per CPU second")
    path = save_results([t], ["--only", "peers"], 754.0, tmp_path)
    out = markdown.run_markdown(json.loads(path.read_text(encoding="utf-8")))
    head, table = out.split("\n\n", 1)
    assert head.startswith("`python -m bench --only peers` at ") and "the run took 12 min 34 s" in head
    assert "#### 1b. Matching" in table
    assert "| rules | vigie | flashtext | ahead | note |" in table
    assert "|---:|---:|---:|---:|---|" in table  # numbers (and yes/no) right-aligned, text left
    assert "| 10,000 | 7,512 | 0.50 | yes | a \\| b |" in table  # a pipe in a cell does not split it
    assert "| 10 | - | - | no | - |" in table
    assert "- items per CPU second" in table


def test_a_missing_or_broken_results_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert markdown.main([str(tmp_path / "nope.json")]) == 2
    assert "nope.json: cannot read a saved benchmark run" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert markdown.main([str(tmp_path / "bad.json")]) == 2
