"""Story features: folded words, the function words of the article's language, one sentence splitter."""

from __future__ import annotations

from support_store import T0
from vigie.models import Article
from vigie.stories.features import features, function_words, keywords_in, lede, names_in, term_words


def art(title: str, summary: str, language: str = "en") -> Article:
    return Article(id="sha:1", source_id="feed", url=None, title=title, summary=summary, body="", language=language, published=T0)


def test_words_are_folded_and_lose_their_possessive() -> None:
    assert keywords_in("Kyiv’s ÉLYSÉE Kyiv's cœur") == {"kyiv", "elysee", "coeur"}
    assert term_words(("Kim Jong-Un",)) == {"kim", "jong-un", "jong", "un"}


def test_function_words_are_those_of_the_article_language() -> None:
    # "dies" is a German function word and an English news word.
    assert "dies" in keywords_in("Former leader dies in hospital", "en")
    assert "dies" not in keywords_in("Dies ist der Bericht", "de")
    assert {"former", "three"} <= function_words("en")  # spaCy's list
    assert {"says", "monday", "janvier"} <= function_words("en") & function_words("fr")  # the newsroom's own


def test_lede_is_the_first_sentence_and_abbreviations_do_not_end_it() -> None:
    a = art("Talks resume", "Mr. Putin met Dr. Smith in Geneva on Friday. The talks lasted three hours.")
    assert lede(a) == "Mr. Putin met Dr. Smith in Geneva on Friday."
    # "Putin" follows an abbreviation, not a sentence start: it is a name.
    assert names_in(lede(a)) == {"putin", "smith", "geneva"}


def test_features_of_a_french_article() -> None:
    a = art("Emmanuel Macron reçoit Olaf Scholz à l'Élysée", "Le président a reçu le chancelier allemand lundi. Ils ont parlé.",
            language="fr")
    f = features(a, ("Emmanuel Macron",))
    assert f.language == "fr" and f.terms == frozenset({"Emmanuel Macron"})
    assert f.names == f.title_names == {"olaf", "scholz"}  # the rule's own entity is not news about it
    assert {"chancelier", "l'elysee", "recoit"} <= f.keywords and not {"lundi", "macron", "ont"} & f.keywords
