"""A fast first read of a large, well-formed YAML file (libyaml), for the common case; None sends it to the careful one.

ruamel's round-trip reader (:mod:`vigie.common.yamlsrc`) knows where every key sits and refuses
hostile files, but it is pure Python: a 10,000-rule file (700 KB) takes it seconds. libyaml
(PyYAML's C parser and composer) reads the same file in a fraction of that. :func:`fast_load`
returns the plain data and the 1-based (line, col) of the items of one top-level list (the
rules, whose positions a loaded rule keeps), or None whenever the careful reader must decide:

* the file uses anchors or aliases, or may nest deeper than the careful reader's cap (the C
  composer recurses, and only the careful reader counts aliases and expanded size);
* libyaml refuses it, or a mapping repeats a key (the careful reader then gives the located message).

Scalars are resolved as YAML 1.2 does (the careful reader's schema): only true/false are
booleans ("no", "on" stay strings), no sexagesimal or 0-prefixed octal numbers. A caller that finds
a problem in the data reads the file again with the careful reader, for its located error.
"""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped]

from vigie.common.yamlsrc import MAX_YAML_DEPTH

_CLoader: Any = getattr(yaml, "CSafeLoader", None)


def _core_schema_loader() -> Any:
    if _CLoader is None:
        return None

    class Loader(_CLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers
                if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        for first, resolvers in _CLoader.yaml_implicit_resolvers.items()
    }
    core = (
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
         "-+0123456789."),
    )
    for tag, rx, first in core:
        Loader.add_implicit_resolver(tag, re.compile(rx), list(first))

    def construct_int(loader: Any, node: Any) -> int:
        value = loader.construct_scalar(node).replace("_", "")
        if value[:2] in ("0o", "0x"):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)  # "0777" is 777 in YAML 1.2, not an octal number

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return Loader


_LOADER = _core_schema_loader()
# Anchors (&a) and aliases (*a) outside quotes; a false alarm only costs the careful read.
_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s,\[\]{}]", re.MULTILINE)
_COMPACT_NESTING = re.compile(r"^[ \t]*(?:[-?][ \t]+){8,}", re.MULTILINE)


def _may_nest_too_deeply(text: str) -> bool:
    """A cheap upper bound of the nesting depth (indentation, compact '- - -' and brackets) above the cap."""
    if _COMPACT_NESTING.search(text):
        return True
    if max((len(line) - len(line.lstrip(" \t")) for line in text.splitlines()), default=0) >= MAX_YAML_DEPTH:
        return True
    depth = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth += 1 if m.group() in "[{" else -1
        if depth >= MAX_YAML_DEPTH // 2:
            return True
    return False


def fast_load(text: str, list_key: str) -> tuple[Any, list[tuple[int, int]]] | None:
    """(plain data, positions of the items of ``data[list_key]``), or None: read ``text`` with the careful reader."""
    if _LOADER is None or _ANCHOR_OR_ALIAS.search(text) or _may_nest_too_deeply(text):
        return None
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        data = loader.construct_document(node)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return None
    finally:
        loader.dispose()
    if _has_duplicate_keys(node):
        return None  # the careful reader refuses them, with their place
    positions: list[tuple[int, int]] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == list_key and isinstance(value, yaml.SequenceNode):
                positions = [(item.start_mark.line + 1, item.start_mark.column + 1) for item in value.value]
    return data, positions


def _has_duplicate_keys(root: Any) -> bool:
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):
                return True
            todo.extend(v for _, v in node.value)
            todo.extend(k for k, _ in node.value if not isinstance(k, yaml.ScalarNode))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return False
