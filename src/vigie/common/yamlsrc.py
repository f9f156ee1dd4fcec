"""YAML loading that remembers where every key and item came from, and refuses hostile files.

Analysts edit YAML by hand; an error must point at ``file:line:col``. ruamel's
round-trip loader keeps the position of every mapping key and sequence item,
and :func:`locate` turns a path of keys/indexes (as pydantic reports it) into
1-based line and column numbers.

A configuration or rule file is read by a scheduled run: a broken or hostile
one must end as one located error, fast, never as a traceback, a hang or a
memory blow-up. Before any YAML is built the file is checked for size and
encoding; while ruamel composes it, nesting depth, alias count and the size of
the data the aliases expand to are capped (ruamel resolves an alias to the
same object, so an "alias bomb" costs nothing to load and explodes only when
something walks it: :func:`plain`, pydantic).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.scanner import RoundTripScanner, ScannerError

from vigie.errors import YamlSyntaxError

# ruamel's round-trip loader is pure Python: on a busy two-core machine it reads about 200 KB of
# YAML a second, fewer for pathological layouts. A real vigie.yaml is a few KB (hundreds of feeds:
# tens of KB), so 512 KiB leaves room while bounding its load to a couple of seconds. Rule files
# may be large on purpose (10,000 generated rules are about 730 KB): their cap, given by the rule
# loader, is larger; a 30 MB file is refused either way before it is parsed.
MAX_YAML_BYTES = 512 * 1024
# Hand-written settings and match trees nest a few levels; 64 is far beyond any real file and far
# below Python's recursion limit in the composer, plain() and pydantic.
MAX_YAML_DEPTH = 64
# Anchors are a convenience for repeated lists; thousands of aliases only serve to multiply data.
MAX_YAML_ALIASES = 1000
# Nodes of a document that uses aliases, once every alias is expanded: what plain() and pydantic
# walk. Anchors serve a few repeated lists; 20 000 nodes is far beyond that. A document without
# aliases is bounded by its size cap alone.
MAX_YAML_NODES = 20_000
# plain()'s own bound, for data that did not come through load_yaml: above what any file within
# the caps can hold.
MAX_PLAIN_NODES = 5_000_000
# How the guards below word their refusals (ruamel's own errors are prefixed "invalid YAML: ").
_LIMIT_PROBLEMS = ("nested too deeply", "too many", "too much data", "alias *")


@dataclass(frozen=True)
class YamlDocument:
    path: str
    data: Any  # CommentedMap / CommentedSeq / scalars; behaves like dict / list

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, col) of the deepest node of ``loc`` that exists."""
        return locate(self.data, loc)

    def plain(self) -> Any:
        """The data as plain dicts and lists (see :func:`plain`), errors naming this file."""
        return plain(self.data, self.path)


class _GuardedScanner(RoundTripScanner):
    """ruamel's scanner, refusing flow collections (``[``, ``{``) nested beyond the depth cap.

    The scanner reads a whole flow collection ahead before the composer sees its first node,
    at a cost that grows with the square of its nesting: the composer's depth cap comes too late.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_YAML_DEPTH:
            raise ScannerError(problem=f"nested too deeply (more than {MAX_YAML_DEPTH} levels)",
                               problem_mark=self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _GuardedComposer(Composer):
    """ruamel's composer, counting depth, aliases and the expanded size of what it builds.

    Every fresh node adds one to ``expanded``; an alias adds the expanded size of the node it
    names, so ``expanded`` is the node count of the document as plain data, known while parsing.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.level = 0
        self.aliases = 0
        self.expanded = 0
        self.sizes: dict[int, int] = {}  # id(anchored node) -> its expanded size, once complete

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        mark = event.start_mark
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise ComposerError(problem=f"too many aliases (more than {MAX_YAML_ALIASES})", problem_mark=mark)
            node = super().compose_node(parent, index)
            size = self.sizes.get(id(node))
            if size is None:
                raise ComposerError(problem=f"alias *{event.anchor} refers to a node that contains it", problem_mark=mark)
            self._grow(size, mark)
            return node
        self.level += 1
        if self.level > MAX_YAML_DEPTH:
            raise ComposerError(problem=f"nested too deeply (more than {MAX_YAML_DEPTH} levels)", problem_mark=mark)
        before = self.expanded
        self._grow(1, mark)
        node = super().compose_node(parent, index)
        self.level -= 1
        if node.anchor is not None:
            self.sizes[id(node)] = self.expanded - before
        return node

    def _grow(self, by: int, mark: Any) -> None:
        self.expanded += by
        if self.aliases and self.expanded > MAX_YAML_NODES:
            raise ComposerError(problem=f"too much data once aliases are expanded (more than {MAX_YAML_NODES} nodes)",
                                problem_mark=mark)


