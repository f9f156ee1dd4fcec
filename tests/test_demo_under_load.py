"""`make demo` passes on a loaded machine: the demo's command, run while every core is busy.

A busy-loop process per core runs for the whole test (killed at the end, whatever happens):
Prefect's ephemeral server starting late, or a stage slow to answer, must not fail the run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def demo_command(repo: Path) -> list[str]:
    """The vigie words of the Makefile's demo recipe (``$(BIN)/vigie run --config vigie.yaml``)."""
    makefile = (repo / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*\n\t(.+)$", makefile, flags=re.M)
    assert recipe, "no demo target in the Makefile"
    words = recipe.group(1).split()
    assert words[0] == "$(BIN)/vigie", recipe.group(1)
    return words[1:]


def busy_cores() -> list[subprocess.Popen[bytes]]:
    """One process per core spinning until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]


def test_the_demo_succeeds_while_every_core_is_busy(repo: Path, tmp_path: Path) -> None:
    for part in ("vigie.yaml", "rules", "demo"):
        (shutil.copytree if (repo / part).is_dir() else shutil.copy)(repo / part, tmp_path / part)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo / "src"), str(repo)]),
               DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")  # as the Makefile exports them
    for inherited in ("PREFECT_API_URL", "PREFECT_HOME", "VIGIE_CONFIG", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"):
        env.pop(inherited, None)
    words = demo_command(repo)

    spinners = busy_cores()
    try:
        time.sleep(1.0)  # the spinners have the cores before vigie starts
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "vigie", *words], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=900)
        seconds = time.monotonic() - started
    finally:
        for spinner in spinners:
            spinner.send_signal(signal.SIGKILL)
        for spinner in spinners:
            spinner.wait()

    said = done.stdout + done.stderr
    assert done.returncode == 0, f"the demo failed after {seconds:.0f} s under load:\n{said[-4000:]}"
    assert "vigie run finished" in done.stdout
    assert "Traceback" not in said
    assert (tmp_path / ".vigie" / "vigie.db").is_file()
