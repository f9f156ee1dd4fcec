"""Load rule files into checked, compile-ready rules; every problem is ``file:line:col: message``.

A file with any error is skipped whole (half a rule file could alert on the
wrong things) and its errors are reported; the other files keep working, whatever
broke the one file: an unexpected exception while loading it is that file's error.
Hostile files stay cheap: the YAML reader caps size, nesting and aliases, match
trees nest at most ``problems.MAX_MATCH_DEPTH`` levels and queries ``query.MAX_QUERY_DEPTH``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from vigie.errors import QuerySyntaxError, RuleError, YamlSyntaxError
from vigie.rules.expr import And, Atom, Expr, Near, Not, Or, Scope, Within, atoms, positional
from vigie.rules.folding import fold_words
from vigie.rules.model import Entity, Rule, RuleFile, Term
from vigie.rules.problems import too_deep_matches, validation_errors
from vigie.rules.query import parse_query
from vigie.rules.ruleset import LoadedRule, RuleSet  # noqa: F401  (loader's public names)
from vigie.common.suggest import did_you_mean
from vigie.common.yamlfast import fast_load
from vigie.common.yamlsrc import load_yaml, locate, read_text

RULE_SUFFIXES = (".yaml", ".yml")
# Rule files may be generated and large (10,000 rules are about 730 KB); past this, loading one
# would hold up a scheduled run for minutes.
MAX_RULE_FILE_BYTES = 4 * 1024 * 1024
# Files from this size are read by libyaml first (hand-written files are smaller: the careful reader is quick there).
FAST_READ_BYTES = 32 * 1024


def rule_files(paths: Sequence[Path | str]) -> RuleSet:
    """The *.yaml/*.yml files under ``paths`` (folders expanded, sorted) as a RuleSet with no rules yet;
    a path that does not exist is one of its errors."""
    found = RuleSet()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found.files.extend(str(f) for f in sorted(f for f in path.rglob("*") if f.suffix in RULE_SUFFIXES and f.is_file()))
        elif path.is_file():
            found.files.append(str(path))
        else:
            found.errors.append(RuleError(str(path), 1, 1, "no such file or folder"))
    return found


def load_rules(paths: Sequence[Path | str], load: Callable[[Path], RuleSet] | None = None) -> RuleSet:
    """Load every rule file under ``paths``; a broken file is reported and skipped, the others load.
    ``load`` reads one file (default :func:`load_file`; :mod:`vigie.rules.cache` passes one that
    keeps each file's rules while its content is unchanged)."""
    result = rule_files(paths)
    seen: dict[str, str] = {}  # rule id -> where first defined
    for f in result.files:
        try:
            loaded = (load or load_file)(Path(f))
        except Exception as exc:  # noqa: BLE001 - a bug or limit we did not foresee: this file's error, never the run's
            loaded = RuleSet(errors=[RuleError(f, 1, 1, f"cannot be loaded: {type(exc).__name__}: {exc}")], files=[f])
        errs = list(loaded.errors)
        for lr in loaded.rules:
            if lr.id in seen:
                errs.append(RuleError(f, lr.line, lr.col, f"duplicate rule id {lr.id!r} (first defined at {seen[lr.id]})"))
        if errs:
            result.errors.extend(sorted(errs, key=lambda e: (e.line, e.col)))
            continue
        for lr in loaded.rules:
            seen[lr.id] = f"{f}:{lr.line}:{lr.col}"
            result.rules.append(lr)
    return result


def load_text(text: str, path: str = "<rules>") -> RuleSet:
    """Load rules from a string (tests, previews); same checks as files."""
    return load_file(Path(path), text=text)


# ---- one file --------------------------------------------------------------------------------

def load_file(path: Path, text: str | None = None) -> RuleSet:
    """The rules of one file (or of ``text`` shown as that file): all of them, or none and the errors."""
    shown = str(path)
    try:
        if text is None:
            text = read_text(path, MAX_RULE_FILE_BYTES)
        if FAST_READ_BYTES <= len(text) <= MAX_RULE_FILE_BYTES:
            fast = _load_fast(shown, text)
            if fast is not None:
                return fast
        doc = load_yaml(path, text=text, max_bytes=MAX_RULE_FILE_BYTES)
        data = doc.data
        raw = doc.plain()
    except YamlSyntaxError as exc:
        return RuleSet(errors=[RuleError(shown, exc.line, exc.col, exc.message)], files=[shown])
    except OSError as exc:
        return RuleSet(errors=[RuleError(shown, 1, 1, f"cannot read: {exc.strerror or exc}")], files=[shown])
    if data is None:
        return RuleSet(files=[shown])  # an empty file holds no rules
    if not isinstance(data, dict):
        return RuleSet(errors=[RuleError(shown, 1, 1, "expected a mapping with entities, terms and rules")], files=[shown])
    too_deep = too_deep_matches(shown, data)
    if too_deep:
        return RuleSet(errors=too_deep, files=[shown])
    try:
        model = RuleFile.model_validate(raw)
    except ValidationError as exc:
        return RuleSet(errors=validation_errors(shown, data, exc), files=[shown])
    return _Resolver(shown, data, model, text.splitlines()).run()


def _load_fast(shown: str, text: str) -> RuleSet | None:
    """A large file read by libyaml (:mod:`vigie.common.yamlfast`); None when it has any problem, whose
    located message the careful reader then gives."""
    got = fast_load(text, "rules")
    if got is None or not isinstance(got[0], dict) or too_deep_matches(shown, got[0]):
        return None
    data, positions = got
    try:
        model = RuleFile.model_validate(data)
    except ValidationError:
        return None
    loaded = _Resolver(shown, data, model, [], rule_positions=positions).run()
    return None if loaded.errors else loaded


class _Resolver:
    """Turns the validated model into expressions, resolving entity/term ids; collects located errors."""

    def __init__(self, path: str, data: dict[Any, Any], model: RuleFile, lines: list[str],
                 rule_positions: list[tuple[int, int]] | None = None) -> None:
        # ``data`` is the round-trip YAML mapping (a CommentedMap): it knows where each key sits; plain
        # data from the fast reader comes with the positions of the rules instead.
        self.path, self.data, self.model, self.lines = path, data, model, lines
        self.rule_positions = rule_positions
        self.errors: list[RuleError] = []
        self.entity_atoms = {k: _entity_atom(k, e) for k, e in model.entities.items()}
        self.term_atoms = {k: _term_atom(k, t) for k, t in model.terms.items()}
        self.rules_by_id = {r.id: (i, r) for i, r in reversed(list(enumerate(model.rules)))}
        self.used: dict[str, Expr | None] = {}  # define: names and rule ids resolved (None: broken)
        self.resolving: list[str] = []  # the names being resolved, innermost last: a cycle comes back to one

    def err(self, keys: Sequence[Any], message: str, offset: int | None = None) -> None:
        line, col = locate(self.data, keys)
        if offset is not None:
            line, col = self.valuelocate(keys, line, col, offset)
        self.errors.append(RuleError(self.path, line, col, message))

    def valuelocate(self, keys: Sequence[Any], line: int, col: int, offset: int) -> tuple[int, int]:
        """Where character ``offset`` of a string value sits in the file (exact for one-line plain/quoted values)."""
        parent: Any = self.data
        for k in keys[:-1]:
            parent = parent[k]
        if isinstance(parent, CommentedMap) and keys and keys[-1] in parent:
            vl, vc = parent.lc.value(keys[-1])
            value = parent[keys[-1]]
            raw_line = self.lines[vl] if 0 <= vl < len(self.lines) else None
            if raw_line is not None and raw_line[vc:vc + 1] in ("'", '"'):
                vc += 1  # quoted scalar: the text starts after the quote
            if isinstance(value, str) and "\n" not in value and raw_line is not None and raw_line[vc:].startswith(value[:offset]):
                return vl + 1, vc + offset + 1
            return vl + 1, vc + 1
        return line, col

    def run(self) -> RuleSet:
        for kind, table in (("entities", self.model.entities), ("terms", self.model.terms)):
            for key, entry in table.items():
                phrases = entry.variants if isinstance(entry, Entity) else entry.words
                for i, p in enumerate(phrases):
                    if not fold_words(p.rstrip("*")):
                        self.err([kind, key, "variants" if kind == "entities" else "words", i], f"{p!r} has no letters or digits to match")
        for name in self.model.define:
            if name in self.rules_by_id:
                self.err(["define", name], f"{name!r} is both a define: name and a rule id: rename one")
            self.use(name, ["define", name])  # unused ones are checked too
        out: list[LoadedRule] = []
        ids: dict[str, int] = {}
        for i, rule in enumerate(self.model.rules):
            base: list[Any] = ["rules", i]
            if rule.id in ids:
                self.err(base + ["id"], f"duplicate rule id {rule.id!r} (first at rule #{ids[rule.id] + 1})")
            ids.setdefault(rule.id, i)
            n_errors = len(self.errors)
            self.resolving.append(rule.id)
            parts = self.condition(rule, base)
            self.resolving.pop()
            weighted: list[tuple[Expr, float]] = []
            if rule.weights is not None:
                for j, item in enumerate(rule.weights.items):
                    wkeys = base + ["weights", "items", j]
                    e = self.weighted(item, wkeys)
                    if e is not None:
                        weighted.append((e, item.weight))
                if sum(w for _, w in weighted if w > 0) < rule.weights.threshold and len(self.errors) == n_errors:
                    self.err(base + ["weights", "threshold"], f"threshold {rule.weights.threshold:g} can never be reached: the positive weights sum to {sum(w for _, w in weighted if w > 0):g}")
            if len(self.errors) > n_errors:
                continue
            expr: Expr | None = None if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
            if expr is not None and not any(pos for _, pos in atoms(expr)) and not weighted:
                self.err(base + (["query"] if rule.query is not None else ["match"]), "nothing to look for: the rule has only NOT items or filters")
                continue
            line, col = self.rule_positions[i] if self.rule_positions else locate(self.data, base)
            out.append(LoadedRule(rule=rule, path=self.path, expr=expr, weights=tuple(weighted),
                                  threshold=rule.weights.threshold if rule.weights else 0.0, line=line, col=col))
        errors = list({(e.line, e.col, e.message): e for e in self.errors}.values())  # a used part's error once
        return RuleSet(rules=out if not errors else [], errors=errors, files=[self.path])

    def condition(self, rule: Rule, base: list[Any]) -> list[Expr]:
        """A rule's match and query, as the parts that must all hold."""
        parts: list[Expr] = []
        if rule.match is not None:
            parts.append(self.node(rule.match, base + ["match"]))
        if rule.query is not None:
            q = self.query(rule.query, base + ["query"])
            if q is not None:
                parts.append(q)
        return parts

    def use(self, name: str, keys: Sequence[Any], offset: int | None = None) -> Expr | None:
        """The expression a define: name or another rule's id stands for; None (error recorded) when it
        is unknown, broken, or part of a cycle."""
        if name in self.resolving:
            chain = " -> ".join([*self.resolving[self.resolving.index(name):], name])
            self.err(keys, f"cycle: {chain}", offset=offset)
            return None
        if name in self.used:
            return self.used[name]
        node = self.model.define.get(name)
        found = self.rules_by_id.get(name)
        if node is None and found is None:
            known = sorted({*self.model.define, *self.rules_by_id})
            self.err(keys, f"unknown name {name!r}{did_you_mean(name, known)} (known: {', '.join(known) or 'none defined'})",
                     offset=offset)
            return None
        n_errors = len(self.errors)
        self.resolving.append(name)
        if node is not None:
            expr: Expr | None = self.node(node, ["define", name])
        else:
            i, rule = found  # type: ignore[misc]
            parts = self.condition(rule, ["rules", i])
            expr = None if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
            if rule.match is None and rule.query is None:
                self.err(keys, f"rule {name!r} has no match or query to use (weights are not a condition)", offset=offset)
        self.resolving.pop()
        self.used[name] = expr if len(self.errors) == n_errors else None
        return self.used[name]

    def ref(self, kind: str, ref: str, keys: Sequence[Any], offset: int | None = None) -> Atom | None:
        table = self.entity_atoms if kind == "entity" else self.term_atoms
        if ref in table:
            return table[ref]
        known = ", ".join(sorted(table)) or "none defined"
        self.err(keys, f"unknown {kind} {ref!r}{did_you_mean(ref, table)} (known: {known})", offset=offset)
        return None

    def query(self, text: str, keys: list[Any]) -> Expr | None:
        def resolve(kind: str, ref: str, offset: int) -> Expr:
            found = self.use(ref, keys, offset) if kind == "use" else self.ref(kind, ref, keys, offset=offset)
            if found is None:
                raise _Reported()
            return found

        try:
            return parse_query(text, resolve)
        except _Reported:
            return None
        except QuerySyntaxError as exc:
            self.err(keys, f"query: {exc.message}", offset=exc.offset)
            return None

    def weighted(self, item: Any, keys: list[Any]) -> Expr | None:
        if item.entity is not None:
            e: Expr | None = self.ref("entity", item.entity, keys + ["entity"])
        elif item.term is not None:
            e = self.ref("term", item.term, keys + ["term"])
        elif item.text is not None:
            e = self.text(item.text, False, keys + ["text"])
        elif item.use is not None:
            e = self.use(item.use, keys + ["use"])
        else:
            e = self.query(item.query, keys + ["query"])
        if e is not None and item.fields:
            e = Scope(item.fields, e)
        return e

    def text(self, text: str, exact: bool, keys: list[Any], case_sensitive: bool = False, pos: str | None = None) -> Atom | None:
        if not fold_words(text.rstrip("*")):
            self.err(keys, f"{text!r} has no letters or digits to match")
            return None
        return Atom("text", text, (text,), inflect=not exact, case_sensitive=case_sensitive, pos=pos)

    def node(self, node: Any, keys: list[Any]) -> Expr:
        """Convert one match-tree node (errors are collected; a placeholder keeps the walk going)."""
        result: Expr
        if getattr(node, "all", None) is not None:
            result = And(tuple(self.node(n, keys + ["all", i]) for i, n in enumerate(node.all)))
            if node.within != "article":  # anywhere in the article is what all: means without within
                result = Within(node.within, result)
        elif getattr(node, "any", None) is not None:
            result = Or(tuple(self.node(n, keys + ["any", i]) for i, n in enumerate(node.any)))
        elif getattr(node, "none", None) is not None:
            result = Not(Or(tuple(self.node(n, keys + ["none", i]) for i, n in enumerate(node.none))))
        elif getattr(node, "near", None) is not None:
            items = tuple(self.node(n, keys + ["near", i]) for i, n in enumerate(node.near))
            for i, item in enumerate(items):
                if not positional(item):
                    self.err(keys + ["near", i], "near: items must be entity, term, text or any: of them")
            result = Near(items, node.distance, node.ordered)
            if node.within != "field":  # one field is what near: means without within
                result = Within(node.within, result)
        elif getattr(node, "entity", None) is not None:
            result = self.ref("entity", node.entity, keys + ["entity"]) or _PLACEHOLDER
        elif getattr(node, "term", None) is not None:
            result = self.ref("term", node.term, keys + ["term"]) or _PLACEHOLDER
        elif getattr(node, "text", None) is not None:
            result = self.text(node.text, node.exact, keys + ["text"], node.case == "sensitive", node.pos) or _PLACEHOLDER
        elif getattr(node, "use", None) is not None:
            result = self.use(node.use, keys + ["use"]) or _PLACEHOLDER
        else:
            result = self.query(node.query, keys + ["query"]) or _PLACEHOLDER
        if node.fields:
            result = Scope(node.fields, result)
        return result


_PLACEHOLDER = Atom("text", "", ("?",), inflect=False)


# Private control flow, not a fault: raised by _Resolver.query's reference resolver and caught by
# _Resolver.query itself, so it never leaves this module and stays outside the VigieError tree.
class _Reported(Exception):
    """An error already recorded; unwinds the query parser."""


def _entity_atom(key: str, e: Entity) -> Atom:
    return Atom("entity", e.name or key, e.variants, inflect=False, case_sensitive=e.case == "sensitive")


def _term_atom(key: str, t: Term) -> Atom:
    return Atom("term", t.name or key, t.words, inflect=t.match == "inflect", languages=t.languages,
                case_sensitive=t.case == "sensitive", pos=t.pos)
