"""Rule files: every error is file:line:col: message; a broken file is skipped, the others load."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.errors import RuleError
from vigie.models import RulePolicy
from vigie.rules import load_rules
from vigie.rules.loader import load_file

# (file text, the one expected error "line:col: message")
ERRORS = [
    ("rulez: []\n", "1:1: unknown key 'rulez' (did you mean 'rules'?)"),
    ("rules:\n  - id: a\n    query: x\n    severty: high\n", "4:5: unknown key 'severty' (did you mean 'severity'?)"),
    ("rules:\n  - query: x\n", "2:5: missing key 'id'"),
    ("rules:\n  - id: a\n", "2:5: a rule needs 'match', 'query' or 'weights'"),
    ("rules:\n  - id: a\n    match:\n      all:\n        - entity: kimm\n", "5:11: unknown entity 'kimm' (known: none defined)"),
    ("entities:\n  k: {variants: [K]}\nrules:\n  - id: a\n    query: 'x AND @kimm'\n", "5:19: unknown entity 'kimm' (known: k)"),
    ("entities:\n  kju: {variants: [K]}\nrules:\n  - id: a\n    query: 'x AND @kjuu'\n", "5:19: unknown entity 'kjuu' (did you mean 'kju'?) (known: kju)"),
    ("entities:\n  kim-jong-un: {variants: [K]}\n  kursk: {variants: [K]}\nrules:\n  - id: a\n    match: {entity: kim}\n",
     "6:13: unknown entity 'kim' (did you mean 'kim-jong-un'?) (known: kim-jong-un, kursk)"),
    ("terms:\n  troops: {words: [troop]}\nrules:\n  - id: a\n    query: \"x OR #trops\"\n", "5:18: unknown term 'trops' (did you mean 'troops'?) (known: troops)"),
    ("entities:\n  k: {variants: [K], kindd: place}\n", "2:22: unknown key 'kindd' (did you mean 'kind'?)"),
    ("rules:\n  - id: a\n    weights: {threshold: 1, items: [{text: a, wieght: 2}]}\n", "3:47: unknown key 'wieght' (did you mean 'weight'?)"),
    ("rules:\n  - id: a\n    match: {all: [{near: [{text: a}, {text: b}], distnce: 2}]}\n", "3:50: unknown key 'distnce' (did you mean 'distance'?)"),
    ("rules:\n  - id: a\n    query: x\n    colour: red\n", "4:5: unknown key 'colour'"),  # nothing close: no guess
    ("rules:\n  - id: a\n    query: \"x OR #trops\"\n", "3:18: unknown term 'trops' (known: none defined)"),
    ("rules:\n  - id: a\n    match: {term: t}\n", "3:13: unknown term 't' (known: none defined)"),
    ("rules:\n  - id: a\n    query: (a OR b\n", "3:12: query: unbalanced parenthesis: this '(' is never closed"),
    ("rules:\n  - id: a\n    query: a OR b)\n", "3:18: query: unbalanced parenthesis: this ')' has no matching '('"),
    ("rules:\n  - id: a\n    query: a OR\n", "3:16: query: empty alternative: nothing after OR"),
    ("rules:\n  - id: a\n    query: a OR OR b\n", "3:17: query: empty alternative: nothing before OR"),
    ("rules:\n  - id: a\n    query: a AND\n", "3:17: query: nothing after AND"),
    ("rules:\n  - id: a\n    query: ()\n", "3:12: query: empty parentheses"),
    ("rules:\n  - id: a\n    query: a NEAR b\n", "3:14: query: NEAR needs a distance, e.g. NEAR/5"),
    ("rules:\n  - id: a\n    query: a NEAR/3 b ONEAR/3 c\n", "3:23: query: different NEAR operators in one chain: add parentheses"),
    ("rules:\n  - id: a\n    query: (a b) NEAR/3 c\n", "3:18: query: NEAR operands must be words, phrases, entities, terms or (a OR b) groups of them"),
    ("rules:\n  - id: a\n    query: '\"kim jong'\n", "3:13: query: unterminated quote: add the closing \""),
    ("rules:\n  - id: a\n    query: 'a \"\"'\n", "3:15: query: empty quoted phrase"),
    ("rules:\n  - id: a\n    query: titel:x\n", "3:12: query: unknown field 'titel:' (did you mean 'title:'?) (expected one of title:, summary:, body:, title+summary:, summary+body:, title+body:, title+summary+body:, site:, source:, lang:)"),
    ("rules:\n  - id: a\n    query: x AND ---\n", "3:18: query: '---' has no letters or digits to match"),
    ("rules:\n  - id: a\n    query: ''\n", "3:5: empty query"),
    ("rules:\n  - id: a\n    query: -x\n", "3:5: nothing to look for: the rule has only NOT items or filters"),
    ("rules:\n  - id: a\n    match:\n      any:\n        - txt: x\n", "5:11: a match item needs one of the keys all, any, none, entity, term, text, query, near, use"),
    ("rules:\n  - id: a\n    match:\n      text: x\n      exactly: true\n", "5:7: unknown key 'exactly' (did you mean 'exact'?)"),
    ("rules:\n  - id: a\n    match:\n      any: []\n", "4:7: any must not be empty"),
    ("rules:\n  - id: a\n    match:\n      near: [{all: [{text: a}, {text: b}]}, {text: c}]\n", "4:14: near: items must be entity, term, text or any: of them"),
    ("rules:\n  - id: a\n    match: {near: [{text: a}, {text: b}], distance: -1}\n", "3:43: distance: input should be greater than or equal to 0"),
    ("rules:\n  - id: a\n    match: {text: '...'}\n", "3:13: '...' has no letters or digits to match"),
    ("rules:\n  - id: a\n    query: x\n    severity: urgent\n", "4:5: severity: unknown value 'urgent' (expected one of info, low, medium, high, critical)"),
    ("rules:\n  - id: a\n    query: x\n    alert: always\n", "4:5: alert: unknown value 'always' (expected one of each, new_story, developments)"),
    ("rules:\n  - id: a\n    query: x\n    digest: weekly\n", "4:5: invalid digest 'weekly': use immediate, hourly or 'daily at HH:MM'"),
    ("rules:\n  - id: a\n    query: x\n    fields: [titel]\n", "4:14: fields: unknown value 'titel' (did you mean 'title'?) (expected one of title, summary, body, title+summary, summary+body, title+body, title+summary+body)"),
    ("rules:\n  - id: 'a b'\n    query: x\n", "2:5: invalid id 'a b': use letters, digits, '-', '_' or '.', starting with a letter or digit"),
    ("rules:\n  - id: a\n    query: x\n  - id: a\n    query: y\n", "4:5: duplicate rule id 'a' (first at rule #1)"),
    ("rules:\n  - id: a\n    weights: {threshold: 5, items: [{text: a, weight: 1}]}\n", "3:15: threshold 5 can never be reached: the positive weights sum to 1"),
    ("rules:\n  - id: a\n    weights: {threshold: 1, items: [{text: a, term: b}]}\n", "3:37: give exactly one of entity, term, text, query or use"),
    ("entities:\n  k: {name: K}\n", "2:3: missing key 'variants'"),
    ("entities:\n  k: {variants: ['']}\n", "2:7: empty variant"),
    ("entities:\n  k: {variants: ['--']}\n", "2:18: '--' has no letters or digits to match"),
    ("entities:\n  k: {kind: city, variants: [K]}\n", "2:7: kind: unknown value 'city' (expected one of person, place, organisation, group, event, product, thing, other)"),
    ("terms:\n  t: {words: [x], match: fuzzy}\n", "2:19: match: unknown value 'fuzzy' (expected one of inflect, exact)"),
    ("rules:\n  - id: a\n   query: x\n", "3:4: invalid YAML: expected <block end>, but found '<block mapping start>'"),
    ("rules:\n  - id: a\n    query: 'a\x07b'\n", "3:14: invalid YAML: special characters are not allowed"),  # a control character
    ("- a\n- b\n", "1:1: expected a mapping with entities, terms and rules"),
]


@pytest.mark.parametrize("text, expected", ERRORS, ids=[e[1].split(": ", 1)[1][:40] for e in ERRORS])
def test_every_error_names_file_line_col(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_file(path)
    rules, errors = loaded.rules, loaded.errors
    assert [str(e) for e in errors] == [f"{path}:{expected}"]
    assert rules == []
    assert all(isinstance(e, RuleError) for e in errors)


def test_several_errors_in_one_file_are_all_reported_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("rules:\n  - id: a\n    query: '@x'\n  - id: b\n    query: (y\n", encoding="utf-8")
    errors = load_file(path).errors
    assert [(e.line, e.col) for e in errors] == [(3, 13), (5, 12)]


GOOD = "entities:\n  k: {variants: [Kim]}\nrules:\n  - id: {id}\n    query: '@k'\n"


def test_a_broken_file_is_skipped_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("{id}", "good"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - id: bad\n    query: (x\n  - id: fine\n    query: y\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a rule file", encoding="utf-8")
    rs = load_rules([tmp_path])
    assert [r.id for r in rs.rules] == ["good"]  # "fine" goes with its broken file
    assert [str(e) for e in rs.errors] == [f"{tmp_path / 'b.yaml'}:3:12: query: unbalanced parenthesis: this '(' is never closed"]
    assert len(rs.files) == 2


def test_duplicate_ids_across_files_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("{id}", "same"), encoding="utf-8")
    (tmp_path / "b.yml").write_text(GOOD.replace("{id}", "same"), encoding="utf-8")
    rs = load_rules([tmp_path, tmp_path / "missing.yaml"])
    assert [r.id for r in rs.rules] == ["same"]
    msgs = [str(e) for e in rs.errors]
    assert msgs[0] == f"{tmp_path / 'missing.yaml'}:1:1: no such file or folder"
    assert msgs[1] == f"{tmp_path / 'b.yml'}:4:5: duplicate rule id 'same' (first defined at {tmp_path / 'a.yaml'}:4:5)"


def test_policies_defaults_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "rules:\n  - id: a\n    query: x\n"
        "  - id: b\n    name: B\n    query: y\n    alert: each\n    digest: daily at 07:30\n    severity: high\n    notify: [slack]\n",
        encoding="utf-8")
    pol = load_rules([tmp_path]).policies()
    assert pol["a"] == RulePolicy(rule_id="a")
    assert (pol["a"].alert, pol["a"].digest, pol["a"].severity, pol["a"].notify) == ("developments", "immediate", "info", ())
    assert pol["b"] == RulePolicy(rule_id="b", name="B", alert="each", digest="daily at 07:30", severity="high", notify=("slack",))


def test_empty_file_has_no_rules_and_no_errors(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text("# nothing yet\n", encoding="utf-8")
    rs = load_rules([tmp_path])
    assert rs.rules == [] and rs.errors == []
