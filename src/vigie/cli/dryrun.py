"""``vigie run --dry-run``: fetch, match and decide as a run would, print what would be alerted; store and send nothing.

The novelty stage is rehearsed (``vigie.delivery.record.rehearse``: recorded in a transaction
that is rolled back), so the decision is a real run's; delivery is skipped. Nothing is written:
no article, story, alert, delivery, feed validator or health row, nothing to any target, not the
console target's ``alerts.jsonl``. A SQLite store that does not exist yet is not created: the
rehearsal runs on an empty store in a temporary folder (every article is then new). No Prefect
flow run is made: the stages run in this process.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import typer

from vigie.cli import verbosity
from vigie.cli.common import open_store
from vigie.common.times import local_time
from vigie.config import Config


def _store_to_rehearse_on(cfg: Config, stack: ExitStack) -> Config:
    """``cfg``, or a copy on a temporary empty store when its SQLite file does not exist yet."""
    url = cfg.store_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:" and not Path(url[len("sqlite:///"):]).exists():
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigie-dry-run-")))
        return cfg.model_copy(update={"store": f"sqlite:///{folder / 'rehearsal.db'}"})
    return cfg


def dry_run(cfg: Config) -> None:
    """Rehearse one cycle of ``cfg`` and print what it would alert."""
    from vigie.runtime.cycle import rehearse_cycle
    from vigie.runtime.logmask import protect
    from vigie.runtime.summarize import print_problems

    protect(cfg)  # before any stage can log a URL
    started = datetime.now(timezone.utc)
    with ExitStack() as stack:
        store_cfg = _store_to_rehearse_on(cfg, stack)
        engine = stack.enter_context(open_store(store_cfg, write=False))
        summary, rehearsal = rehearse_cycle(cfg, engine, started)
    if verbosity.quiet():
        print_problems(summary, err=True)
        return
    s = summary
    typer.secho(f"vigie run --dry-run: nothing stored, nothing sent ({s.seconds:.1f} s)", bold=True)
    typer.echo(f"  sources: {len(s.sources)} ({sum(1 for x in s.sources if x.status == 'not_modified')} unchanged, "
               f"{sum(1 for x in s.sources if x.status == 'error')} failed, "
               f"{sum(1 for x in s.sources if x.status == 'skipped')} backing off)")
    typer.echo(f"  rules: {s.rules_loaded} loaded; articles: {s.articles_seen} read, {s.new_articles} new; "
               f"{s.matches} rule matches")
    print_problems(s)
    typer.echo("")
    if not rehearsal.would_alert:
        typer.echo("A run now would alert nothing (nothing new matched; earlier alerts are not sent again).")
        return
    typer.secho(f"A run now would alert ({len(rehearsal.would_alert)}):", bold=True)
    for would in rehearsal.would_alert:
        typer.echo(f"  [{would.rule_id}] {would.kind}: {would.title}")
        held = f", held for a digest until {local_time(would.digest_due_at, cfg.timezone)}" if would.digest_due_at else ""
        typer.echo(f"      -> {', '.join(would.targets) or 'no target routed'}{held}")
