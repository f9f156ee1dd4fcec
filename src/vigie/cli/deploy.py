"""``vigie deploy``: write the Prefect deployment from ``vigie.yaml``, and apply it on request.

The file is ``runtime.deployment``'s; applying it is Prefect's own ``prefect deploy`` on that
very file (so what is applied is what was written), after the work pool is created when the
server has none of that name. It is run from the checkout that holds ``flows/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from vigie.cli.common import ConfigOption, config_path, load_or_exit
from vigie.common.times import format_duration

OutputOption: Any = typer.Option(Path("deploy/prefect.yaml"), "--output", "-o", metavar="FILE",
                                 help="Where to write the deployment file.")


def checkout() -> Path:
    """The folder that holds ``flows/monitor.py``: where ``prefect deploy`` runs, and the workers' ``VIGIE_HOME``."""
    import flows

    return Path(flows.__file__).resolve().parent.parent


def deploy(ctx: typer.Context, config: Optional[Path] = ConfigOption, output: Path = OutputOption,
           pool: str = typer.Option("vigie", "--pool", metavar="NAME", help="The Prefect work pool (process type)."),
           apply: bool = typer.Option(False, "--apply", help="Also deploy it to the Prefect server of PREFECT_API_URL."),
           ) -> None:
    """Write the Prefect deployment (prefect.yaml) of the flow from vigie.yaml: its schedule and run timeout.

    With --apply, also create the work pool if the server has none and run prefect deploy on the file, with VIGIE_HOME (this checkout) and VIGIE_CONFIG (this configuration) filled in.
    """
    config = config_path(config, ctx)
    cfg = load_or_exit(config)
    if apply and not os.environ.get("PREFECT_API_URL"):
        typer.secho("error: --apply needs PREFECT_API_URL (the shared Prefect server, e.g. http://prefect-host:4200/api)",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    from vigie.runtime import prefect_env

    prefect_env.apply()
    import prefect

    from vigie.runtime.deployment import render

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(cfg, prefect.__version__, pool, shown_config=config.name), encoding="utf-8")
    typer.echo(f"vigie: wrote {output} ({cfg.schedule.describe()}, run timeout {format_duration(cfg.timeouts.run)})")
    if apply:
        _apply(output.resolve(), cfg.path, pool)


def _apply(output: Path, config_file: Path, pool: str) -> None:
    _ensure_pool(pool)
    env = dict(os.environ, VIGIE_HOME=str(checkout()), VIGIE_CONFIG=str(config_file))
    done = subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--prefect-file", str(output), "--all"],
                          cwd=checkout(), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        typer.secho(f"error: prefect deploy failed (status {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"vigie: deployed 'vigie-monitor/vigie' to {os.environ['PREFECT_API_URL']} (work pool {pool}); "
               f"start workers with: prefect worker start --pool {pool}")


def _ensure_pool(pool: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
            typer.echo(f"vigie: created the work pool {pool} (process)")
