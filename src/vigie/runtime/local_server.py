"""A Prefect server of vigie's own, for ``vigie serve`` on one machine.

Prefect's ephemeral mode runs flows but has no scheduler ("Cannot schedule flows
on an ephemeral server"), so ``vigie serve`` starts ``prefect server start`` as a
child process, with its database in ``data_dir/prefect``, points the runner at
it, and stops it on exit. Deployments and schedules live in that database, so a
restart picks them up. When ``PREFECT_API_URL`` is set, that server is used instead.
While it runs, its API URL is in ``data_dir/prefect/server-api-url``: ``vigie run`` and
another ``vigie serve`` of the same ``data_dir`` reuse it (``running_server``) instead of
starting a Prefect server of their own, which is what makes a repeated run fast.

The server dies with ``vigie serve`` even when that is killed with SIGKILL and has no
chance to stop it: on Linux the child asks the kernel for SIGTERM when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, ``die_with_parent``), instead of living on under init.
``bind_ephemeral_server_to_parent`` does the same for the temporary server Prefect
itself starts for ``vigie run``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx

from vigie.errors import LocalServerError


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child process get ``sig`` when this process dies; None
    where the kernel offers no such thing (not Linux).

    The death signal is tied to the thread that starts the child: start it from a thread
    that lives as long as the process (the main thread)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only makes the call
    parent = os.getpid()

    def preexec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
            os._exit(127)  # a server that could outlive us is not started at all
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), sig)

    return preexec


class _SubprocessDyingWithParent:
    """The ``subprocess`` module as Prefect's server module sees it, but whose ``Popen`` starts
    children that die with this process (everything else is the real module's)."""

    def __getattr__(self, name: str) -> object:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: object, **kwargs: object) -> "subprocess.Popen[bytes]":  # noqa: N802 - the name Prefect calls
        kwargs.setdefault("preexec_fn", die_with_parent())
        return subprocess.Popen(*args, **kwargs)  # type: ignore[call-overload]  # Prefect's own arguments, passed on


def bind_ephemeral_server_to_parent() -> bool:
    """Make the temporary API server that Prefect starts for ``vigie run`` die with vigie.

    Prefect starts it with a plain ``subprocess.Popen`` and stops it at exit; a ``kill -9``
    of vigie left it running under init. Prefect's server module is given a ``subprocess``
    whose ``Popen`` adds ``die_with_parent``; nothing else of it changes. Returns False when
    this Prefect does not start its server that way (then nothing is changed)."""
    from prefect.server.api import server as prefect_server

    if getattr(prefect_server, "subprocess", None) is not subprocess or die_with_parent() is None:
        return isinstance(getattr(prefect_server, "subprocess", None), _SubprocessDyingWithParent)
    prefect_server.subprocess = _SubprocessDyingWithParent()  # type: ignore[assignment]  # a stand-in module
    return True


def free_port(preferred: int, host: str = "127.0.0.1", *, strict: bool = False) -> int:
    """``preferred`` when nothing listens there, else (unless ``strict``) any free port on ``host``."""
    for port in (preferred,) if strict else (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    wanted = f"port {preferred}" if strict else "no free port"
    raise LocalServerError(f"{wanted} on {host} for the local Prefect server" + (" is taken" if strict else ""))


def startup_wait() -> float:
    """How long to wait for a Prefect server to answer: the wait ``prefect_env`` sizes for a busy
    machine (``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``, 180 s), which the user may change."""
    try:
        return max(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")), 1.0)
    except ValueError:
        return 180.0


def wait_until_healthy(api: str, timeout: float, *, exited: Callable[[], int | None], what: str, log: Path,
                       hint: str, every: float) -> None:
    """Return once ``api`` answers its health check; a LocalServerError naming ``log`` if the server's
    process ends first (``exited`` gives its status, None while it runs) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        status = exited()
        if status is not None:
            raise LocalServerError(f"{what} exited with status {status}; see {log}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise LocalServerError(f"{what} did not answer within {timeout:.0f} s ({hint}); see {log}")
        time.sleep(every)


def address_file(data_dir: Path) -> Path:
    """Where a running local server writes its API URL, for ``vigie run`` and ``vigie serve`` to reuse."""
    return data_dir / "prefect" / "server-api-url"


def running_server(data_dir: Path, timeout: float = 1.0) -> str | None:
    """The API URL of the local server that ``vigie serve`` or ``vigie server`` left running for
    ``data_dir``, when it answers its health check within ``timeout``; else None."""
    try:
        api = address_file(data_dir).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        return api if api and httpx.get(f"{api}/health", timeout=timeout).status_code == 200 else None
    except httpx.HTTPError:
        return None


@contextlib.contextmanager
def local_prefect_server(data_dir: Path, *, host: str = "127.0.0.1", port: int = 4200, strict_port: bool = False,
                         startup_timeout: float | None = None) -> Iterator[str]:
    """Run a Prefect server for the duration of the block; yield its API URL (also written to
    ``address_file`` while it runs). ``port`` is taken if free, else any free one unless ``strict_port``."""
    home = data_dir / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port(port, host, strict=strict_port)
    timeout = startup_wait() if startup_timeout is None else startup_timeout
    env = dict(os.environ, PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent(),  # dies with us, even on SIGKILL
        # Its own session: a Ctrl-C at the terminal goes to the whole foreground group, and the server
        # must outlive it while vigie serve lets the current run finish (it stops when vigie does).
        start_new_session=True,
    )
    reach = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # a server on every interface answers on loopback
    api = f"http://{reach}:{port}/api"
    marker = address_file(data_dir)
    try:
        wait_until_healthy(api, timeout, exited=proc.poll, what="the local Prefect server", log=home / "server.log",
                           hint="PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", every=0.5)
        marker.write_text(api, encoding="utf-8")
        yield api
    finally:
        with contextlib.suppress(OSError):
            if marker.read_text(encoding="utf-8").strip() == api:
                marker.unlink()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
