"""Actors: the names that act or speak in a headline or lede, not those it only mentions.

A new salient actor is a development ("NATO envoys to meet", "Russia denies ...",
"..., says Estonia's prime minister Kallas"); a name of the background is not ("in San
Antonio", "Merchant of Death", "invokes World War II", "channels Churchill"). Without a
parser, news grammar is enough to tell them apart: an actor is a name in a subject or
speaker position --

- followed (after its titles and roles: "NATO chief", "Poland's president", "the
  Kremlin's spokesman") by a verb of speech (says, warns, insists ...) or of an event
  (``vigie.stories.events``: denies, meets, arrives ...), directly or after "to", "will",
  "has" ("Zelensky to address", "Biden will meet");
- opening a headline's quote ("NATO chief: 'No indication' ...", "Biden: U.S. committed ...");
- named right after a verb of speech ("..., says Warsaw", "according to Seoul").

May import: ``vigie.common``, ``vigie.rules.lemmas``, ``vigie.stories.events``.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator

from vigie.common.text import fold, folded_word
from vigie.stories.events import event_class

_TOKEN = re.compile(r"[^\W_][\w'’-]*|[:,;.]", re.UNICODE)
# Verbs by which a party speaks (CAMEO's public statements; English and French lemmas).
_SPEECH = {
    "en": """say tell warn insist claim announce confirm declare comment urge call respond reply admit
        acknowledge reiterate predict express hold speak plan want seek ask thank praise welcome hail back support
        oppose believe argue suggest dismiss vow pledge promise describe""",
    "fr": """dire déclarer annoncer affirmer assurer estimer avertir prévenir appeler confirmer reconnaître juger
        exiger réagir répondre promettre soutenir""",
}
# Words between a name and its verb that make it a role of the same party: "NATO chief says".
_ROLES = frozenset("""
    chief president leader leaders envoy envoys official officials minister ministers prime pm foreign defence defense
    secretary general spokesman spokeswoman spokesperson government military forces army navy office ministry
    authorities state media police prosecutors lawmakers senators ambassador administration council top senior
    premier ministre chef porte-parole gouvernement armee autorites
    """.split())
# What the owner of a possessive said: "Hear McCarthy's reaction", "Biden's remarks".
_SAYINGS = frozenset("reaction reactions response statement message remarks comments plea warning interview".split())
# A name after these opens a clause of the background: "since Russia invaded", "as G20 leaders meet".
_BACKGROUND = frozenset("since as after while when before until amid because depuis alors apres avant pendant".split())
# Past forms that end in neither -s nor -ed: a headline's verb without an auxiliary is one of these or ends so.
_IRREGULAR = frozenset("said told met struck held spoke gave left sent hit shot fought led took made won lost withdrew "
                       "came went fled flew drew began bought sold brought caught".split())
_AUXILIARIES = frozenset("to will would has have had is are was were may might could should can must also now a".split())
_SPEAKS_BEFORE = frozenset("says say said tells told according dit declare selon affirme estime".split())


@functools.lru_cache(maxsize=1)
def _speech_forms() -> frozenset[str]:
    from vigie.rules.lemmas import inflections

    return frozenset(f for lang, words in _SPEECH.items() for w in words.split() for f in inflections(w, lang))


# "X reacts to Y's speech": in headlines, the form of a commentator's or a relative's segment (a party
# condemns, warns, says); the reactor is no actor of the story (its labelling guide's first hard case).
_REACTS = re.compile(r"\b(?:reacts?|reacting)\b", re.IGNORECASE)


def reacts(headline: str) -> bool:
    """Whether ``headline`` reports someone reacting ("Hillary Clinton reacts to Zelensky's speech")."""
    return _REACTS.search(headline) is not None


def speaks(word: str) -> bool:
    """Whether a folded word is a verb of speech ("says", "warns", "insiste")."""
    return word in _speech_forms()


def _acts(word: str) -> bool:
    return word in _speech_forms() or event_class(word) is not None


def actors_in(text: str, phrases: Iterable[str], *, by_verb: bool = False) -> set[str]:
    """Those of ``phrases`` (folded names found in ``text``, as ``vigie.stories.names.name_phrases``
    gives them) that act or speak in ``text``. ``by_verb``: only those a verb in the active voice says
    act, not a headline's opener before a colon ("North Korea: Air raid warning ..." is a topic as often
    as a speaker) nor the subject of a headline's passive ("Griner freed in swap")."""
    parts: list[str] = []  # hyphenated tokens split, as name phrases are
    capital: list[bool] = []
    owner: set[int] = set()  # indices of words written with a possessive ("Zelensky's")
    for m in _TOKEN.finditer(text):
        raw = fold(m.group(0)).replace("’", "'")
        split = [p for p in folded_word(raw).split("-") if p] or [raw]
        parts.extend(split)
        capital.extend([m.group(0)[:1].isupper()] * len(split))
        if raw.endswith(("'s", "'")):
            owner.add(len(parts) - 1)
    out: set[str] = set()
    for phrase in set(phrases):
        pw = phrase.split()
        for i in range(len(parts) - len(pw) + 1):
            end = i + len(pw)
            if parts[i:end] != pw or (i > 0 and parts[i - 1] in ("of", "de", "du", "des")):  # "Merchant of Death"
                continue
            if i > 0 and parts[i - 1] in _BACKGROUND:
                continue
            if _source(parts, i, end):
                continue
            if _acts_after(parts, end, owned=end - 1 in owner, by_verb=by_verb) or _spoken_before(parts, i, end):
                # A seat of government whose first word opened the sentence and was dropped ("White House").
                fuller = f"{parts[i - 1]} {phrase}" if i == 1 and capital[0] else ""
                out.add(fuller if fuller in _PARTY else phrase)
                break
    return out


