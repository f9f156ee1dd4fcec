"""The command line as a person at a terminal uses it: vigie init, vigie run, vigie serve and Ctrl-C.

Each command runs in a pseudo-terminal of its own (``pty.fork``: a new session whose controlling
terminal is the pty), so colours, line discipline and Ctrl-C are a real terminal's: Ctrl-C is the
byte 0x03 typed, which the terminal turns into SIGINT for the command.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


class Terminal:
    """One command in its own pseudo-terminal, 120 columns wide."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the command at once (nothing of pytest may run here)
            try:
                os.chdir(cwd)
                os.execvpe(args[0], args, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.raw = b""
        self.status: int | None = None

    @property
    def screen(self) -> str:
        """Everything the command printed, colours removed, line ends as written."""
        return _ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r\n", "\n")

    def _read(self, wait: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if ready:
            try:
                self.raw += os.read(self.fd, 65536)
            except OSError:  # EIO: the command is gone and the terminal closed
                time.sleep(wait)

    def expect(self, text: str, timeout: float) -> None:
        """Wait until ``text`` has been printed; fail with the screen if it is not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert self.exited() is None, f"exited ({self.status}) before printing {text!r}:\n{self.screen[-3000:]}"
            assert time.monotonic() < deadline, f"{text!r} not printed within {timeout:.0f} s:\n{self.screen[-3000:]}"
            self._read(0.2)

    def until(self, done: object, timeout: float) -> None:
        """Keep reading (a full terminal would block the command) until ``done()`` is true."""
        deadline = time.monotonic() + timeout
        while not done():  # type: ignore[operator]
            assert self.exited() is None, f"exited ({self.status}) early:\n{self.screen[-3000:]}"
            assert time.monotonic() < deadline, f"not done within {timeout:.0f} s:\n{self.screen[-3000:]}"
            self._read(0.5)

    def ctrl_c(self) -> None:
        os.write(self.fd, b"\x03")

    def exited(self) -> int | None:
        """The exit code once the command is gone (128 + N for a signal N), else None."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                self.status = 128 - code if code < 0 else code
        return self.status

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.exited() is None:
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                pytest.fail(f"still running {timeout:.0f} s later:\n{self.screen[-3000:]}")
            self._read(0.2)
        self._read(0.05)
        os.close(self.fd)
        return self.status  # type: ignore[return-value]


def _env(repo: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo / "src"), str(repo)]), TERM="xterm-256color",
               COLUMNS="120", DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    for inherited in ("PREFECT_API_URL", "PREFECT_HOME", "VIGIE_CONFIG", "NO_COLOR"):
        env.pop(inherited, None)
    return env


def vigie(*words: str) -> list[str]:
    return [sys.executable, "-m", "vigie", *words]


ARTICLE = ("Ceasefire talks resume at the United Nations\n\n"
           "Diplomats met at the United Nations in New York on Monday as ceasefire talks resumed after a week.\n")


def test_init_then_run_at_a_terminal(repo: Path, tmp_path: Path) -> None:
    env = _env(repo)
    init = Terminal(vigie("init", "desk"), tmp_path, env)
    init.expect("Next:", timeout=60)
    assert init.wait(timeout=30) == 0, init.screen
    assert "wrote desk/vigie.yaml" in init.screen and "wrote desk/rules/watch.yaml" in init.screen
    assert "Traceback" not in init.screen

    (tmp_path / "desk" / "inbox" / "talks.txt").write_text(ARTICLE, encoding="utf-8")
    run = Terminal(vigie("run", "-c", "desk/vigie.yaml"), tmp_path, env)
    run.expect("vigie run finished", timeout=300)
    assert run.wait(timeout=60) == 0, run.screen
    assert "Ceasefire talks resume at the United Nations" in run.screen  # the starter rule fired
    assert "Traceback" not in run.screen

    again = Terminal(vigie("-q", "run", "-c", "desk/vigie.yaml"), tmp_path, env)  # nothing new, errors only
    assert again.wait(timeout=300) == 0, again.screen
    assert "vigie run finished" not in again.screen and "Traceback" not in again.screen


def test_serve_starts_runs_and_stops_on_ctrl_c(repo: Path, tmp_path: Path) -> None:
    env = _env(repo)
    assert Terminal(vigie("init", "desk"), tmp_path, env).wait(timeout=60) == 0
    config = tmp_path / "desk" / "vigie.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("interval: 15m", "interval: 5s"), encoding="utf-8")
    (tmp_path / "desk" / "inbox" / "talks.txt").write_text(ARTICLE, encoding="utf-8")
    alerts = tmp_path / "desk" / ".vigie" / "alerts.jsonl"

    serve = Terminal(vigie("serve", "-c", "desk/vigie.yaml"), tmp_path, env)
    serve.until(lambda: alerts.is_file() and alerts.stat().st_size > 0, timeout=420)  # one cycle ran and alerted
    serve.ctrl_c()
    code = serve.wait(timeout=120)
    assert code in (0, 130), serve.screen
    assert "Traceback" not in serve.screen
