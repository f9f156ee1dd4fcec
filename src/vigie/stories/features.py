"""What an article says about its event, as sets novelty can compare.

Novelty needs two judgements that plain string equality cannot make:

- *same event?* -- articles about one event share most of the content words of their
  title and lede, in one language; across languages they share the rule's canonical
  entities (``Match.terms``: "Koursk" and "Kursk" are one canonical term);
- *something new?* -- a development brings a name (person, place, organisation) or a
  figure (a toll, a count) the story did not have, or a new entity of the rule.
  New wording alone (another outlet's rewrite) is not news.

Everything here is pure and cheap: regular expressions over the title and the first
sentence of the summary (``vigie.common.text.sentence_ends``), no model. Words are
compared folded (``vigie.common.text.fold``), without the function words of the
article's language (spaCy's, ``vigie.common.stopwords``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from typing import Mapping

from vigie.common.stopwords import stop_words
from vigie.common.text import fold, folded_word, sentence_ends, sentences
from vigie.models import Article
from vigie.stories import rarity
from vigie.stories.actors import actors_in, audiences, concurrent, counterparts, reacts, speaks
from vigie.stories.events import events_in, headline_events
from vigie.stories.names import canonical_names, figures_in, name_phrases, without_labels

# What spaCy's stop-word lists lack and says nothing about which event an article is
# about: newsroom filler, months and weekdays (English and French).
_OWN_STOP = frozenset(
    """
    says said say tells told reported report reports having amid people time day days week weeks year years
    new news live latest update updates video watch read ete
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    lundi mardi mercredi jeudi vendredi samedi dimanche
    """.split()
)

# Capitalised words that are not names of the event: outlets, rubrics, newsroom labels.
_NOT_NAMES = frozenset(
    """
    cnn bbc reuters afp ap nyt guardian times post cbs nbc abc fox npr dpa ansa
    opinion analysis exclusive breaking live watch video photos pictures podcast newsletter explainer
    first continue reading group air more latest here what why how papers briefing listen updates
    ties talks war deal summit crisis conflict invasion sanctions offensive
    """.split()
)

_TOKEN = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)


@functools.lru_cache(maxsize=None)
def function_words(language: str) -> frozenset[str]:
    """Words that say nothing about the event, folded: spaCy's stop words of ``language``
    and the newsroom filler above.

    One language's list, not all of them: "war" and "dies" are German function words,
    "state" and "mayor" Italian or Spanish ones, and news words in English. For a
    language spaCy has no list for here (or "und"), every list counts.
    """
    lists = stop_words()
    chosen = lists[language] if language in lists else frozenset().union(*lists.values())
    return _OWN_STOP | {_fold(w) for w in chosen}


def _fold(word: str) -> str:
    # fold() leaves the typographic apostrophe: "Kyiv’s" must lose its "’s" like "Kyiv's".
    return fold(word).replace("’", "'")


def lede(article: Article, limit: int = 400) -> str:
    """The first sentence of the summary (or of the body when there is no summary)."""
    text = (article.summary or article.body or "").strip()
    if not text:
        return ""
    ends = sentence_ends(text)
    return text[: ends[0] if ends else len(text)][:limit]


def _base(token: str) -> str:
    word = _fold(token).strip("'-")
    for suffix in ("'s", "'"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def _title_case(title: str) -> bool:
    """True for headlines Written Like This, where capitals say nothing about names."""
    words = [w for w in _TOKEN.findall(title) if len(w) > 3 and w[0].isalpha()]
    if len(words) < 3:
        return False
    return sum(1 for w in words if w[0].isupper()) / len(words) > 0.7


_CLAUSE_START = frozenset(":;—–-\"“‘«(")


def names_in(text: str, language: str = "und") -> set[str]:
    """Capitalised words that do not open a sentence or clause and are not function
    words or newsroom labels: people, places, bodies."""
    stop = function_words(language)
    out: set[str] = set()
    for sentence in sentences(text):
        for i, m in enumerate(_TOKEN.finditer(sentence)):
            tok = m.group(0)
            if i == 0 or not tok[0].isupper():
                continue
            before = sentence[: m.start()].rstrip()
            if before and before[-1] in _CLAUSE_START:  # "North Korea: Air raid ..." -- "Air" opens a clause
                continue
            base = _base(tok)
            if len(base) < 3 or base in stop or base in _NOT_NAMES or base.isdigit():
                continue
            out.add(base)
    return out


def term_words(terms: "set[str] | frozenset[str] | tuple[str, ...]") -> set[str]:
    """The words of canonical terms: "Kim Jong Un" -> {"kim", "jong", "un"}."""
    return {_base(w) for t in terms for w in _TOKEN.findall(t) for w in [w, *w.split("-")]}


def keywords_in(text: str, language: str = "und") -> set[str]:
    """Content words (4+ letters, not function words)."""
    stop = function_words(language)
    words = {b for b in (_base(t) for t in _TOKEN.findall(text)) if len(b) >= 4 and b not in stop and not b.isdigit()}
    # A plural is its singular ("missiles", "missile"): outlets differ in number more than in words.
    return {w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w for w in words}


@dataclass(frozen=True)
class Features:
    """The comparable facts of one article (for every rule that matched it)."""

    terms: frozenset[str]  # canonical entities/terms of the rules that matched (language-independent)
    title_names: frozenset[str]  # names in the headline (empty for Title Case headlines)
    names: frozenset[str]  # name words in headline + lede
    facts: frozenset[str]  # figures in headline + lede, dates and ordinals left out
    keywords: frozenset[str]  # content words in headline + lede, without the rules' own terms
    language: str
    entities: frozenset[str] = frozenset()  # canonical entities and name phrases, variants folded (vigie.stories.names)
    title_entities: frozenset[str] = frozenset()  # those named in the headline
    events: frozenset[str] = frozenset()  # event classes in headline + lede (vigie.stories.events)
    title_events: frozenset[str] = frozenset()  # those of the headline
    lede_events: frozenset[str] = frozenset()  # those of the lede
    title_facts: frozenset[str] = frozenset()  # the headline's figures
    numbers: frozenset[str] = frozenset()  # every figure, distances too: what two reports of one event share
    actors: frozenset[str] = frozenset()  # entities that act or speak in headline or lede (vigie.stories.actors)
    # What the whole summary tells, past its lede: what the story knows once it has the article
    # (a later headline saying it again brings nothing new), never what makes the article news.
    told_events: frozenset[str] = frozenset()
    told_facts: frozenset[str] = frozenset()
    # Who acts in the headline by a verb in the active voice ("Biden says", not "North Korea: ...", not
    # "Griner freed"), and who the story learns acted (those, the lede's subject, the other party of a
    # meeting or an exchange): a party that acts for the first time is news (vigie.stories.developments).
    title_actors: frozenset[str] = frozenset()
    acted: frozenset[str] = frozenset()
    # Who answers in the lede after a "but" ("Poland says no evidence ... – but Kyiv insists 'it was not our
    # rocket'"): the other side's reply, a party acting as the headline's actors do.
    rejoinders: frozenset[str] = frozenset()
    title_venues: frozenset[str] = frozenset()  # names of the headline where the event happens ("at G20 Summit")
    # Those of the lede named in more than one word ("at Brooke Army Medical Center", "at the White House"): a
    # building or an institution where something happened; a one-word venue ("at Bali summit", "at Texas
    # airbase") is the city or the country the story is set in, what its reports say again.
    lede_venues: frozenset[str] = frozenset()
    reaction: bool = False  # "X reacts to ...": its headline tells what is reacted to, no news of its own
    # "North Korea continues missile barrage": a headline that says only that its story goes on, the day's
    # fact in its lede ("... forced Japan to halt trains").
    continues: bool = False
    lede_subject: frozenset[str] = frozenset()  # the lede's first actor
    roundup: bool = False  # a digest of the day's news ("Your Thursday Briefing", "... at a glance"): many stories
    # A digest's lead item (its lede's first clause, the at-a-glance's items parted by ";"), read as a headline:
    # who acts in it by a verb, whom they address or tell, and its events (``vigie.stories.developments``).
    lead_actors: frozenset[str] = frozenset()
    lead_audiences: frozenset[str] = frozenset()
    lead_events: frozenset[str] = frozenset()


# The headlines of digests: their lede lists the day's (or the week's: "What happened ... this week? Catch up
# with ...") stories, their headline names one at most.
_ROUNDUP = re.compile(r"\b(?:briefing|at a glance|what we know|what happened|catch up|round-?up|recap|in review|newsletter|the latest)\b", re.IGNORECASE)

# A headline whose verb is that the story goes on ("continues", "keeps up", "presses on").
_CONTINUES = re.compile(r"\b(?:continu(?:es|ed|ing)|keeps?\s+up|press(?:es)?\s+on)\b", re.IGNORECASE)


def entity_terms(terms: "set[str] | frozenset[str] | tuple[str, ...]") -> set[str]:
    """The rules' canonical entities among ``terms``, folded: a capitalised name ("Kim Jong Un",
    "Kursk"), not a topic term ("troops", "deployment")."""
    return {" ".join(_base(w) for w in _TOKEN.findall(t)) for t in terms if t[:1].isupper()}


def features(article: Article, terms: tuple[str, ...], aliases: "Mapping[str, str] | None" = None) -> Features:
    """The features of ``article`` as matched with ``terms``; ``aliases`` maps the folded variants
    the rules found in it to their folded canonical entity ("moscow" -> "russia")."""
    language = (article.language or "und").split("-")[0].lower()
    tw = term_words(terms)
    lead = lede(article)
    title = without_labels(article.title)
    title_case = _title_case(title)
    # The lede's first paragraph: a standfirst without a full stop runs on, in the text, into the article's
    # first paragraph, whose subject is a witness as often as a party ("... Father Bogdan Wazny said mass").
    first_paragraph = lead.split("\n\n", 1)[0]
    reaction = reacts(title)
    title_names = set() if title_case else names_in(title, language)
    names = (title_names | names_in(lead, language)) - tw
    keywords = (keywords_in(title, language) | keywords_in(lead, language)) - tw
    stop = function_words(language)
    entities = entity_terms(terms)
    al = dict(aliases or {})
    title_phrases = name_phrases(title, stop, _NOT_NAMES, title_case=title_case,
                                 known_names=names_in(article.summary or article.body or "", language))
    speaker = title_case_speaker(title, stop) if title_case else None
    if speaker and speaker not in title_phrases:
        title_phrases.append(speaker)
    lede_phrases = name_phrases(lead, stop, _NOT_NAMES)
    in_title = canonical_names(title_phrases, al, entities)
    in_lede = canonical_names(lede_phrases, al, entities)
    # Of the lede, only its first actor (in its first paragraph): the others are background, or other
    # lines of a roundup.
    acting = actors_in(first_paragraph, lede_phrases)
    lede_subject = next(([a] for p in lede_phrases for a in sorted(acting) if a == p or a.endswith(" " + p)), [])
    if reaction:  # the lede of a reaction names its host or commentator ("CNN's Anderson Cooper talks to ...")
        lede_subject = []
    # Whom a party tells is news as its speaker is ("Viktor Bout Tells Maria Butina ..."): an actor of the story.
    actors = canonical_names(actors_in(title, title_phrases) | set(lede_subject) | audiences(title, title_phrases)
                              | concurrent(title, title_phrases, stop), al, entities)
    by_verb = actors_in(title, title_phrases, by_verb=True)
    found = {fold(x) for x in al if x in fold(title)}
    venues = canonical_names(venues_in(title, title_phrases), al, entities)
    roundup = _ROUNDUP.search(title) is not None
    item = first_paragraph.split(";", 1)[0] if roundup else ""
    item_phrases = name_phrases(item, stop, _NOT_NAMES) if item else []
    return Features(
        terms=frozenset(terms),
        title_names=frozenset(title_names - tw),
        names=frozenset(names),
        facts=frozenset(figures_in(title) | figures_in(lead)),
        keywords=frozenset(keywords),
        language=language,
        entities=frozenset(entities | in_title | in_lede),
        title_entities=frozenset(in_title | {al[x] for x in found}),
        events=frozenset(headline_events(title) | events_in(lead)),
        title_events=frozenset(headline_events(title)),
        lede_events=frozenset(events_in(lead)),
        title_facts=frozenset(figures_in(title)),
        numbers=frozenset(figures_in(title, places=True) | figures_in(lead, places=True)),
        actors=frozenset(actors),
        title_actors=frozenset(canonical_names(by_verb, al, entities)),
        acted=frozenset(canonical_names(by_verb | set(lede_subject) | counterparts(title, title_phrases), al, entities)),
        title_venues=frozenset(venues),
        rejoinders=frozenset(canonical_names(rejoinders_in(first_paragraph, lede_phrases), al, entities)),
        lede_venues=frozenset(canonical_names({v for v in venues_in(lead, lede_phrases) if " " in v}, al, entities)),
        told_events=frozenset(events_in(article.summary or article.body or "")),
        told_facts=frozenset(figures_in(article.summary or article.body or "", places=True)),
        roundup=roundup,
        lead_actors=frozenset(canonical_names(actors_in(item, item_phrases, by_verb=True), al, entities)),
        lead_audiences=frozenset(canonical_names(audiences(item, item_phrases), al, entities)),
        lead_events=frozenset(headline_events(item)),
        continues=_CONTINUES.search(title) is not None,
        lede_subject=frozenset(canonical_names(set(lede_subject), al, entities)),
        reaction=reaction,
    )


# "at the G20 summit", "from Oval Office", "at 2019 Normandy meeting": the place where the event happens. Not
# "in": "in Poland", "in Washington" is where the whole story takes place, what most of its reports say again.
_VENUE = r"\b(?:at|from)\s+(?:the\s+)?(?:\d+\s+)?"


def venues_in(text: str, phrases: "list[str]") -> set[str]:
    """Those of ``phrases`` (folded names of ``text``) that ``text`` gives as the venue of its event."""
    folded = " ".join(p for w in _TOKEN.findall(text) for p in folded_word(w).split("-") if p)
    return {p for p in phrases if re.search(_VENUE + re.escape(p) + r"\b", folded)}


_BUT = re.compile(r"[,;:–—-]\s*but\s+", re.IGNORECASE)


def rejoinders_in(lead: str, phrases: "list[str]") -> set[str]:
    """Those of ``phrases`` that open a clause after ", but" / "– but" and act by a verb there."""
    out: set[str] = set()
    for m in _BUT.finditer(lead):
        clause = lead[m.end():]
        out |= {p for p in actors_in(clause, phrases, by_verb=True) if fold(clause).startswith(p)}
    return out


# A word this common opens a headline as a noun ("Report Says ...", "Officials Say ..."), not as a name.
_COMMON_ZIPF = 4.6


def title_case_speaker(title: str, stop: "frozenset[str] | set[str]") -> str | None:
    """The name that opens a Headline Written In Title Case and speaks ("Biden Says Missile That Killed
    2 ..." -> "biden"): in such headlines capitals say nothing of names, but the words right before the
    headline's verb of speech are its speaker, a name unless they are common words."""
    run: list[str] = []
    for tok in _TOKEN.findall(title):
        word = _base(tok)
        if run and speaks(word):
            return " ".join(run)
        if not tok[0].isupper() or word in stop or word in _NOT_NAMES or rarity.zipf(word) >= _COMMON_ZIPF:
            return None
        run.append(word)
    return None
