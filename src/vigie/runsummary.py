"""What one monitoring run did, for the CLI, the logs and the Prefect artifact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SourceLine:
    source: str
    status: str  # ok | not_modified | error | skipped (backoff)
    entries: int = 0
    detail: str = ""


@dataclass(frozen=True)
class AlertRow:
    alert_id: int
    rule_id: str
    kind: str
    title: str
    targets: tuple[str, ...] = ()
    status: str = "pending"


@dataclass(frozen=True)
class RunSummary:
    started_at: datetime
    finished_at: datetime
    sources: tuple[SourceLine, ...] = ()
    rule_errors: tuple[str, ...] = ()
    rules_loaded: int = 0
    articles_seen: int = 0
    new_articles: int = 0
    matches: int = 0
    alerts_recorded: int = 0
    deliveries_sent: int = 0
    deliveries_pending: int = 0
    deliveries_failed: int = 0
    alerts: tuple[AlertRow, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_markdown(self) -> str:
        """A short report: counts first, then the sources with problems, then the alerts."""
        lines = [
            f"# vigie run, {self.started_at:%Y-%m-%d %H:%M:%S} UTC ({self.seconds:.1f} s)",
            "",
            "| sources read | articles seen | new articles | matches | alerts recorded | sent | pending | failed |",
            "|---|---|---|---|---|---|---|---|",
            f"| {len(self.sources)} | {self.articles_seen} | {self.new_articles} | {self.matches} | "
            f"{self.alerts_recorded} | {self.deliveries_sent} | {self.deliveries_pending} | {self.deliveries_failed} |",
        ]
        troubled = [s for s in self.sources if s.status in ("error", "skipped")]
        if troubled or self.rule_errors:
            lines += ["", "## Problems", ""]
            lines += [f"- `{s.source}`: {s.status} {s.detail}".rstrip() for s in troubled]
            lines += [f"- rule file: {e}" for e in self.rule_errors]
        if self.alerts:
            lines += ["", "## Alerts", "", "| id | rule | kind | title | targets | status |", "|---|---|---|---|---|---|"]
            for a in self.alerts:
                title = a.title.replace("|", "\\|")
                lines.append(f"| {a.alert_id} | {a.rule_id} | {a.kind} | {title} | {', '.join(a.targets)} | {a.status} |")
        for note in self.notes:
            lines += ["", note]
        return "\n".join(lines) + "\n"
