"""`vigie rules backtest`: what rules would have matched, grouped and alerted over the stored articles.

    vigie rules backtest [RULE FILES] [--since 30d|all] [--rule ID] [--samples N] [--json]

The replay itself is ``vigie.runtime.backtest``; this module reads the options and prints the report.
Nothing is sent and the store is only read.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from vigie.cli import verbosity
from vigie.cli.common import ConfigOption, config_path, load_or_exit, open_store
from vigie.common.text import clip
from vigie.common.times import local_time

if TYPE_CHECKING:
    from vigie.runtime.backtest import BacktestReport
    from vigie.runtime.backtest_report import Sample

KIND_WORDS = {"new_story": "new stories", "development": "developments", "each": "each-article alerts",
              "escalation": "escalations"}


def _since(text: str) -> datetime | None:
    from vigie.common.times import parse_duration

    if text.strip().lower() == "all":
        return None
    try:
        return datetime.now(timezone.utc) - parse_duration(text)
    except ValueError:
        pass
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        typer.secho(f"error: --since {text!r}: expected a duration (30d, 72h), a date (2026-11-01) or all",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    return day if day.tzinfo else day.replace(tzinfo=timezone.utc)


def backtest(
    ctx: typer.Context,
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or folders to try (default: those of the configuration)."),
    since: str = typer.Option("30d", "--since", metavar="DURATION|DATE|all", help="Articles first seen this recently (30d, 72h), since a date, or all."),
    rule: Optional[List[str]] = typer.Option(None, "--rule", metavar="ID", help="Only this rule (repeat for more)."),
    samples: int = typer.Option(3, "--samples", "-n", metavar="N", help="Examples shown per kind of alert."),
    as_json: bool = typer.Option(False, "--json", help="The report as one JSON object."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Replay rules over the stored articles: matches, stories and the alerts a run would have sent, and,
    for a rule that differs from the one in use, the articles gained and lost. Sends nothing, changes nothing."""
    from vigie.rules import load_rules
    from vigie.runtime.backtest import backtest as replay

    cfg = load_or_exit(config_path(config, ctx))
    tested = load_rules(paths or list(cfg.rules))
    current = load_rules(list(cfg.rules)) if paths else None
    for err in tested.errors:
        typer.echo(str(err), err=True)
    if rule:
        unknown = sorted(set(rule) - {r.id for r in tested.rules})
        if unknown:
            typer.secho(f"error: no rule {', '.join(map(repr, unknown))} in the rules read", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        tested.rules = [r for r in tested.rules if r.id in rule]
        tested.compiled = None
    start = _since(since)
    with open_store(cfg, write=False) as engine:
        report = replay(engine, tested, cfg, since=start, current=current, samples=max(samples, 0))
    if as_json:
        typer.echo(json.dumps(_as_json(report), ensure_ascii=False, indent=2, default=str))
    else:
        _print(report, cfg.timezone, {s.id: s.name for s in cfg.source_objects() if s.name})
    raise typer.Exit(1 if tested.errors else 0)


def _spans(s: "Sample") -> str:
    return ", ".join(f"{sp.field}[{sp.start}:{sp.end}] {sp.text!r}" + (f" ({sp.term})" if sp.term != sp.text else "")
                     for sp in s.spans[:4])


def _line(s: "Sample", tz: str, names: dict[str, str]) -> list[str]:
    story = f"  story #{s.story_id}" if s.story_id is not None else ""
    source = names.get(s.source_id) or s.source_id
    out = [f"    {s.kind:<11} {local_time(s.published, tz)}  {clip(s.title, 80)}  [{source}]{story}"]
    if s.spans:
        out.append(f"                spans: {_spans(s)}")
    return out


def _print(report: "BacktestReport", tz: str, names: dict[str, str]) -> None:
    window = f"since {local_time(report.since, tz)}" if report.since else "all"
    lines = [f"backtest over {report.articles} stored article(s) ({window}), {report.batches} run(s) replayed; "
             "nothing sent, the store unchanged",
             f"{sum(report.alerts.values())} alert(s) in {report.stories} stor{'y' if report.stories == 1 else 'ies'}"
             + "".join(f", {n} {KIND_WORDS.get(k, k)}" for k, n in sorted(report.alerts.items()))]
    for r in report.rules:
        kinds = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in r.alerts.items() if n or k in ("new_story", "development"))
        lines += ["", f"rule {r.rule_id}  ({r.path})",
                  f"  {r.matched} article(s) matched, {r.stories} stor{'y' if r.stories == 1 else 'ies'}, "
                  f"{r.n_alerts} alert(s): {kinds}; {r.held} held for digests -> {r.digests} digest message(s)"]
        for s in r.samples:
            lines += _line(s, tz, names)
        if r.compared:
            lines.append(f"  against the rule in use: {r.n_gained} article(s) gained, {r.n_lost} lost")
            for s in (*r.gained, *r.lost):
                lines += _line(s, tz, names)
            shown = len(r.gained) + len(r.lost)
            if r.n_gained + r.n_lost > shown:
                lines.append(f"    ... and {r.n_gained + r.n_lost - shown} more")
    if not report.rules:
        lines.append("no rule to try")
    if not verbosity.quiet():
        typer.echo("\n".join(lines))


def _as_json(report: "BacktestReport") -> dict[str, object]:
    def sample(s: "Sample") -> dict[str, object]:
        return {"kind": s.kind, "article": s.article_id, "title": s.title, "source": s.source_id,
                "published": s.published.isoformat(), "story": s.story_id,
                "spans": [{"field": x.field, "start": x.start, "end": x.end, "text": x.text, "term": x.term} for x in s.spans]}

    return {
        "since": report.since.isoformat() if report.since else None, "articles": report.articles,
        "runs": report.batches, "replayed": report.replayed, "alerts": report.alerts, "stories": report.stories,
        "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
        "rules": [{"rule": r.rule_id, "file": r.path, "matched": r.matched, "stories": r.stories, "alerts": dict(r.alerts),
                   "held_for_digest": r.held, "digests": r.digests, "samples": [sample(s) for s in r.samples],
                   "compared": r.compared, "gained": r.n_gained, "lost": r.n_lost,
                   "gained_samples": [sample(s) for s in r.gained], "lost_samples": [sample(s) for s in r.lost]}
                  for r in report.rules],
    }

