"""The rule language, its compiler and the match stage.

    load_rules(paths) -> RuleSet                    rules of every file; broken files reported in .errors
    compile_rules(rule_set) -> Matcher              once per run
    match_articles(matcher, articles) -> [Match]    the rules that fired (match_article: one article)
    parse_digest(spec) -> DigestSpec                a rule's digest setting

See README.md (rules reference) for the format and rules/schema.json for editors.
"""

from vigie.rules.compile import compile_rules
from vigie.rules.digest import DigestSpec, parse_digest
from vigie.rules.loader import LoadedRule, RuleSet, load_rules, load_text
from vigie.rules.match import Matcher, match_article, match_articles

__all__ = ["DigestSpec", "LoadedRule", "Matcher", "RuleSet", "compile_rules", "load_rules", "load_text",
           "match_article", "match_articles", "parse_digest"]
