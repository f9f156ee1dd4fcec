"""A long-running process (``vigie serve``) after one rule file changed: only that file read again.

    python -m bench.bench_reload [--rules 10000] [--files 10]

Writes the realistic rules of ``bench/realistic_rules.py`` into ``--files`` rule files (each with the
entities they use), loads them once through :func:`vigie.rules.load_compiled` as a run of ``vigie
serve`` does (no cache folder: memory only), changes one file, and loads again, twice: keeping the
other files' rules (what the process does) and, as the baseline, reading every file again (what it did
before it kept each file's rules). CPU seconds of this process (``time.process_time``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

from bench.support import Table, format_table


def _split(text: str, files: int, folder: Path) -> list[Path]:
    """The generated rule file cut into ``files`` files, each with the whole entity block."""
    head, body = text.split("\nrules:\n", 1)
    items = body.split("\n  - ")
    items = [items[0]] + ["  - " + x for x in items[1:]]
    per = -(-len(items) // files)
    paths = []
    for k in range(files):
        path = folder / f"rules-{k:02}.yaml"
        path.write_text(head + "\nrules:\n" + "\n".join(items[k * per : (k + 1) * per]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _cpu(step: Callable[[], object]) -> float:
    start = time.process_time()
    step()
    return time.process_time() - start


def run(rules: int = 10_000, files: int = 10) -> Table:
    from bench.realistic_rules import generate_realistic_rules
    from vigie.rules import cache, load_compiled

    table = Table(name="reload", title=f"Rules reloaded in a long-running process: {rules:,} realistic rules in {files} files, "
                  "one file changed (CPU seconds)", columns=("load", "CPU s", "rules", "errors"))
    with tempfile.TemporaryDirectory(prefix="vigie-bench-reload-") as tmp:
        folder = Path(tmp)
        paths = _split(generate_realistic_rules(rules), files, folder)
        cache._MEMORY.clear()
        cache._FILES.clear()
        got = {}

        def load() -> None:
            got["set"] = load_compiled([folder], None)[0]

        seconds = _cpu(load)
        table.add("first load (every file read, compiled)", seconds, len(got["set"].rules), len(got["set"].errors))
        changed = paths[len(paths) // 2]
        for label, forget in (("one file changed: only it read again, then compiled", False),
                              ("baseline: every file read again, then compiled", True)):
            changed.write_text(changed.read_text(encoding="utf-8") + f"\n# {label}\n", encoding="utf-8")
            if forget:
                cache._FILES.clear()
            seconds = _cpu(load)
            table.add(label, seconds, len(got["set"].rules), len(got["set"].errors))
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--files", type=int, default=10)
    args = ap.parse_args()
    print(format_table(run(args.rules, args.files)))


if __name__ == "__main__":
    main()
