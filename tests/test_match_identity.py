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
