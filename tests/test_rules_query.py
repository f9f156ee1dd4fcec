"""The query-string parser: structure and error offsets (the loader turns offsets into line:col)."""

from __future__ import annotations

import pytest

from vigie.rules.expr import And, Atom, Filter, Near, Not, Or, Scope
from vigie.errors import QuerySyntaxError
from vigie.rules.query import parse_query


def w(text: str) -> Atom:
    return Atom("text", text, (text,), inflect=True)


def q(text: str) -> Atom:
    return Atom("text", text, (text,), inflect=False)


@pytest.mark.parametrize(
    "query, tree",
    [
        ("a", w("a")),
        ("a b", And((w("a"), w("b")))),
        ("a AND b OR c", Or((And((w("a"), w("b"))), w("c")))),
        ("a OR b c", Or((w("a"), And((w("b"), w("c")))))),
        ("NOT a", Not(w("a"))),
        ("-a b", And((Not(w("a")), w("b")))),
        ("well-known", w("well-known")),  # a hyphen inside a word is not NOT
        ('"Kim Jong Un"', q("Kim Jong Un")),
        ("“Kim Jong Un”", q("Kim Jong Un")),  # curly quotes
        ("a NEAR/3 b", Near((w("a"), w("b")), 3, False)),
        ("a ONEAR/0 b", Near((w("a"), w("b")), 0, True)),
        ("(a OR b) NEAR/2 c", Near((Or((w("a"), w("b"))), w("c")), 2, False)),
        ("title:a", Scope(("title",), w("a"))),
        ("summary:(a OR b)", Scope(("summary",), Or((w("a"), w("b"))))),
        ("a site:Example.com", And((w("a"), Filter("site", "example.com")))),
        ("a source:feed-*", And((w("a"), Filter("source", "feed-*")))),
        ("a lang:FR", And((w("a"), Filter("lang", "fr")))),
        ("deploy*", w("deploy*")),
        ("a or b", And((w("a"), w("or"), w("b")))),  # operators are upper-case only
        ("10:30", w("10:30")),
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    "query, offset, message",
    [
        ("", 0, "empty query"),
        ("(a OR b", 0, "unbalanced parenthesis: this '(' is never closed"),
        ("a)", 1, "unbalanced parenthesis: this ')' has no matching '('"),
        ("a OR", 4, "empty alternative: nothing after OR"),
        ("OR a", 0, "empty alternative: nothing before OR"),
        ("(a OR) b", 5, "empty alternative: nothing after OR"),
        ("a AND", 5, "nothing after AND"),
        ("a NOT", 5, "nothing after NOT"),
        ("AND a", 0, "AND needs a word on both sides"),
        ("()", 0, "empty parentheses"),
        ('"abc', 0, 'unterminated quote: add the closing "'),
        ('""', 0, "empty quoted phrase"),
        ("a NEAR b", 2, "NEAR needs a distance, e.g. NEAR/5"),
        ("a ONEAR/x b", 2, "ONEAR needs a distance, e.g. ONEAR/5"),
        ("a NEAR/2", 8, "nothing after NEAR/2"),
        ("a NEAR/2 b NEAR/3 c", 11, "different NEAR operators in one chain: add parentheses"),
        ("(a b) NEAR/1 c", 6, "NEAR operands must be words, phrases, entities, terms or (a OR b) groups of them"),
        ("titel:x", 0, "unknown field 'titel:' (did you mean 'title:'?) (expected one of title:, summary:, body:, title+summary:, summary+body:, title+body:, title+summary+body:, site:, source:, lang:)"),
        ("site:(a)", 0, "site: needs a value"),
        ("a @kju", 2, "entity references need a rule file"),
        ("a ...", 2, "'...' has no letters or digits to match"),
    ],
)
def test_errors(query: str, offset: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert (info.value.offset, info.value.message) == (offset, message)
