"""`vigie stories`: what vigie grouped into stories, and one story's timeline.

    vigie stories [list] [--rule ID] [--limit N] [--json]   the latest stories: first headline, rules, sources,
                                                            article and development counts, alerts and their state
    vigie stories show ID [--json]                          one story: each article, new, development or repeat, and why

The queries are ``vigie.delivery.story_view``'s; this module prints them. Read-only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from vigie.cli.common import ConfigOption, config_path, load_or_exit, open_store
from vigie.cli.readable import Typer
from vigie.common.text import clip
from vigie.common.times import local_time

app = Typer(help="Stories: what vigie grouped, the rules and sources, the alerts.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context, config: Optional[Path] = ConfigOption) -> None:
    """Stories: what vigie grouped, the rules and sources, the alerts (plain "vigie stories" lists the latest)."""
    ctx.obj = {"config": config}
    if ctx.invoked_subcommand is None:
        list_(ctx, rule=None, limit=30, as_json=False, config=None)


def _alerts(line: Any) -> list[dict[str, object]]:
    return [{"id": ln.alert.id, "kind": ln.alert.kind, "rule_id": ln.alert.rule_id, "status": ln.status,
             "deliveries": {d.target: d.status for d in ln.deliveries}} for ln in line.alerts]


def _story_json(s: Any) -> dict[str, object]:
    return {"id": s.id, "title": s.title, "created_at": s.created_at.isoformat(), "updated_at": s.updated_at.isoformat(),
            "rules": list(s.rules), "sources": list(s.sources), "articles": s.articles, "developments": s.developments,
            "alerts": _alerts(s)}


def _names(cfg: Any, source_ids: Any) -> list[str]:
    """Sources as the configuration names them (the id when it names none, or no longer has the source)."""
    names = {s.id: s.name for s in cfg.source_objects()}
    return [names.get(i) or i for i in source_ids]


def _alert_states(s: Any) -> str:
    if not s.alerts:
        return "no alert"
    return ", ".join(f"#{ln.alert.id} {ln.alert.kind} {ln.status}" for ln in s.alerts)


@app.command("list")
def list_(
    ctx: typer.Context,
    rule: Optional[str] = typer.Option(None, "--rule", metavar="ID", help="Only stories where this rule fired."),
    limit: int = typer.Option(30, "--limit", "-n", metavar="N", help="How many stories, most recently updated first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per story."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """The latest stories: first headline, rules, sources, article and development counts, alerts and their delivery state."""
    from vigie.delivery.story_view import list_stories

    cfg = load_or_exit(config_path(config, ctx))
    with open_store(cfg, write=False) as engine:
        stories = list_stories(engine, limit=limit, rule=rule)
    if as_json:
        for s in stories:
            typer.echo(json.dumps(_story_json(s), ensure_ascii=False))
        return
    if not stories:
        typer.echo("no stories" + (f" where rule {rule} fired" if rule else ""))
        return
    for s in stories:
        typer.echo(f"#{s.id:<5} {local_time(s.updated_at, cfg.timezone)}  {clip(s.title, 90)}")
        typer.echo(f"       rules: {', '.join(s.rules)}; {s.articles} article(s), {s.developments} development(s), "
                   f"{len(s.sources)} source(s): {clip(', '.join(_names(cfg, s.sources)), 80)}")
        typer.echo(f"       alerts: {_alert_states(s)}")


@app.command()
def show(
    ctx: typer.Context,
    story_id: int = typer.Argument(..., help="The story number (see vigie stories list)."),
    as_json: bool = typer.Option(False, "--json", help="The story and its timeline as JSON."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """One story: its rules, sources and alerts, and its timeline (each article new, development or repeat, and why)."""
    from vigie.delivery.story_view import get_story

    cfg = load_or_exit(config_path(config, ctx))
    with open_store(cfg, write=False) as engine:
        found = get_story(engine, story_id)
    if found is None:
        typer.secho(f"error: no story #{story_id}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    story, steps = found
    if as_json:
        typer.echo(json.dumps({**_story_json(story), "timeline": [
            {"published": st.published.isoformat(), "article": st.article_id, "title": st.title, "source": st.source_id,
             "mark": st.mark, "why": st.why, "rules": list(st.rules), "alerts": list(st.alert_ids)} for st in steps]},
            ensure_ascii=False, indent=2))
        return
    typer.echo(f"story #{story.id}: {story.title}")
    typer.echo(f"  rules: {', '.join(story.rules)}")
    typer.echo(f"  {story.articles} article(s), {story.developments} development(s), sources: {', '.join(_names(cfg, story.sources))}")
    typer.echo(f"  alerts: {_alert_states(story)}")
    typer.echo("")
    typer.echo(f"timeline ({len(steps)} article{'s' if len(steps) != 1 else ''}):")
    for st in steps:
        alerted = f"  -> alert {', '.join(f'#{i}' for i in st.alert_ids)}" if st.alert_ids else ""
        typer.echo(f"  {local_time(st.published, cfg.timezone)}  {st.mark:<11}  {clip(st.title, 90)}  ({_names(cfg, [st.source_id])[0]}){alerted}")
        typer.echo(f"  {'':<{len(local_time(st.published, cfg.timezone))}}  {'':<11}  why: {st.why}")
