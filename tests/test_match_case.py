"""case: sensitive: a word or variant that only counts with the capitals it is written with."""

from __future__ import annotations

import pytest

from support_rules import article, fired, matcher

CASE = """
entities:
  arm: {name: Arm Holdings, variants: [Arm, Arm Holdings], case: sensitive}
  nato: {name: NATO, variants: [NATO, Alliance atlantique]}
terms:
  weapons: {words: [Arms], case: sensitive, match: exact}
  marines: {words: [Marine], case: sensitive}
  any-arm: {words: [arm]}
rules:
  - {id: arm, match: {entity: arm}}
  - {id: weapons, match: {term: weapons}}
  - {id: marines, match: {term: marines}}
  - {id: any-arm, match: {term: any-arm}}
  - {id: text-sensitive, match: {text: May, case: sensitive}}
  - {id: nato, match: {entity: nato}}
"""


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Arm shares jump after chip deal", {"arm", "any-arm"}),
        ("Soldier injured in the arm", {"any-arm"}),  # the body part is not the chip maker
        ("Arm Holdings files for listing", {"arm", "any-arm"}),
        ("Wounded arm holdings", {"any-arm"}),
        ("Arms Sales Rise", {"weapons", "any-arm"}),
        ("arms sales rise", {"any-arm"}),
        ("Marines Land", {"marines"}),  # a case-sensitive term still takes its inflections ...
        ("marines land", set()),  # ... with the capitals it is written with
        ("Theresa May resigns", {"text-sensitive"}),
        ("Troops may withdraw", set()),
        ("NATO summit", {"nato"}),  # acronyms keep their own rule: capitals only
        ("l'Alliance Atlantique", {"nato"}),  # a case-insensitive variant ignores capitals
    ],
)
def test_case_sensitive_words(title: str, expected: set[str]) -> None:
    assert set(fired(matcher(CASE), article(title=title))) == expected
