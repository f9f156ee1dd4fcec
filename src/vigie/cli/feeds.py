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
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from vigie.models import Fetched, Parsed, Source

app = typer.Typer(help="Check feeds: fetch and parse without storing or alerting.", no_args_is_help=True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def feed_report(fetched: Fetched, parsed: Parsed) -> dict[str, object]:
    """What ``feeds check`` says about one feed, as plain data (the JSON line)."""
    dates = [e.published or e.updated for e in parsed.entries]
    known = [d for d in dates if d is not None]
    status = "error" if parsed.error else fetched.status
    return {
        "source": fetched.source.id,
        "location": fetched.new_location or fetched.source.id,  # the id: the location may hold a secret
        "kind": fetched.source.kind.value,
        "status": status,
        "http_status": fetched.http_status,
        "title": parsed.feed_title,
        "entries": len(parsed.entries),
        "first_date": _iso(min(known)) if known else None,
        "last_date": _iso(max(known)) if known else None,
        "undated": len(dates) - len(known),
        "warnings": list(parsed.warnings),
        "error": parsed.error,
        "elapsed": round(fetched.elapsed, 4),
    }


def _line(report: dict[str, object]) -> str:
    status = str(report["status"])
    dates = ""
    if report["first_date"]:
        first, last = str(report["first_date"])[:10], str(report["last_date"])[:10]
        dates = first if first == last else f"{first}..{last}"
    if report["undated"]:
        dates = (dates + " " if dates else "") + f"({report['undated']} undated)"
    head = f"{status:<12} {report['entries']:>4} entries  {dates:<24} {float(report['elapsed']):6.2f}s  {report['location']}"  # type: ignore[arg-type]
    lines = [head]
    if report["error"]:
        lines.append(f"    error: {report['error']}")
    for w in report["warnings"]:  # type: ignore[union-attr]
        lines.append(f"    warning: {w}")
    return "\n".join(lines)


@app.command("check")
def check(
    targets: Optional[list[str]] = typer.Argument(None, help="Feed URLs, feed files, or directories of feed files."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="vigie.yaml whose sources to check (default: ./vigie.yaml when no target is named)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per feed per line."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Total timeout per feed, seconds (default: the config's)."),
) -> None:
    """Fetch and parse feeds; print status, entries, dates, warnings and timing of each. Nothing is stored."""
    from vigie.cli.common import default_config_path, load_or_exit
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.parse import parse_fetched
    from vigie.ingest.sources import sources_from_paths

    settings = FetchConfig()
    sources: list[Source] = []
    if config is not None or not targets:
        cfg = load_or_exit(config or default_config_path())
        settings = cfg.fetch
        sources.extend(cfg.source_objects())
    sources.extend(sources_from_paths(targets or []))
    if timeout is not None:
        settings = settings.model_copy(update={"timeout": timeout})
    if not sources:
        typer.echo("no feeds to check (name URLs or files, or list sources in the configuration)", err=True)
        raise typer.Exit(2)

    started = time.perf_counter()
    fetched = fetch_sources(sources, {}, settings)
    totals = {"feeds": 0, "ok": 0, "not_modified": 0, "error": 0, "entries": 0, "warnings": 0}
    for f in fetched:
        report = feed_report(f, parse_fetched(f))
        totals["feeds"] += 1
        totals[str(report["status"])] += 1
        totals["entries"] += int(report["entries"])  # type: ignore[call-overload]
        totals["warnings"] += len(report["warnings"])  # type: ignore[arg-type]
        typer.echo(json.dumps(report, ensure_ascii=False) if as_json else _line(report))
    seconds = time.perf_counter() - started
    summary = (f"{totals['feeds']} feeds: {totals['ok']} ok, {totals['not_modified']} not modified, "
               f"{totals['error']} errors; {totals['entries']} entries, {totals['warnings']} warnings; {seconds:.2f} s")
    # The summary goes to stderr in JSON mode so that stdout stays one object per line.
    typer.echo(summary, err=as_json)
    raise typer.Exit(1 if totals["error"] else 0)


@app.callback()
def _feeds() -> None:
    """Feeds: check what vigie reads."""
