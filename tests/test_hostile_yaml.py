"""Hostile or broken vigie.yaml and rule files: each is one clear error naming file and line, in under a second.

The files are generated here, as an operator or an attacker could write them: binary,
UTF-16, a BOM, wrong types, deep nesting, an alias bomb, a 30 MB file, queries and
match trees nested hundreds of levels, negative or zero numbers and durations.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support_rules import article

from vigie.config import load_config
from vigie.errors import ConfigError, RuleError
from vigie.rules import compile_rules, load_rules, match_article
from vigie.rules.loader import RuleSet, load_file

GOOD_RULE = "rules:\n  - id: ok\n    query: troops\n"


@contextmanager
def under_a_second() -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"took {elapsed:.2f}s"


def alias_bomb(top: str) -> str:
    """Nine levels of nine aliases: about 400 million strings once expanded, 700 bytes written."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    return f"{top}:\n  bomb:\n" + "".join(f"    {line}\n" for line in lines)


def deep_mapping(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"


def nested_match(levels: int) -> str:
    """A rule whose match tree is ``levels`` deep: all: nodes down to one text: leaf."""
    lines = ["rules:", "  - id: deep", "    match:", "      all:"]
    lines += [" " * (8 + 4 * i) + "- all:" for i in range(levels - 2)]
    lines.append(" " * (8 + 4 * (levels - 2)) + "- text: x")
    return "\n".join(lines) + "\n"


def config_error(path: Path) -> str:
    with under_a_second(), pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value).replace(str(path.parent) + "/", "")


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---- vigie.yaml ------------------------------------------------------------------------

CONFIG_CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("binary", lambda: bytes(range(256)) * 8, "vigie.yaml:1: not UTF-8 text"),
    ("utf-16", lambda: "data_dir: here\n".encode("utf-16"), "vigie.yaml:1: not UTF-8 text"),
    ("latin-1", lambda: "sources:\n  - url: https://x.test/\n    name: caf\xe9\n".encode("latin-1"), "vigie.yaml:3: not UTF-8 text"),
    ("targets: 5", lambda: b"targets: 5\n", "vigie.yaml:1: targets: Input should be a list"),
    ("sources mapping", lambda: b"sources:\n  url: x\n", "vigie.yaml:1: sources: Input should be a list"),
    ("data_dir list", lambda: b"store: sqlite://\ndata_dir: [1, 2]\n", "vigie.yaml:2: data_dir: Input should be a path (text)"),
    ("deep nesting", lambda: deep_mapping(200).encode(), "vigie.yaml:64: nested too deeply (more than 64 levels)"),
    ("deep flow nesting", lambda: ("x: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(), "vigie.yaml:1: nested too deeply"),
    ("alias bomb", lambda: alias_bomb("fetch").encode(), "vigie.yaml:7: too much data once aliases are expanded"),
    ("recursive alias", lambda: b"rules: &r [*r]\n", "vigie.yaml:1: alias *r refers to a node that contains it"),
    ("30 MB", lambda: b"# padding\n" * 3_000_000, "vigie.yaml:1: file too large (over 512 KiB)"),
    ("huge integer", lambda: b"fetch:\n  max_bytes: " + b"9" * 5000 + b"\n", "vigie.yaml:1: invalid YAML"),
    ("negative timeout", lambda: b"fetch:\n  timeout: -5\n", "vigie.yaml:2: fetch.timeout: Input should be greater than 0"),
    ("zero connect timeout", lambda: b"fetch:\n  connect_timeout: 0\n", "vigie.yaml:2: fetch.connect_timeout: Input should be greater than 0"),
    ("negative size", lambda: b"fetch:\n  max_bytes: -1\n", "vigie.yaml:2: fetch.max_bytes: Input should be greater than or equal to 1"),
    ("zero connections", lambda: b"fetch:\n  max_connections: 0\n", "vigie.yaml:2: fetch.max_connections: Input should be greater than or equal to 1"),
    ("boolean count", lambda: b"fetch:\n  max_per_host: true\n", "vigie.yaml:2: fetch.max_per_host: Input should be a valid integer"),
    ("negative attempts", lambda: b"delivery:\n  max_attempts: -3\n", "vigie.yaml:2: delivery.max_attempts: Input should be greater than or equal to 1"),
    ("zero failure threshold", lambda: b"health:\n  failure_threshold: 0\n", "vigie.yaml:2: health.failure_threshold: Input should be greater than or equal to 1"),
    ("retention 0s", lambda: b"retention: 0s\n", "vigie.yaml:1: retention: must be at least 1h"),
    ("retention 30m", lambda: b"retention: 30m\n", "vigie.yaml:1: retention: must be at least 1h"),
    ("zero backoff is allowed, not below", lambda: b"health:\n  backoff_base: 0s\n  backoff_max: -60\n",
     "vigie.yaml:3: health.backoff_max: must be at least 0s"),
    ("retention overflow", lambda: b"retention: 999999999999d\n", "vigie.yaml:1: retention: duration out of range"),
    ("negative backoff", lambda: b"delivery:\n  backoff_base: -1\n", "vigie.yaml:2: delivery.backoff_base: must be at least 0s"),
    ("backoff inverted", lambda: b"health:\n  backoff_base: 2h\n  backoff_max: 1h\n",
     "vigie.yaml:1: health: backoff_base (2:00:00) must not be more than backoff_max (1:00:00)"),
    ("zero interval", lambda: b"schedule:\n  interval: 0s\n", "vigie.yaml:2: schedule.interval: must be at least 1s"),
    ("zero story window", lambda: b"novelty:\n  story_window: 0\n", "vigie.yaml:2: novelty.story_window: must be at least 1s"),
    ("near_duplicate above 1", lambda: b"novelty:\n  near_duplicate: 1.5\n", "vigie.yaml:2: novelty.near_duplicate: Input should be less than or equal to 1"),
    ("infinite timeout", lambda: b"fetch:\n  timeout: .inf\n", "vigie.yaml:2: fetch.timeout: Input should be a finite number"),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in CONFIG_CASES], ids=[n for n, _, _ in CONFIG_CASES])
