"""The ``sharing`` setting of vigie.yaml: how concurrent runs share the due feeds out.

    sharing:
      runs: 2        # flow runs per slot of the schedule (vigie deploy writes one schedule each): 1 by default
      lease: 10m     # how long a run holds the feeds it claimed before another run may take them over
      batch: 200     # feeds claimed at a time (each batch goes through every stage, then the next is claimed)

Every run claims its feeds in the store before fetching them (``vigie.ingest.leases``), so
two runs at the same moment never fetch the same feed, whatever ``runs`` says; ``runs`` is
how many of them a schedule's slot starts, so that several workers of one work pool share
each cycle. A lease shorter than a batch's work would let a second run take feeds the first
is still fetching: keep it well above the time a batch takes.

May import: pydantic, the standard library and ``vigie.common``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from vigie.common.bounds import PositiveDuration, at_least


class SharingConfig(BaseModel):
    """Runs per slot, the lease of a claim, and the size of a claimed batch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    runs: Annotated[int, Strict(), Field(ge=1, le=64)] = 1
    lease: Annotated[PositiveDuration, at_least(timedelta(seconds=10), "10s")] = timedelta(minutes=10)
    batch: Annotated[int, Strict(), Field(ge=1, le=100_000)] = 200
