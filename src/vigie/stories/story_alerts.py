"""The alerts the stories stage decides on, one per article and digest window, listing every rule.

Each rule keeps its own policy (``each | new_story | developments``): ``rule_alert_kind``
says what one rule announces of a story change. Several rules firing on one article
(or story) would then send one person several messages; ``grouped`` makes one
``StoryAlert`` of them per digest setting, listing every rule (``firings``), with the
strongest kind (a new story before a development before an "each" item), the highest
severity and every rule's routing tags. The delivery stage, which knows the targets,
cuts it again (``StoryAlert.only``) where rules route to different targets, so that a
target hears only of its own rules, once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, Sequence

from vigie.models import AlertPolicy, Article, Match, RulePolicy, WhatIsNew
from vigie.stories.story_rows import StoryCounts

StoryAlertKind = Literal["each", "new_story", "development", "escalation"]
StoryOutcome = Literal["new_story", "development", "silent"]
_RANK = {"escalation": 0, "new_story": 1, "development": 2, "each": 3}
_SEVERITY = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@dataclass(frozen=True)
class Firing:
    """One rule's part in an alert."""

    kind: StoryAlertKind
    policy: RulePolicy
    match: Match
    terms: tuple[str, ...]


@dataclass(frozen=True)
class StoryAlert:
    """An alert the stories stage decided on, with what it was decided from."""

    kind: StoryAlertKind
    dedupe_key: str  # the same decision replayed has the same key, and is recorded once
    policy: RulePolicy  # the first rule's (by kind, severity, id), or the defaults for a rule without one
    match: Match
    article: Article
    article_id: str  # the stored article: ``article``'s own id, or the one it duplicates
    terms: tuple[str, ...]  # the rules' entities found in the article
    story_id: int
    story_title: str
    story: StoryCounts  # when the alert was decided
    sources: tuple[str, ...]  # source ids of the stored article when the alert was decided
    new: WhatIsNew  # what a development brought (empty otherwise)
    firings: tuple[Firing, ...] = ()  # every rule of this message (the first is ``policy``'s)

    def only(self, rule_ids: "set[str] | frozenset[str]") -> StoryAlert:
        """The same alert for some of its rules (those routed to one set of targets)."""
        kept = [f for f in self.firings if f.match.rule_id in rule_ids]
        if len(kept) == len(self.firings):
            return self
        return grouped(kept, article=self.article, canonical=self.article_id, story_id=self.story_id,
                       story_title=self.story_title, counts=self.story, sources=self.sources, new=self.new)[0]

    @property
    def rule_id(self) -> str:
        return self.match.rule_id

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.match.rule_id for f in self.firings) or (self.rule_id,)

    @property
    def severity(self) -> str:
        levels = [f.policy.severity or f.match.severity for f in self.firings] or [self.policy.severity or self.match.severity]
        return min(levels, key=lambda s: _SEVERITY.get(s, 5))

    @property
    def notify(self) -> tuple[str, ...]:
        """The routing tags of every rule; () (every target) when one rule routes everywhere."""
        tags = [f.policy.notify or f.match.notify for f in self.firings] or [self.policy.notify or self.match.notify]
        return () if any(not t for t in tags) else tuple(sorted({x for t in tags for x in t}))


def rule_alert_kind(policy: AlertPolicy, outcome: StoryOutcome) -> StoryAlertKind | None:
    """What a rule's policy announces of a story change (None: nothing)."""
    if policy == "each":
        return "each"
    if outcome == "new_story":
        return "new_story"
    if outcome == "development" and policy == "developments":
        return "development"
    return None


def grouped(
    firings: Sequence[Firing], *, article: Article, canonical: str, story_id: int, story_title: str,
    counts: StoryCounts, sources: tuple[str, ...], new: WhatIsNew,
) -> list[StoryAlert]:
    """One alert per digest setting for the rules that fired on one article."""
    by_digest: dict[str, list[Firing]] = {}
    for f in firings:
        by_digest.setdefault(f.policy.digest, []).append(f)
    out = []
    for group in by_digest.values():
        group.sort(key=lambda f: (_RANK[f.kind], _SEVERITY.get(f.policy.severity or f.match.severity, 5), f.match.rule_id))
        first = group[0]
        out.append(StoryAlert(
            kind=first.kind, dedupe_key=_key(first.kind, group, story_id, canonical), policy=first.policy,
            match=first.match, article=article, article_id=canonical,
            terms=tuple(sorted({x for f in group for x in f.terms})), story_id=story_id, story_title=story_title,
            story=counts, sources=sources, new=new if first.kind == "development" else WhatIsNew(), firings=tuple(group),
        ))
    return out


def _key(kind: StoryAlertKind, group: Sequence[Firing], story_id: int, canonical: str) -> str:
    # One rule keeps the key it always had, so a store's replayed batch records nothing.
    rules = ",".join(sorted(f.match.rule_id for f in group))
    if len(rules) > 300:
        rules = "h" + hashlib.blake2b(rules.encode(), digest_size=16).hexdigest()
    return {
        "each": f"each:{rules}:{canonical}",
        "new_story": f"story:{rules}:{canonical}",
        "development": f"dev:{rules}:{story_id}:{canonical}",
        "escalation": f"escalate:{rules}:{story_id}",
    }[kind]
