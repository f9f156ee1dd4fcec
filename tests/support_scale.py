"""A rig for the scale test and benchmark: a real Prefect server, a work pool of real workers, and
many feeds on a loopback server, over one store (``vigie.ingest.leases`` shares the feeds out).

    with scale_rig(tmp, store_url, feeds=200, workers=2) as rig:
        result = rig.cycle(slot, runs=2)     # `runs` flow runs of the deployment, all for the slot

What it starts, in the order an operator would: ``prefect server start`` (vigie's
``local_prefect_server``), ``vigie deploy --apply`` from this checkout (the work pool, the deployment
of ``flows/monitor.py``), then ``prefect worker start --pool ... --limit 1`` per worker. A cycle
creates its flow runs from the deployment, each scheduled at the slot's time (as the
``sharing.runs`` schedules of one deployment make them), waits for them to end, and reads what the
feed server served and what each run's artifact says. ``executor`` is written to vigie.yaml as
given (``local``, ``processes: 2``, or any executor vigie accepts).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from support_feeds import RULES, config_text, feed_route
from support_http import LocalServer, serve_routes

REPO = Path(__file__).resolve().parents[1]
POOL = "vigie-scale"


@dataclass(frozen=True)
class CycleResult:
    seconds: float  # from creating the runs to the end of the last one
    fetched: Counter[str]  # requests per feed path
    polled_per_run: tuple[int, ...]  # sources each run polled (its artifact's count)
    states: tuple[str, ...]


@dataclass
class Rig:
    http: LocalServer
    api: str
    config: Path
    deployment: Any  # as vigie deploy made it (its schedules, since removed: the rig makes its own runs)
    feeds: int

    def use_store(self, store_url: str, alerts_file: Path) -> None:
        """Point the deployment's vigie.yaml at another store and alerts file (each run reads it anew)."""
        text = self.config.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^store: .*$", lambda _: f"store: '{store_url}'", text)
        text = re.sub(r"url: 'vigie://[^']*'", lambda _: f"url: 'vigie://{alerts_file}'", text)
        self.config.write_text(text, encoding="utf-8")

    def cycle(self, slot: datetime, runs: int, timeout: float = 600) -> CycleResult:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
        from prefect.states import Scheduled

        self.http.reset_log()
        started = time.perf_counter()
        with get_client(sync_client=True) as client:
            ids = [client.create_flow_run_from_deployment(self.deployment.id, state=Scheduled(scheduled_time=slot)).id
                   for _ in range(runs)]
            while True:
                flow_runs = [client.read_flow_run(i) for i in ids]
                if all(r.state is not None and r.state.is_final() for r in flow_runs):
                    break
                if time.perf_counter() - started > timeout:
                    raise TimeoutError(f"flow runs not done in {timeout:.0f} s: {[r.state_name for r in flow_runs]}")
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            arts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)))
        polled = tuple(int(m.group(1)) for a in arts if (m := re.match(r"(\d+) sources", a.description or "")))
        return CycleResult(seconds, Counter(s.path for s in self.http.log), polled,
                           tuple(str(r.state_name) for r in flow_runs))


def _unschedule(client, deployment) -> None:  # type: ignore[no-untyped-def]
    """Remove the deployment's schedules and the runs they already made: the rig's cycles are its own."""
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState,
                                               FlowRunFilterStateName)

    for schedule in deployment.schedules:
        client.delete_deployment_schedule(deployment.id, schedule.id)
    for run in client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                                     flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                                         name=FlowRunFilterStateName(any_=["Scheduled"])))):
        client.delete_flow_run(run.id)


def _start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    from vigie.runtime.local_server import die_with_parent

    return subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--limit", "1",
                             "--name", name], cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent())


@contextmanager
def scale_rig(tmp: Path, store_url: str, *, feeds: int, workers: int, executor: str = "local", batch: int = 50,
              runs_per_slot: int = 2) -> Iterator[Rig]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from vigie.runtime.local_server import local_prefect_server

    (tmp / "rules").mkdir(exist_ok=True)
    (tmp / "rules" / "storms.yaml").write_text(RULES, encoding="utf-8")
    with ExitStack() as stack:
        http = stack.enter_context(serve_routes({}, fallback=feed_route(feeds)))
        api = stack.enter_context(local_prefect_server(tmp / "server"))
        config = tmp / "vigie.yaml"
        config.write_text(config_text(http.base_url, feeds, store_url, str(tmp / "rules"), str(tmp / "alerts.jsonl"), batch)
                          .replace("sharing:\n", f"sharing:\n  runs: {runs_per_slot}\n")
                          + f"executor: {executor}\n", encoding="utf-8")
        env = dict(os.environ, PREFECT_API_URL=api, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                   PREFECT_HOME=str(tmp / "prefect-home"), PREFECT_WORKER_QUERY_SECONDS="1")
        done = subprocess.run([sys.executable, "-m", "vigie", "deploy", "--apply", "-c", str(config), "-o",
                               str(tmp / "prefect.yaml"), "--pool", POOL], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"vigie deploy failed: {done.stdout}{done.stderr}")
        procs = [_start_worker(env, f"worker-{n}", tmp / f"worker-{n}.log") for n in range(1, workers + 1)]
        try:
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api}))
            with get_client(sync_client=True) as client:
                deployment = client.read_deployment_by_name("vigie-monitor/vigie")
                _unschedule(client, deployment)
            yield Rig(http, api, config, deployment, feeds)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
