"""alerts.jsonl is rotated past a size, and no line is lost, even with writers in several processes."""

from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import apprise

from vigie.delivery import console_target
from vigie.delivery.console_target import KEEP_ROTATED, append_lines, console_context


def generations(path: Path) -> list[Path]:
    """The file and its rotated copies, oldest first."""
    return [p for n in range(KEEP_ROTATED, 0, -1) if (p := path.with_name(f"{path.name}.{n}")).exists()] + [path]


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for p in generations(path) for line in p.read_text(encoding="utf-8").splitlines()]


def test_the_console_target_rotates_alerts_jsonl_and_keeps_the_newest_lines_in_order(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    notifier = apprise.Apprise()
    assert notifier.add("vigie://")
    for i in range(120):
        with console_context([{"alert_id": i, "text": "x" * 80}], path, stream=io.StringIO(),
                             rotate_bytes=2000):
            assert notifier.notify(body=f"alert {i}", title=f"alert {i}")
    files = generations(path)
    assert len(files) == KEEP_ROTATED + 1 and all(p.stat().st_size <= 2000 for p in files)
    ids = [x["alert_id"] for x in lines_of(path)]
    assert ids == list(range(120 - len(ids), 120))  # the newest lines, none missing, none doubled
    assert ids[0] > 0 and len(ids) > 60  # the oldest generation dropped, the others kept


def test_a_write_larger_than_the_limit_still_goes_in_whole(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    append_lines(path, b'{"a": 1}\n', rotate_bytes=10)
    append_lines(path, b'{"b": "' + b"y" * 50 + b'"}\n', rotate_bytes=10)
    assert [len(lines_of(path)), path.with_name("alerts.jsonl.1").read_bytes()] == [2, b'{"a": 1}\n']


def _writer(path: str, worker: int, count: int, rotate_bytes: int) -> None:
    for i in range(count):
        line = json.dumps({"worker": worker, "i": i, "pad": "z" * 40}) + "\n"
        append_lines(Path(path), line.encode(), rotate_bytes)


def test_writers_in_several_processes_lose_no_line_across_rotations(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    workers, count = 4, 60  # about 19 kB written, rotated every 8 kB: fits in the kept generations
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(str(path), w, count, 8000))
             for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert path.with_name("alerts.jsonl.1").exists()  # it did rotate
    seen = sorted((x["worker"], x["i"]) for x in lines_of(path))
    assert seen == [(w, i) for w in range(workers) for i in range(count)]


def test_defaults() -> None:
    assert console_target.ROTATE_BYTES == 10 * 1024 * 1024 and KEEP_ROTATED == 3
