"""YAML loading that remembers where every key and item came from.

Analysts edit YAML by hand; an error must point at ``file:line:col``. ruamel's
round-trip loader keeps the position of every mapping key and sequence item,
and :func:`locate` turns a path of keys/indexes (as pydantic reports it) into
1-based line and column numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from vigie.errors import YamlSyntaxError


@dataclass(frozen=True)
class YamlDocument:
    path: str
    data: Any  # CommentedMap / CommentedSeq / scalars; behaves like dict / list

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, col) of the deepest node of ``loc`` that exists."""
        return locate(self.data, loc)


def load_yaml(path: str | Path, text: str | None = None) -> YamlDocument:
    """Load one YAML file (or ``text`` shown as coming from ``path``)."""
    name = str(path)
    if text is None:
        text = Path(path).read_text(encoding="utf-8")
    yaml = YAML(typ="rt", pure=True)
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(name, line, col, f"invalid YAML: {problem}") from None
    except YAMLError as exc:  # e.g. ReaderError: a control character the YAML reader refuses
        line, col = _position_of(text, getattr(exc, "position", None))
        raise YamlSyntaxError(name, line, col, f"invalid YAML: {getattr(exc, 'reason', None) or exc}") from None
    return YamlDocument(name, data)


def _position_of(text: str, offset: int | None) -> tuple[int, int]:
    """1-based line and column of a character offset (1, 1 when unknown)."""
    if offset is None or offset < 0:
        return 1, 1
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def locate(data: Any, loc: Sequence[str | int]) -> tuple[int, int]:
    line, col = 1, 1
    node = data
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            kl, kc = node.lc.key(part)
            line, col = kl + 1, kc + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            il, ic = node.lc.item(part)
            line, col = il + 1, ic + 1
            node = node[part]
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and node.lc.line is not None and (line, col) == (1, 1):
                line, col = node.lc.line + 1, node.lc.col + 1
            break
    return line, col


def plain(data: Any) -> Any:
    """Round-trip containers as plain dicts and lists (for pydantic)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data
