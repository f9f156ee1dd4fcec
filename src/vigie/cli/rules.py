"""`vigie rules`: check rule files, preview what they match, publish the JSON Schema.

    vigie rules check [PATHS]...                      every error as file:line:col: message; exit 1 if any;
                                                      with a configuration, a warning for notify tags no target has
    vigie rules test [--rules PATHS] INPUT... [--json] which rules fire on each article, and why
    vigie rules schema [--output FILE]                 the JSON Schema of the rule format
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, List, NoReturn, Optional

import typer

from vigie.cli.readable import Typer
from vigie.cli import verbosity
from vigie.cli.common import ConfigOption

if TYPE_CHECKING:
    from vigie.config import Config

app = Typer(help="Check rule files and preview what they match.", no_args_is_help=True)

DEFAULT_RULES = [Path("rules")]


def configuration(config: Optional[Path], ctx: typer.Context | None = None) -> "Config | None":
    """The configuration (``--config``, else the default one when it exists), else None."""
    from vigie.cli.common import config_path, given_config, load_or_exit

    path = config_path(config, ctx)
    if given_config(config, ctx) is None and not path.is_file():
        return None
    return load_or_exit(path)


def default_rule_paths(config: Optional[Path], ctx: typer.Context | None = None) -> list[Path]:
    """The rule paths of the configuration (``--config``, else the default one when it exists), else ./rules."""
    cfg = configuration(config, ctx)
    if cfg is None and not DEFAULT_RULES[0].exists():
        no_rules_here(config, ctx)
    return DEFAULT_RULES if cfg is None else list(cfg.rules)


def no_rules_here(config: Optional[Path], ctx: typer.Context | None) -> NoReturn:
    """Nothing was named and there is no rules/ here: say where we looked (not "rules:1:1: no such file")."""
    from vigie.cli.common import config_path

    typer.secho(f"error: no rules to read: {Path.cwd()} has no rules/ folder and no {config_path(config, ctx)}; name rule "
                "files or folders (vigie rules check PATH...), give --config FILE, or write a starter with vigie init",
                fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def check(
    ctx: typer.Context,
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or folders (default: those of the configuration, else rules/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Validate rule files: every problem as file:line:col: message; exit status 1 when there is any."""
    from vigie.cli.common import given_config
    from vigie.rules import load_rules

    # Rule files named alone: no configuration to read, none to check their notify tags against.
    cfg = None if paths and given_config(config, ctx) is None else configuration(config, ctx)
    if not paths and cfg is None and not DEFAULT_RULES[0].exists():
        no_rules_here(config, ctx)
    rule_set = load_rules(paths or (DEFAULT_RULES if cfg is None else list(cfg.rules)))
    for err in rule_set.errors:
        typer.echo(str(err), err=True)
    from vigie.delivery.routing import notify_warnings

    warnings = notify_warnings(rule_set, cfg) if cfg is not None else []
    for w in warnings:
        typer.echo(w, err=True)
    if not (quiet or verbosity.quiet()):
        n_files = len(rule_set.files)
        bad = len({e.path for e in rule_set.errors})
        typer.echo(f"{n_files} file(s), {len(rule_set.rules)} valid rule(s), {len(rule_set.errors)} error(s) in {bad} file(s)"
                   + (f", {len(warnings)} warning(s)" if warnings else ""))
    raise typer.Exit(1 if rule_set.errors else 0)


@app.command()
def test(
    ctx: typer.Context,
    inputs: List[str] = typer.Argument(..., help="Article files, feed files or URLs, folders, or JSON-lines files of items."),
    rules: Optional[List[Path]] = typer.Option(None, "--rules", "-r", help="Rule files or folders (default: those of the configuration, else rules/)."),
    config: Optional[Path] = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per article."),
    all_articles: bool = typer.Option(False, "--all", help="Also list articles that matched nothing."),
) -> None:
    """Preview rules on articles: which rules matched, the score, and the spans that made them fire."""
    from vigie.rules import compile_rules, load_rules, match_article
    from vigie.errors import InputError
    from vigie.rules.inputs import read_inputs

    rule_set = load_rules(rules or default_rule_paths(config, ctx))
    for err in rule_set.errors:
        typer.echo(str(err), err=True)
    matcher = compile_rules(rule_set)
    failed = False
    n_articles = n_matched = 0
    items = read_inputs(list(inputs))
    with verbosity.reported_by_the_command("vigie.ingest"):  # an input that cannot be read is one error: line
        for item in items:
            if isinstance(item, InputError):
                typer.echo(f"error: {item}", err=True)
                failed = True
                continue
            n_articles += 1
            matches = match_article(matcher, item)
            n_matched += bool(matches)
            if as_json:
                typer.echo(json.dumps({
                    "article": item.id, "source": item.source_id, "url": item.url, "title": item.title,
                    "language": item.language,
                    "matches": [{"rule": m.rule_id, "score": m.score, "severity": m.severity, "notify": list(m.notify),
                                 "terms": list(m.terms),
                                 "spans": [{"field": s.field, "start": s.start, "end": s.end, "text": s.text, "term": s.term} for s in m.spans]}
                                for m in matches],
                }, ensure_ascii=False))
                continue
            if not matches and not all_articles:
                continue
            typer.echo(f"{item.title[:100] or item.id}  [{item.source_id}]")
            if not matches:
                typer.echo("  (no rule matched)")
            for m in matches:
                typer.echo(f"  {m.rule_id}  score={m.score:g}  severity={m.severity}  terms: {', '.join(m.terms)}")
                for s in m.spans:
                    typer.echo(f"    {s.field}[{s.start}:{s.end}] {s.text!r}  ({s.term})")
    if not as_json:
        typer.echo(f"{n_articles} article(s), {n_matched} matched, {len(matcher.rules)} rule(s)")
    raise typer.Exit(1 if failed or rule_set.errors else 0)


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of printing.")) -> None:
    """Print (or write) the JSON Schema of the rule file format."""
    from vigie.rules.schema import schema_text

    text = schema_text()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
