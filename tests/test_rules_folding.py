"""Folding and tokenization: what an analyst never has to list by hand."""

from __future__ import annotations

import pytest

from vigie.rules.folding import fold, tokenize


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("KIM Jong-Un", ("kim", "jong", "un")),
        ("Kim Jong‐un", ("kim", "jong", "un")),  # U+2010 hyphen
        ("l'armée d’Ukraine", ("armee", "ukraine")),  # French elisions, straight and curly
        ("jusqu'à Koursk", ("a", "koursk")),
        ("Russia's army", ("russia", "army")),  # English possessive
        ("Russia’s army", ("russia", "army")),
        ("aujourd'hui", ("aujourd", "hui")),  # not an elision: both halves stay
        ("Œuvre, Straße", ("oeuvre", "strasse")),
        ("Ёлка Курськ", ("елка", "курськ")),  # Cyrillic marks fold too
        ("김정은이 말했다", ("김정은이", "말했다")),  # Hangul is not decomposed
        ("金正恩氏", ("金", "正", "恩", "氏")),  # one ideograph per token
        ("see https://example.com/ball now", ("see", "now")),  # URLs skipped whole
        ("www.football.com/ball", ()),
        ("mail ball@example.com", ("mail",)),
        ("read bbc.co.uk/news/world and t.co/x1", ("read", "and")),  # bare host/path skipped whole
        ("N.Korea/Russia ties", ("n", "korea", "russia", "ties")),  # not a web address
        ("U.S./EU sanctions", ("u", "s", "eu", "sanctions")),
        ("rated 3.5/10", ("rated", "3", "5", "10")),
        ("<a href=\"/ball\">foot</a> &amp; x", ("foot", "x")),  # markup skipped, text kept
        ("«le sang»", ("le", "sang")),
        ("snake_case 2025", ("snake", "case", "2025")),
    ],
)
def test_tokenize(text: str, tokens: tuple[str, ...]) -> None:
    assert tokenize(text).folded == tokens


def test_offsets_point_into_the_original_text() -> None:
    text = "L’armée de KIM Jong-Un"
    toks = tokenize(text)
    assert [text[s:e] for s, e in zip(toks.starts, toks.ends)] == ["armée", "de", "KIM", "Jong", "Un"]


@pytest.mark.parametrize("a, b", [("Koursk", "KOURSK"), ("Kóursk", "koursk"), ("ÉTATS", "etats"), ("ß", "ss")])
def test_fold_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_keeps_kana_marks() -> None:
    assert fold("ガ") != fold("カ")  # a dakuten changes the syllable, not an accent


def test_the_three_tokenizers_agree_on_real_text() -> None:
    """Spans use the offsets of token_spans for token indexes found with raw_and_folded: they must agree."""
    import json

    from support_rules import CORPUS
    from vigie.rules.folding import raw_and_folded, token_spans

    path = CORPUS / "articles" / "en_rss_items_2022_geopolitics.jsonl"
    if not path.is_file():
        pytest.skip("corpus absent: ../shared/corpus beside the repository")
    texts = [(CORPUS / "seed-article-fr.txt").read_text(encoding="utf-8")]
    with path.open(encoding="utf-8") as fh:
        for n, line in zip(range(2000), fh):
            item = json.loads(line)
            texts += [item["title"], item.get("description") or ""]
    for text in texts:
        raws, folded = raw_and_folded(text)
        spans = token_spans(text)
        toks = tokenize(text)
        assert list(toks.folded) == folded
        assert [text[s:e] for s, e in spans] == raws == [text[s:e] for s, e in zip(toks.starts, toks.ends)]
