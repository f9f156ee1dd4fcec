"""The matcher's own modules compiled as they are (mypyc, Cython 3) beside the pure-Python ones, in one run.

    python -m bench.bench_compiled [--rounds 6] [--sizes 10,1000,10000] [--tools mypyc,cython]

Not part of ``python -m bench``: it needs a C compiler, Python's headers and the compilers (mypyc comes
with mypy, a test extra; ``pip install cython``), and was run to decide whether a compiled build is worth
its cost (README, Performance, 1b). For each tool, ``src/vigie`` is copied to a scratch folder and the hot
modules of matching (:data:`HOT`) are compiled there in place, unchanged; nothing of the checkout changes.

One child process per variant (``PYTHONPATH`` puts its copy ahead of the installed package) reads and
compiles the realistic rules of ``bench/realistic_rules.py`` at each size once, then waits; the rounds
ask every child in turn for one CPU second of matching on the same 2,000 corpus items, the order of the
variants reversed every other round (the machine is shared: alternated rounds, medians). Each child first
reports which file ``vigie.rules.scan`` came from (a ``.so`` for a compiled variant) and a digest of every
match (rule, score, terms, spans) on the items: all variants must give the same digest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.support import REPO, Table

# The modules an article goes through when it is matched (vigie.rules.match and what it calls per article).
HOT = ("scan", "phrases", "plans", "spans", "match", "near", "folding")
ITEMS = 2000

_CHILD = r'''
import hashlib, json, sys, time
sys.path.append(sys.argv[2])  # the bench package (realistic rules, corpus items)
from bench.bench_peers import load_en_items
from bench.realistic_rules import generate_realistic_rules
from vigie.rules import compile_rules, load_text
import vigie.rules.scan as scan

items = load_en_items(int(sys.argv[3]))
matchers, digest = {}, hashlib.sha256()
for n in map(int, sys.argv[1].split(",")):
    m = matchers[n] = compile_rules(load_text(generate_realistic_rules(n), path=f"<realistic {n}>").rules)
    for a in items:
        for x in sorted((x.rule_id, x.score, x.terms, tuple((s.field, s.start, s.end, s.text, s.term) for s in x.spans))
                        for x in m.match(a)):
            digest.update(repr(x).encode())
print(json.dumps({"scan": scan.__file__, "digest": digest.hexdigest()}), flush=True)
for line in sys.stdin:
    match = matchers[int(line)].match
    done, start = 0, time.process_time()
    for a in items:
        match(a)
        done += 1
        if done % 100 == 0 and time.process_time() - start > 1.0:
            break
    print(done / (time.process_time() - start), flush=True)
'''


def build(tool: str, into: Path) -> Path:
    """A copy of ``src/vigie`` under ``into`` with the :data:`HOT` modules compiled by ``tool``; the folder
    to put on ``PYTHONPATH``."""
    src = into / "src"
    shutil.copytree(REPO / "src" / "vigie", src / "vigie", ignore=shutil.ignore_patterns("__pycache__"))
    files = [f"src/vigie/rules/{name}.py" for name in HOT]
    bindir = Path(sys.executable).parent
    if tool == "mypyc":
        shutil.copy(REPO / "pyproject.toml", into)  # mypy's settings (mypy_path, libraries without types)
        cmd = [str(bindir / "mypyc"), *files]
    elif tool == "cython":
        cmd = [str(bindir / "cythonize"), "-i", "-3", *files]
    else:
        raise ValueError(f"unknown tool {tool!r} (mypyc, cython)")
    done = subprocess.run(cmd, cwd=into, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{tool} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return src


def run(tools: list[str], sizes: list[int], rounds: int) -> Table:
    table = Table(name="compiled", title="Matching realistic rules, the hot modules compiled as they are, items per CPU second "
                  "(medians of alternated rounds)",
                  columns=("rules", *(f"{v}" for v in ["pure", *tools]), *(f"{t}/pure" for t in tools)))
    with tempfile.TemporaryDirectory(prefix="vigie-bench-compiled-") as scratch:
        paths = {"pure": REPO / "src"}
        for tool in tools:
            paths[tool] = build(tool, Path(scratch) / tool)
        children = {name: subprocess.Popen(
            [sys.executable, "-c", _CHILD, ",".join(map(str, sizes)), str(REPO), str(ITEMS)], cwd=scratch,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(path)))
            for name, path in paths.items()}
        try:
            ready = {name: json.loads(child.stdout.readline()) for name, child in children.items()}  # type: ignore[union-attr]
            for name, got in ready.items():
                compiled = not got["scan"].endswith(".py")
                if compiled != (name != "pure"):
                    raise RuntimeError(f"{name}: vigie.rules.scan came from {got['scan']}")
            differ = [name for name, got in ready.items() if got["digest"] != ready["pure"]["digest"]]
            rates: dict[tuple[str, int], list[float]] = {(name, n): [] for name in paths for n in sizes}
            for r in range(rounds):
                order = list(paths) if r % 2 == 0 else list(reversed(paths))
                for n in sizes:
                    for name in order:
                        child = children[name]
                        child.stdin.write(f"{n}\n")  # type: ignore[union-attr]
                        child.stdin.flush()  # type: ignore[union-attr]
                        rates[(name, n)].append(float(child.stdout.readline()))  # type: ignore[union-attr]
        finally:
            for child in children.values():
                child.stdin.close()  # type: ignore[union-attr]
                child.wait()
    for n in sizes:
        med = {name: statistics.median(rates[(name, n)]) for name in paths}
        table.add(n, *(med[name] for name in paths), *(med[t] / med["pure"] for t in tools))
    table.notes.append(f"{ITEMS:,} items of en_rss_items_2022_geopolitics.jsonl, {rounds} rounds of 1 CPU-s per variant and size; "
                       f"modules compiled: vigie.rules.{{{','.join(HOT)}}}; "
                       + (f"NOT the same matches as pure Python: {', '.join(differ)}; " if differ else "every variant gave the same matches; ")
                       + f"load average at the end {os.getloadavg()[0]:.1f}")
    return table


if __name__ == "__main__":
    from bench.support import format_table

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--sizes", default="10,1000,10000")
    ap.add_argument("--tools", default="mypyc,cython")
    args = ap.parse_args()
    print(format_table(run([t for t in args.tools.split(",") if t], [int(s) for s in args.sizes.split(",")], args.rounds)))
