"""The fast field scanner gives exactly the tokens of the tokenizer, on the corpus and on the cases it must route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.rules.folding import token_spans, tokenize
from vigie.rules.scan import FieldTokens

ARTICLES = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "articles"

CASES = [
    "Kim Jong-un met Putin", "Russia's army in l'Ukraine d'abord", "qu'il jusqu'à", "see https://example.com/Putin Putin",
    "mail kim@example.org now", "<b>Kursk</b> &amp; Koursk", "www.lemonde.fr Paris", "host.example.com/path Paris",
    "KIM JONG UN Kóursk Œuvre", "김정은이 平壤 ピョンヤン", "UN US un us", "it’s l’armée", "", "  ", "a_b c-d 3.5",
    "WWW.Example.com Paris", "Www.bbc.co.uk/news Kursk", "Kim`s army", "a/b 5 & 6",
]


def _check(text: str) -> None:
    toks = FieldTokens(text)
    want = tokenize(text)
    assert toks.folded == list(want.folded), text
    assert toks.offsets == list(zip(want.starts, want.ends)) == token_spans(text), text
    assert toks.raws == [text[s:e] for s, e in zip(want.starts, want.ends)], text


@pytest.mark.parametrize("text", CASES)
def test_cases_give_the_tokenizers_tokens(text: str) -> None:
    _check(text)


@pytest.mark.skipif(not ARTICLES.is_dir(), reason="the shared corpus is not beside the repository")
@pytest.mark.parametrize("name", ["en_rss_items_2022_geopolitics.jsonl", "fr_lemonde_une_2020H1.jsonl"])
def test_corpus_items_give_the_tokenizers_tokens(name: str) -> None:
    with (ARTICLES / name).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n % 3 == 0:
                item = json.loads(line)
                _check(item.get("title") or "")
                _check(item.get("description") or "")


def test_ascii_apostrophes_give_the_patterns_tokens() -> None:
    """The apostrophe-by-apostrophe reading of ASCII fields (elisions, possessives) against the pattern it
    stands for, on generated strings made of the cases where they could part: elisions next to
    possessives ("d's", "x's's"), underscores, digits, capitals, doubled and grave apostrophes."""
    import random

    from vigie.rules.scan import _ELIDED_RE, _ascii_elided

    rnd = random.Random(15)
    words = ["l", "d", "s", "qu", "jusqu", "lorsqu", "x", "russia", "us", "_", "1", "a", "S", "L", "QU", "Jusqu"]
    glue = ["'", "`", " ", "", "'s ", "_", ".", "''", "'S"]
    for _ in range(20000):
        text = "".join(rnd.choice(words) + rnd.choice(glue) for _ in range(rnd.randint(1, 6)))
        want = [t for t in _ELIDED_RE.findall(text) if t]
        assert _ascii_elided(text) == want, text
        assert _ascii_elided(text.lower()) == [t.lower() for t in want], text


def test_ascii_fields_are_routed_as_the_patterns_route_them() -> None:
    """An ASCII field's way (full pattern, apostrophes, plain words) is found by substring searches: the same
    way as the markup pattern and the apostrophe set give, on generated strings of every character they read."""
    import random

    from vigie.rules.scan import _APOSTROPHE_SET, _MARKUP_RE

    rnd = random.Random(16)
    parts = ["www.", "WWW.", "wWw.", "ww.", "www", "<", "&", "@", "/", "'", "`", "Kim", "_", "1", " ", ".", "w", "W"]
    for _ in range(20000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8)))
        want = 2 if _MARKUP_RE.search(text) else 0 if _APOSTROPHE_SET.isdisjoint(text) else 1
        assert FieldTokens(text)._way == want, text
        _check(text)
