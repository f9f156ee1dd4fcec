"""`vigie alerts`: what was sent, what is pending or failed, and why.

    vigie alerts [list] [--status sent|pending|failed] [--limit N] [--json]   the latest alerts, newest first
    vigie alerts show ID [--json]                                             one alert: what it says, its story's timeline, each target's state
    vigie alerts retry [ID]                                                   failed deliveries back to pending
    vigie alerts send                                                         deliver what is due now (no fetching)

Target URLs are never printed (they may hold secrets): targets are shown by name.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import typer

from vigie.cli.readable import Typer
from vigie.cli import verbosity
from vigie.cli.common import ConfigOption, config_path, load_or_exit, open_store
from vigie.common.text import clip
from vigie.common.times import local_time
from vigie.config import Config

app = Typer(help="What was sent, pending or failed, and why.", invoke_without_command=True)

def _config(ctx: typer.Context, override: Optional[Path]) -> Config:
    return load_or_exit(config_path(override, ctx))


def _why(target: str, error: str, limit: int = 160) -> str:
    """The first line of a delivery's last error, without the target's name it may start with (the line
    already names it), cut at a word boundary."""
    return clip(error.splitlines()[0].removeprefix(f"{target}: ") if error.strip() else "", limit)


@app.callback()
def main(ctx: typer.Context, config: Optional[Path] = ConfigOption) -> None:
    """What was sent, pending or failed, and why (plain "vigie alerts" lists the latest)."""
    ctx.obj = {"config": config}
    if ctx.invoked_subcommand is None:
        list_(ctx, status=None, limit=30, as_json=False, config=None)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Optional[str] = typer.Option(None, "--status", "-s", metavar="sent|pending|failed", help="Only alerts whose deliveries are: sent, pending or failed."),
    limit: int = typer.Option(30, "--limit", "-n", metavar="N", help="How many alerts, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per alert."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """The latest alerts with the state of each target's delivery."""
    from vigie.delivery.outbox import list_alerts

    if status not in (None, "sent", "pending", "failed"):
        typer.secho(f"error: --status {status!r}: expected sent, pending or failed", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    cfg = _config(ctx, config)
    with open_store(cfg, write=False) as engine:
        lines = list_alerts(engine, status=status, limit=limit)
    if as_json:
        for ln in lines:
            typer.echo(json.dumps({
                "id": ln.alert.id, "kind": ln.alert.kind, "rule_id": ln.alert.rule_id, "title": ln.alert.title,
                "created_at": ln.alert.created_at.isoformat(), "status": ln.status,
                "digest_due_at": ln.digest_due_at.isoformat() if ln.digest_due_at else None,
                "deliveries": [{"target": d.target, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
                                "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
                                "sent_at": d.sent_at.isoformat() if d.sent_at else None} for d in ln.deliveries],
            }, ensure_ascii=False))
        return
    if not lines:
        typer.echo("no alerts" + (f" with status {status}" if status else ""))
        return
    for ln in lines:
        targets = ", ".join(f"{d.target}={d.status}" + (f"({d.attempts})" if d.status != "sent" and d.attempts else "") for d in ln.deliveries)
        due = f" digest due {local_time(ln.digest_due_at, cfg.timezone)}" if ln.digest_due_at and ln.status == "pending" else ""
        typer.echo(f"#{ln.alert.id:<5} {local_time(ln.alert.created_at, cfg.timezone)}  {ln.status:<7} {ln.alert.kind:<11} "
                   f"{ln.alert.rule_id:<16} {clip(ln.alert.title, 70)}")
        typer.echo(f"       -> {targets or 'no target'}{due}")
        for d in ln.deliveries:
            if d.status != "sent" and d.last_error:
                typer.echo(f"       {d.target}: {_why(d.target, d.last_error)}")


@app.command()
def show(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="The alert number (see vigie alerts list)."),
    as_json: bool = typer.Option(False, "--json", help="The alert and its deliveries as JSON."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """One alert: why it fired, what it says, and each target's delivery with its last error."""
    from vigie.delivery.outbox import get_alert
    from vigie.delivery.render import render

    cfg = _config(ctx, config)
    with open_store(cfg, write=False) as engine:
        found = get_alert(engine, alert_id)
        events = _timeline(engine, found.alert.story_id) if found is not None else []
    if found is None:
        typer.secho(f"error: no alert #{alert_id}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    alert, deliveries = found.alert, found.deliveries
    if as_json:
        typer.echo(json.dumps({"id": alert.id, "kind": alert.kind, "rule_id": alert.rule_id, "title": alert.title,
                               "created_at": alert.created_at.isoformat(), "story_id": alert.story_id,
                               "article_id": alert.article_id, "payload": alert.payload.to_json(),
                               "deliveries": [{"target": d.target, "status": d.status, "attempts": d.attempts,
                                               "last_error": d.last_error, "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                                               "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None}
                                              for d in deliveries]}, ensure_ascii=False, indent=2, default=str))
        return
    msg = render([alert], "text", tz=cfg.timezone)
    typer.echo(f"alert #{alert.id} ({alert.kind}, rule {alert.rule_id}, recorded {local_time(alert.created_at, cfg.timezone)})")
    typer.echo(msg.title)
    typer.echo("")
    typer.echo(msg.body.rstrip())
    if events:
        typer.echo("")
        typer.echo(f"story #{alert.story_id} timeline ({len(events)} article{'s' if len(events) != 1 else ''}):")
        for n, e in enumerate(events):
            mark = "first" if n == 0 else ("development" if e.development else "repeat")
            here = "  <- this alert" if e.article_id == alert.article_id else ""
            typer.echo(f"  {local_time(e.published, cfg.timezone)}  {mark:<11}  {clip(e.title, 90)}  ({e.source_id}){here}")
    typer.echo("")
    typer.echo("deliveries:")
    if not deliveries:
        typer.echo("  none (no target was routed to)")
    for d in deliveries:
        extra = (f", sent {local_time(d.sent_at, cfg.timezone)}" if d.sent_at
                 else f", next attempt {local_time(d.next_attempt_at, cfg.timezone)}" if d.next_attempt_at else "")
        typer.echo(f"  {d.target}: {d.status}, {d.attempts} attempt(s){extra}")
        if d.last_error and d.status != "sent":
            typer.echo(f"    why: {d.last_error.removeprefix(f'{d.target}: ')}")


def _timeline(engine: Any, story_id: int | None) -> list[Any]:
    """The story's articles, oldest first (none once retention forgot them)."""
    from vigie.stories.story_rows import timeline

    if story_id is None:
        return []
    with engine.connect() as conn:
        return timeline(conn, story_id)


@app.command()
def retry(
    ctx: typer.Context,
    alert_id: Optional[int] = typer.Argument(None, help="Only this alert's failed deliveries (default: all failed)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Put failed deliveries back to pending; the next run (or vigie alerts send) sends them."""
    from vigie.delivery.outbox import retry_failed

    cfg = _config(ctx, config)
    with open_store(cfg, write=True) as engine:
        n = retry_failed(engine, datetime.now(timezone.utc), alert_id)
    if not verbosity.quiet():
        typer.echo(f"{n} failed deliver{'y' if n == 1 else 'ies'} back to pending")


@app.command()
def send(ctx: typer.Context, config: Optional[Path] = ConfigOption) -> None:
    """Deliver every due delivery now (immediate alerts, closed digests, retries), without fetching."""
    from vigie.delivery.send import deliver_pending

    cfg = _config(ctx, config)
    with open_store(cfg, write=True) as engine:
        report = deliver_pending(engine, cfg, datetime.now(timezone.utc))
    for o in [] if verbosity.quiet() else report.pending:
        typer.echo(f"pending: {o.target}: alerts {list(o.alert_ids)}: {o.reason}")
    for o in report.failed:
        typer.echo(f"failed: {o.target}: alerts {list(o.alert_ids)}: {o.reason}", err=verbosity.quiet())
    if not verbosity.quiet():
        typer.echo(report.summary(cfg.timezone))
    raise typer.Exit(1 if report.failed else 0)
