"""libyaml's fast read gives what the careful reader gives, or hands the file over to it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vigie.common.yamlfast import fast_load
from vigie.common.yamlsrc import load_yaml
from vigie.rules import load_text, loader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # bench's rule generators


def test_scalars_are_read_as_the_careful_reader_reads_them() -> None:
    text = ("a: [no, on, yes, off, 1:30, 0777, 0o17, 0x1f, true, True, 1e3, 1.5, .inf, -3, ~, null, 2022-01-01, 'x',\n"
            "    12:30:00, 1_000, +1, .5, 5., NO, Norway, -, '007']\nrules: [{id: a}, {id: b}]\n")
    got = fast_load(text, "rules")
    assert got is not None
    assert got[0] == load_yaml("x.yaml", text=text).plain()
    assert got[1] == [(3, 9), (3, 18)]


@pytest.mark.parametrize("text", [
    "a: &x [1, 2]\nb: *x\n",  # aliases: only the careful reader counts what they expand to
    "a: 1\na: 2\n",  # a repeated key: the careful reader refuses it, with its line
    "a: " + "[" * 40 + "]" * 40 + "\n",  # deep nesting: the C composer recurses
    "- - - - - - - - - x\n",
    "a: [unclosed\n",
])
def test_what_the_careful_reader_must_decide_is_handed_over(text: str) -> None:
    assert fast_load(text, "rules") is None


def _shape(rule_set: loader.RuleSet) -> list[tuple[object, ...]]:
    return [(r.rule, r.expr, r.weights, r.threshold, r.line, r.col) for r in rule_set.rules]


@pytest.mark.skipif(not (REPO.parent / "shared" / "corpus").is_dir(), reason="the shared corpus is not beside the repository")
def test_a_large_rule_file_loads_the_same_rules_at_the_same_lines_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.bench_match import generate_rules
    from bench.realistic_rules import generate_realistic_rules

    for text in (generate_realistic_rules(800), generate_rules(800)):
        assert len(text) >= loader.FAST_READ_BYTES
        fast = load_text(text, path="big.yaml")
        with monkeypatch.context() as m:
            m.setattr(loader, "FAST_READ_BYTES", 10**9)
            careful = load_text(text, path="big.yaml")
        assert not fast.errors and _shape(fast) == _shape(careful) and len(fast.rules) == 800


def test_a_large_file_with_a_mistake_gets_the_careful_readers_located_error() -> None:
    rules = "".join(f"  - id: r{i}\n    query: \"word{i} AND other\"\n" for i in range(1500))
    text = "rules:\n" + rules + "  - id: bad\n    query: \"@nobody AND x\"\n  - id: r7\n    query: dup\n"
    assert len(text) >= loader.FAST_READ_BYTES
    errors = [str(e) for e in load_text(text, path="big.yaml").errors]
    assert errors == ["big.yaml:3003:13: unknown entity 'nobody' (known: none defined)",
                      "big.yaml:3004:5: duplicate rule id 'r7' (first at rule #8)"]
