"""Scopes (``within:``, joined fields) and word forms by part of speech (``pos:``), on real news items.

Every article here is a real item of the shared corpus (title and summary as the feed gave them),
found by its title; the rules are what an analyst would write for it.
"""

from __future__ import annotations

import functools
import json

import pytest

from support_rules import CORPUS, article, errors_of, fired, matcher
from vigie.models import Article

ARTICLES = CORPUS / "articles"
EN = "en_rss_items_2022_geopolitics.jsonl"
FR = "fr_lemonde_une_2020H1.jsonl"

pytestmark = pytest.mark.skipif(not ARTICLES.is_dir(), reason="the shared corpus is not beside the repository")


@functools.lru_cache(maxsize=None)
def _items(name: str) -> tuple[dict[str, str], ...]:
    with (ARTICLES / name).open(encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh)


def real(title_part: str, name: str = EN) -> Article:
    """The first corpus item whose title holds ``title_part``, as an article (title and summary)."""
    lang = "fr" if name == FR else "en"
    for it in _items(name):
        if title_part in (it.get("title") or ""):
            return article(title=it["title"], summary=it.get("description") or "", language=lang)
    raise AssertionError(f"no item titled {title_part!r} in {name}")


CNN_DONBAS = "Pentagon says 80% of Russian forces amassed"  # summary: "Why Donbas is ... | The Ukraine crisis explained"
NK_HYPERSONIC = "North Korea claims to be testing hypersonic weapons."  # title of two sentences
ZELENSKY = "The Critical Moment Behind Ukraine"  # summary: "... against Russia. U.S. and Ukrainian officials ..."
PUTIN_LOST = "Putin Says Russia Has Not Lost"  # summary: "... Mr. Putin said ... according to U.S. estimates."
NEON = "Ukraine war flashes neon warning lights for chips | Reuters"
IRAN_CRASH = "Crash près de Téhéran"  # summary: "Le Boeing 737 ... 176 morts. L’Iran a présenté ses excuses ..."

SCOPES = """
rules:
  - id: nk-experts-sentence
    match: {all: [{text: North Korea, exact: true}, {text: experts}], within: sentence}
  - id: nk-experts-field
    match: {all: [{text: North Korea, exact: true}, {text: experts}], within: field}
  - id: nk-weapons-sentence
    match: {all: [{text: North Korea, exact: true}, {text: weapons}], within: sentence}
  - id: zelensky-officials-sentence
    match: {all: [{text: Zelensky}, {text: officials}], within: sentence}
  - id: zelensky-russia-sentence
    match: {all: [{text: Zelensky}, {text: Russia}], within: sentence}
  - id: lost-soldiers-sentence
    match: {all: [{text: lost}, {text: soldiers}], within: sentence}
  - id: donbas-ukraine-segment
    match: {all: [{text: Donbas}, {text: Ukraine}], within: segment}
  - id: donbas-ukraine-field
    match: {all: [{text: Donbas}, {text: Ukraine}], within: field}
  - id: donbas-ukraine-near-segment
    match: {near: [{text: Donbas}, {text: Ukraine}], distance: 20, within: segment}
  - id: donbas-ukraine-near-field
    match: {near: [{text: Donbas}, {text: Ukraine}], distance: 20}
  - id: russian-donbas-field
    match: {all: [{text: Russian, exact: true}, {text: Donbas}], within: field}
  - id: russian-donbas-article
    match: {all: [{text: Russian, exact: true}, {text: Donbas}]}
  - id: chips-ukraine-segment
    match: {all: [{text: chips}, {text: Ukraine}], within: segment}
  - id: chips-reuters-segment
    match: {all: [{text: chips}, {text: Reuters}], within: segment, fields: [title]}
  - id: go-donbas-near-article
    match: {near: [{text: go}, {text: Donbas}], distance: 2, within: article}
  - id: go-donbas-near-field
    match: {near: [{text: go}, {text: Donbas}], distance: 2}
  - id: go-donbas-near-joined
    fields: [title+summary]
    match: {near: [{text: go}, {text: Donbas}], distance: 2}
  - id: phrase-joined
    query: 'title+summary:"ready to go why"'
  - id: phrase-unjoined
    query: '"ready to go why"'
  - id: boeing-iran-sentence
    match: {all: [{text: Boeing}, {text: Iran}], within: sentence}
  - id: boeing-morts-sentence
    match: {all: [{text: Boeing}, {text: mort}], within: sentence}
  - id: boeing-iran-none-sentence
    match: {all: [{text: Boeing}, {none: [{text: Iran}]}], within: sentence}
"""


