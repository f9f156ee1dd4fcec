"""The fast matcher returns exactly what the rule language defines, on real items and realistic rules.

``support_reference_match.ReferenceMatcher`` evaluates every rule on every item the slow, obvious way;
the compiled matcher (phrase index, automaton, triggers, necessary conditions) must give the same
matches, with the same scores, spans and terms, so that making it faster cannot change an alert.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from support_reference_match import ReferenceMatcher
from vigie.models import Article, Match
from vigie.rules import compile_rules, load_text

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO.parent / "shared" / "corpus" / "articles"
sys.path.insert(0, str(REPO))  # the bench package (rule generators) lives beside src/

pytestmark = pytest.mark.skipif(not ARTICLES.is_dir(), reason="the shared corpus is not beside the repository")


def _items(name: str, step: int, limit: int, lang: str) -> list[Article]:
    now = datetime(2022, 1, 1, tzinfo=timezone.utc)
    out = []
    with (ARTICLES / name).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n % step:
                continue
            it = json.loads(line)
            out.append(Article(id=f"{name}:{n}", source_id=it.get("publisher") or name, url=it.get("url"),
                               title=it.get("title") or "", summary=it.get("description") or "", body="",
                               language=lang, published=now))
            if len(out) >= limit:
                break
    return out


def _key(m: Match) -> tuple[object, ...]:
    return (m.rule_id, m.score, m.terms, tuple((s.field, s.start, s.end, s.text, s.term) for s in m.spans))


def _compare(rules_yaml: str, items: list[Article]) -> int:
    loaded = load_text(rules_yaml, path="<generated>")
    assert not loaded.errors, loaded.errors[:3]
    fast = compile_rules(loaded.rules)
    slow = ReferenceMatcher(loaded.rules)
    total = 0
    for a in items:
        got = sorted(map(_key, fast.match(a)))
        want = sorted(map(_key, slow.match(a)))
        assert got == want, (a.id, a.title, [g for g in got if g not in want][:3], [w for w in want if w not in got][:3])
        total += len(want)
    return total


def test_realistic_rules_on_english_items_match_the_reference() -> None:
    from bench.realistic_rules import generate_realistic_rules

    items = _items("en_rss_items_2022_geopolitics.jsonl", step=12, limit=600, lang="en")
    total = _compare(generate_realistic_rules(1000), items)
    assert total > len(items)  # realistic rules: more than one match per item on average


def test_generated_rules_on_french_and_english_items_match_the_reference() -> None:
    from bench.bench_match import generate_rules

    items = (_items("fr_lemonde_une_2020H1.jsonl", step=10, limit=300, lang="fr")
             + _items("en_rss_items_2022_geopolitics.jsonl", step=25, limit=300, lang="und"))
    assert _compare(generate_rules(400), items) > 0


def _scoped_rules(count: int) -> tuple[str, dict[str, str]]:
    """Realistic rules rewritten with the scope and word-form keys: within (sentence, segment, field,
    article), joined fields (rule fields and query prefixes) and pos; with each rule's shape."""
    import re

    from bench.realistic_rules import generate_realistic_rules

    text = generate_realistic_rules(count)
    head, _, body = text.partition("rules:\n")
    queries = [json.loads(q) for q in re.findall(r'^    query: (".*")$', body, re.M)]
    entities = re.findall(r"^  (e_\w+):", head, re.M)
    words = sorted({w for q in queries for w in re.findall(r"(?<![@\"\w])([a-z]{4,})(?![\w\"])", q)})
    rules, shapes = [], {}
    units = ("sentence", "segment", "field")
    for i, q in enumerate(queries):
        shape = i % 7
        if shape < 3:
            rule = f"match: {{all: [{{query: {json.dumps(q)}}}], within: {units[shape]}}}"
        elif shape == 3:
            rule = f"query: {json.dumps(q)}\n    fields: [title+summary]"
        elif shape == 4:
            rule = f"query: {json.dumps('title+summary:(' + q + ')')}"
        elif shape == 5:
            # the query's own entity (else any) near a word the news writes everywhere
            found_e = re.findall(r"@(e_\w+)", q)
            e1 = found_e[0] if found_e else entities[i % len(entities)]
            other = "{text: " + ("russia", "ukraine", "war", "says", "president", "military")[i % 6] + "}"
            unit = ("article", "sentence", "segment", "field")[i // 7 % 4]
            rule = f"match: {{near: [{{entity: {e1}}}, {other}], distance: 30, within: {unit}}}"
            shape = 5 + ("article", "sentence", "segment", "field").index(unit) * 10
        else:
            pos = ("noun", "verb", "adj")[i // 7 % 3]
            rule = f"match: {{all: [{{text: {words[i % len(words)]}, pos: {pos}}}, {{entity: {entities[i % len(entities)]}}}]}}"
        rules.append(f"  - id: s{i}\n    {rule}\n")
        shapes[f"s{i}"] = str(shape)
    return head + "rules:\n" + "".join(rules), shapes


def test_scoped_rules_match_the_reference() -> None:
    """within:, joined fields and pos: the fast matcher (crossing hits, units, joined positions) gives what
    the reference's plain definition gives, spans included."""
    rules_yaml, shapes = _scoped_rules(560)
    items = (_items("en_rss_items_2022_geopolitics.jsonl", step=29, limit=220, lang="en")
             + _items("fr_lemonde_une_2020H1.jsonl", step=41, limit=60, lang="fr"))
    loaded = load_text(rules_yaml, path="<scoped>")
    assert not loaded.errors, loaded.errors[:3]
    fast = compile_rules(loaded.rules)
    assert _compare(rules_yaml, items) > 0
    fired = {shapes[m.rule_id] for a in items for m in fast.match(a)}
    # every shape fired somewhere: all within sentence/segment/field, joined fields and prefixes, near
    # within article/sentence/segment (within: field is what near means without it), pos
    assert {"0", "1", "2", "3", "4", "5", "15", "25", "6"} <= fired, fired
