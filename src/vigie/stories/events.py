"""Event words: what happened (killed, met, signed, launched, ended, sanctions ...), in English and French.

A development is a new fact; one kind of new fact is an event its story had not
reported ("talks" then "signed"; "troops deployed" then "soldiers killed"). Each class
lists the folded word forms of both languages (inflections spelt out: they are few
and irregular: "met", "struck", "tués"), so an English and a French report of one
event carry the same class and a translation is not a development.
"""

from __future__ import annotations

import re

from vigie.common.text import fold

_CLASSES: dict[str, str] = {
    "killed": """kill kills killed killing dead die dies died dying toll fatalities
        tue tues tuent tuant tuee tuees mort morts morte mortes meurt meurent deces victimes""",
    "wounded": """wounded injured injuring injures injure blesse blesses blessee blessees blessant blessures""",
    "met": """meet meets met meeting meetings summit rencontre rencontrent rencontres rencontree sommet entretien""",
    "signed": """sign signs signed signing signe signes signee signent signature""",
    "agreed": """agree agrees agreed agreement accord accords entente""",
    "launched": """launch launches launched launching fired fires firing tir tirs tire tirent lance lancent lancee
        lancement lancements""",
    "ended": """ended ending termine terminee terminent prend-fin ceasefire cessez-le-feu truce treve""",
    "sanctions": """sanction sanctions sanctioned sanctioning sanctionne sanctionnes embargo""",
    "attacked": """attack attacks attacked attacking strike strikes struck bombed bombing shelled shelling
        attaque attaques attaquent attaquee frappe frappes frappent bombarde bombardement bombardements""",
    "arrested": """arrest arrests arrested detained detains detain arrete arretes arretee arrestation interpelle""",
    "resigned": """resign resigns resigned resignation quits quit demission demissionne demissionnent""",
    "elected": """elected elu elue elus""",
    "arrived": """arrive arrives arrived arriving arrivee""",
    "addressed": """addresses addressed discours""",
    "invaded": """invade invades invaded envahi envahit envahissent""",  # not "invasion": "day 253 of the invasion" is context
    "seized": """seize seizes seized captured capture captures annexed annexes annexation annexe annexion prise""",
    "released": """release releases released freed frees libere liberes liberee libere liberation""",
    "withdrew": """withdraw withdraws withdrew withdrawn withdrawal retreat retreats retreated retrait retire retirent""",
    "exploded": """explosion explosions exploded explodes blast blasts explose explosent""",
    "evacuated": """evacuate evacuated evacuates evacuation evacue evacuee evacues evacuent""",
    "deployed": """deploy deploys deployed deploying deployment deploie deploye deployes deployees deploiement""",
    "visited": """visit visits visited visiting visite visitent visitee""",
    "banned": """ban bans banned banning interdit interdisent interdiction""",
    "accused": """accuse accuses accused accusing blame blames blamed blaming accusent accusee accusation accusations""",
    "denied": """deny denies denied denying denial dement dementi dementent nie nient""",
    "charged": """charged indicted convicted sentenced inculpe condamne condamnes condamnee""",
}

_FORMS: dict[str, str] = {form: cls for cls, words in _CLASSES.items() for form in words.split()}
_WORD = re.compile(r"[^\W_][\w-]*", re.UNICODE)


def events_in(text: str) -> set[str]:
    """The event classes a text reports ("Zelensky says 30 soldiers killed" -> {"killed"})."""
    return {_FORMS[w] for w in _WORD.findall(fold(text)) if w in _FORMS}


def event_spans(text: str, classes: "set[str] | frozenset[str]") -> list[tuple[int, int]]:
    """Where in ``text`` (character offsets) the words of ``classes`` are."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed lengths: offsets would not fit
        return []
    return [(m.start(), m.end()) for m in _WORD.finditer(folded) if _FORMS.get(m.group(0)) in classes]