def read_text(path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a YAML file: at most ``max_bytes``, UTF-8 (a BOM is tolerated); else YamlSyntaxError at 1:1.

    OSError (missing, unreadable) is left to the caller, who knows what the file is for.
    """
    name = str(path)
    with open(path, "rb") as f:
        raw = f.read(max_bytes + 1)  # never more: a 30 MB file costs what a 2 MB one does
    if len(raw) > max_bytes:
        raise YamlSyntaxError(name, 1, 1, f"file too large (over {max_bytes // 1024} KiB)")
    return decode_text(name, raw)


def decode_text(name: str, raw: bytes) -> str:
    """``raw`` as UTF-8 text without its BOM; a UTF-16/32 file or binary data is a YamlSyntaxError."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        raise YamlSyntaxError(name, 1, 1, "not UTF-8 text (UTF-16 or binary data): save the file as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position_of(raw[: exc.start].decode("utf-8", "replace"), exc.start)
        raise YamlSyntaxError(name, line, col, "not UTF-8 text: save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


def load_yaml(path: str | Path, text: str | None = None, *, max_bytes: int = MAX_YAML_BYTES) -> YamlDocument:
    """Load one YAML file (or ``text`` shown as coming from ``path``), within the caps above."""
    name = str(path)
    if text is None:
        text = read_text(path, max_bytes)
    elif len(text) > max_bytes:  # characters, not bytes: the cap is about parsing work
        raise YamlSyntaxError(name, 1, 1, f"file too large (over {max_bytes // 1024} KiB)")
    text = text.removeprefix("\ufeff")
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner = _GuardedScanner
    yaml.Composer = _GuardedComposer
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        prefix = "" if problem.startswith(_LIMIT_PROBLEMS) else "invalid YAML: "
        raise YamlSyntaxError(name, line, col, f"{prefix}{problem}") from None
    except YAMLError as exc:  # e.g. ReaderError: a control character the YAML reader refuses
        line, col = _position_of(text, getattr(exc, "position", None))
        raise YamlSyntaxError(name, line, col, f"invalid YAML: {getattr(exc, 'reason', None) or exc}") from None
    except (ValueError, OverflowError) as exc:  # a scalar ruamel cannot build, e.g. an integer of 10 000 digits
        raise YamlSyntaxError(name, 1, 1, f"invalid YAML: {exc}") from None
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


def plain(data: Any, path: str = "<yaml>", max_nodes: int = MAX_PLAIN_NODES) -> Any:
    """Round-trip containers as plain dicts and lists (for pydantic).

    Visits at most ``max_nodes`` nodes and ``MAX_YAML_DEPTH`` levels (YamlSyntaxError at 1:1
    beyond): load_yaml already refuses such documents, this holds for data built any other way.
    """
    budget = [max_nodes]

    def walk(value: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise YamlSyntaxError(path, 1, 1, f"too much data (more than {max_nodes} nodes)")
        if depth > MAX_YAML_DEPTH:
            raise YamlSyntaxError(path, 1, 1, f"nested too deeply (more than {MAX_YAML_DEPTH} levels)")
        if isinstance(value, dict):
            return {str(k): walk(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, depth + 1) for v in value]
        return value

    return walk(data, 1)
