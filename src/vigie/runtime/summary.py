"""What one monitoring run did, for the CLI, the logs and the Prefect artifact."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from vigie.delivery.backlog import Backlog


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
    deliveries_pending: int = 0  # every delivery left pending in the store: held for a digest, waiting to retry...
    deliveries_failed: int = 0
    alerts: tuple[AlertRow, ...] = ()
    stage_seconds: tuple[tuple[str, float], ...] = ()  # wall time of each stage, in order
    backlog: Backlog = Backlog()  # what the pending deliveries wait for

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def one_line(self) -> str:
        """The run in one line, for ``vigie serve`` between runs and the artifact's description."""
        count = {status: sum(1 for s in self.sources if s.status == status) for status in ("not_modified", "error")}
        return (f"{len(self.sources)} sources ({count['not_modified']} unchanged, {count['error']} failed), "
                f"{self.articles_seen} articles ({self.new_articles} new), {self.matches} matches, "
                f"{self.alerts_recorded} alerts ({self.deliveries_sent} sent, {self.deliveries_pending} pending, "
                f"{self.deliveries_failed} failed)")

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
        if self.stage_seconds:
            lines += ["", "| " + " | ".join(n for n, _ in self.stage_seconds) + " |",
                      "|" + "---|" * len(self.stage_seconds),
                      "| " + " | ".join(f"{v:.2f} s" for _, v in self.stage_seconds) + " |"]
        return "\n".join(lines) + "\n"


class StageClock:
    """Wall time per stage of a run, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def as_tuple(self) -> tuple[tuple[str, float], ...]:
        return tuple(self.seconds.items())
