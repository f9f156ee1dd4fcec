"""spaCy's lemma data behind inflection matching, and the cached pipelines."""

from __future__ import annotations

import pytest

from vigie.rules import lemmas as nlp


@pytest.mark.parametrize(
    "word, lang, must, must_not",
    [
        ("troupe", "fr", {"troupes"}, set()),
        ("déployer", "fr", {"deploye", "deployee", "deployees", "deploie", "deployer"}, {"deploiement"}),
        ("déployées", "fr", {"deployer", "deploye"}, set()),  # an inflected term finds its lemma's forms
        ("soldat", "fr", {"soldats"}, set()),
        ("soldier", "en", {"soldiers"}, set()),
        ("deploy", "en", {"deployed", "deploying", "deploys"}, {"deployment"}),
        ("went", "en", {"goes", "going", "gone"}, {"go"}),  # irregular (exceptions table); "go" is a stop word
        ("Koursk", "fr", {"koursk"}, set()),  # unknown words stay themselves (folded)
    ],
)
def test_inflections(word: str, lang: str, must: set[str], must_not: set[str]) -> None:
    forms = nlp.inflections(word, lang)
    assert must <= forms
    assert not (must_not & forms)


def test_inflections_leave_out_stop_words() -> None:
    # Reversed rules and shared lemmas would otherwise add function words that fire everywhere.
    assert not {"a", "ont", "as"} & nlp.inflections("avoir", "fr")
    assert "aurons" in nlp.inflections("avoir", "fr")  # content forms stay
    assert not {"a", "as", "have"} & nlp.inflections("haver", "en")


def test_lemma_sources() -> None:
    assert nlp.available() == {"en": "spacy-lookups-data", "fr": "fr_core_news_sm lemmatizer tables"}


def test_english_pipeline_is_blank_with_lookup_lemmas() -> None:
    doc = nlp.pipeline("en")("the soldiers deployed")
    assert [t.lemma_ for t in doc] == ["the", "soldier", "deploy"]
    assert nlp.pipeline("en") is nlp.pipeline("en")  # cached


@pytest.mark.slow
def test_french_pipeline_is_the_model() -> None:
    doc = nlp.pipeline("fr")("Les troupes ont été déployées")
    assert doc[1].lemma_ == "troupe" and doc[-1].lemma_ == "déployer"
