""""Did you mean": the one suggestion helper of rule files and vigie.yaml."""

from __future__ import annotations

import pytest

from vigie.common.suggest import did_you_mean, keys_at, nearest
from vigie.config import Config
from vigie.rules.model import RuleFile


@pytest.mark.parametrize(
    "word, known, expected",
    [
        ("severty", ["severity", "sources", "notify"], "severity"),  # a letter missing
        ("Kursk", ["kursk", "kim-jong-un"], "kursk"),  # case
        ("kim", ["kim-jong-un", "kursk"], "kim-jong-un"),  # the one known name it starts
        ("k", ["kim-jong-un", "kursk"], None),  # too short to say
        ("ku", ["kim-jong-un", "kursk", "kursk-oblast"], None),  # two names start with it: no guess
        ("colour", ["severity", "notify"], None),  # nothing close
    ],
)
def test_nearest(word: str, known: list[str], expected: str | None) -> None:
    assert nearest(word, known) == expected


def test_did_you_mean_is_ready_to_append() -> None:
    assert did_you_mean("trops", ["troops"]) == " (did you mean 'troops'?)"
    assert did_you_mean("zzz", ["troops"]) == ""


@pytest.mark.parametrize(
    "loc, some_keys",
    [
        ((), {"entities", "terms", "rules"}),
        (("rules", 0), {"severity", "notify", "match"}),
        (("entities", "kju"), {"variants", "kind"}),
        (("rules", 0, "match", "text"), {"text", "exact", "fields"}),  # pydantic names the union member tried
        (("rules", 0, "match", "all", "all", 0, "near", "near", 1, "entity"), {"entity", "fields"}),
        (("rules", 0, "weights", "items", 0), {"weight", "entity"}),
    ],
)
def test_keys_at_follows_pydantic_locations_through_the_rule_format(loc: tuple[str | int, ...], some_keys: set[str]) -> None:
    assert some_keys <= set(keys_at(RuleFile, loc))


def test_keys_at_the_configuration_and_nowhere() -> None:
    assert {"sources", "targets", "schedule"} <= set(keys_at(Config, ()))
    assert set(keys_at(Config, ("targets", 0))) >= {"name", "url", "tags"}
    assert keys_at(RuleFile, ("rules", 0, "id")) == []  # a string, not a mapping
