"""What a backtest found, per rule: read from its scratch store once the replay is over.

Counts and samples come from the rows the novelty stage wrote in the scratch store
(alerts with their deliveries, the rules of each story), so they are what a run would
have recorded; the spans shown are the matcher's.

May import: vigie.common, vigie.models, vigie.store, vigie.rules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from sqlalchemy import Engine, select

from vigie.common.times import utc
from vigie.models import Match, Span
from vigie.rules import RuleSet
from vigie.store import schema as t
from vigie.store.archive import Stored

ALERT_KINDS = ("new_story", "development", "each", "escalation")


@dataclass(frozen=True)
class Sample:
    """One article shown as an example: what the rule would have done with it, and why it matched."""

    kind: str  # an alert kind, "matched" (no alert of its own) or "gained" / "lost"
    article_id: str
    title: str
    source_id: str
    published: datetime
    spans: tuple[Span, ...] = ()
    story_id: int | None = None


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    path: str
    matched: int  # distinct stored articles the rule matched
    stories: int  # stories the rule fired in
    alerts: Mapping[str, int]  # by kind (new_story, development, each, escalation)
    digests: int  # digest messages its held alerts would have made (one per target and window)
    held: int  # alerts held for a digest
    samples: tuple[Sample, ...]
    compared: bool = False  # a version of the rule is in use and differs: gained/lost are meaningful
    gained: tuple[Sample, ...] = ()
    lost: tuple[Sample, ...] = ()
    n_gained: int = 0
    n_lost: int = 0

    @property
    def n_alerts(self) -> int:
        return sum(self.alerts.values())


class Scratch:
    """The rows of the scratch store a report needs, read once."""

    def __init__(self, engine: Engine) -> None:
        a, d, sr = t.alerts, t.deliveries, t.story_rules
        with engine.connect() as conn:
            self.alerts = conn.execute(select(a.c.id, a.c.rule_id, a.c.kind, a.c.story_id, a.c.article_id, a.c.title,
                                              a.c.payload, a.c.digest_due_at).order_by(a.c.id)).all()
            self.targets: dict[int, list[str]] = defaultdict(list)
            for r in conn.execute(select(d.c.alert_id, d.c.target)):
                self.targets[r.alert_id].append(r.target)
            self.story_rules = conn.execute(select(sr.c.story_id, sr.c.rule_id)).all()


def rule_results(scratch: Scratch, rule_set: RuleSet, matched: Mapping[str, Sequence[tuple[Stored, Match]]],
                 before: Mapping[str, Mapping[str, Match]], by_id: Mapping[str, Stored], samples: int) -> list[RuleResult]:
    """One result per rule of ``rule_set``, in its order; ``before``: the articles the version in use
    matched, for the rules that differ from it."""
    by_name = {lr.rule.name or lr.id: lr.id for lr in rule_set.rules}
    alerts_of: dict[str, list[object]] = defaultdict(list)
    for row in scratch.alerts:
        rules = {row.rule_id} | {by_name.get(n, n) for n in (row.payload or {}).get("rules", [])}
        for rule_id in rules:
            alerts_of[rule_id].append(row)
    stories_of: dict[str, set[int]] = defaultdict(set)
    for r in scratch.story_rules:
        stories_of[r.rule_id].add(r.story_id)
    out = []
    for lr in rule_set.rules:
        hits = matched.get(lr.id, ())
        spans = {s.group: m.spans for s, m in reversed(hits)}  # the first match of each stored article
        rows: list = alerts_of.get(lr.id, [])
        kinds = Counter(r.kind for r in rows)
        held = [r for r in rows if r.digest_due_at is not None]
        windows = {(target, utc(r.digest_due_at)) for r in held for target in scratch.targets.get(r.id) or ["-"]}
        picked: list[Sample] = []
        for kind in ALERT_KINDS:
            for r in [r for r in rows if r.kind == kind and r.article_id in by_id][:samples]:
                art = by_id[r.article_id].article
                picked.append(Sample(kind, r.article_id, r.title, art.source_id, art.published, spans.get(r.article_id, ()),
                                     r.story_id))
        if not rows:  # matched, yet no alert (a rule with alert: never, or only repeats): show what it matched
            picked = [Sample("matched", s.article.id, s.article.title, s.article.source_id, s.article.published, m.spans)
                      for s, m in hits[:samples]]
        now_ids = {s.article.id for s, _ in hits}
        old = before.get(lr.id)
        gained = sorted(now_ids - set(old)) if old is not None else []
        lost = sorted(set(old) - now_ids) if old is not None else []
        first = {**(old or {}), **{s.article.id: m for s, m in reversed(hits)}}  # lost: where the version in use matched

        def sample(kind: str, ids: list[str]) -> tuple[Sample, ...]:
            return tuple(Sample(kind, i, by_id[i].article.title, by_id[i].article.source_id, by_id[i].article.published,
                                first[i].spans if i in first else ()) for i in ids[: max(samples, 10)])

        out.append(RuleResult(
            rule_id=lr.id, path=lr.path, matched=len(now_ids), stories=len(stories_of.get(lr.id, set())),
            alerts={k: kinds.get(k, 0) for k in ALERT_KINDS}, digests=len(windows), held=len(held), samples=tuple(picked),
            compared=old is not None, gained=sample("gained", gained), lost=sample("lost", lost),
            n_gained=len(gained), n_lost=len(lost),
        ))
    return out
