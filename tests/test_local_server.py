"""A server vigie starts dies with it, even when vigie is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigie.runtime.local_server import die_with_parent

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_parent(code: str, tmp_path: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], int]:
    """A Python process that runs ``code`` (which starts a child and writes its pid), and that pid."""
    pid_file = tmp_path / "child.pid"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), CHILD_PID_FILE=str(pid_file), DATA_DIR=str(tmp_path / "data"))
    parent = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + timeout
    while not (pid_file.exists() and pid_file.read_text().strip()):
        if parent.poll() is not None or time.monotonic() > deadline:
            parent.kill()  # and, by the hook under test, its child
            parent.wait()
            pytest.fail(f"the parent did not start its child within {timeout:.0f} s")
        time.sleep(0.05)
    return parent, int(pid_file.read_text())


def assert_dies_with(parent: subprocess.Popen[bytes], child: int, message: str) -> None:
    """Kill ``parent`` with SIGKILL (no atexit, no finally) and expect ``child`` to be gone soon after."""
    try:
        assert alive(child), "the child was not running before its parent was killed"
        parent.kill()
        parent.wait()
        assert gone_within(child, 30), message
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


SLEEPER = """
import os, subprocess, time
from vigie.runtime.local_server import die_with_parent
child = subprocess.Popen(["sleep", "300"], preexec_fn={preexec})
open(os.environ["CHILD_PID_FILE"], "w").write(str(child.pid))
time.sleep(300)
"""


@linux_only
def test_a_child_started_with_die_with_parent_dies_when_the_parent_is_killed(tmp_path: Path) -> None:
    parent, child = start_parent(SLEEPER.format(preexec="die_with_parent()"), tmp_path)
    assert_dies_with(parent, child, "the child outlived its parent")


@linux_only
def test_without_it_the_child_is_orphaned_which_is_what_the_hook_prevents(tmp_path: Path) -> None:
    parent, child = start_parent(SLEEPER.format(preexec="None"), tmp_path)
    try:
        parent.kill()
        parent.wait()
        assert not gone_within(child, 1)  # re-parented, still running: the failure the hook is for
    finally:
        os.kill(child, signal.SIGKILL)


def test_die_with_parent_is_none_off_linux() -> None:
    assert (die_with_parent() is None) == (not sys.platform.startswith("linux"))


SERVE = """
import os
from pathlib import Path
from vigie.runtime.local_server import local_prefect_server
def children():
    for entry in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            yield int(entry)
with local_prefect_server(Path(os.environ["DATA_DIR"]), port=4290, startup_timeout=300):
    (server,) = children()
    open(os.environ["CHILD_PID_FILE"], "w").write(str(server))
    import time; time.sleep(600)
"""


@linux_only
@pytest.mark.slow
def test_the_local_prefect_server_dies_with_a_killed_vigie_serve(tmp_path: Path) -> None:
    parent, server = start_parent(SERVE, tmp_path, timeout=300)
    assert_dies_with(parent, server, "the Prefect server outlived vigie serve")


# What `vigie run` does: Prefect starts its temporary API server itself, for the flow run.
EPHEMERAL = """
import os
from pathlib import Path
from vigie.runtime import prefect_env
prefect_env.apply(Path(os.environ["DATA_DIR"]))
os.environ.pop("PREFECT_API_URL", None)
from vigie.runtime.local_server import bind_ephemeral_server_to_parent
assert bind_ephemeral_server_to_parent() is True
from prefect.client.orchestration import get_client
from prefect.server.api.server import SubprocessASGIServer
with get_client(sync_client=True) as client:
    client.api_healthcheck()
(server,) = [s for s in SubprocessASGIServer._instances.values() if s.server_process is not None]
open(os.environ["CHILD_PID_FILE"], "w").write(str(server.server_process.pid))
import time; time.sleep(600)
"""


@linux_only
@pytest.mark.slow
def test_prefects_temporary_server_dies_with_a_killed_vigie_run(tmp_path: Path) -> None:
    parent, server = start_parent(EPHEMERAL, tmp_path, timeout=300)
    time.sleep(1)  # the server outlives the thread that started it: it serves the whole run
    assert_dies_with(parent, server, "Prefect's temporary server outlived vigie run")


def test_binding_prefects_server_twice_changes_nothing_more() -> None:
    from prefect.server.api import server as prefect_server

    from vigie.runtime.local_server import bind_ephemeral_server_to_parent

    before = prefect_server.subprocess
    try:
        first, second = bind_ephemeral_server_to_parent(), bind_ephemeral_server_to_parent()
        assert first == second == sys.platform.startswith("linux")
        assert prefect_server.subprocess.TimeoutExpired is subprocess.TimeoutExpired  # the rest is the real module
    finally:
        prefect_server.subprocess = before


def test_a_running_local_server_is_found_by_its_address_file_and_reused(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support_http import Reply, serve_routes
    from vigie.cli.serve import prepare_api
    from vigie.config import Config
    from vigie.runtime.local_server import address_file, running_server

    assert running_server(tmp_path) is None  # nothing written
    address_file(tmp_path).parent.mkdir(parents=True)
    address_file(tmp_path).write_text("http://127.0.0.1:9/api", encoding="utf-8")
    assert running_server(tmp_path) is None  # written, but nothing answers: a server that died
    with serve_routes({"/api/health": Reply(body=b"true", content_type="application/json")}) as http:
        address_file(tmp_path).write_text(http.url("/api"), encoding="utf-8")
        assert running_server(tmp_path) == http.url("/api")
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        assert prepare_api(Config(data_dir=tmp_path)) == http.url("/api")
        assert os.environ["PREFECT_API_URL"] == http.url("/api")  # vigie run then uses it


def test_a_port_asked_for_must_be_free() -> None:
    import socket

    from vigie.errors import LocalServerError
    from vigie.runtime.local_server import free_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert free_port(port) != port  # the default: any free port instead
        with pytest.raises(LocalServerError, match=f"port {port} on 127.0.0.1 .* is taken"):
            free_port(port, strict=True)
