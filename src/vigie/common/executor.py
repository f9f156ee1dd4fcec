"""The ``executor`` setting of vigie.yaml: where the parse and normalize stages run.

    executor: local                 in the run's own process, one source after another (the default)
    executor: processes             in worker processes on this machine, one per usable core
    executor:
      processes: 4                  the same, with that many worker processes
    executor: dask                  on a Dask LocalCluster started by the run, one worker per usable core
    executor:
      dask: 4                       the same, with that many Dask workers
    executor: dask://host:8786      on the workers of a running Dask scheduler (``tcp://``, ``tls://`` too)

The value is a word, a one-key mapping or an address; ``dask://`` is Dask's ``tcp://``.

May import: pydantic, the standard library and ``vigie.common``.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from vigie.common.suggest import did_you_mean

KINDS = ("local", "processes", "dask")
COUNTED = ("processes", "dask")  # the kinds that take a number of workers
MAX_WORKERS = 256  # more worker processes than this on one machine is a mistake, not a plan
_EXPECTED = ("expected 'local', 'processes', 'processes: N' (N worker processes, 1 to 256), 'dask', 'dask: N' "
             "or a Dask scheduler's address 'dask://host:8786'")
DEFAULT_PORT = 8786  # the Dask scheduler's own default


class ExecutorConfig(BaseModel):
    """Where parse and normalize run; ``workers`` for ``processes`` and a local ``dask`` (None: one per usable
    core); ``address`` (``tcp://host:port``) for a running Dask scheduler."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["local", "processes", "dask"] = "local"
    workers: Annotated[int, Strict(), Field(ge=1, le=MAX_WORKERS)] | None = None
    address: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        """``local`` / ``processes`` / ``{processes: N}`` as written in vigie.yaml; the model's own fields as is."""
        if isinstance(value, str):
            word = value.strip()
            if "://" in word:
                return {"kind": "dask", "address": scheduler_address(word)}
            if word not in KINDS:
                raise ValueError(f"unknown executor {word!r}{did_you_mean(word, KINDS)}; {_EXPECTED}")
            return {"kind": word}
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in COUNTED:
            kind, count = next(iter(value.items()))
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_WORKERS:
                shown = str(count).lower() if isinstance(count, bool) else repr(count)
                what = "worker processes" if kind == "processes" else "Dask workers"
                raise ValueError(f"{kind}: {shown} is not a number of {what}; {_EXPECTED}")
            return {"kind": kind, "workers": count}
        if isinstance(value, dict) and set(value) <= {"kind", "workers", "address"}:
            return value  # the model itself (a copy, a test): validated by its fields
        if value is None:
            raise ValueError(f"no value; {_EXPECTED}")
        raise ValueError(_EXPECTED)

    @model_validator(mode="after")
    def _workers_for_processes(self) -> "ExecutorConfig":
        if self.kind == "local" and self.workers is not None:
            raise ValueError("worker processes are only for 'processes' and 'dask'")
        if self.address is not None and (self.kind != "dask" or self.workers is not None):
            raise ValueError("a scheduler address is only for 'dask', without a number of workers")
        return self

    def worker_count(self) -> int:
        """How many worker processes: the configured number, else one per core this process may use."""
        if self.workers is not None:
            return self.workers
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, usable)

    def describe(self) -> str:
        """``local`` or ``processes (2 workers)``, as a run summary or a benchmark says it."""
        if self.kind == "local":
            return "local"
        if self.address is not None:
            return f"dask ({self.address})"
        count = f"{self.worker_count()} worker{'s' if self.worker_count() != 1 else ''}"
        return f"processes ({count})" if self.kind == "processes" else f"dask (LocalCluster, {count})"


def scheduler_address(written: str) -> str:
    """``dask://host:8786`` as Dask's client takes it (``tcp://host:8786``); the port defaults to 8786."""
    scheme, rest = written.split("://", 1)
    scheme = scheme.lower()
    if scheme not in ("dask", "tcp", "tls"):
        raise ValueError(f"{written}: unknown executor address (a Dask scheduler is 'dask://host:8786'); {_EXPECTED}")
    host, _, port = rest.rstrip("/").rpartition(":") if ":" in rest.rsplit("]", 1)[-1] else (rest.rstrip("/"), "", "")
    if not host or "/" in host or "@" in host or (port and not port.isdigit()) or (port and not 0 < int(port) < 65536):
        raise ValueError(f"{written}: not a Dask scheduler's address; write 'dask://host:8786'")
    return f"{'tcp' if scheme == 'dask' else scheme}://{host}:{port or DEFAULT_PORT}"


LOCAL = ExecutorConfig()
