"""The temporary Prefect server of one ``vigie run``, forked from vigie's own process.

When no Prefect server is chosen (no ``PREFECT_API_URL``, none in the Prefect profile, no
``vigie server`` or ``vigie serve`` left running for the ``data_dir``), Prefect starts a
temporary server for the run: a new Python process that imports Prefect anew and then its
server, while vigie waits, having imported the same modules itself (on a 2-core machine at
load 4: 10 s of a 23 s run, bench/bench_startup.py). Here vigie binds a loopback socket,
imports Prefect once and forks: the child imports only the server's own modules and serves
Prefect's application as Prefect's temporary server does (``create_app(ephemeral=True)``:
the API and the services that record task runs, events and logs, no UI, its database in
``PREFECT_HOME``), while the parent goes on loading the flow. It is still a real Prefect
server: the flow run and its task runs are recorded in its database, as before.

The child is in its own session (a Ctrl-C reaches vigie, which can still report the run to the
server) and dies with vigie even on SIGKILL (``local_server.die_with_parent``). It is stopped
at exit, after Prefect has flushed the run's events and logs to it (Prefect flushes them when
Python's threads shut down, before ``atexit`` handlers run).

Off Linux, or with ``VIGIE_TEMP_SERVER=prefect``, Prefect starts its own temporary server as
before (``local_server.bind_ephemeral_server_to_parent``).

Imports: ``vigie.runtime.local_server``; Prefect and uvicorn inside functions.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable


from vigie.runtime.local_server import die_with_parent, startup_wait, wait_until_healthy

CHOICE_ENV = "VIGIE_TEMP_SERVER"  # "prefect": let Prefect start its own temporary server (slower)


def wanted() -> bool:
    """Whether ``vigie run`` forks its temporary server: on Linux, unless ``VIGIE_TEMP_SERVER=prefect``."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.environ.get(CHOICE_ENV, "") != "prefect"


def start_temporary_server(data_dir: Path) -> TemporaryServer | None:
    """For ``vigie run``, before Prefect's flow is imported: when no Prefect server is chosen,
    fork one (see the module docstring) and return it; else None (a chosen server, or Prefect's
    own temporary server, bound to die with vigie)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    if not wanted():
        from vigie.runtime.local_server import bind_ephemeral_server_to_parent

        bind_ephemeral_server_to_parent()  # Prefect's temporary server must not outlive a killed run
        return None
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:  # a server named in the Prefect profile
        return None
    server = TemporaryServer(Path(os.environ.get("PREFECT_HOME") or data_dir / "prefect"))
    server.start()
    return server


def run_flow(flow: Callable[..., Any], config_path: str, server: TemporaryServer | None) -> Any:
    """Call the flow (against ``server`` once it answers, when there is one), without heartbeats.

    Prefect's flow engine sends a heartbeat every 180 s from a thread that sleeps in 1-second
    steps, and joins it at the end of the run: up to 1 s on every run (0.98 s measured, README,
    Performance 4). The heartbeats only serve an automation that marks a silent run crashed; a
    one-shot ``vigie run`` goes without them unless the user set ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``
    (``vigie serve``'s runs keep them)."""
    from prefect.settings import get_current_settings, temporary_settings

    updates: dict[str, Any] = {}
    if "heartbeat_frequency" not in get_current_settings().flows.model_fields_set:
        updates["flows.heartbeat_frequency"] = None
    if server is None:
        with temporary_settings(updates=updates):
            return flow(config_path=config_path)
    server.wait()
    updates["api.url"] = server.api
    with temporary_settings(updates=updates):
        state = flow(config_path=config_path, return_state=True)
        recorded(state.state_details.flow_run_id)
        return state.result()


def recorded(flow_run_id: Any, limit: float = 10.0) -> None:
    """Wait until the server has recorded every task run of the flow run, before it may be stopped.

    Task runs reach the server as events that its task-run recorder writes to the database one at
    a time; stopping the server cancels a write in flight (seen: 8 task runs of 9 recorded). So the
    run's events are flushed, then the task runs read back until all are final and their number no
    longer changes (``limit`` seconds at most)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all()
    wanted = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    seen = -1
    deadline = time.monotonic() + limit
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_task_runs(flow_run_filter=wanted)
            if len(runs) == seen and all(r.state is not None and r.state.is_final() for r in runs):
                return
            seen = len(runs)
            time.sleep(0.05)


class TemporaryServer:
    """A Prefect server in a forked child, on a loopback port chosen by the kernel."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.pid: int | None = None
        self.api = ""

    def start(self) -> str:
        """Fork the server; return its API URL at once (``wait`` says when it answers).

        Call from the main thread, with Prefect imported and no other thread running."""
        import prefect  # noqa: F401 - shared by both processes: imported once, before the fork

        self.home.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # bound before the fork: no other process can take the port meanwhile
        sock.listen(128)
        self.api = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
        preexec = die_with_parent()
        log = open(self.home / "temporary-server.log", "ab")  # noqa: SIM115 - the child's output; closed below
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: serve until SIGTERM, and never return into vigie's code
            status = 1
            try:
                os.setsid()
                if preexec is not None:
                    preexec()
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _serve(sock)
                status = 0
            except BaseException:  # noqa: BLE001 - reported in the log, then the child exits
                traceback.print_exc()
            finally:
                os._exit(status)
        sock.close()
        log.close()
        self.pid = pid
        atexit.register(self.stop)  # after Prefect's flush at thread shutdown (see the module docstring)
        return self.api

    def wait(self, timeout: float | None = None) -> None:
        """Return once the server answers its health check; LocalServerError if it exits or takes too long."""
        wait_until_healthy(self.api, startup_wait() if timeout is None else timeout, exited=self._exit_status,
                           what="the temporary Prefect server", log=self.home / "temporary-server.log",
                           hint="on a busy machine, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or keep "
                                "one running with `vigie server`", every=0.05)

    def _exit_status(self) -> int | None:
        """The forked server's exit status once it has ended (reaped here), None while it runs."""
        if self.pid is None:
            return -1
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        self.pid = None
        return os.waitstatus_to_exitcode(status)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (the server finishes what it received), SIGKILL after ``grace`` seconds."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while os.waitpid(pid, os.WNOHANG)[0] == 0:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.02)
        except (ProcessLookupError, ChildProcessError):
            pass  # already gone and reaped


def _serve(sock: socket.socket) -> None:
    """In the child: Prefect's application, as its own temporary server runs it, on ``sock``."""
    import uvicorn
    from prefect.server.api.server import create_app

    app = create_app(ephemeral=True, final=True)
    uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on")).run(sockets=[sock])