def test_each_hostile_config_is_one_clear_error_in_under_a_second(tmp_path: Path, data: Callable[[], bytes], expected: str) -> None:
    path = write_bytes(tmp_path, "vigie.yaml", data())
    message = config_error(path)
    assert message.startswith(expected), message


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "vigie.yaml", codecs.BOM_UTF8 + b"retention: 30d\nfetch:\n  timeout: 12.5\n")
    with under_a_second():
        config = load_config(path)
    assert config.retention.days == 30 and config.fetch.timeout == 12.5


def test_sound_bounds_and_aliases_still_load(tmp_path: Path) -> None:
    text = ("retention: 1h\nhealth: {backoff_base: 1h, backoff_max: 1h, notify: &ops [ops]}\n"
            "delivery: {max_attempts: 1}\nfetch: {max_bytes: 1, timeout: 0.5}\n")
    config = load_config(write_bytes(tmp_path, "vigie.yaml", text.encode()))
    assert (config.retention.total_seconds(), config.delivery.max_attempts, config.fetch.timeout) == (3600, 1, 0.5)


# ---- rule files ------------------------------------------------------------------------

RULE_CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("binary", lambda: b"\x89PNG\r\n\x1a\n\x00\x00" * 100, "1:1: not UTF-8 text"),
    ("utf-16", lambda: GOOD_RULE.encode("utf-16"), "1:1: not UTF-8 text"),
    ("deep nesting", lambda: deep_mapping(300).encode(), "64:127: nested too deeply (more than 64 levels)"),
    ("alias bomb", lambda: alias_bomb("entities").encode(), "7:19: too much data once aliases are expanded"),
    ("30 MB", lambda: b"# padding\n" * 3_000_000, "1:1: file too large"),
    ("200 nested parentheses", lambda: ("rules:\n  - id: a\n    query: '" + "(" * 200 + "x" + ")" * 200 + "'\n").encode(),
     "3:45: query: nested too deeply (more than 32 levels of parentheses, NOT or field:)"),
    ("500 NOT", lambda: ("rules:\n  - id: a\n    query: x AND " + "NOT " * 500 + "y\n").encode(), "3:146: query: nested too deeply"),
    ("150 nested match levels", lambda: nested_match(150).encode(), "nested too deeply (more than 64 levels)"),
    ("21 nested match levels", lambda: nested_match(21).encode(), "24:87: match nested too deeply (more than 20 levels)"),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in RULE_CASES], ids=[n for n, _, _ in RULE_CASES])