@pytest.mark.parametrize("title, name, expected", [
    # The title is two sentences: North Korea and "experts" are in one field, not in one sentence.
    (NK_HYPERSONIC, EN, {"nk-experts-field", "nk-weapons-sentence"}),
    # "... against Russia. U.S. and Ukrainian officials ...": Zelensky and Russia share a sentence, not the officials.
    (ZELENSKY, EN, {"zelensky-russia-sentence"}),
    # "Mr." and "U.S." do not end the sentence that holds "lost" and "soldiers".
    (PUTIN_LOST, EN, {"lost-soldiers-sentence"}),
    # A digest summary: "Why Donbas is at the heart of the crisis | The Ukraine crisis explained".
    (CNN_DONBAS, EN, {"donbas-ukraine-field", "donbas-ukraine-near-field", "russian-donbas-article",
                      "go-donbas-near-article", "go-donbas-near-joined", "phrase-joined"}),
    # "Ukraine war flashes neon warning lights for chips | Reuters": the publisher is a segment of its own.
    (NEON, EN, {"chips-ukraine-segment"}),
    # French: "Le Boeing 737 s'est écrasé ..., faisant 176 morts. L'Iran a présenté ses excuses ...".
    (IRAN_CRASH, FR, {"boeing-morts-sentence", "boeing-iran-none-sentence"}),
])
def test_within_on_real_items(title: str, name: str, expected: set[str]) -> None:
    assert set(fired(matcher(SCOPES), real(title, name))) == expected


def test_spans_of_a_phrase_across_title_and_summary_stay_in_their_fields() -> None:
    a = real(CNN_DONBAS)
    [m] = [m for m in matcher(SCOPES).match(a) if m.rule_id == "phrase-joined"]
    assert [(s.field, s.text) for s in m.spans] == [("title", "ready to go"), ("summary", "Why")]
    for s in m.spans:
        assert a.field_text(s.field)[s.start:s.end] == s.text
    [near] = [m for m in matcher(SCOPES).match(a) if m.rule_id == "go-donbas-near-article"]
    assert [(s.field, s.text) for s in near.spans] == [("title", "go"), ("summary", "Donbas")]
    assert a.summary[near.spans[1].start:near.spans[1].end] == "Donbas"


def test_within_sentence_spans_come_from_the_sentence_that_holds() -> None:
    # The summary names Boeing once; the sentence with "morts" is the first: its words are the spans.
    a = real(IRAN_CRASH, FR)
    [m] = [m for m in matcher(SCOPES).match(a) if m.rule_id == "boeing-morts-sentence"]
    assert [(s.field, s.text) for s in m.spans] == [("summary", "Boeing"), ("summary", "morts")]


POS = """
rules:
  - {id: forces-noun, match: {text: forces, pos: noun}}
  - {id: forces-any, match: {text: forces}}
  - {id: arms-noun, match: {text: arms, pos: noun}}
  - {id: arms-any, match: {text: arms}}
  - {id: arm-noun, match: {text: arm, pos: noun}}
  - {id: arm-verb, match: {text: arm, pos: verb}}
"""
POS_FR = """
terms:
  weapon: {words: [armes], pos: noun, languages: [fr]}
  weapon-any: {words: [armes], languages: [fr]}
rules:
  - {id: arme-noun, match: {term: weapon}}
  - {id: arme-any, match: {term: weapon-any}}
"""


