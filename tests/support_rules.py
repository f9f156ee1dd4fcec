"""Helpers for the rules/match tests: build articles and matchers from YAML text."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path

from vigie.errors import RuleError
from vigie.models import Article, Match
from vigie.rules import Matcher, compile_rules, load_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
REPO = Path(__file__).resolve().parents[1]


def article(title: str = "", summary: str = "", body: str = "", *, language: str = "en",
            url: str | None = None, source_id: str = "test-source", id: str = "a1") -> Article:
    return Article(id=id, source_id=source_id, url=url, title=title, summary=summary, body=body,
                   language=language, published=datetime(2025, 1, 1, tzinfo=timezone.utc))


def matcher(yaml_text: str) -> Matcher:
    loaded = load_text(textwrap.dedent(yaml_text))
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return compile_rules(loaded)


def errors_of(yaml_text: str) -> list[RuleError]:
    return load_text(textwrap.dedent(yaml_text), path="r.yaml").errors


def query_matcher(query: str, **rule: object) -> Matcher:
    """A matcher with one rule ``q`` made of ``query`` (plus a few shared entities/terms)."""
    extra = "".join(f"\n            {k}: {v}" for k, v in rule.items())
    return matcher(f"""
        entities:
          kju:
            name: Kim Jong Un
            variants: [Kim Jong Un, Ким Чен Ын, 김정은]
        terms:
          troops:
            words: [troop, soldier]
        rules:
          - id: q
            query: '{query.replace("'", "''")}'{extra}
        """)


def fired(m: Matcher, a: Article) -> list[str]:
    return [x.rule_id for x in m.match(a)]


def one(m: Matcher, a: Article) -> Match | None:
    got = m.match(a)
    return got[0] if got else None
