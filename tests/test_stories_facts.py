"""What counts as a new fact, on headlines and ledes of the labelled days: event classes (verbs and
nouns, English and French, through the lemma tables), counts written in words, and actors (names
that act or speak) apart from names of the background."""

from __future__ import annotations

import pytest

from vigie.stories.actors import actors_in, party
from vigie.stories.events import events_in, material
from vigie.stories.names import figures_in


@pytest.mark.parametrize("text, expected", [
    ("North and South Korea exchange missile launches", {"exchanged", "launched"}),
    ("Japan halts trains after missile alert", {"halted"}),
    ("US declines to comment on reports", {"rejected"}),
    ("Brittney Griner Lands in U.S. After Being Released", {"landed", "released"}),
    ("Russia denies responsibility for Poland blast", {"denied", "exploded"}),
    ("Zelenskyy presents battle-scarred Ukrainian flag to Congress", {"provided"}),
    ("Poutine a rencontré Xi ; trois morts", {"met", "killed"}),
    ("Zelensky says he is ready", set()),  # a statement is no event
    ("Zelensky says he is en route", {"departed"}),  # what it says is: a party on its way
    ("Biden says Griner is on her way home; help is on the way", {"departed"}),  # "on the way": what is coming
    ("air raid warning, free trade, a fire", set()),  # broad forms are left out
])
def test_event_classes(text: str, expected: set[str]) -> None:
    assert events_in(text) == expected


def test_only_material_events_single_out_an_incident() -> None:
    assert material({"met", "accused", "killed", "launched"}) == {"killed", "launched"}


@pytest.mark.parametrize("text, expected", [
    ("Projectiles have reportedly killed two people", {"2"}),
    ("a day after launching nearly two dozen missiles", {"24"}),
    ("deux morts dans l'explosion", {"2"}),
    ("during Moscow's nine-month occupation", set()),  # a duration
    ("two weeks ago, 5 per cent", {"5"}),
])
def test_counts_in_words_are_figures(text: str, expected: set[str]) -> None:
    assert figures_in(text) == expected


@pytest.mark.parametrize("text, phrases, expected", [
    ("NATO envoys to meet after explosion in Poland sparks concern", ["nato", "poland"], {"nato"}),
    ("NATO chief: 'No indication' that missile in Poland was a 'deliberate attack'", ["nato", "poland"], {"nato"}),
    ("Missile that hit Poland likely came from Ukraine defences, say Warsaw and Nato",
     ["poland", "ukraine", "warsaw", "nato"], {"warsaw", "nato"}),
    ("Estonia's Prime Minister Kaja Kallas tells Christiane Amanpour NATO countries should see the bigger picture",
     ["estonia", "kaja kallas", "christiane amanpour", "nato"], {"kaja kallas"}),
    ("Hear McCarthy's reaction to Brittney Griner's release", ["mccarthy", "brittney griner"], {"mccarthy"}),
    ("Griner's flight lands in San Antonio, Texas", ["brittney griner", "san antonio", "texas"], set()),
    ("Zelenskiy invokes fight against Nazi Germany in speech to US Congress", ["nazi germany", "congress"], set()),
    ("Viktor Bout: Russian arms dealer known as the 'Merchant of Death' swapped for Brittney Griner",
     ["viktor bout", "death", "brittney griner"], {"viktor bout"}),
    ("Zelenskyy says Putin lied at 2019 Normandy meeting", ["zelenskyy", "putin", "normandy"], {"zelenskyy"}),
    ("World leaders at Bali summit gather in emergency summit", ["bali"], set()),
    ("The visit will be the first time he has left his country since Russia invaded in February", ["russia"], set()),
    ("White House says North Korea is sending artillery shells", ["house", "north korea"], {"white house"}),
])
def test_actors_are_names_that_act_or_speak(text: str, phrases: list[str], expected: set[str]) -> None:
    assert actors_in(text, phrases) == expected


def test_a_seat_of_government_speaks_for_its_country() -> None:
    assert party("kremlin") == "russia" and party("white house") == "united states" and party("nato") == "nato"
