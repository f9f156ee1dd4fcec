"""Language detection: stop words for Latin and Cyrillic languages, scripts for the others."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from support_rules import CORPUS
from vigie.ingest.language import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kim Jong Un focuses year-end speech on food problem in North Korea", "en"),
        ("A Hongkong, des centaines d’arrestations lors d’affrontements", "fr"),
        ("Die Regierung hat am Montag beschlossen, dass die Steuern steigen", "de"),
        ("El gobierno de España anunció que las medidas serán", "es"),
        ("Il governo italiano ha deciso che la situazione è grave", "it"),
        ("O governo brasileiro anunciou que não vai aumentar", "pt"),
        ("Путин заявил, что Россия не будет", "ru"),
        ("Зеленський заявив, що Україна буде", "uk"),
        ("김정은 위원장이 말했다", "ko"),
        ("金正恩氏が演説した", "ja"),
        ("金正恩发表讲话", "zh"),
        ("Η κυβέρνηση ανακοίνωσε", "el"),
        ("", "und"),
        ("Kursk", "und"),
        ("12345", "und"),
    ],
)
def test_detect(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text, hint, expected",
    [
        ("Kursk", "fr", "fr"),  # no signal: the hint decides
        ("", "en-US", "en"),
        ("Die Regierung hat am Montag beschlossen, dass die Steuern steigen", "fr", "de"),  # the text wins
        ("Vláda v pondelok schválila návrh, ktorý a je na stole", "sk", "sk"),  # no Slovak list: the declaration wins
        ("Правительство утвердило бюджет на следующий год", "bg", "bg"),  # declared Cyrillic language, Cyrillic text
        ("Правительство утвердило бюджет на следующий год", "sk", "ru"),  # a Latin-script declaration does not fit
        ("پاکستان میں انتخابات کا اعلان کر دیا گیا", "ur", "ur"),  # Urdu in Arabic script, as declared
        ("ಬೆಂಗಳೂರು ನಗರದಲ್ಲಿ ಮಳೆ", None, "kn"),  # Kannada by its script
    ],
)
def test_hint(text: str, hint: str, expected: str) -> None:
    assert detect_language(text, hint) == expected


@pytest.mark.parametrize("name, lang, minimum", [("en_rss_items_2022_geopolitics.jsonl", "en", 0.98), ("fr_lemonde_une_2020H1.jsonl", "fr", 0.99)])
def test_accuracy_on_real_items(name: str, lang: str, minimum: float) -> None:
    path = CORPUS / "articles" / name
    if not path.is_file():
        pytest.skip("corpus absent: ../shared/corpus beside the repository")
    counts: Counter[str] = Counter()
    for line in path.open(encoding="utf-8"):
        item = json.loads(line)
        counts[detect_language(f"{item['title']} {item.get('description') or ''}")] += 1
    assert counts[lang] / sum(counts.values()) >= minimum, counts.most_common(5)


def test_stop_words_are_spacys_and_load_without_the_language_packages() -> None:
    # Importing spacy.lang.fr builds its tokenizer exceptions (seconds): the lists must be read
    # without it, and still be exactly spaCy's.
    import importlib
    import subprocess
    import sys

    from vigie.common.stopwords import CYRILLIC_LANGS, LATIN_LANGS, _spacy_stop_words

    for lang in LATIN_LANGS + CYRILLIC_LANGS:
        assert _spacy_stop_words(lang) == set(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS), lang
    code = ("import sys; from vigie.ingest.language import detect_language; "
            "assert detect_language('Les soldats sont arrivés dans la région') == 'fr'; "
            "print(sorted(m for m in sys.modules if m.startswith('spacy.lang')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"
