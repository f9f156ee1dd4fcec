"""What loading gives: each valid rule with its resolved expressions, and the rule set of many files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vigie.common.times import parse_duration
from vigie.errors import RuleError
from vigie.models import Escalation, RulePolicy
from vigie.rules.expr import Expr
from vigie.rules.model import Rule


@dataclass(frozen=True)
class LoadedRule:
    """One valid rule, its expressions resolved against its own file's entities and terms."""

    rule: Rule
    path: str
    expr: Expr | None  # match and query ANDed; None when the rule only has weights
    weights: tuple[tuple[Expr, float], ...] = ()
    threshold: float = 0.0
    line: int = 1  # where the rule starts in its file
    col: int = 1

    @property
    def id(self) -> str:
        return self.rule.id

    def policy(self) -> RulePolicy:
        r = self.rule
        esc = Escalation(r.escalate.sources, parse_duration(r.escalate.within)) if r.escalate is not None else None
        return RulePolicy(rule_id=r.id, name=r.name, alert=r.alert, digest=r.digest, severity=r.severity, notify=r.notify,
                          escalate=esc)


@dataclass
class RuleSet:
    """Valid rules of every file that loaded, and the errors of those that did not."""

    rules: list[LoadedRule] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file looked at
    # The Matcher of these rules when they came through vigie.rules.cache (compile_rules returns it as is).
    compiled: Any = None

    def policies(self) -> dict[str, RulePolicy]:
        return {r.id: r.policy() for r in self.rules}
