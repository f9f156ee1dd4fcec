"""`vigie feeds`: look at feeds without storing or alerting anything.

``vigie feeds check [--config FILE] [--json] [URL|FILE|DIR]...`` fetches and parses each feed
(the configured sources when none is named; a directory named on the command line stands for
every file under it: its article files as one folder, every other file as a feed) and prints, per feed: status, entry count, the dates seen, the
parser's warnings and the time it took. ``--json`` prints one JSON object per feed per line.
The exit code is 0 when every feed came through, 1 when at least one failed, 2 for a bad
configuration.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from vigie.cli.readable import Typer
from vigie.cli import verbosity
from vigie.cli.common import ConfigOption
from vigie.models import Fetched, Parsed, Source

app = Typer(help="Check feeds: fetch and parse without storing or alerting.", no_args_is_help=True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class FeedReport:
    """What ``feeds check`` says about one feed; ``as_json`` is its JSON line."""

    source: str
    location: str
    kind: str
    status: str  # ok | not_modified | error
    http_status: int | None
    title: str | None
    entries: int
    first_date: datetime | None
    last_date: datetime | None
    undated: int
    warnings: tuple[str, ...]
    error: str | None
    elapsed: float

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(first_date=_iso(self.first_date), last_date=_iso(self.last_date), warnings=list(self.warnings),
                    elapsed=round(self.elapsed, 4))
        return data

    def as_text(self) -> str:
        dates = ""
        if self.first_date and self.last_date:
            first, last = self.first_date.date().isoformat(), self.last_date.date().isoformat()
            dates = first if first == last else f"{first}..{last}"
        if self.undated:
            dates = (dates + " " if dates else "") + f"({self.undated} undated)"
        lines = [f"{self.status:<12} {self.entries:>4} entries  {dates:<24} {self.elapsed:6.2f}s  {self.location}"]
        if self.error:  # the feed is named at the start of the line above: not again
            lines.append(f"    error: {self.error.removeprefix(f'{self.location}: ').removeprefix(f'{self.source}: ')}")
        lines += [f"    warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def feed_report(fetched: Fetched, parsed: Parsed) -> FeedReport:
    """What ``feeds check`` says about one fetched and parsed feed."""
    dates = [e.published or e.updated for e in parsed.entries]
    known = [d for d in dates if d is not None]
    return FeedReport(
        source=fetched.source.id,
        location=fetched.new_location or fetched.source.id,  # the id: the location may hold a secret
        kind=fetched.source.kind.value,
        status="error" if parsed.error else fetched.status,
        http_status=fetched.http_status,
        title=parsed.feed_title,
        entries=len(parsed.entries),
        first_date=min(known) if known else None,
        last_date=max(known) if known else None,
        undated=len(dates) - len(known),
        warnings=tuple(parsed.warnings),
        error=parsed.error,
        elapsed=fetched.elapsed,
    )


@app.command("check")
def check(
    ctx: typer.Context,
    targets: Optional[list[str]] = typer.Argument(None, help="Feed URLs, feed files, or directories of feed files."),
    config: Optional[Path] = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per feed per line."),
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="SECONDS", help="Total timeout per feed, seconds (default: the config's)."),
) -> None:
    """Fetch and parse feeds; print status, entries, dates, warnings and timing of each. Nothing is stored.

    The configuration's sources are checked when no target is named, or when --config is given.
    """
    from vigie.cli.common import config_path, given_config, load_or_exit
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.parse import parse_fetched
    from vigie.ingest.sources import sources_from_paths

    settings = FetchConfig()
    sources: list[Source] = []
    if given_config(config, ctx) is not None or not targets:
        cfg = load_or_exit(config_path(config, ctx))
        settings = cfg.fetch
        sources.extend(cfg.source_objects())
    sources.extend(sources_from_paths(targets or []))
    if timeout is not None:
        settings = settings.model_copy(update={"timeout": timeout})
    if not sources:
        typer.echo("no feeds to check (name URLs or files, or list sources in the configuration)", err=True)
        raise typer.Exit(2)

    started = time.perf_counter()
    with verbosity.reported_by_the_command("vigie.ingest"):  # each error is printed on its feed's line
        fetched = fetch_sources(sources, {}, settings)
    totals = {"feeds": 0, "ok": 0, "not_modified": 0, "error": 0, "entries": 0, "warnings": 0}
    for f in fetched:
        report = feed_report(f, parse_fetched(f))
        totals["feeds"] += 1
        totals[report.status] += 1
        totals["entries"] += report.entries
        totals["warnings"] += len(report.warnings)
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False) if as_json else report.as_text())
    seconds = time.perf_counter() - started
    summary = (f"{totals['feeds']} feeds: {totals['ok']} ok, {totals['not_modified']} not modified, "
               f"{totals['error']} errors; {totals['entries']} entries, {totals['warnings']} warnings; {seconds:.2f} s")
    # The summary goes to stderr in JSON mode so that stdout stays one object per line.
    typer.echo(summary, err=as_json)
    raise typer.Exit(1 if totals["error"] else 0)


@app.command("status")
def status(
    ctx: typer.Context,
    config: Optional[Path] = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per feed per line."),
) -> None:
    """What the store knows of every configured feed: last success, last error, failures in a row, next try.

    Times are shown in the configuration's time zone. Nothing is fetched.
    """
    from vigie.cli.common import config_path, load_or_exit
    from vigie.common.times import local_time
    from vigie.errors import StoreError
    from vigie.ingest.health import FeedState, load_states
    from vigie.store import connect

    cfg = load_or_exit(config_path(config, ctx))
    try:
        engine = connect(cfg.store_url)
    except StoreError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    try:
        sources = cfg.source_objects()
        states = load_states(engine, sources)
    finally:
        engine.dispose()

    def local(when: datetime | None) -> str:
        return local_time(when, cfg.timezone, "never")

    for src in sources:
        state = states.get(src.id) or FeedState(source_id=src.id)
        if as_json:
            typer.echo(json.dumps({"source": src.id, "name": src.name, "last_success": _iso(state.last_success_at),
                                   "last_error": state.last_error, "last_error_at": _iso(state.last_error_at),
                                   "failures_in_a_row": state.consecutive_failures,
                                   "next_try": _iso(state.next_attempt_at), "reported_down": state.reported_down,
                                   "entries_seen": state.entries_seen}, ensure_ascii=False))
            continue
        health = ("never fetched" if state.last_fetch_at is None
                  else f"{state.consecutive_failures} failure(s) in a row" if state.consecutive_failures else "ok")
        typer.echo(f"{src.name}  ({src.id})" if src.name != src.id else src.id)
        typer.echo(f"    {health}; last success {local(state.last_success_at)}; {state.entries_seen} entries then")
        if state.last_error:
            typer.echo(f"    last error {local(state.last_error_at)}: {state.last_error}")
        if state.next_attempt_at is not None:
            typer.echo(f"    next try {local(state.next_attempt_at)} (backing off)")


@app.callback()
def _feeds() -> None:
    """Feeds: check what vigie reads."""
