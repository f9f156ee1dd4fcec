"""The query-string language, for analysts coming from Meltwater, Talkwalker or Google Alerts.

Grammar (operators are upper-case; precedence NOT > NEAR > AND > OR)::

    query    := or
    or       := and ("OR" and)*
    and      := near (["AND"] near)*          adjacent items are ANDed
    near     := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary    := ("NOT" | "-") unary | primary
    primary  := "(" or ")" | FIELD ":" primary | FILTER ":" value
              | '"' phrase '"' | word | word* | @entity | #term | $name

    FIELD  := title | summary | body          restrict to one field
            | title+summary | ...           or to fields read as one text
    FILTER := site | source | lang            article metadata

Bare words match with their inflections (deploy: deployed, deploys ...);
quoted phrases match their folded form exactly (case and accents still fold).
NEAR/n: at most n words between, any order; ONEAR/n: in the given order.
``$name`` is a named item of the file's ``define:`` section, or another rule's condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from vigie.common.suggest import did_you_mean
from vigie.errors import QuerySyntaxError
from vigie.rules.expr import And, Atom, Expr, Filter, FilterKind, Near, Not, Or, Scope, positional
from vigie.rules.folding import fold_words

FIELDS = ("title", "summary", "body", "title+summary", "summary+body", "title+body", "title+summary+body")
FILTERS: tuple[FilterKind, ...] = ("site", "source", "lang")
_FILTER_KINDS: dict[str, FilterKind] = {kind: kind for kind in FILTERS}
# Parentheses, NOT and field: prefixes nest by recursion here and in the matcher; real queries
# nest a few levels, and 32 keeps every recursion far from Python's limit.
MAX_QUERY_DEPTH = 32


@dataclass(frozen=True)
class _Tok:
    kind: str  # ( ) PHRASE WORD AND OR NOT MINUS NEAR PREFIX END
    value: str
    pos: int
    distance: int = 0
    ordered: bool = False


_LEX = re.compile(
    r"""(?P<ws>\s+)
      |(?P<lp>\()
      |(?P<rp>\))
      |(?P<quote>"[^"]*"?|“[^”]*”?)
      |(?P<near>O?NEAR(?:/\S*)?)(?=[\s()"]|$)
      |(?P<op>AND|OR|NOT)(?=[\s()"]|$)
      |(?P<prefix>[a-z]+(?:\+[a-z]+)*):(?=\S)
      |(?P<minus>-)(?=[^\s-])
      |(?P<word>[^\s()"“”]+)
    """,
    re.VERBOSE,
)


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _LEX.match(text, pos)
        assert m is not None  # the word alternative matches any non-space run
        kind = m.lastgroup
        val = m.group()
        if kind == "lp":
            toks.append(_Tok("(", val, pos))
        elif kind == "rp":
            toks.append(_Tok(")", val, pos))
        elif kind == "quote":
            close = "”" if val[0] == "“" else '"'
            if len(val) < 2 or not val.endswith(close):
                raise QuerySyntaxError(pos, "unterminated quote: add the closing \"")
            inner = val[1:-1]
            if not fold_words(inner.rstrip("*")):
                raise QuerySyntaxError(pos, "empty quoted phrase")
            toks.append(_Tok("PHRASE", inner, pos))
        elif kind == "near":
            nm = re.fullmatch(r"(O?)NEAR/(\d+)", val)
            if nm is None:
                raise QuerySyntaxError(pos, f"{val.split('/')[0]} needs a distance, e.g. {val.split('/')[0]}/5")
            toks.append(_Tok("NEAR", val, pos, distance=int(nm.group(2)), ordered=bool(nm.group(1))))
        elif kind == "op":
            toks.append(_Tok(val, val, pos))
        elif kind == "prefix":
            name = m.group("prefix")
            if name not in FIELDS + FILTERS:
                raise QuerySyntaxError(pos, f"unknown field {name + ':'!r}{did_you_mean(name + ':', [f + ':' for f in FIELDS + FILTERS])} (expected one of {', '.join(f + ':' for f in FIELDS + FILTERS)})")
            toks.append(_Tok("PREFIX", name, pos))
        elif kind == "minus":
            toks.append(_Tok("MINUS", val, pos))
        elif kind == "word":
            toks.append(_Tok("WORD", val, pos))
        pos = m.end()
    toks.append(_Tok("END", "", len(text)))
    return toks


RefResolver = Callable[[str, str, int], Expr]  # (kind "entity"|"term"|"use", id or name, offset) -> Atom or Expr
_USE = re.compile(r"\$[^\W\d_]")  # $name: a define: name or a rule id ("$5" stays a word)


class _Parser:
    def __init__(self, text: str, resolve: RefResolver | None) -> None:
        self.text = text
        self.toks = _lex(text)
        self.i = 0
        self.resolve = resolve
        self.depth = 0  # open parentheses, for error messages
        self.nesting = 0  # open parentheses, NOT and field: prefixes, against MAX_QUERY_DEPTH

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Expr:
        if self.peek().kind == "END":
            raise QuerySyntaxError(0, "empty query")
        expr = self.or_()
        tok = self.peek()
        if tok.kind == ")":
            raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: this ')' has no matching '('")
        if tok.kind != "END":  # pragma: no cover - every token starts some production
            raise QuerySyntaxError(tok.pos, f"unexpected {tok.value!r}")
        return expr

    def or_(self) -> Expr:
        items = [self.and_("OR")]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.and_("OR"))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self, after: str) -> Expr:
        items = [self.near(after)]
        while True:
            tok = self.peek()
            if tok.kind == "AND":
                self.take()
                items.append(self.near("AND"))
            elif tok.kind in ("(", "PHRASE", "WORD", "NOT", "MINUS", "PREFIX"):
                items.append(self.near(""))
            else:
                break
        return items[0] if len(items) == 1 else And(tuple(items))

    def near(self, after: str) -> Expr:
        first = self.unary(after)
        if self.peek().kind != "NEAR":
            return first
        items = [first]
        op = self.peek()
        while self.peek().kind == "NEAR":
            tok = self.take()
            if (tok.distance, tok.ordered) != (op.distance, op.ordered):
                raise QuerySyntaxError(tok.pos, "different NEAR operators in one chain: add parentheses")
            items.append(self.unary(tok.value))
        for item, where in zip(items, [op.pos] * len(items)):
            if not positional(item):
                raise QuerySyntaxError(where, "NEAR operands must be words, phrases, entities, terms or (a OR b) groups of them")
        return Near(tuple(items), op.distance, op.ordered)

    def unary(self, after: str) -> Expr:
        tok = self.peek()
        if tok.kind in ("NOT", "MINUS"):
            self.take()
            self.enter(tok.pos)
            negated = Not(self.unary(tok.value))
            self.nesting -= 1
            return negated
        return self.primary(after)

    def enter(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_QUERY_DEPTH:
            raise QuerySyntaxError(pos, f"nested too deeply (more than {MAX_QUERY_DEPTH} levels of parentheses, NOT or field:)")

    def primary(self, after: str) -> Expr:
        tok = self.take()
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise QuerySyntaxError(tok.pos, "empty parentheses")
            self.depth += 1
            self.enter(tok.pos)
            expr = self.or_()
            self.depth -= 1
            self.nesting -= 1
            close = self.take()
            if close.kind != ")":
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: this '(' is never closed")
            return expr
        if tok.kind == "PHRASE":
            return self.text_atom(tok.value, tok.pos, exact=True)
        if tok.kind == "WORD":
            if tok.value[0] in "@#" and len(tok.value) > 1 or _USE.match(tok.value):
                kind = {"@": "entity", "#": "term", "$": "use"}[tok.value[0]]
                if self.resolve is None:
                    raise QuerySyntaxError(tok.pos, f"{kind} references need a rule file")
                return self.resolve(kind, tok.value[1:], tok.pos)
            return self.text_atom(tok.value, tok.pos, exact=False)
        if tok.kind == "PREFIX":
            filter_kind = _FILTER_KINDS.get(tok.value)
            if filter_kind is not None:
                val = self.take()
                if val.kind not in ("WORD", "PHRASE"):
                    raise QuerySyntaxError(tok.pos, f"{tok.value}: needs a value")
                return Filter(filter_kind, val.value.lower() if filter_kind != "source" else val.value)
            self.enter(tok.pos)
            scoped = Scope((tok.value,), self.primary(tok.value + ":"))
            self.nesting -= 1
            return scoped
        # Something is missing where an item was expected: say what.
        if tok.kind == "END":
            if after:
                raise QuerySyntaxError(tok.pos, f"empty alternative: nothing after {after}" if after == "OR" else f"nothing after {after}")
            raise QuerySyntaxError(tok.pos, "unexpected end of query")
        if tok.kind == ")":
            if after == "OR":
                raise QuerySyntaxError(tok.pos, "empty alternative: nothing after OR")
            if self.depth == 0:
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: this ')' has no matching '('")
            raise QuerySyntaxError(tok.pos, f"nothing after {after}" if after else "empty parentheses")
        if tok.kind == "OR":
            raise QuerySyntaxError(tok.pos, "empty alternative: nothing before OR")
        raise QuerySyntaxError(tok.pos, f"{tok.value} needs a word on both sides" if tok.kind in ("AND", "NEAR") else f"unexpected {tok.value!r}")

    def text_atom(self, text: str, pos: int, exact: bool) -> Atom:
        if not fold_words(text.rstrip("*")):
            raise QuerySyntaxError(pos, f"{text!r} has no letters or digits to match")
        return Atom("text", text, (text,), inflect=not exact)


def parse_query(text: str, resolve: RefResolver | None = None) -> Expr:
    """Parse a query string into an expression; raise QuerySyntaxError with the offending offset."""
    return _Parser(text, resolve).parse()
