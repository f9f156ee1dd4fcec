"""The runs of ``vigie serve``'s deployment on a real Prefect API: a slot doubled by registering again is kept once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.slow


def test_a_slot_scheduled_twice_keeps_only_the_newer_run(prefect_harness: None) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.states import Scheduled

    from vigie.runtime.serve_runs import start_now

    @flow(name="vigie-serve-runs-test")
    def nothing() -> None:
        pass

    async def scenario() -> tuple[list[tuple[datetime, str]], str, str]:
        async with get_client() as client:
            flow_id = await client.create_flow_from_name("vigie-serve-runs-test")
            deployment_id = await client.create_deployment(flow_id=flow_id, name="doubled-slot")
            registered = datetime.now(timezone.utc)
            slot = (registered + timedelta(minutes=5)).replace(microsecond=0)
            # As after a restart: the old schedule's run for a slot, then the new schedule's run for the same slot.
            old = await client.create_flow_run_from_deployment(deployment_id, state=Scheduled(scheduled_time=slot))
            new = await client.create_flow_run_from_deployment(deployment_id, state=Scheduled(scheduled_time=slot))
            other = await client.create_flow_run_from_deployment(
                deployment_id, state=Scheduled(scheduled_time=slot + timedelta(minutes=1)))
            first, missed = await start_now(client, deployment_id, registered)
            assert missed == []
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id])))
            left = sorted((r.expected_start_time, str(r.id)) for r in runs if r.id != first)
            assert other.id in {r.id for r in runs}
            return left, str(old.id), str(new.id)

    left, old, new = asyncio.run(scenario())
    ids = [run_id for _, run_id in left]
    assert new in ids and old not in ids, left
    assert len(left) == 2  # the slot once, and the next slot untouched
