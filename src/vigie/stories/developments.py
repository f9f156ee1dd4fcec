"""Developments: the new fact an article joining a story brings, not its new wording.

A new fact is one of:

- an entity the story never had: not a variant of one it has (the rules' variants fold
  to their canonical entity), not a part of one ("Kim" after "Kim Jong Un") nor a
  fuller form ("Kim Jong Un" after "Kim"); one of the rules' entities named in the headline, or
  a name that acts or speaks in the headline or lede (``vigie.stories.actors``: "NATO envoys to
  meet", "Kallas tells ..."), or a known one acting in the headline for the first time (``StoredStory.actors``:
  "Biden says ..." after reports that only named Biden) or answering in the lede after a "but" ("... – but Kyiv
  insists"), not one of the background ("in San Antonio", "channels Churchill"); or the
  venue the headline gives its event ("... from Oval Office", "at G20 Summit"), or the lede in a name of more
  than one word ("is being evaluated at Brooke Army Medical Center");
- a figure in the headline or lede the story never had (nor told in a summary), rounding aside ("nearly $2 billion" after "$1.8bn"); dates,
  times, years, durations and ordinals are not figures;
- an event the story had not reported, in the headline (``vigie.stories.events``: killed,
  met, signed ...; a headline "Speaker to Audience: 'words'" reports an address); under a headline that
  only says its story goes on ("North Korea continues missile barrage") or reports no event, a material event
  of the lede, when the lede's subject is a party or the headline says its story continues; under a headline
  that retells events the story has, one of a lede whose subject is a party the headline names ("Zelensky aims to
  rally US support ... in Washington visit": "Live: Zelensky says he is en route to US ...");
- in a digest (whose headline and lede tell the day's other stories: no news of its own but a figure), the lead
  item when the lede opens with a party of the story ("Your Wednesday Briefing": "..., Volodymyr Zelensky is
  planning to address Congress in person today"): its first clause is read as a headline would be.

Across languages the same holds: entities fold to the rules' canonical names, figures
and event classes are language-independent; a name spelt in another language
("Poutine") is passed over. What is new is shown as the sentence that carries it
(``new_sentence``), with the new words highlighted by the renderers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigie.models import Article, WhatIsNew
from vigie.stories.actors import party
from vigie.stories.events import POSITIONS, events_in, material
from vigie.stories.features import Features, entity_terms, lede
from vigie.stories.joining import StoredStory
from vigie.stories.names import figures_in, known_entity, new_figures, without_labels
from vigie.common.text import fold, sentences


@dataclass(frozen=True)
class Development:
    """Whether an article moves its story on, and with what."""

    moves_story: bool
    new: WhatIsNew  # empty unless ``moves_story``


def development(story: StoredStory, feats: Features, article: Article | None = None) -> Development:
    """What ``feats`` (an article joining ``story``) adds to it."""
    known = set(story.entities) | entity_terms(story.terms)
    rule_entities = entity_terms(feats.terms)
    same_language = feats.language in story.languages
    # The rules' entities named in the headline; other names only when they act or speak in the headline
    # or lede ("NATO envoys to meet", "Kallas tells ..."): a place or a name of the background is no actor.
    # A venue the headline gives its event ("from Oval Office", "at 2019 Normandy meeting") is a new fact too,
    # and one the lede gives in a name of more than one word ("evaluated at Brooke Army Medical Center").
    candidates = (rule_entities & feats.title_entities) | (set(feats.actors | feats.title_venues | feats.lede_venues) if same_language else set())
    # A digest's headline and lede tell the day's other stories ("Your Thursday Briefing: A Truce in Tigray"
    # joining the missile story, "at a glance" led by Putin on grain): only a figure of its own is news.
    # A reaction's headline names what is reacted to ("Brother of Paul Whelan reacts after sibling remains
    # detained"), a segment of commentary (its labelling guide's first hard case): only a figure is news.
    retold = feats.roundup or feats.reaction
    if retold:
        candidates = set()
    # A seat of government speaks for its country: "the Kremlin says" after "Russia denies" is no new actor.
    parties = known | {party(k) for k in known}
    new_entities = {e for e in candidates if not known_entity(e, known) and not known_entity(party(e), parties)}
    # A party the story named that acts in the headline for the first time ("Biden says ..." after reports
    # that mention Biden, "NATO envoys to meet" after "Nato territory struck") is a new actor too, and so is
    # one answering in the lede after a "but" ("Poland says no evidence ... – but Kyiv insists ...").
    if same_language and not retold:
        acted = story.actors | {party(a) for a in story.actors}
        new_entities |= {e for e in feats.title_actors | feats.rejoinders if not known_entity(e, acted) and not known_entity(party(e), acted)}
    # A digest whose lede opens with a party of the story leads with it ("Your Wednesday Briefing": "...,
    # Volodymyr Zelensky is planning to address Congress in person today"): its lead item is read as a headline.
    leads = feats.roundup and not feats.reaction and any(known_entity(s, story.core_entities()) for s in feats.lede_subject)
    if leads and same_language:
        acted = story.actors | {party(a) for a in story.actors}
        new_entities |= {e for e in feats.lead_actors if not known_entity(e, acted) and not known_entity(party(e), acted)}
        new_entities |= {e for e in feats.lead_audiences if not known_entity(e, known) and not known_entity(party(e), parties)}
    new_terms = tuple(sorted(t for t in feats.terms - story.terms if fold(t) in new_entities))
    new_names = tuple(sorted(e for e in new_entities if e not in {fold(t) for t in new_terms}))
    # A figure of the headline or lede the story never had, even in its summaries (``told_facts``).
    new_facts = tuple(sorted(new_figures(feats.facts, story.facts)))
    # An event counts from the headline: ledes and summaries tell the background too. A position
    # (vows, accuses, threatens) is news only from a new party, and then the party is the news.
    new_events = () if retold else tuple(sorted(feats.title_events - story.events - POSITIONS))
    if leads:
        new_events = tuple(sorted(feats.lead_events - story.events - POSITIONS))
    # A headline that says only that its story goes on, or reports no event, leaves the day's fact to its lede:
    # a material event there (halted, evacuated, provided) is news when the lede goes on or opens with a party
    # acting ("President Biden expresses ..."); a lede opened by a clause ("By seizing the basketball star, ...")
    # or a background's relative clause ("... who was serving ... on charges that included conspiring to kill")
    # tells what is known.
    # A headline that retells events the story has ("Zelensky aims to rally US support ... in Washington visit")
    # leaves the day's fact to its lede too when the lede goes on about the headline's party ("Zelensky says he
    # is en route to US"), not about another ("... came on the same day that Russia launched ...").
    retells = bool(feats.title_events) and not feats.title_events - story.events and feats.lede_subject <= feats.title_entities
    if (feats.continues or feats.lede_subject) and not retold and (not feats.title_events or retells):
        new_events = tuple(sorted(material(feats.lede_events) - story.events))
    moves = bool(new_terms or new_names or new_facts or new_events)
    if not moves:
        return Development(False, WhatIsNew())
    sentence = new_sentence(article, new_facts, (*new_terms, *new_names), new_events) if article is not None else ""
    return Development(True, WhatIsNew(new_terms, new_names, new_facts, events=new_events, sentence=sentence))


def new_sentence(article: Article, facts: tuple[str, ...], names: tuple[str, ...], events: tuple[str, ...]) -> str:
    """The first sentence of the headline or lede (then summary) that carries one of the new facts."""
    texts = [without_labels(article.title), lede(article), *sentences(article.summary or article.body or "")[1:4]]
    for text in texts:
        # A list's items (a live page's bullets, no full stop between them) are one sentence to the story's
        # reading; the alert quotes the item that carries the fact, not the whole list.
        for item in _items(text):
            folded = fold(item)
            if (set(facts) & figures_in(item)) or any(n in folded for n in names) or (set(events) & events_in(item)):
                return item
    return ""


_BULLETS = "•·▪◦‣●■"
_BULLETED_LINE = re.compile(r"\n\s*(?=[" + _BULLETS + r"]\s)")


def _items(text: str) -> list[str]:
    """``text`` cut where a line opens with a bullet, each item's bullet and white space removed."""
    return [item.strip().lstrip(_BULLETS).strip() for item in _BULLETED_LINE.split(text) if item.strip()]
