"""The flow runs of ``vigie serve``'s deployment, as its Prefect API sees them.

    start_now         the first run at start: the latest slot missed while stopped, or a new run;
                      a slot doubled by registering again is kept once
    unfinished        runs pending, running or cancelling (what a stop waits for)
    cancel_leftovers  after the runner stopped: whatever is still unfinished is marked cancelled
    finished_lines    one line per run that ended: its state, time and the run's own summary

Every function takes an open ``PrefectClient``; nothing here starts or stops processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterEndTime,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Cancelled
from prefect.types import DateTime

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

SUMMARY_ARTIFACT = "vigie-run"  # the key of the artifact each run leaves; its description is the one-line summary
UNFINISHED = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]
SLOT_MARGIN = timedelta(seconds=5)  # a slot just before registering can be doubled too (clocks, rounding)
SLOTS_CHECKED = 20  # the doubled slot is the first from registering; the scheduler makes up to 100 ahead
FINAL = [StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED]


def _runs_of(deployment_id: UUID, types: list[StateType], *, expected_before: datetime | None = None,
             ended_after: datetime | None = None) -> FlowRunFilter:
    return FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types)),
        expected_start_time=None if expected_before is None else FlowRunFilterExpectedStartTime(before_=_prefect_time(expected_before)),
        end_time=None if ended_after is None else FlowRunFilterEndTime(after_=_prefect_time(ended_after)),
    )


def _prefect_time(when: datetime) -> DateTime:
    return DateTime.fromtimestamp(when.timestamp(), tz=timezone.utc)


async def start_now(client: "PrefectClient", deployment_id: UUID, registered: datetime) -> tuple[UUID, list[UUID]]:
    """Make sure one run starts now, and only one; return it and the runs marked missed.

    Registering the deployment (at ``registered``) deleted its future runs, which Prefect's
    scheduler creates again a few seconds later, from its own "now": a slot in between would
    be lost. The slots from ``registered`` on are scheduled here at once (the same runs: the
    scheduler's keys make a second creation a no-op).

    The slots that came while ``vigie serve`` was stopped are still scheduled, in the past:
    left alone, the runner would run them all, one after the other. The latest one runs now
    (it is the first run at start); the older ones are cancelled as missed. With no missed
    slot, a run is created for now. The slots to come are untouched.
    """
    response = await client.request("POST", "/deployments/{id}/schedule", path_params={"id": deployment_id},
                                    json={"start_time": registered.isoformat()})
    response.raise_for_status()
    await _drop_doubled_slots(client, deployment_id, registered)
    now = datetime.now(timezone.utc)
    late = await client.read_flow_runs(
        flow_run_filter=_runs_of(deployment_id, [StateType.SCHEDULED], expected_before=now),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
    )
    missed = []
    for old in late[1:]:
        await client.set_flow_run_state(
            old.id, Cancelled(message="missed while vigie serve was stopped; the run at start caught up"), force=True)
        missed.append(old.id)
    if late:
        return late[0].id, missed
    run = await client.create_flow_run_from_deployment(deployment_id, tags=["vigie", "start"])
    return run.id, missed


async def _drop_doubled_slots(client: "PrefectClient", deployment_id: UUID, registered: datetime) -> None:
    """Keep one scheduled run per slot from ``registered`` on.

    Registering deletes the runs scheduled after that moment; a slot that falls between
    ``registered`` and the deletion is kept (it is already past) and also scheduled again under
    the new schedule's key: two runs for one slot. The newer one stays, since it is the one the
    scheduler's key protects (deleting it would let the scheduler create it once more)."""
    runs = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            expected_start_time=FlowRunFilterExpectedStartTime(after_=_prefect_time(registered - SLOT_MARGIN))),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=SLOTS_CHECKED)
    newest: dict[datetime, FlowRun] = {}
    for run in runs:
        if run.expected_start_time is None:
            continue
        kept = newest.get(run.expected_start_time)
        if kept is None:
            newest[run.expected_start_time] = run
            continue
        older, newest[run.expected_start_time] = sorted([kept, run], key=lambda r: r.created or registered)
        await client.delete_flow_run(older.id)


async def unfinished(client: "PrefectClient", deployment_id: UUID) -> list[FlowRun]:
    """The deployment's runs that are pending, running or being cancelled."""
    return await client.read_flow_runs(flow_run_filter=_runs_of(deployment_id, UNFINISHED))


async def cancel_leftovers(client: "PrefectClient", deployment_id: UUID, why: str) -> list[UUID]:
    """Mark every unfinished run of the deployment cancelled (``why`` as the message): a run the
    runner had claimed but not finished when it stopped must not stay pending for ever."""
    left = await unfinished(client, deployment_id)
    for run in left:
        await client.set_flow_run_state(run.id, Cancelled(message=why), force=True)
    return [run.id for run in left]


async def finished_lines(client: "PrefectClient", deployment_id: UUID, since: datetime, seen: set[UUID],
                         zone: str) -> list[str]:
    """One line for each run of the deployment that ended after ``since`` and is not in ``seen``
    (which it updates): end time in ``zone``, state, seconds, and the run's own summary."""
    runs = await client.read_flow_runs(
        flow_run_filter=_runs_of(deployment_id, FINAL, ended_after=since),
        sort=FlowRunSort.END_TIME_DESC,
    )
    lines = []
    for run in sorted((r for r in runs if r.id not in seen), key=lambda r: r.end_time or since):
        seen.add(run.id)
        lines.append(await _line(client, run, zone))
    return lines


async def _line(client: "PrefectClient", run: FlowRun, zone: str) -> str:
    ended = (run.end_time or datetime.now(timezone.utc)).astimezone(ZoneInfo(zone))
    state = run.state.name if run.state is not None else "?"
    took = f"{run.total_run_time.total_seconds():.1f} s"
    detail = ""
    if run.state is not None and run.state.type == StateType.COMPLETED:
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[SUMMARY_ARTIFACT]), flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
        detail = next((a.description for a in artifacts if a.description), "")
    elif run.state is not None and run.state.message:
        detail = run.state.message.splitlines()[0][:200]
    return f"{ended:%Y-%m-%d %H:%M:%S %Z} run {run.name}: {state} in {took}" + (f"; {detail}" if detail else "")
