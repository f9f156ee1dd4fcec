"""Turn the outputs of one run's stages into a RunSummary, and print it for people."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import Engine

from vigie.common.times import local_time
from vigie.delivery import outbox
from vigie.config import Config
from vigie.delivery.send import DeliveryReport
from vigie.models import Article, Delivery, Fetched, Match, Parsed, Source
from vigie.delivery.record import NoveltyReport
from vigie.rules import RuleSet
from vigie.runtime.summary import AlertRow, RunSummary, SourceLine


def _source_lines(sources: Sequence[Source], due: Sequence[Source], fetched: Sequence[Fetched],
                  parsed: Sequence[Parsed]) -> tuple[SourceLine, ...]:
    parsed_by_id = {p.source.id: p for p in parsed}
    lines = []
    for f in fetched:
        p = parsed_by_id.get(f.source.id)
        if f.status == "error":
            lines.append(SourceLine(f.source.id, "error", 0, f.error or ""))
        elif p is not None and p.error:
            lines.append(SourceLine(f.source.id, "error", 0, p.error))
        else:
            warn = f"{len(p.warnings)} warning(s)" if p is not None and p.warnings else ""
            lines.append(SourceLine(f.source.id, f.status, len(p.entries) if p else 0, warn))
    due_ids = {s.id for s in due}
    lines += [SourceLine(s.id, "skipped", 0, "backing off after failures") for s in sources if s.id not in due_ids]
    return tuple(lines)


def _delivery_state(d: Delivery, digest_due_at: datetime | None, tz: str) -> str:
    """``console=sent``; a pending one says what it waits for."""
    if d.status == "pending" and digest_due_at is not None and d.attempts == 0:
        return f"{d.target}=held for a digest (due {local_time(digest_due_at, tz)})"
    if d.status != "sent" and d.last_error:
        return f"{d.target}={d.status} ({d.last_error[:120]})"
    return f"{d.target}={d.status}"


def summarize_run(engine: Engine, started: datetime, sources: Sequence[Source], due: Sequence[Source],
                  fetched: Sequence[Fetched], parsed: Sequence[Parsed], rule_set: RuleSet,
                  articles: Sequence[Article], matches: Sequence[Match], report: NoveltyReport,
                  delivered: DeliveryReport, stage_seconds: tuple[tuple[str, float], ...] = (), tz: str = "UTC") -> RunSummary:
    """What the run did: counts, troubled sources and rule files, and the alerts it recorded or sent (times in ``tz``)."""
    alert_ids = list(report.alert_ids)
    for outcome in delivered.sent + delivered.pending + delivered.failed:
        alert_ids += [a for a in outcome.alert_ids if a not in alert_ids]
    lines = outbox.list_alerts(engine, alert_ids=alert_ids, limit=max(len(alert_ids), 1))
    rows = [AlertRow(ln.alert.id, ln.alert.rule_id, ln.alert.kind, ln.alert.title,
                     tuple(_delivery_state(d, ln.digest_due_at, tz) for d in ln.deliveries), ln.status)
            for ln in sorted(lines, key=lambda ln: ln.alert.id)]
    return RunSummary(
        started_at=started,
        finished_at=datetime.now(timezone.utc),
        sources=_source_lines(sources, due, fetched, parsed),
        rule_errors=tuple(str(e) for e in rule_set.errors),
        rules_loaded=len(rule_set.rules),
        articles_seen=len(articles),
        new_articles=report.new_articles,
        matches=len(matches),
        alerts_recorded=report.alerts,
        deliveries_sent=delivered.sent_count,
        deliveries_pending=delivered.backlog.pending,
        deliveries_failed=delivered.failed_count,
        alerts=tuple(rows),
        stage_seconds=stage_seconds,
        backlog=delivered.backlog,
    )


def print_summary(summary: RunSummary, config: Config, *, quiet: bool = False) -> None:
    """The end of ``vigie run``: counts, problems, this run's alerts, and where they went.

    ``quiet`` (``vigie -q run``) prints the problems only: failed sources, rule files and deliveries.
    """
    import typer  # the printing CLI has it loaded; a plain run_cycle never prints

    s = summary
    if quiet:
        print_problems(s, err=True)
        if s.deliveries_failed:
            typer.secho(f"  ! {s.deliveries_failed} deliveries failed (see vigie alerts list --status failed)",
                        fg=typer.colors.YELLOW, err=True)
        return
    typer.echo("")
    typer.secho(f"vigie run finished in {s.seconds:.1f} s", bold=True)
    typer.echo(f"  sources: {len(s.sources)} ({sum(1 for x in s.sources if x.status == 'not_modified')} unchanged, "
               f"{sum(1 for x in s.sources if x.status == 'error')} failed, {sum(1 for x in s.sources if x.status == 'skipped')} backing off)")
    typer.echo(f"  rules: {s.rules_loaded} loaded" + (f", {len(s.rule_errors)} rule file problem(s)" if s.rule_errors else ""))
    typer.echo(f"  articles: {s.articles_seen} read, {s.new_articles} new; {s.matches} rule matches")
    if s.stage_seconds:
        typer.echo("  seconds: " + ", ".join(f"{name} {sec:.2f}" for name, sec in s.stage_seconds))
    typer.echo(f"  alerts: {s.alerts_recorded} recorded; deliveries: {s.deliveries_sent} sent, "
               f"{s.backlog.describe(config.timezone)}, {s.deliveries_failed} failed")
    print_problems(s)
    typer.echo("")
    if s.alerts:
        typer.secho(f"Alerts of this run ({len(s.alerts)}):", bold=True)
        for a in s.alerts:
            typer.echo(f"  #{a.alert_id} [{a.rule_id}] {a.kind}: {a.title}")
            typer.echo(f"      {', '.join(a.targets) or 'no target routed'}")
    else:
        typer.echo("No new alerts in this run (nothing new matched; earlier alerts are not sent again).")
    typer.echo("")
    typer.echo(f"Alerts written to {config.alerts_file} (console target); store: {config.data_dir / 'vigie.db'}"
               if config.store is None else f"Alerts written to {config.alerts_file} (console target)")
    typer.echo("See `vigie alerts` for every alert, sent, pending or failed.")


def print_problems(s: RunSummary, *, err: bool = False) -> None:
    """The sources that failed or back off, and the rule files that were skipped, one line each."""
    import typer  # the printing CLI has it loaded; a plain run_cycle never prints

    for line in s.sources:
        if line.status in ("error", "skipped"):
            typer.secho(f"  ! {line.source}: {line.status}: {line.detail}", fg=typer.colors.YELLOW, err=err)
    for problem in s.rule_errors:
        typer.secho(f"  ! {problem}", fg=typer.colors.YELLOW, err=err)
