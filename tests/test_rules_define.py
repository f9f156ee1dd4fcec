"""Reuse: named items (define: / use: / $name) and rules that use another rule's condition."""

from __future__ import annotations

import pytest

from support_rules import article, errors_of, fired, matcher

TOPIC = """
entities:
  nk: {name: North Korea, variants: [North Korea, North Korean, DPRK]}
  kursk: {name: Kursk, variants: [Kursk, Koursk]}
  ukraine: {name: Ukraine, variants: [Ukraine]}
terms:
  troops: {words: [troop, soldier]}
define:
  nk-troops:
    near: [{entity: nk}, {term: troops}]
    distance: 3
rules:
  - id: in-query
    query: '$nk-troops AND @kursk'
  - id: in-match
    match: {all: [{use: nk-troops}, {entity: ukraine}]}
  - id: in-weights
    weights: {threshold: 3, items: [{use: nk-troops, weight: 2}, {entity: kursk}]}
  - id: other-rule
    query: '$in-query AND title:@kursk'
  - id: other-rule-in-match
    match: {any: [{use: in-match}, {text: Pyongyang}]}
"""


@pytest.mark.parametrize(
    "title, expected",
    [
        ("North Korean troops reach Kursk", {"in-query", "in-weights", "other-rule"}),
        ("North Korean soldiers seen in Ukraine", {"in-match", "other-rule-in-match"}),
        ("Pyongyang parade", {"other-rule-in-match"}),
        ("North Korea and Kursk; far later, with many words between them, troops", set()),  # not near: nothing
    ],
)
def test_a_define_and_a_rule_are_used_by_name(title: str, expected: set[str]) -> None:
    assert set(fired(matcher(TOPIC), article(title=title))) == expected


def test_a_used_rule_brings_its_condition_not_its_weights_or_settings() -> None:
    got = {m.rule_id: m for m in matcher(TOPIC).match(article(title="North Korean troops reach Kursk"))}
    assert [s.text for s in got["other-rule"].spans] == ["North Korean", "troops", "Kursk"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("define:\n  a: {use: b}\n  b: {any: [{use: a}, {text: x}]}\n", ["3:14: cycle: a -> b -> a"]),
        ("rules:\n  - id: r1\n    query: '$r2'\n  - id: r2\n    match: {use: r1}\n",
         ["5:13: cycle: r1 -> r2 -> r1", "3:13: cycle: r2 -> r1 -> r2"]),  # each where the loop closes
        ("rules:\n  - id: r1\n    query: '$r1 OR x'\n", ["3:13: cycle: r1 -> r1"]),
        ("define:\n  nk-troops: {text: troops}\nrules:\n  - id: r\n    query: 'x AND $nk-trops'\n",
         ["5:19: unknown name 'nk-trops' (did you mean 'nk-troops'?) (known: nk-troops, r)"]),
        ("rules:\n  - id: r\n    match: {use: nowhere}\n", ["3:13: unknown name 'nowhere' (known: r)"]),
        ("rules:\n  - id: r\n    weights: {threshold: 1, items: [{use: w}]}\n  - id: w\n    weights: {threshold: 1, items: [{text: x}]}\n",
         ["3:38: rule 'w' has no match or query to use (weights are not a condition)"]),
        ("define:\n  r: {text: x}\nrules:\n  - id: r\n    query: y\n", ["2:3: 'r' is both a define: name and a rule id: rename one"]),
        ("define:\n  d: {any: [{text: ''}]}\n", ["2:14: text: string should have at least 1 character"]),
    ],
)
def test_unknown_names_and_cycles_are_file_line_col_errors(text: str, expected: list[str]) -> None:
    assert [f"{e.line}:{e.col}: {e.message}" for e in errors_of(text)] == expected


def test_dollar_before_a_digit_is_still_a_word() -> None:
    m = matcher("rules:\n  - id: r\n    query: '$5 billion'\n")
    assert fired(m, article(title="A $5 billion deal")) == ["r"]
