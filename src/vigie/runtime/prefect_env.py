"""Environment defaults applied before Prefect is imported.

Prefect phones home unless told not to, and this tool must run on machines with
no internet: telemetry is off unless the user explicitly turned it on.
"""

from __future__ import annotations

import os
from pathlib import Path

QUIET_PREFECT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    # Prefect waits 20 s for its ephemeral API server, which a busy 2-core machine does not
    # always meet (seen: `vigie run` failing 3 times in 3 at load 7); a run is worth the wait.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def apply(data_dir: Path | None = None, *, verbose: bool | None = None) -> None:
    """Set telemetry off, give the ephemeral server time to start, and, when no Prefect home is chosen,
    keep Prefect's state in ``data_dir``. A value the user set wins.

    ``verbose`` (``-v``) lets apprise log at DEBUG, its URLs masked; otherwise it logs from
    WARNING up. The choice goes through the environment to the flow-run processes too.
    """
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    if verbose is not None:
        from vigie.runtime import logmask

        os.environ[logmask.VERBOSE_ENV] = "1" if verbose else "0"
        logmask.quiet_apprise(verbose)
    if data_dir is not None and "PREFECT_HOME" not in os.environ and "PREFECT_API_URL" not in os.environ:
        home = data_dir / "prefect"
        home.mkdir(parents=True, exist_ok=True)  # Prefect creates the last level only
        os.environ["PREFECT_HOME"] = str(home)
