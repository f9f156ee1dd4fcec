"""The Prefect schedule of ``vigie.yaml``'s ``schedule``, the same at every start.

An interval schedule without an anchor is anchored by Prefect at the moment it is
created: every ``vigie serve`` start moved the grid of slots, and a slot due just
after the restart was lost. vigie anchors every interval at midnight, 1 January 2000,
in the schedule's zone: ``every 15m`` runs at :00, :15, :30 and :45 whatever the start
time, and a restart (which re-registers the deployment) lands on the same slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from vigie.config import DEFAULT_INTERVAL, ScheduleConfig

if TYPE_CHECKING:
    from prefect.schedules import Schedule


def anchor(schedule: ScheduleConfig) -> datetime:
    """The fixed start of an interval schedule's grid: 2000-01-01 00:00 in its zone."""
    return datetime(2000, 1, 1, tzinfo=ZoneInfo(schedule.timezone))


def prefect_schedule(schedule: ScheduleConfig) -> "Schedule":
    """The Prefect schedule (cron, or interval on the fixed anchor) that ``schedule`` describes."""
    from prefect.schedules import Cron, Interval

    if schedule.cron is not None:
        return Cron(schedule.cron, timezone=schedule.timezone)
    return Interval(schedule.interval or DEFAULT_INTERVAL, anchor_date=anchor(schedule), timezone=schedule.timezone)

