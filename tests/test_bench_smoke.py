"""Smoke test of the benchmarks: ``python -m bench --tiny`` runs every benchmark on a tiny size (in two
groups at once) and prints and saves its table with the expected columns. The figures are not checked: a benchmark is
not a test, and this machine is shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO))  # the bench package lives beside src/, not inside it

from bench.support import Table, format_table, machine_facts, save_results  # noqa: E402

EXPECTED = {
    "match": ("items", "rules", "patterns", "compile s", "vigie items/s", "vigie items/CPU-s", "vigie words/CPU-s",
              "naive items/s", "vigie/naive", "matches/item"),
    "peers": ("rules", "phrases", "load+compile s", "matches/item", "vigie peak RSS MB", "vigie", "vigie tokenize+fold",
              "pyahocorasick whole words", "flashtext", "spaCy PhraseMatcher", "vigie/aho", "vigie/flashtext"),
    "poll": ("feeds", "what", "total s", "CPU s", "fetch s", "parse s", "normalize s", "req/s", "body MB", "articles", "answers",
             "naive s", "naive/vigie"),
    "e2e": ("measure", "value", "target", "met"),
    "prefect": ("what", "plain s", "flow s", "overhead s", "flow/plain", "overhead per task ms"),
    "stories": ("day", "algorithm", "arrival", "entries", "outlets", "stories", "B3 P", "B3 R", "B3 F1", "alerts", "labelled",
                "alerts/labelled", "repeats alerted", "devs missed", "new missed", "same as one run", "targets missed"),
    "lang": ("text", "declared", "language", "items", "vigie %", "baseline %", "vigie - baseline"),
    "ingest": ("job", "case", "items", "library %", "hand-written %", "library wrong", "hand-written wrong",
               "library us/item", "hand-written us/item", "library/hand-written time", "vigie uses"),
    "startup": ("what", "median s", "best s", "CPU s", "runs", "target s", "met"),
    "backtest": ("articles", "runs", "rules", "matched", "replayed", "alerts", "read s", "match s", "replay s",
                 "backtest s", "backtest CPU s", "matcher alone s", "backtest/matcher", "target s", "met"),
    "parallel": ("executor", "feeds", "entries", "articles", "parse s", "normalize s", "total s", "CPU s", "critical CPU s",
                 "speed-up", "CPU speed-up", "same"),
    "scale": ("workers", "feeds", "cycle", "cycle s", "fetched", "fetched twice", "missed", "polled per run",
              "alerts sent", "sent twice", "speed-up"),
    "lean": ("poll", "what", "wall s", "CPU s", "flow s", "outside flow s", "rules s", "fetch s", "parse s", "normalize s",
             "match s", "novelty s", "deliver s", "new", "mails", "wall/rss2email"),
}
# Benchmarks that mostly wait on other processes (a Prefect server, its workers, whole `vigie run`s): the smoke
# test runs them beside the others.
WAITING = ("scale", "lean")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (True, "yes"), (False, "no"), (12345, "12,345"), (1234.5, "1,234"), (12.345, "12.3"), (0.1234, "0.12"),
     (float("nan"), "-"), ("text", "text")],
)
def test_cells(value: object, shown: str) -> None:
    from bench.support import cell

    assert cell(value) == shown


def test_table_prints_and_saves_its_columns(tmp_path: Path) -> None:
    t = Table(name="demo", title="Demo", columns=("what", "vigie", "naive", "ratio"))
    t.add("items/s", 5000.0, 50.0, 100.0)
    t.add("other", 1, None, None)
    t.notes.append("a note")
    text = format_table(t)
    lines = text.splitlines()
    assert lines[0] == "Demo" and lines[1] == "===="
    assert lines[2].split() == ["what", "vigie", "naive", "ratio"]
    assert "5,000" in lines[4] and "100" in lines[4] and lines[5].split() == ["other", "1", "-", "-"]
    assert lines[-1] == "  a note"
    with pytest.raises(ValueError):
        t.add("too", "few")

    path = save_results([t], ["--tiny"], 1.0, tmp_path)
    doc = json.loads(path.read_text())
    assert json.loads((tmp_path / "latest.json").read_text()) == doc
    assert doc["benchmarks"]["demo"]["rows"][0] == {"what": "items/s", "vigie": 5000.0, "naive": 50.0, "ratio": 100.0}
    assert doc["machine"]["cores"] == os.cpu_count()
    assert set(doc["machine"]["versions"]) >= {"prefect", "feedparser", "spacy"}


def test_machine_facts_name_the_python_and_prefect() -> None:
    facts = machine_facts()
    assert facts["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert facts["versions"]["prefect"]


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "articles").is_dir(), reason="the shared corpus is not beside the repository")
def test_python_m_bench_tiny_prints_and_saves_every_table(tmp_path: Path) -> None:
    env = dict(os.environ, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    # Two `python -m bench` at once: the benchmarks that mostly wait (Prefect servers, workers and whole
    # processes starting) beside those that compute, so that the smoke test costs the longer of the two.
    groups = {"computing": [n for n in EXPECTED if n not in WAITING], "waiting": list(WAITING)}
    procs = {name: subprocess.Popen([sys.executable, "-m", "bench", "--tiny", "--only", ",".join(names),
                                     "--out", str(tmp_path / name)], cwd=REPO, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, names in groups.items()}
    outs = {name: proc.communicate(timeout=1200) for name, proc in procs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, outs[name][0][-3000:] + outs[name][1][-3000:]
    out = "\n".join(stdout for stdout, _ in outs.values())
    docs = {name: json.loads((tmp_path / name / "latest.json").read_text()) for name in groups}
    for name, names in groups.items():
        assert list(docs[name]["benchmarks"]) == names  # each in the order of `python -m bench`
    doc = docs["computing"]
    doc["benchmarks"].update(docs["waiting"]["benchmarks"])
    for name, columns in EXPECTED.items():
        bench = doc["benchmarks"][name]
        assert tuple(bench["columns"]) == columns, name
        assert bench["rows"], f"{name}: no rows"
        assert all(set(r) == set(columns) for r in bench["rows"]), name
        # The printed table: its title, then its header line with every column in order.
        lines = out.splitlines()
        at = lines.index(bench["title"])
        header = lines[at + 2]
        positions = [header.find(c) for c in columns]
        assert -1 not in positions and positions == sorted(positions), (name, header)
    assert doc["machine"]["cores"] and doc["machine"]["python"]
    # Every benchmark put its baseline beside vigie's figure, with the ratio.
    match_rows = doc["benchmarks"]["match"]["rows"]
    assert all(r["naive items/s"] > 0 and r["vigie/naive"] > 0 for r in match_rows)
    assert any(r["what"].startswith("naive") for r in doc["benchmarks"]["poll"]["rows"])
    e2e = {r["measure"]: r for r in doc["benchmarks"]["e2e"]["rows"]}
    assert {"fetch s", "parse s", "normalize s", "match s", "novelty s", "deliver s", "peak RSS of the run's process, MB"} <= set(e2e)
    assert e2e["feeds answering 304"]["value"] > 0 and e2e["new articles"]["value"] > 0
    assert any(r["what"].startswith("steady state") for r in doc["benchmarks"]["prefect"]["rows"])
    stories = doc["benchmarks"]["stories"]["rows"]
    assert {r["algorithm"] for r in stories} == {"labels", "baseline 7ffabeb", "vigie"}
    ingest = doc["benchmarks"]["ingest"]["rows"]
    assert {r["job"] for r in ingest} == {"mojibake", "dates", "normalize", "full text"}
    backtest = doc["benchmarks"]["backtest"]["rows"][0]
    assert backtest["articles"] > 0 and backtest["matcher alone s"] > 0 and backtest["alerts"] > 0
    parallel = doc["benchmarks"]["parallel"]["rows"]
    assert parallel[0]["executor"].startswith("local") and all(r["same"] for r in parallel)  # 2 processes: the same articles
    scale = doc["benchmarks"]["scale"]["rows"]
    assert [r["workers"] for r in scale] == ["1 worker", "1 worker", "2 workers", "2 workers"]
    assert all(r["fetched twice"] == 0 and r["missed"] == 0 and r["sent twice"] == 0 for r in scale)
    lean = {(r["poll"], r["what"].split(",")[0].split(" (")[0]): r for r in doc["benchmarks"]["lean"]["rows"]}
    assert lean[(1, "vigie run")]["new"] == 10 * 50 and lean[(2, "vigie run")]["new"] == 0  # 10 feeds of 50 entries, then all 304
    if (1, "rss2email 3.14") in lean:  # with the bench extra: every entry of the first poll mailed, none of the second
        assert lean[(1, "rss2email 3.14")]["mails"] == 10 * 50 and lean[(2, "rss2email 3.14")]["mails"] == 0


def test_every_benchmark_is_expected_in_its_order() -> None:
    from bench.__main__ import BENCHMARKS

    assert list(BENCHMARKS) == list(EXPECTED)  # the smoke test runs EXPECTED's: a new benchmark goes in both


def test_unknown_benchmark_is_refused() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--only", "nope"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "unknown benchmark" in proc.stderr


def test_a_childs_own_peak_is_not_its_parents() -> None:
    # getrusage's ru_maxrss survives execve: a child of a big parent would report the parent's size.
    ballast = bytearray(150 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: resident, not just reserved
    code = "from bench.support import own_peak_rss_mb, peak_rss_mb; print(own_peak_rss_mb(), peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    own, inherited = map(float, out.stdout.split())
    assert own < 100 < inherited
    del ballast
