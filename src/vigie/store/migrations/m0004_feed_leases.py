"""0004_feed_leases: a feed is claimed by one run before it is fetched.

Several flow runs at once (workers of one work pool, overlapping schedules) share the due
feeds out instead of each fetching all of them. ``claimed_by`` and ``claimed_until`` are the
lease of the run that holds the feed (its batch's token, and when another run may take it
over if that run died); ``cycle_at`` is the cycle (the scheduled time of the run) that last
claimed it, so a second run of the same cycle does not fetch it again. The index serves the
claim's search for the free feeds, oldest cycle first.
"""

from __future__ import annotations

from sqlalchemy import Connection


def upgrade(conn: Connection) -> None:
    # Written out, not taken from vigie.store.schema: this step must stay what it is.
    stamp = "DATETIME" if conn.dialect.name == "sqlite" else "TIMESTAMP WITH TIME ZONE"
    conn.exec_driver_sql("ALTER TABLE feeds ADD COLUMN claimed_by VARCHAR(200)")
    conn.exec_driver_sql(f"ALTER TABLE feeds ADD COLUMN claimed_until {stamp}")
    conn.exec_driver_sql(f"ALTER TABLE feeds ADD COLUMN cycle_at {stamp}")
    conn.exec_driver_sql("CREATE INDEX ix_feeds_cycle_at ON feeds (cycle_at)")
