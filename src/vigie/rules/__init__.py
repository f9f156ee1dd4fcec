"""The rule language, its compiler and the match stage.

    load_rules(paths) -> RuleSet                    rules of every file; broken files reported in .errors
    compile_rules(rule_set) -> Matcher              once per run
    load_compiled(paths, cache_dir) -> (RuleSet, Matcher)   both, cached while the rule files do not change
    match_articles(matcher, articles) -> [Match]    the rules that fired (match_article: one article)
    parse_digest(spec) -> DigestSpec                a rule's digest setting

Modules, in the order a rule goes through them:

    model     the rule file format (pydantic), one source of its JSON Schema (schema)
    digest    the one grammar of a rule's ``digest`` setting
    query     query strings (``"a phrase" NEAR/5 word*``) to expressions (expr)
    loader    files to checked rules, every problem as ``file:line:col: message``
    ruleset   what loading gives: LoadedRule (one valid rule) and RuleSet (rules and errors of many files)
    problems  over-deep match trees and pydantic errors placed at their key (for loader)
    folding   the tokenizer articles and rules share (on ``vigie.common.text.fold``)
    lemmas    inflected forms from spaCy's lemma tables, computed at compile time
    korean    the particles and endings a Hangul variant accepts (김정은이), not longer words
    phrases   every rule's phrases in one index, searched once per field
    compile   rules to one ``Matcher``: atoms, triggers, compiled expressions
    scan      an article field's folded tokens with the smallest pattern that gives the tokenizer's
    match     the match stage: pure, no I/O; which rules fire on an article, with spans
    near      NEAR/ONEAR: the first combination of hits close enough (for match)
    scopes    ``within:`` and joined fields (title+summary) for the rules that use them (for match)
    units     sentences (spaCy's rule-based sentencizer) and segments (digest separators) of a field
    sources   a rule's sources, exclude_sources and site: against an article (for match)
    cache     loaded and compiled rules kept under data_dir, keyed by the files' content and versions
    inputs    articles for ``vigie rules test`` (files, feeds, JSON lines), through ingest

May import: ``vigie.common``, ``vigie.models``, ``vigie.errors``, ``vigie.config`` and
``vigie.ingest`` (``inputs`` only, to read test articles as a run would). See README.md
(rule reference) for the format and rules/schema.json for editors.
"""

from vigie.rules.cache import load_compiled
from vigie.rules.compile import compile_rules
from vigie.rules.digest import DigestSpec, parse_digest
from vigie.rules.loader import LoadedRule, RuleSet, load_rules, load_text
from vigie.rules.match import Matcher, match_article, match_articles

__all__ = ["DigestSpec", "LoadedRule", "Matcher", "RuleSet", "compile_rules", "load_compiled", "load_rules", "load_text",
           "match_article", "match_articles", "parse_digest"]
