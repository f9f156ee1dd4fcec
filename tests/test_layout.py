"""The house: packages by stage, a stage never imports a later one, small modules, the README's map is true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "vigie"
README = Path(__file__).resolve().parent.parent / "README.md"

# The data's way through the house, lowest first: a module may import its own layer and those before it.
LAYERS = ["errors", "common", "models", "config", "store", "ingest", "rules", "stories", "delivery", "runtime", "web", "cli"]
MAX_LINES = 350


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under ``vigie`` (``vigie.ingest.fetch`` -> ``ingest``)."""
    parts = module.split(".")
    if parts[0] != "vigie" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every vigie import of a file, function-level ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "vigie" else [node.module]
            out += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return [(line, m) for line, m in out if m == "vigie" or m.startswith("vigie.")]


def test_no_stage_imports_a_later_stage() -> None:
    wrong = []
    for path in modules():
        own = layer_of(module_name(path))
        if own is None:
            continue
        for line, module in imported(path):
            other = layer_of(module)
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                wrong.append(f"{path.relative_to(SRC.parent)}:{line}: {own} imports {module} ({other} comes later)")
    assert not wrong, "\n".join(wrong)


def test_every_module_is_in_a_layer() -> None:
    loose = [module_name(p) for p in modules()
             if layer_of(module_name(p)) is None and module_name(p) not in ("vigie", "vigie.__main__")]
    assert not loose, loose


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_are_small_and_say_their_job(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{path.name}: over {MAX_LINES} lines, it holds more than one job"
    if text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{path.name}: no docstring saying its one job"


def test_the_readme_layout_names_every_package_and_module() -> None:
    section = README.read_text(encoding="utf-8").split("<!-- layout:start -->")[1].split("<!-- layout:end -->")[0]
    named = set(re.findall(r"[\w./]+", section))
    missing = []
    for path in modules():
        rel = path.relative_to(SRC)
        if rel.name in ("__init__.py", "__main__.py"):
            if rel.parent != Path(".") and f"{rel.parent.name}/" not in named:
                missing.append(f"{rel.parent.as_posix()}/")
        elif rel.name not in named:
            missing.append(rel.as_posix())
    assert not missing, f"README layout section does not name: {sorted(set(missing))}"
