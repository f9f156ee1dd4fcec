"""A store that refuses writes (a read-only SQLite file or folder) is one `error:` line and exit 1."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.store.db import connect

runner = CliRunner()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only for this process: permissions, or for root (whom they do not stop)
    the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(stat.S_IMODE(mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            path.chmod(stat.S_IMODE(mode))
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root where chattr +i is not available: nothing is read-only to root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def make_store(tmp_path: Path) -> tuple[Path, Path]:
    """A configuration and its SQLite store, created and closed (no WAL files left)."""
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text("data_dir: data\n")
    db = tmp_path / "data" / "vigie.db"
    connect(f"sqlite:///{db}").dispose()
    for extra in ("vigie.db-wal", "vigie.db-shm"):
        (db.parent / extra).unlink(missing_ok=True)
    return cfg, db


def one_error_line(output: str, db: Path) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: store "), output
    assert str(db) in lines[0] and "Traceback" not in output and "[SQL:" not in output
    return lines[0]


@pytest.mark.parametrize("command", [["run"], ["alerts", "retry"], ["alerts", "send"]])
def test_a_read_only_store_file_is_one_error_line(tmp_path: Path, command: list[str]) -> None:
    cfg, db = make_store(tmp_path)
    with read_only(db):
        result = runner.invoke(app, [*command, "--config", str(cfg)])
    assert result.exit_code == 1, result.output
    line = one_error_line(result.output, db)
    assert "readonly database" in line and "must be writable" in line


def test_a_read_only_store_file_can_still_be_listed(tmp_path: Path) -> None:
    cfg, db = make_store(tmp_path)
    with read_only(db):
        result = runner.invoke(app, ["alerts", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "no alerts" in result.output


@pytest.mark.parametrize("command", [["run"], ["alerts"], ["alerts", "show", "1"]])
def test_a_read_only_store_folder_is_one_error_line(tmp_path: Path, command: list[str]) -> None:
    cfg, db = make_store(tmp_path)
    with read_only(db.parent):  # SQLite cannot create its WAL files beside the store
        result = runner.invoke(app, [*command, "--config", str(cfg)])
    assert result.exit_code == 1, result.output
    assert "must be writable" in one_error_line(result.output, db)


def test_a_new_store_under_a_read_only_folder_is_one_error_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text("data_dir: locked/data\n")
    with read_only(locked):
        result = runner.invoke(app, ["run", "--config", str(cfg)])
    assert result.exit_code == 1, result.output
    one_error_line(result.output, locked / "data" / "vigie.db")
