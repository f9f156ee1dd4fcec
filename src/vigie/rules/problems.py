"""Where a rule file is wrong before its rules are resolved, as ``file:line:col`` RuleErrors.

Two checks of the loaded YAML: match trees nested beyond ``MAX_MATCH_DEPTH`` (looked
at before pydantic, which would walk them by recursion), and pydantic's own errors,
each placed at the key or item it is about.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from vigie.common.suggest import did_you_mean, keys_at
from vigie.common.yamlsrc import locate
from vigie.errors import RuleError
from vigie.rules.model import NODE_KEYS, RuleFile

# The match tree is walked by recursion (validation, compiling, matching); real rules nest a few
# levels, and 20 keeps every walk far from Python's limit.
MAX_MATCH_DEPTH = 20
_BRANCHES = ("all", "any", "none", "near")


def too_deep_matches(path: str, data: Any) -> list[RuleError]:
    """An error for each rule match tree or define: item nested more than MAX_MATCH_DEPTH levels, at the first node too deep."""
    rules, define = data.get("rules"), data.get("define")
    out: list[RuleError] = []
    roots = [(rule["match"], ["rules", i, "match"]) for i, rule in enumerate(rules if isinstance(rules, list) else [])
             if isinstance(rule, dict) and "match" in rule]
    roots += [(node, ["define", name]) for name, node in (define.items() if isinstance(define, dict) else ())]
    for root, where in roots:
        todo: list[tuple[Any, list[Any], int]] = [(root, where, 1)]
        while todo:
            node, keys, depth = todo.pop()
            if depth > MAX_MATCH_DEPTH:
                line, col = locate(data, keys)
                out.append(RuleError(path, line, col, f"match nested too deeply (more than {MAX_MATCH_DEPTH} levels)"))
                break
            for branch in _BRANCHES:
                items = node.get(branch) if isinstance(node, dict) else None
                if isinstance(items, list):
                    todo.extend((item, keys + [branch, j], depth + 1) for j, item in enumerate(items))
    return out


def validation_errors(path: str, data: Any, exc: ValidationError) -> list[RuleError]:
    errs = exc.errors()
    locs = [tuple(e["loc"]) for e in errs]
    out: list[RuleError] = []
    seen: set[tuple[int, int, str]] = set()
    for e, loc in zip(errs, locs):
        # A list that failed because one of its items did is reported once, at the item.
        if e["type"] == "too_short" and any(other[: len(loc)] == loc and len(other) > len(loc) for other in locs):
            continue
        keys = _data_path(data, loc)
        line, col = locate(data, keys)
        msg = _message(e, keys, loc)
        if (line, col, msg) not in seen:
            seen.add((line, col, msg))
            out.append(RuleError(path, line, col, msg))
    return out


def _data_path(data: Any, loc: tuple[Any, ...]) -> list[Any]:
    """The part of pydantic's loc that names real keys/items.

    Drops the union tags of match nodes (pydantic puts the tag, e.g. ``text``,
    before the field names of that node: ``match.text.exactly``) and validator names.
    """
    keys: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        is_tag = part in NODE_KEYS and i + 1 < len(loc) and isinstance(loc[i + 1], str)
        if isinstance(node, dict) and is_tag:
            continue
        if isinstance(node, dict) and part in node:
            keys.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            keys.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not part.startswith("function"):
            keys.append(part)  # a missing or unknown key: stays for the message, not for the position
            break
    return keys


def _message(err: Any, keys: list[Any], loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    named = [k for k in keys if isinstance(k, str)]
    last = named[-1] if named else ""
    if kind == "extra_forbidden":
        return f"unknown key {last!r}" + did_you_mean(last, keys_at(RuleFile, loc[:-1]))
    if kind == "missing":
        return f"missing key {last!r}"
    if kind == "node_kind":
        return f"a match item needs one of the keys {', '.join(NODE_KEYS)}"
    msg = err["msg"]
    if kind == "literal_error" and isinstance(err.get("input"), str):
        allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        return (f"{last}: unknown value {err['input']!r}{did_you_mean(err['input'], allowed)} "
                f"(expected one of {', '.join(allowed)})")
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    if kind == "too_short":
        return f"{last or 'list'} must not be empty"
    msg = msg[0].lower() + msg[1:]
    return f"{last}: {msg}" if last else msg
