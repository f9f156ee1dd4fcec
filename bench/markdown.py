"""A saved benchmark run as Markdown: the README's performance tables, written from one run's JSON.

    python -m bench.markdown [bench/results/latest.json]

Prints a line saying when, at which commit and on what machine the run was made, then every
table in the order it ran, with its notes, its cells formatted as ``python -m bench`` prints them
(so the README and the terminal show the same figures). Writing the README's performance section
from this output, rather than by hand, keeps every figure of it from one and the same run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.support import RESULTS, cell


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def table_markdown(table: dict[str, Any]) -> str:
    """One saved table (``Table.as_dict``) as a Markdown table, its title as a heading, its notes below."""
    columns: list[str] = list(table["columns"])
    rows = [[row.get(c) for c in columns] for row in table["rows"]]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) for i in range(len(columns))]
    out = [f"#### {table['title']}", "", "| " + " | ".join(_escape(c) for c in columns) + " |",
           "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    out += ["| " + " | ".join(_escape(cell(v)) for v in r) + " |" for r in rows]
    if table.get("notes"):
        out.append("")
        out += [f"- {_escape(n)}" for n in table["notes"]]
    return "\n".join(out) + "\n"


def run_markdown(doc: dict[str, Any]) -> str:
    """A whole saved run: where and when it was measured, then each table."""
    machine, code = doc.get("machine", {}), doc.get("code", {})
    versions = machine.get("versions", {})
    load = ", ".join(f"{x:.1f}" for x in machine.get("load_average") or [])
    changed = code.get("changed_files") or []
    head = (f"`{doc.get('command', 'python -m bench')}` at {doc.get('measured_at', '?')}, commit "
            f"`{(code.get('commit') or 'unknown')[:10]}`" + (f" with {len(changed)} file(s) changed" if changed else "")
            + f"; {machine.get('cores', '?')} cores ({machine.get('cpu') or 'unknown CPU'}), "
            f"{machine.get('memory_gb', '?')} GB, Python {machine.get('python', '?')}, "
            + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + f"; load average at the start {load}; "
            f"the run took {_duration(float(doc.get('seconds', 0)))}.")
    return "\n".join([head, "", *(table_markdown(t) for t in doc.get("benchmarks", {}).values())])


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else RESULTS / "latest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{path}: cannot read a saved benchmark run ({exc})", file=sys.stderr)
        return 2
    print(run_markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