# Seats of government and capitals stand for their country when they act or speak ("the Kremlin
# says", "Warsaw and NATO say"): a party already in the story under its country's name is no new actor.
_SEATS = {
    "united states": "white house, pentagon, washington, us, u s, usa, america, state department",
    "russia": "kremlin, moscow, moscou",
    "united kingdom": "downing street, london, whitehall, uk, britain",
    "france": "elysee, paris, quai d'orsay", "germany": "berlin", "ukraine": "kyiv, kiev", "poland": "warsaw, varsovie",
    "china": "beijing, pekin", "north korea": "pyongyang", "south korea": "seoul", "japan": "tokyo",
    "iran": "tehran, teheran", "turkey": "ankara", "belarus": "minsk", "syria": "damascus, damas", "iraq": "baghdad",
    "saudi arabia": "riyadh", "india": "new delhi", "pakistan": "islamabad", "taiwan": "taipei", "estonia": "tallinn",
    "latvia": "riga", "lithuania": "vilnius", "finland": "helsinki", "sweden": "stockholm", "norway": "oslo",
    "italy": "rome", "spain": "madrid", "canada": "ottawa", "australia": "canberra", "hungary": "budapest",
    "romania": "bucharest", "moldova": "chisinau", "georgia": "tbilisi", "armenia": "yerevan", "azerbaijan": "baku",
    "venezuela": "caracas", "cuba": "havana", "egypt": "cairo", "israel": "tel aviv", "afghanistan": "kabul",
}
_PARTY = {seat.strip(): country for country, seats in _SEATS.items() for seat in seats.split(",")}


def party(name: str) -> str:
    """The country a seat of government or capital stands for ("kremlin" -> "russia"), else ``name``."""
    return _PARTY.get(name, name)


def _acts_after(parts: list[str], j: int, *, owned: bool, by_verb: bool = False) -> bool:
    """A verb after the name (past its roles): "NATO chief says", "Russia denies", "Zelensky to address".
    After a possessive only a role may come ("Poland's president says", not "Zelensky's speech"); a
    word in -ing right after the name is a noun ("the Normandy meeting"), after an auxiliary a verb."""
    start = j
    while j < len(parts) and (parts[j] in _ROLES or parts[j] in ("the", "s")):
        j += 1
    if owned and j == start:
        return j < len(parts) and parts[j] in _SAYINGS
    if j < len(parts) and parts[j] == ":":
        return not by_verb
    aux = j
    while j < len(parts) and parts[j] in _AUXILIARIES:
        j += 1
    if j >= len(parts):
        return False
    word = parts[j]
    # Headlinese drops "was": an event's past participle right after the name is a passive ("Griner
    # freed", "Whelan detained"), the name undergoes it; a headline's active verb is in the present.
    if by_verb and j == start and not speaks(word) and (word.endswith("ed") or word in _IRREGULAR):
        return False
    # Without an auxiliary, a verb of a headline ends in -s or -ed or is an irregular past; "the Bali
    # summit", "the Normandy meeting" are nouns.
    finite = word in _IRREGULAR or word.endswith("ed") or (word.endswith("s") and not word.endswith("ss"))
    return _acts(word) and (j > aux or finite)


