"""Frozen schemas: tables written down as data when a migration was made, built from that data.

A migration that creates tables must build them as they were on the day it was written,
whatever ``vigie.store.schema`` (the head) says later. Its tables are kept in a JSON file
beside it, never edited, and built here into SQLAlchemy tables: one column per line, the
type by name, and only the facts that reach the DDL (no Python-side defaults).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

_SIMPLE_TYPES: dict[str, TypeEngine[Any]] = {"text": sa.Text(), "integer": sa.Integer(), "float": sa.Float(),
                                               "boolean": sa.Boolean(), "json": sa.JSON()}


def _type(spec: dict[str, Any]) -> TypeEngine[Any]:
    kind = spec["type"]
    if kind == "string":
        return sa.String(spec["length"])
    if kind == "timestamp":
        return sa.DateTime(timezone=bool(spec.get("timezone")))
    return _SIMPLE_TYPES[kind]


def _column(spec: dict[str, Any]) -> sa.Column[Any]:
    args: list[Any] = [spec["name"], _type(spec)]
    if "references" in spec:
        args.append(sa.ForeignKey(spec["references"], ondelete=spec.get("ondelete")))
    return sa.Column(*args, primary_key=bool(spec.get("primary_key")), nullable=spec.get("nullable", not spec.get("primary_key")),
                  autoincrement=True if spec.get("autoincrement") else "auto", unique=spec.get("unique"))


def load_tables(path: Path) -> sa.MetaData:
    """The tables written down in ``path``, in their order, on a MetaData of their own."""
    metadata = sa.MetaData()
    for table in json.loads(path.read_text(encoding="utf-8"))["tables"]:
        sa.Table(
            table["name"], metadata,
            *(_column(c) for c in table["columns"]),
            *(sa.UniqueConstraint(*u["columns"], name=u["name"]) for u in table.get("unique_constraints", ())),
            *(sa.Index(i["name"], *i["columns"], unique=bool(i.get("unique"))) for i in table.get("indexes", ())),
        )
    return metadata