@pytest.mark.parametrize("title, expected", [
    ("NATO allies put forces on standby", {"forces-noun", "forces-any"}),
    ("Mariupol residents are being forced to go to Russia", {"forces-any"}),  # forced: a verb form only
    ("How a group of Irish fishermen forced the Russian Navy", {"forces-any"}),
    ("Ukraine conflict: Britain sending more arms as fighting reaches Kyiv", {"arms-noun", "arms-any", "arm-noun", "arm-verb"}),
    ("Should the West arm a Ukrainian resistance?", {"arms-any", "arm-noun", "arm-verb"}),  # arms as a noun is not arm
    ("Russian cosmonauts will conduct spacewalk to activate space station's new robotic arm", {"arms-any", "arm-noun", "arm-verb"}),
    ("US studying how to modify powerful armed drone", {"arms-any", "arm-verb"}),  # armed: not a noun form
])
def test_pos_on_real_english_headlines(title: str, expected: set[str]) -> None:
    headline = article(title=real(title).title)  # the headline alone: the summaries use these words too
    assert set(fired(matcher(POS), headline)) == expected


@pytest.mark.parametrize("title, expected", [
    ("Les armes de Renault pour se préserver", {"arme-noun", "arme-any"}),
    ("arme automatique", {"arme-noun", "arme-any"}),  # "… dans une attaque à l’arme automatique"
    # "armes" is also a form of the verb armer, whose participle "armée" is the army: only the untyped
    # term finds "l'armée" (a weapons watch firing on every army story).
    ("tirs d’artillerie meurtriers entre la Turquie et l’armée régulière", {"arme-any"}),
])
def test_pos_on_real_french_headlines(title: str, expected: set[str]) -> None:
    headline = article(title=real(title, FR).title, language="fr")
    assert set(fired(matcher(POS_FR), headline)) == expected


@pytest.mark.parametrize("yaml_text, expected", [
    ("rules:\n  - id: a\n    match:\n      all: [{text: a}, {text: b}]\n      within: sentense\n",
     "r.yaml:5:7: within: unknown value 'sentense' (did you mean 'sentence'?) (expected one of sentence, segment, field, article)"),
    ("rules:\n  - id: a\n    match:\n      near: [{text: a}, {text: b}]\n      within: paragraph\n",
     "r.yaml:5:7: within: unknown value 'paragraph' (expected one of sentence, segment, field, article)"),
    ("rules:\n  - id: a\n    match: {text: forces, pos: nuon}\n",
     "r.yaml:3:27: pos: unknown value 'nuon' (did you mean 'noun'?) (expected one of noun, verb, adj)"),
    ("terms:\n  t: {words: [arms], pos: adjective}\nrules:\n  - {id: a, match: {term: t}}\n",
     "r.yaml:2:22: pos: unknown value 'adjective' (did you mean 'adj'?) (expected one of noun, verb, adj)"),
    ("rules:\n  - id: a\n    query: x\n    fields: [title+sumary]\n",
     "r.yaml:4:14: fields: unknown value 'title+sumary' (did you mean 'title+summary'?) (expected one of title, summary, "
     "body, title+summary, summary+body, title+body, title+summary+body)"),
    ("rules:\n  - id: a\n    query: 'tilte+summary:x'\n",
     "r.yaml:3:13: query: unknown field 'tilte+summary:' (did you mean 'title+summary:'?) (expected one of title:, summary:, "
     "body:, title+summary:, summary+body:, title+body:, title+summary+body:, site:, source:, lang:)"),
])
def test_unknown_within_pos_and_fields_are_located_with_did_you_mean(yaml_text: str, expected: str) -> None:
    assert [str(e) for e in errors_of(yaml_text)] == [expected]
