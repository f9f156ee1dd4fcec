"""Names of an article (people, places, bodies) as the entities a story compares, and its real figures.

- *Names are phrases*: "Kim Jong Un", "Volodymyr Zelensky", one entity each, folded.
- *Variants fold to the canonical entity*: the rules' matched spans say "Moscow" is
  Russia and "Kim Jong-un" is Kim Jong Un, whatever rule matched them, so a variant is
  never a new name.
- *A part is not a new entity*: "Kim" after "Kim Jong Un" (or before it) is the same
  person (``same_entity``).
- *Labels and topic words are not names*: a headline's " | First Thing" or " – live"
  is cut before reading names; a capitalised word that the article also writes in
  lower case ("Ties", "Talks") is a topic word.
- *Figures are facts, dates are not*: a day of the month next to a month, a time, a
  year or an ordinal ("13 September", "10:30", "2022", "3rd") is no new figure.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from vigie.common.text import fold, folded_word, sentences
from vigie.stories import rarity

_TOKEN = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
# " | First Thing", " | Charlotte Higgins", " – live", " - video": the outlet's labels, not the event.
_LABEL = re.compile(
    r"\s+\|\s+[^|]*$|\s+[–—-]\s+(?:[\w-]+\s+){0,3}(?:live|video|podcast|as it happened|in pictures|explainer)\s*$", re.I
)
_CLAUSE_START = frozenset(":;—–-\"“‘«('")
# Titles before a name ("President Biden" is Biden) and adjectives of nationality ("Russian",
# "Thai") are not entities of their own.
_TITLES = frozenset("""
    president vice prime minister foreign defence defense secretary chancellor king queen pope general gen leader
    mr mrs ms dr sir senator sen rep governor mayor ambassador spokesman spokeswoman chief commander
    president presidente ministre premier chef chancelier dirigeant porte-parole
    """.split())
# "Republicans" ends as "Americans" does but names a party, not a nationality ("House Republicans").
_DEMONYM = re.compile(r"(?:ian|ians|ean|eans|(?<!republ)ican|(?<!republ)icans|ese|ish|ais|aise|ien|iens|ienne|iennes|thai|swiss|dutch)$")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|"
    "nov(?:ember)?|dec(?:ember)?|janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|"
    "novembre|decembre|décembre"
)
_DATES = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}[:h.]\d{2}\s*(?:am|pm|a\.m\.|p\.m\.)?|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\b\d+(?:st|nd|rd|th|e|er|eme|ème|ère)\b|\b\d{1,4}[/-]\d{1,2}(?:[/-]\d{1,4})?\b"
    # durations and days of a war place the event, they are not its figures: "10 months", "day 289"
    r"|\b\d+[\s-]+(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|ans|mois|semaines|jours|heures|secondes)\b"
    r"|\b(?:day|jour)\s+\d+\b|\b[A-Z]\d+\b",
    re.I,
)
# A figure: digits (with thousands separators or a decimal point) and an optional scale.
_FIGURE = re.compile(
    r"(?<![\w.,&#])(\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(bn|b|billions?|milliards?|m|millions?|k|thousands?|mille|%|per ?cent|pour ?cent)\b)?(?![\w])",
    re.I,
)
_UNITS = {"bn": 1e9, "b": 1e9, "billion": 1e9, "milliard": 1e9, "m": 1e6, "million": 1e6, "k": 1e3, "thousand": 1e3, "mille": 1e3}
FIGURE_TOLERANCE = 0.15  # a figure within 15% of a known one is that one, rounded
# Distances place the event ("60km off the coast"): no new fact, but shared by its reports.
_DISTANCES = re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:km|kilometres?|kilometers?|miles?|metres?|meters?|mi)\b", re.I)
_YEAR = re.compile(r"^(19|20)\d\d$")
# "fires 3 more missiles", "another 2 killed": a count of new instances, news even when the
# story already has the same figure (its value is "3 more", never close to a known one).
_MORE_AFTER = re.compile(r"\s+(?:more|additional|further|new|de plus|autres|nouveaux|nouvelles|supplémentaires)\b", re.I)
_MORE_BEFORE = re.compile(r"\b(?:another|other|encore)\s+$", re.I)
# Counts written in words are figures too ("killed two people" is "killed 2"); "one" is left
# out: "one of", "one day" are rarely the event's count. "two dozen" is 24.
_WORDS = {w: n for n, ws in enumerate([
    "", "", "two deux", "three trois", "four quatre", "five cinq", "six", "seven sept", "eight huit", "nine neuf",
    "ten dix", "eleven onze", "twelve douze", "thirteen treize", "fourteen quatorze", "fifteen quinze",
    "sixteen seize", "seventeen", "eighteen", "nineteen", "twenty vingt"]) for w in ws.split()}
_WORDS.update({"thirty": 30, "trente": 30, "forty": 40, "quarante": 40, "fifty": 50, "cinquante": 50,
               "hundred": 100, "dozen": 12, "douzaine": 12})
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?:(\s+dozen)|([\s-]+hundred))?\b", re.I
)
# Numbers that name or describe rather than count: "Group of 20", "two-time Olympic gold medalist",
# "for the third time", "three times" (a frequency), as the dates above place rather than count.
_NOT_COUNTS = re.compile(r"\bgroup\s+of\s+\d+\b|\b\d+[\s-]+times?\b", re.I)


def _digits(m: "re.Match[str]") -> str:
    """A number word as digits, padded to its length so that offsets stay true."""
    n = _WORDS[m.group(1).lower()] * (12 if m.group(2) else 100 if m.group(3) else 1)
    return str(n).ljust(len(m.group(0)))


def without_labels(title: str) -> str:
    """The headline without the outlet's trailing label (" | First Thing", " – live")."""
    return _LABEL.sub("", title).strip()