def test_each_hostile_rule_file_is_one_clear_error_in_under_a_second(tmp_path: Path, data: Callable[[], bytes], expected: str) -> None:
    path = write_bytes(tmp_path, "hostile.yaml", data())
    with under_a_second():
        loaded = load_file(path)
    assert loaded.rules == [] and len(loaded.errors) == 1, loaded.errors
    error = loaded.errors[0]
    assert isinstance(error, RuleError) and error.path == str(path)
    assert str(error).startswith(f"{path}:") and expected in str(error), str(error)


def test_a_bom_in_a_rule_file_is_tolerated(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "bom.yaml", codecs.BOM_UTF8 + GOOD_RULE.encode())
    assert [r.id for r in load_file(path).rules] == ["ok"]


def edge_rules(folder: Path) -> RuleSet:
    """A match tree 20 levels deep and a query in 32 parentheses: the deepest allowed."""
    write_bytes(folder, "edge.yaml", nested_match(20).encode())
    query = "(" * 32 + "x" + ")" * 32
    write_bytes(folder, "parens.yaml", f"rules:\n  - id: p\n    query: '{query}'\n".encode())
    return load_rules([folder])


def test_twenty_match_levels_and_32_parentheses_still_load(tmp_path: Path) -> None:
    loaded = edge_rules(tmp_path)
    assert loaded.errors == [] and sorted(r.id for r in loaded.rules) == ["deep", "p"]


@pytest.mark.slow  # compiling loads spaCy's lemma tables: seconds on a busy machine
def test_the_deepest_rules_allowed_compile_and_match(tmp_path: Path) -> None:
    loaded = edge_rules(tmp_path)
    fired = match_article(compile_rules(loaded), article(title="x marks the spot"))
    assert sorted(m.rule_id for m in fired) == ["deep", "p"]


def test_one_hostile_file_among_good_ones_leaves_the_good_ones_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(GOOD_RULE)
    (folder / "m-good.yaml").write_text(GOOD_RULE.replace("id: ok", "id: ok2"))
    hostile = {name: data() for name, data, _ in RULE_CASES}
    for i, data in enumerate(hostile.values()):
        (folder / f"h{i:02d}.yaml").write_bytes(data)
    start = time.perf_counter()
    loaded = load_rules([folder])
    elapsed = time.perf_counter() - start
    assert sorted(r.id for r in loaded.rules) == ["ok", "ok2"]
    assert sorted(Path(e.path).name for e in loaded.errors) == [f"h{i:02d}.yaml" for i in range(len(hostile))]
    assert elapsed < len(hostile) + 1, f"took {elapsed:.2f}s"


def test_an_unexpected_failure_in_one_file_is_that_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vigie.rules.loader as loader

    (tmp_path / "good.yaml").write_text(GOOD_RULE)
    (tmp_path / "odd.yaml").write_text(GOOD_RULE.replace("id: ok", "id: odd"))
    real = loader.load_file

    def load_file_failing_on_odd(path: Path, text: str | None = None) -> loader.RuleSet:
        if path.name == "odd.yaml":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, text)

    monkeypatch.setattr(loader, "load_file", load_file_failing_on_odd)
    loaded = load_rules([tmp_path])
    assert [r.id for r in loaded.rules] == ["ok"]
    assert [str(e).replace(str(tmp_path) + "/", "") for e in loaded.errors] == [
        "odd.yaml:1:1: cannot be loaded: RecursionError: maximum recursion depth exceeded"]


def test_a_large_honest_rule_file_is_not_refused_by_the_caps() -> None:
    """The caps stop hostile files, not big rule sets: 2,000 rules (about 26,000 YAML nodes, no aliases) load."""
    from vigie.rules import load_text

    text = "rules:\n" + "".join(f"  - id: r{i}\n    name: Rule {i}\n    match: {{all: [{{text: word{i}}}, {{text: other{i}}}]}}\n"
                                 for i in range(2000))
    loaded = load_text(text, path="big.yaml")
    assert loaded.errors == [] and len(loaded.rules) == 2000
