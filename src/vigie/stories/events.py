"""Event words: what happened (killed, met, signed, launched, denied, freed ...), in English and French.

A development is a new fact; one kind of new fact is an event its story had not
reported ("talks" then "signed"; "troops deployed" then "soldiers killed"). The classes
follow the families of a general political-event ontology (the CAMEO event
categories: appeals, promises, consultations and visits, agreements, aid, yielding,
investigations, demands, disapproval, rejection, threats, protests, force posture,
reduced relations, coercion, assault, fighting, deaths) rather than the words of any
one story: each class names the lemmas of both languages, verbs and event nouns, and
their inflections come from the lookup lemmatizer the rules use
(``vigie.rules.lemmas.inflections``), so "meet", "met", "meeting" and "rencontrent"
are one class and an English and a French report of one event carry the same class.

A party on its way ("en route", "heads to", "embarks") is a class of its own: the trip under way, where
"visit" is said of plans as much.

Statements ("says", "tells") are no class: every report says something. A few forms
are spelt out where a lemma is too broad ("lands"/"landed" but not the noun "land";
"presents"/"presented" but not the adjective "present").
"""

from __future__ import annotations

import functools
import re

from vigie.common.text import fold

# class -> (English lemmas, French lemmas, forms spelt out as they are)
_CLASSES: dict[str, tuple[str, str, str]] = {
    # deaths, wounds, assault and fighting
    "killed": ("kill die toll fatality", "tuer mourir mort décès victime", "dead deaths killed died tue tues tuee tuees morts"),
    "wounded": ("injure injury", "blesser blessure", "wound wounds wounded injured blesse blesses blessee blessees"),
    "attacked": ("attack strike bomb bombing shell shelling assault", "attaquer attaque frapper frappe bombarder bombardement",
                 "struck"),
    "launched": ("launch fire", "lancer lancement tirer tir", "fired"),
    "exploded": ("explode explosion blast", "exploser explosion", ""),
    "invaded": ("invade", "envahir", ""),  # not "invasion": "day 253 of the invasion" is context
    "seized": ("seize capture annex annexation", "capturer annexer annexion", "prise"),
    # force posture
    "deployed": ("deploy deployment", "déployer déploiement", ""),
    "mobilised": ("mobilise mobilize mobilisation mobilization conscript conscription", "mobiliser mobilisation", ""),
    "withdrew": ("withdraw withdrawal retreat", "retirer retrait", "withdrew withdrawn"),
    "evacuated": ("evacuate evacuation", "évacuer évacuation", ""),
    # coercion
    "arrested": ("arrest detain", "arrêter arrestation interpeller", "arrested detained"),
    "charged": ("indict convict sentence", "inculper condamner", "charged"),
    "sanctions": ("sanction embargo", "sanctionner sanction embargo", ""),
    "banned": ("ban", "interdire interdiction", ""),
    "expelled": ("expel deport", "expulser", ""),
    "halted": ("halt suspend", "suspendre interrompre", ""),
    # consultations, visits, movement of the parties
    "met": ("meet meeting summit negotiate negotiation", "rencontrer rencontre sommet entretien négocier négociation",
            "talks met"),
    "visited": ("visit", "visiter visite", ""),
    "arrived": ("arrive arrival", "arriver arrivée", ""),
    "landed": ("", "atterrir", "lands landed landing"),
    # on the way: the trip under way, not planned ("en route", "heads to"; ``_ON_THE_WAY``)
    "departed": ("depart departure embark", "", ""),
    "addressed": ("speech", "discours", "addresses addressed"),
    # agreements and cooperation
    "agreed": ("agree agreement", "accord entente", ""),
    "signed": ("sign signature", "signer signature", ""),
    "exchanged": ("exchange swap", "échanger échange", ""),
    "provided": ("provide supply donate", "fournir", "presents presented"),
    "released": ("release free", "libérer libération", "freed"),
    "ended": ("ceasefire truce", "terminer trêve", "ended ending cessez-le-feu prend-fin"),
    "pledged": ("pledge promise vow", "promettre", ""),
    "appealed": ("urge appeal plead", "exhorter implorer", ""),
    # investigations, findings, demands
    "investigated": ("investigate investigation probe inquiry", "enquêter enquête", ""),
    "concluded": ("conclude conclusion", "conclure", ""),
    "demanded": ("demand", "exiger réclamer", ""),
    # disapproval and rejection
    "accused": ("accuse accusation blame", "accuser accusation", ""),
    "denied": ("deny denial", "démentir démenti nier", ""),
    "condemned": ("condemn criticise criticize denounce", "dénoncer critiquer", ""),
    "rejected": ("reject refuse decline veto", "rejeter refuser", ""),
    "threatened": ("threaten threat", "menacer menace", ""),
    "protested": ("protest protester", "manifester manifestation protester", ""),
    # office
    "resigned": ("resign resignation quit", "démissionner démission", "quits"),
    "elected": ("", "", "elected elu elue elus"),
}