def name_phrases(
    text: str, stop: "frozenset[str] | set[str]", not_names: "frozenset[str] | set[str]", *, title_case: bool = False,
    known_names: "frozenset[str] | set[str]" = frozenset(),
) -> list[str]:
    """Runs of capitalised words (folded, hyphens as spaces, joined by one space), in order of appearance.

    A sentence's or clause's first word starts a name only when it is an acronym ("NATO envoys ...")
    or the next word is capitalised too and it is no common word ("Kim Jong Un sends ...", not "Hear McCarthy");
    function words, titles and labels break a run. In a Headline Written In Title Case
    only rare words (``vigie.stories.rarity``) and ``known_names`` (the words the lede
    writes capitalised mid-sentence) are taken for names.
    """
    lowered = {fold(m.group(0)) for m in _TOKEN.finditer(text) if m.group(0)[0].islower()}
    out: list[str] = []
    for sentence in sentences(text):
        run: list[str] = []
        tokens = list(_TOKEN.finditer(sentence))
        for i, m in enumerate(tokens):
            tok = m.group(0)
            base = folded_word(tok)
            opens = i == 0 or (sentence[: m.start()].rstrip()[-1:] in _CLAUSE_START)
            capital = tok[0].isupper() and not base.isdigit() and (
                not title_case or rarity.zipf(base) < 3.0 or base in known_names)
            if capital and opens:
                # An acronym is a name wherever it stands ("NATO envoys to meet"), words rarely are.
                nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
                acronym = tok.isupper() and 2 <= len(tok) <= 5
                capital = base not in stop and (acronym or (bool(nxt) and nxt[0].isupper() and rarity.zipf(base) < 4.8))
            if capital and (base in stop or base in not_names or base in lowered or len(base) < 2 or base in _TITLES):
                capital = False
            if run and sentence[tokens[i - 1].end() : m.start()].strip():  # "Kursk, Zelensky": two names
                out.append(" ".join(run))
                run = []
            if capital:
                run.extend(p for p in base.split("-") if p)
                continue
            if run:
                out.append(" ".join(run))
                run = []
        if run:
            out.append(" ".join(run))
    return [p for p in out if len(p) >= 3 and not any(_DEMONYM.search(w) for w in p.split())]


def canonical_names(phrases: Iterable[str], aliases: Mapping[str, str], entities: "set[str] | frozenset[str]") -> set[str]:
    """``phrases`` with each variant replaced by its canonical entity (``aliases``: folded variant -> folded
    entity), and a phrase that is part of one of ``entities`` (or holds one) replaced by that entity."""
    out: set[str] = set()
    for p in phrases:
        canon = aliases.get(p)
        if canon is None:
            canon = next((aliases[v] for v in aliases if _within(v, p) or _within(p, v)), None)
        if canon is None:
            canon = next((e for e in sorted(entities) if same_entity(p, e)), p)
        out.add(canon)
    return out


def same_entity(a: str, b: str) -> bool:
    """True when one folded name is the other or a part of it ("kim" and "kim jong un")."""
    return a == b or _within(a, b) or _within(b, a)


def known_entity(name: str, known: "set[str] | frozenset[str]") -> bool:
    """Whether ``name`` is one of ``known``, a part of one, or holds one."""
    return name in known or any(same_entity(name, k) for k in known)


def figure_spans(text: str, *, places: bool = False) -> list[tuple[int, int, str]]:
    """Where the figures of a text are, and their values ("$1.8bn" and "1.8 billion" are both
    "1800000000"); dates, times, years, ordinals and durations are not figures, nor
    distances unless ``places``."""
    blanked = _NOT_COUNTS.sub(lambda m: " " * len(m.group(0)), _NUMBER_WORD.sub(_digits, text))
    blanked = _DATES.sub(lambda m: " " * len(m.group(0)), blanked)
    if not places:
        blanked = _DISTANCES.sub(lambda m: " " * len(m.group(0)), blanked)
    out = []
    for m in _FIGURE.finditer(blanked):
        value = _value(m.group(1), m.group(2) or "")
        if value is not None:
            more = _MORE_AFTER.match(blanked, m.end()) or _MORE_BEFORE.search(blanked[max(0, m.start() - 12) : m.start()])
            out.append((m.start(), m.end(), f"{value} more" if more else value))
    return out


def figures_in(text: str, *, places: bool = False) -> set[str]:
    """The values of the figures of a text (``figure_spans``)."""
    return {v for _s, _e, v in figure_spans(text, places=places)}


def new_figures(figures: "set[str] | frozenset[str]", known: "set[str] | frozenset[str]") -> set[str]:
    """``figures`` the story does not have, even rounded ("nearly $2bn" after "$1.8bn" is known)."""
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= FIGURE_TOLERANCE * max(abs(a), abs(b))

    have = [float(k) for k in known if _is_number(k)]
    return {f for f in figures if not _is_number(f) or not any(close(float(f), k) for k in have)}


def _value(digits: str, unit: str) -> str | None:
    # "1,200" and "1 200" are thousands; "1.8" is a decimal (one or two digits after the point).
    d = digits.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", d):
        number = float(re.sub(r"[,.]", "", d))
    else:
        try:
            number = float(d.replace(",", "."))
        except ValueError:
            return None
    if _YEAR.match(d) and not unit:
        return None
    number *= _UNITS.get(unit.lower().rstrip("s").strip(), 1)
    return str(int(number)) if number == int(number) else f"{number:g}"


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _within(part: str, whole: str) -> bool:
    """``part``'s words appear, in order and together, in ``whole``'s."""
    if part == whole or not part or not whole:
        return False
    return f" {part} " in f" {whole} "
