"""``vigie serve``'s loop: Prefect's ``Runner`` for the monitoring flow, started and stopped cleanly.

Prefect's ``flow.serve`` swallows Ctrl-C itself and, on SIGTERM, calls the runner's async
stop from a signal handler without awaiting it and exits at once: the run being started was
left pending for ever. vigie drives the runner itself:

- start: the deployment is registered with the schedule of ``vigie.yaml`` (``schedule``: an
  interval on a fixed anchor, so a restart keeps its slots), one run starts at once
  (``serve_runs.start_now``), and one line is printed for every run that ends;
- stop (SIGINT or SIGTERM): no new run is taken, the current one may finish for ``grace``
  seconds (a second signal cuts it short), then the runner cancels what still runs, every
  unfinished run of the deployment is marked cancelled, and the closing line is printed.

A cancelled run is safe to cut: the cycle is built to be killed at any point (see the README's
delivery guarantees); the next run fetches again what was not recorded.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.runner import Runner

from vigie.runtime import serve_runs

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.client.orchestration import PrefectClient
    from prefect.schedules import Schedule

DEPLOYMENT = "vigie"
STOP_GRACE = 30.0  # seconds the current run may take to finish after a stop (systemd waits 90 s)
WATCH_EVERY = 2.0  # seconds between two looks for finished runs
STOPPED = "vigie: stopped; the schedule stays active for the next start"


class _Runner(Runner):
    """Prefect's runner, whose SIGTERM handler does not stop it mid-run and exit.

    ``Runner.start`` installs that handler over vigie's; the signal still reaches vigie's loop,
    through the wake-up file descriptor every Python signal handler writes to, on which
    ``loop.add_signal_handler`` dispatches: so the handler here does nothing (doing the same
    work would count one SIGTERM as two stop requests)."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Stop:
    """The stop requests: the first asks for a clean stop, the second for an immediate one."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.hurry = asyncio.Event()

    def request(self) -> None:
        (self.hurry if self.asked.is_set() else self.asked).set()


def serve(flow: "Flow[..., Any]", *, schedule: "Schedule", parameters: dict[str, Any], zone: str,
          echo: Callable[[str], None], grace: float = STOP_GRACE) -> None:
    """Serve ``flow`` on ``schedule`` until SIGINT or SIGTERM; print through ``echo``."""
    asyncio.run(_serve(flow, schedule, parameters, zone, echo, grace))


async def _serve(flow: "Flow[..., Any]", schedule: "Schedule", parameters: dict[str, Any], zone: str,
                 echo: Callable[[str], None], grace: float) -> None:
    loop = asyncio.get_running_loop()
    stop = _Stop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.request)
    runner = _Runner(name=DEPLOYMENT, pause_on_shutdown=False, limit=1)  # one run at a time: a slow one delays the next
    started = datetime.now(timezone.utc)  # also where the deployment's slots are scheduled from
    deployment_id = await runner.aadd_flow(flow, name=DEPLOYMENT, schedules=[schedule], parameters=parameters,
                                           tags=["vigie"])
    async with get_client() as client:
        first, missed = await serve_runs.start_now(client, deployment_id, started)
        if missed:
            echo(f"vigie: {len(missed)} slot(s) missed while stopped; one run now catches up")
        seen: set[UUID] = set(missed)
        running = asyncio.create_task(runner.start())
        watching = asyncio.create_task(_watch(client, deployment_id, started, seen, zone, echo))
        waiting = asyncio.create_task(stop.asked.wait())
        await asyncio.wait([running, waiting], return_when=asyncio.FIRST_COMPLETED)
        try:
            if not running.done():
                await _wind_down(client, runner, deployment_id, stop, grace, echo)
                try:
                    await asyncio.wait_for(running, timeout=60)  # cancelled if it does not end by then
                except asyncio.TimeoutError:
                    echo("vigie: Prefect's runner did not stop within 60 s; it was cancelled")
        finally:
            waiting.cancel()
            watching.cancel()
            await serve_runs.cancel_leftovers(client, deployment_id, "vigie serve stopped before this run finished")
            for line in await serve_runs.finished_lines(client, deployment_id, started, seen, zone):
                echo(line)
        if not running.cancelled():
            running.result()  # the runner's own failure, if it stopped by itself
    echo(STOPPED)


async def _wind_down(client: "PrefectClient", runner: _Runner, deployment_id: UUID, stop: _Stop, grace: float,
                     echo: Callable[[str], None]) -> None:
    """Take no new run; let the current one finish within ``grace`` (or until asked again); stop the runner."""
    poller = getattr(runner, "_scheduled_run_poller", None)  # Prefect's own astop sets the same flag
    if poller is not None:
        poller.stopping = True
    if await serve_runs.unfinished(client, deployment_id):
        echo(f"vigie: stopping; the current run has {grace:.0f} s to finish (stop again to cancel it now)")
        deadline = asyncio.get_running_loop().time() + grace
        while not stop.hurry.is_set() and asyncio.get_running_loop().time() < deadline:
            if not await serve_runs.unfinished(client, deployment_id):
                break
            try:
                await asyncio.wait_for(stop.hurry.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass
    for _ in range(300):  # a stop asked at start-up: the runner may not be started yet
        if runner.started:
            break
        await asyncio.sleep(0.1)
    if runner.started:
        await runner.astop()  # cancels (and marks cancelled) a run still going


async def _watch(client: "PrefectClient", deployment_id: UUID, since: datetime, seen: set[UUID], zone: str,
                 echo: Callable[[str], None]) -> None:
    """Print one line for every run that ends, as it ends."""
    while True:
        await asyncio.sleep(WATCH_EVERY)
        try:
            lines = await serve_runs.finished_lines(client, deployment_id, since, seen, zone)
        except Exception:  # noqa: BLE001 - a missed look is retried; the server may be busy
            continue
        for line in lines:
            echo(line)