# Material events (CAMEO's material cooperation and conflict: force, coercion, deaths, aid, releases,
# movements of the parties) single out an incident; verbal ones (meetings, promises, appeals,
# accusations, denials, threats, findings) are what every report on a topic does, so only the
# former say that two reports are of one event (``vigie.stories.joining``).
VERBAL = frozenset("met agreed pledged appealed investigated concluded demanded accused denied condemned rejected "
                   "threatened protested addressed".split())

# Positions: what a party says it thinks or wants (CAMEO's appeals, demands, disapproval, rejection,
# threats, and promises). A new one from a party already in the story is a new line of a known
# position ("Russia not to blame", "vows to win"), not a new fact; from a new party, that party is the
# news (``vigie.stories.developments``).
POSITIONS = frozenset("pledged appealed demanded accused condemned rejected threatened".split())

_WORD = re.compile(r"[^\W_][\w-]*", re.UNICODE)
# Forms a lemmatizer also reads as other words, and that would fire on every report:
# "free" ("free trade"), "fire" (the blaze), "sentence" (grammar), "shell" (a company), "livre" (a book),
# "retraite" (a pension).
_TOO_BROAD = frozenset("free fire sentence sentences shell shells livre livres retraite retraites".split())


@functools.lru_cache(maxsize=1)
def _forms() -> dict[str, str]:
    """Folded word form -> event class, built once (the lemma tables load on first use)."""
    from vigie.rules.lemmas import inflections

    out: dict[str, str] = {}
    for cls, (en, fr, spelt) in _CLASSES.items():
        words = {fold(w) for w in spelt.split()}
        for lang, lemmas in (("en", en), ("fr", fr)):
            for lemma in lemmas.split():
                words |= {w for w in inflections(fold(lemma) if lang == "en" else lemma, lang)}
        for w in words - _TOO_BROAD:
            out.setdefault(w, cls)
    return out


# A party on its way, in the words headlines use for it; "travel" is left out, said of plans ("may travel")
# and of the topic ("travel ban") as often as of a trip under way.
_ON_THE_WAY = re.compile(
    r"\b(?:en route|on (?:his|her|its|their) way|head(?:s|ed|ing)? (?:to|for)|(?:leaves|leaving|left) for"
    r"|se rend(?:ent)? (?:a|en|au|aux))\b"
)


def events_in(text: str) -> set[str]:
    """The event classes a text reports ("Zelensky says 30 soldiers killed" -> {"killed"})."""
    forms = _forms()
    folded = fold(text)
    return {forms[w] for w in _WORD.findall(folded) if w in forms} | ({"departed"} if _ON_THE_WAY.search(folded) else set())


# "Zelensky to US Congress: 'Your money is not charity ...'", "Macron à Poutine : « ... »": a headline that
# gives a speaker, the audience and the words said reports an address, with no verb to say so.
_ADDRESS = re.compile(
    r"\b(?:to|à|aux?)\s+(?:the\s+|l['’]\s*|la\s+|le\s+|les\s+)?(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*\s*:\s*[\"'‘“«]"
)


def headline_events(title: str) -> set[str]:
    """The event classes a headline reports: its words' (``events_in``), and an address when it is written
    "Speaker to Audience: 'words'"."""
    return events_in(title) | ({"addressed"} if _ADDRESS.search(title) else set())


def event_class(word: str) -> str | None:
    """The event class of one folded word ("denies" -> "denied"), None for other words."""
    return _forms().get(word)


def material(classes: "set[str] | frozenset[str]") -> frozenset[str]:
    """The material events among ``classes`` (what singles out an incident)."""
    return frozenset(classes) - VERBAL


def event_spans(text: str, classes: "set[str] | frozenset[str]") -> list[tuple[int, int]]:
    """Where in ``text`` (character offsets) the words of ``classes`` are."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed lengths: offsets would not fit
        return []
    forms = _forms()
    return [(m.start(), m.end()) for m in _WORD.finditer(folded) if forms.get(m.group(0)) in classes]
