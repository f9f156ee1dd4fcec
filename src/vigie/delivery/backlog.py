"""What is still pending in the outbox after a delivery pass, and why.

A delivery that a pass did not send is not always a failure: it may be held for its rule's
digest (due when the window closes), waiting out its retry backoff, or due but not sent (its
target left the configuration, another run holds its claim). The run summary and
``vigie alerts send`` count all of them as pending and say which is which, read from the
store after the pass: ``5 sent, 1 pending (1 held for a digest, due 2026-12-03 08:00 CET)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from vigie.common.times import local_time, utc
from vigie.store import schema as t
from vigie.store.db import reader


@dataclass(frozen=True)
class Backlog:
    """Pending deliveries by what they wait for; ``next_digest_at`` and ``next_retry_at`` are the soonest."""

    held_for_digest: int = 0
    next_digest_at: datetime | None = None
    waiting_retry: int = 0
    next_retry_at: datetime | None = None
    due_unsent: int = 0

    @property
    def pending(self) -> int:
        return self.held_for_digest + self.waiting_retry + self.due_unsent

    def describe(self, tz: str = "UTC") -> str:
        """``1 pending (1 held for a digest, due 2026-12-03 08:00 CET)``, or ``0 pending``."""
        parts = []
        if self.held_for_digest:
            parts.append(f"{self.held_for_digest} held for a digest, due {local_time(self.next_digest_at, tz)}")
        if self.waiting_retry:
            parts.append(f"{self.waiting_retry} waiting to retry, next {local_time(self.next_retry_at, tz)}")
        if self.due_unsent:
            parts.append(f"{self.due_unsent} due but not sent")
        return f"{self.pending} pending" + (f" ({'; '.join(parts)})" if parts else "")


def backlog(engine: Engine, now: datetime) -> Backlog:
    """The store's pending deliveries at ``now``, by what they wait for (a digest first, then a retry)."""
    d, a = t.deliveries, t.alerts
    query = select(d.c.next_attempt_at, a.c.digest_due_at).join(a, a.c.id == d.c.alert_id).where(d.c.status == "pending")
    with reader(engine) as conn:
        rows = conn.execute(query).all()
    now = utc(now)
    digests: list[datetime] = []
    retries: list[datetime] = []
    for row in rows:
        due, nxt = utc(row.digest_due_at), utc(row.next_attempt_at)
        if due is not None and due > now:
            digests.append(due)
        elif nxt is not None and nxt > now:
            retries.append(nxt)
    return Backlog(held_for_digest=len(digests), next_digest_at=min(digests, default=None),
                   waiting_retry=len(retries), next_retry_at=min(retries, default=None),
                   due_unsent=len(rows) - len(digests) - len(retries))