def _source(parts: list[str], i: int, end: int) -> bool:
    """A trailing attribution ", X says" or ", says X" after a clause that reports an event ("North Korea
    fires 10 missiles, South Korea says", "Pyongyang fires suspected long-range missile, says Seoul"): X
    names where the news comes from, not a party acting in it. After a clause of words only ("NATO must
    keep 'cool head' ..., says Estonian PM") the speaker is the news."""
    j = end
    while j < len(parts) and parts[j] in _ROLES:
        j += 1
    if i > 0 and parts[i - 1] == ",":  # ", X says" closing the headline
        comma = i - 1
        said = j < len(parts) and parts[j] in _SPEAKS_BEFORE and all(p == "." for p in parts[j + 1 :])
    else:  # ", says X" closing the headline
        comma = i - 2
        said = i >= 2 and parts[i - 2] == "," and parts[i - 1] in _SPEAKS_BEFORE and all(p == "." for p in parts[j:])
    return said and any(event_class(w) is not None and not speaks(w) for w in parts[:comma])


def _spoken_before(parts: list[str], i: int, end: int) -> bool:
    """A verb of speech just before the name ("say Warsaw and Nato"), the name closing the clause: in
    "says Putin lied", Putin is the subject of what is reported, not the speaker."""
    closes = end >= len(parts) or parts[end] in (",", ";", ".", "and", "et")
    return closes and any(w in _SPEAKS_BEFORE for w in parts[max(0, i - 3) : i])


# Events two parties do together: "Zelensky will meet with Biden" is Biden meeting Zelensky too.
_MUTUAL = frozenset("met agreed signed exchanged".split())
_BEFORE_COUNTERPART = frozenset("with avec the president us u s".split())


def counterparts(text: str, phrases: Iterable[str]) -> set[str]:
    """Those of ``phrases`` named right after the verb of an event two parties do together ("Zelensky
    will meet with Biden" -> Biden): they act in it as much as its subject."""
    words = _headline_words(text)
    out: set[str] = set()
    for phrase, i, _ in _after_first_word(words, phrases):
        k = i - 1
        while k > 0 and words[k] in _BEFORE_COUNTERPART:
            k -= 1
        if event_class(words[k]) in _MUTUAL:
            out.add(phrase)
    return out


_TELLS = frozenset("tells told tell dit address addresses addressed addressing".split())


def audiences(text: str, phrases: Iterable[str]) -> set[str]:
    """Those of ``phrases`` named right after a verb of telling or addressing ("Viktor Bout Tells Maria Butina
    the US ...", "Zelensky is planning to address Congress"): whom a party spoke to, an interview or an audience
    the story did not have."""
    words = _headline_words(text)
    return {phrase for phrase, i, _ in _after_first_word(words, phrases) if words[i - 1] in _TELLS}


_CONCURRENT = frozenset("as while alors".split())


def concurrent(text: str, phrases: Iterable[str], stop: "frozenset[str] | set[str]") -> set[str]:
    """Those of ``phrases`` that open a headline's clause of what happens meanwhile, with a verb ("Zelenskyy
    to address Congress as House Republicans grow skeptical about more aid"): a party of its own."""
    words = _headline_words(text)
    out: set[str] = set()
    for phrase, i, j in _after_first_word(words, phrases):
        if words[i - 1] not in _CONCURRENT:
            continue
        while j < len(words) and words[j] in _ROLES:
            j += 1
        if j < len(words) and words[j].isalpha() and words[j] not in stop:
            out.add(phrase)
    return out


def _headline_words(text: str) -> list[str]:
    """``text``'s words folded, hyphenated ones split (as name phrases are), punctuation kept as tokens."""
    return [p for m in _TOKEN.finditer(text) for p in folded_word(fold(m.group(0)).replace("’", "'")).split("-") if p]


def _after_first_word(words: list[str], phrases: Iterable[str]) -> Iterator[tuple[str, int, int]]:
    """Every occurrence of each of ``phrases`` in ``words`` past the first word, as (phrase, its first
    index, the index after it): the callers test the words around it."""
    for phrase in set(phrases):
        pw = phrase.split()
        for i in range(1, len(words) - len(pw) + 1):
            if words[i : i + len(pw)] == pw:
                yield phrase, i, i + len(pw)
