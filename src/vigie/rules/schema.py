"""The published JSON Schema of the rule file format (rules/schema.json), generated from the models."""

from __future__ import annotations

import json
from typing import Any

from vigie.rules.model import RuleFile

SCHEMA_ID = "https://vigie.invalid/schemas/rules-v1.json"


def rule_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one rule file."""
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "vigie rule file"
    return schema


def schema_text() -> str:
    return json.dumps(rule_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_keys(schema: dict[str, Any] | None = None) -> set[str]:
    """Every property name the format knows (for the test that the README documents them all)."""
    schema = schema or rule_schema()
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                keys.add(name)
                walk(sub)
            for k, v in node.items():
                if k != "properties":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    return keys
