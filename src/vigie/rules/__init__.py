"""The rule language and its compiler (issue 3).

    load_rules(paths) -> RuleSet        rules of every file; broken files reported in .errors
    compile_rules(rule_set) -> Matcher  once per run; vigie.rules.match.match_article uses it

See README.md (rules reference) for the format and rules/schema.json for editors.
"""

from vigie.rules.compile import Matcher, compile_rules
from vigie.rules.digest import DigestSpec, parse_digest
from vigie.rules.loader import LoadedRule, RuleSet, load_rules, load_text

__all__ = ["DigestSpec", "LoadedRule", "Matcher", "RuleSet", "compile_rules", "load_rules", "load_text", "parse_digest"]
