"""A Prefect server of vigie's own, for ``vigie serve`` on one machine.

Prefect's ephemeral mode runs flows but has no scheduler ("Cannot schedule flows
on an ephemeral server"), so ``vigie serve`` starts ``prefect server start`` as a
child process, with its database in ``data_dir/prefect``, points the runner at
it, and stops it on exit. Deployments and schedules live in that database, so a
restart picks them up. When ``PREFECT_API_URL`` is set, that server is used instead.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx

from vigie.errors import LocalServerError


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens there, else any free port on loopback."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise LocalServerError("no free port on 127.0.0.1 for the local Prefect server")


@contextlib.contextmanager
def local_prefect_server(data_dir: Path, *, port: int = 4200, startup_timeout: float = 120.0) -> Iterator[str]:
    """Run a Prefect server for the duration of the block; yield its API URL."""
    home = data_dir / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port(port)
    env = dict(os.environ, PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise LocalServerError(f"the local Prefect server exited with status {proc.returncode}; see {home / 'server.log'}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise LocalServerError(f"the local Prefect server did not answer within {startup_timeout:.0f} s; see {home / 'server.log'}")
            time.sleep(0.5)
        yield api
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
