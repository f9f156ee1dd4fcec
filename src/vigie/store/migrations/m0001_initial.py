"""0001_initial: the store's first schema, frozen.

Its tables are written down in ``m0001_initial.json`` beside this file, as the first
release created them: stores in use recorded "0001_initial" against exactly this, so
later changes go into later migrations and into ``vigie.store.schema`` (the head), never
into that file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from vigie.store.migrations.frozen import load_tables

metadata = load_tables(Path(__file__).with_suffix(".json"))


def upgrade(conn: Connection) -> None:
    # No checkfirst: on a store where this has not run, any of these tables already
    # being there is a surprise to stop on, not to build around.
    metadata.create_all(conn, checkfirst=False)
