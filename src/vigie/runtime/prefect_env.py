"""Environment defaults applied before Prefect is imported.

Prefect phones home unless told not to, and this tool must run on machines with
no internet: telemetry is off unless the user explicitly turned it on.

vigie's own log records (``vigie.*``: a feed that failed, a delivery retried) go to
Prefect's API with the flow run's, so the Prefect UI shows them: ``vigie`` is added to
``PREFECT_LOGGING_EXTRA_LOGGERS``. Outside a flow run (``vigie feeds check`` after Prefect
was imported) such a record has no run to belong to and is not sent, without a warning.

The flow's timeout is fixed when ``flows/monitor.py`` is imported, in whichever process
runs the flow (``vigie run``, a flow-run process of ``vigie serve``, a worker's): it travels
as ``VIGIE_RUN_TIMEOUT`` (seconds), set from ``timeouts.run`` of ``vigie.yaml`` by
``vigie run`` and ``vigie serve``, and written into the deployment by ``vigie deploy``.
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
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}
EXTRA_LOGGERS = "PREFECT_LOGGING_EXTRA_LOGGERS"
RUN_TIMEOUT_ENV = "VIGIE_RUN_TIMEOUT"
DEFAULT_RUN_TIMEOUT = 1800.0  # timeouts.run's default, for a flow imported without vigie's CLI


def apply(data_dir: Path | None = None, *, verbose: bool | None = None, run_timeout: float | None = None) -> None:
    """Set telemetry off, give the ephemeral server time to start, send vigie's logs to Prefect's API,
    and, when no Prefect home is chosen, keep Prefect's state in ``data_dir``. A value the user set wins.

    ``verbose`` (``-v``) lets apprise log at DEBUG, its URLs masked; otherwise it logs from
    WARNING up. The choice goes through the environment to the flow-run processes too, as does
    ``run_timeout`` (seconds, from ``timeouts.run``).
    """
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    extra = [name.strip() for name in os.environ.get(EXTRA_LOGGERS, "").split(",") if name.strip()]
    if "vigie" not in extra:
        os.environ[EXTRA_LOGGERS] = ",".join(extra + ["vigie"])
    if run_timeout is not None:
        os.environ[RUN_TIMEOUT_ENV] = f"{run_timeout:g}"
    if verbose is not None:
        from vigie.runtime import logmask

        os.environ[logmask.VERBOSE_ENV] = "1" if verbose else "0"
        logmask.quiet_apprise(verbose)
    if data_dir is not None and "PREFECT_HOME" not in os.environ and "PREFECT_API_URL" not in os.environ:
        home = data_dir / "prefect"
        home.mkdir(parents=True, exist_ok=True)  # Prefect creates the last level only
        os.environ["PREFECT_HOME"] = str(home)


def run_timeout() -> float:
    """The flow's timeout in seconds: ``VIGIE_RUN_TIMEOUT``, else ``timeouts.run``'s default."""
    try:
        value = float(os.environ.get(RUN_TIMEOUT_ENV, DEFAULT_RUN_TIMEOUT))
    except ValueError:
        return DEFAULT_RUN_TIMEOUT
    return value if value > 0 else DEFAULT_RUN_TIMEOUT
