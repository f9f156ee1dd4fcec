"""Rules compiled once: the cache under data_dir is used while the rule files are unchanged, never after."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_rules import article
from vigie.rules import cache, compile_rules, load_compiled

RULES = """
rules:
  - id: troops
    query: "troops NEAR/3 Kursk"
"""


@pytest.fixture(autouse=True)
def _no_memory() -> None:
    cache._MEMORY.clear()  # each test starts as a new process would
    cache._FILES.clear()


def _fired(rule_set_and_matcher: tuple, title: str) -> list[str]:  # type: ignore[type-arg]
    _, m = rule_set_and_matcher
    return [x.rule_id for x in m.match(article(title))]


def test_a_second_run_reads_the_compiled_rules_and_a_changed_file_is_compiled_again(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, encoding="utf-8")
    where = tmp_path / "data" / "cache"
    first = load_compiled([rules], where)
    files = list(where.glob("rules-*.pickle"))
    assert len(files) == 1 and _fired(first, "Troops sent to Kursk") == ["troops"]
    assert compile_rules(first[0]) is first[1]  # the flow's match stage reuses the compiled matcher

    assert load_compiled([rules], where) is first  # the same process: from memory
    cache._MEMORY.clear()
    stamp = files[0].stat().st_mtime_ns
    second = load_compiled([rules], where)  # a new process: from the file, not rebuilt
    assert second is not first and files[0].stat().st_mtime_ns == stamp
    assert _fired(second, "Troops sent to Kursk") == ["troops"] and second[0].rules[0].line == first[0].rules[0].line

    (rules / "a.yaml").write_text(RULES.replace("Kursk", "Koursk").replace("troops NEAR", "soldiers NEAR"), encoding="utf-8")
    third = load_compiled([rules], where)
    assert _fired(third, "Troops sent to Kursk") == [] and _fired(third, "soldiers in Koursk") == ["troops"]
    assert [f.name for f in where.glob("rules-*.pickle")] != [files[0].name]  # the stale file is gone


def test_a_corrupt_or_unwritable_cache_only_costs_a_rebuild(tmp_path: Path) -> None:
    rules = tmp_path / "a.yaml"
    rules.write_text(RULES, encoding="utf-8")
    where = tmp_path / "cache"
    load_compiled([rules], where)
    for f in where.glob("rules-*.pickle"):
        f.write_bytes(b"not a pickle")
    cache._MEMORY.clear()
    assert _fired(load_compiled([rules], where), "Troops in Kursk") == ["troops"]

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    cache._MEMORY.clear()
    assert _fired(load_compiled([rules], blocked), "Troops in Kursk") == ["troops"]


def test_broken_files_keep_their_errors_through_the_cache(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(RULES, encoding="utf-8")
    bad.write_text("rules:\n  - id: x\n    query: '(unclosed'\n", encoding="utf-8")
    first = load_compiled([good, bad], tmp_path / "c")
    cache._MEMORY.clear()
    second = load_compiled([good, bad], tmp_path / "c")
    assert [str(e) for e in second[0].errors] == [str(e) for e in first[0].errors] and first[0].errors
    assert _fired(second, "Troops in Kursk") == ["troops"]


def test_changed_rules_are_compiled_with_the_copy_of_spacys_lemma_tables(tmp_path: Path) -> None:
    from vigie.rules import lemmas

    rules = tmp_path / "a.yaml"
    rules.write_text(RULES, encoding="utf-8")
    where = tmp_path / "cache"
    load_compiled([rules], where)
    assert len(list(where.glob("lemmas-*.pickle"))) == 1
    rules.write_text(RULES.replace("troops", "deploy"), encoding="utf-8")
    lemmas.PRELOADED.clear()
    lemmas.lemma_data.cache_clear()
    lemmas.inflections.cache_clear()
    try:
        changed = load_compiled([rules], where)
        assert set(lemmas.PRELOADED) == set(lemmas.INFLECTED_LANGUAGES)  # read from the copy, not from spaCy
        assert _fired(changed, "Troops deployed near Kursk") == ["deploy"]  # inflections as before
    finally:
        lemmas.PRELOADED.clear()
        lemmas.lemma_data.cache_clear()


def test_a_long_running_process_reads_again_only_the_rule_file_that_changed(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, encoding="utf-8")
    (rules / "b.yaml").write_text(RULES.replace("id: troops", "id: tanks").replace("troops NEAR", "tanks NEAR"), encoding="utf-8")
    first_set, _ = load_compiled([rules], None)
    by_id = {lr.id: lr for lr in first_set.rules}
    (rules / "b.yaml").write_text(RULES.replace("id: troops", "id: tanks").replace("troops NEAR", "drones NEAR"), encoding="utf-8")
    second = load_compiled([rules], None)
    again = {lr.id: lr for lr in second[0].rules}
    assert again["troops"] is by_id["troops"]  # a.yaml was not read again: its rules are the same objects
    assert again["tanks"] is not by_id["tanks"]  # b.yaml was
    assert sorted(_fired(second, "Troops and drones near Kursk")) == ["tanks", "troops"]
    assert _fired(second, "tanks near Kursk") == []  # and the matcher was compiled anew from it

    (rules / "b.yaml").write_text("rules: [", encoding="utf-8")  # a broken file is reported, the other file's rules stay
    broken_set, _ = load_compiled([rules], None)
    assert [lr.id for lr in broken_set.rules] == ["troops"] and broken_set.errors[0].path.endswith("b.yaml")
    (rules / "b.yaml").write_text(RULES.replace("id: troops", "id: tanks"), encoding="utf-8")
    load_compiled([rules], None)
    assert str(rules / "b.yaml") in cache._FILES
    (rules / "b.yaml").unlink()  # a file no longer there is not kept
    assert [lr.id for lr in load_compiled([rules], None)[0].rules] == ["troops"]
    assert str(rules / "b.yaml") not in cache._FILES
