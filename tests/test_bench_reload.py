"""The reload benchmark runs and reloads the same rules every way (its figures are not checked)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the bench package lives beside src/, not inside it

from bench import bench_reload  # noqa: E402


def test_the_reload_benchmark_loads_every_rule_each_way() -> None:
    table = bench_reload.run(rules=60, files=3)
    assert [row[0].split(":")[0] for row in table.rows] == ["first load (every file read, compiled)", "one file changed",
                                                            "baseline"]
    assert {row[2] for row in table.rows} == {60} and {row[3] for row in table.rows} == {0}
