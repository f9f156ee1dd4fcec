"""The ``executor`` setting of vigie.yaml: where the parse and normalize stages run.

    executor: local                 in the run's own process, one source after another (the default)
    executor: processes             in worker processes on this machine, one per usable core
    executor:
      processes: 4                  the same, with that many worker processes

The value is a word or a one-key mapping, so that other kinds fit beside these later as a
word or an address (``dask://scheduler:8786``): such an address is recognised today and refused
with a message saying it is not available yet, rather than read as a typo.

May import: pydantic, the standard library and ``vigie.common``.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from vigie.common.suggest import did_you_mean

KINDS = ("local", "processes")
MAX_WORKERS = 256  # more worker processes than this on one machine is a mistake, not a plan
_EXPECTED = "expected 'local', 'processes', or 'processes: N' (N worker processes, 1 to 256)"


class ExecutorConfig(BaseModel):
    """Where parse and normalize run; ``workers`` only for ``processes`` (None: one per usable core)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["local", "processes"] = "local"
    workers: Annotated[int, Strict(), Field(ge=1, le=MAX_WORKERS)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        """``local`` / ``processes`` / ``{processes: N}`` as written in vigie.yaml; the model's own fields as is."""
        if isinstance(value, str):
            word = value.strip()
            if "://" in word:
                scheme = word.split("://", 1)[0].lower()
                if scheme in ("dask", "tcp", "tls"):
                    raise ValueError(f"{word}: a Dask cluster is not available yet as an executor; "
                                     "use 'local' or 'processes' (worker processes on this machine)")
                raise ValueError(f"{word}: unknown executor address; {_EXPECTED}")
            if word not in KINDS:
                raise ValueError(f"unknown executor {word!r}{did_you_mean(word, KINDS)}; {_EXPECTED}")
            return {"kind": word}
        if isinstance(value, dict) and set(value) == {"processes"}:
            count = value["processes"]
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_WORKERS:
                shown = str(count).lower() if isinstance(count, bool) else repr(count)
                raise ValueError(f"processes: {shown} is not a number of worker processes; {_EXPECTED}")
            return {"kind": "processes", "workers": count}
        if isinstance(value, dict) and set(value) <= {"kind", "workers"}:
            return value  # the model itself (a copy, a test): validated by its fields
        if value is None:
            raise ValueError(f"no value; {_EXPECTED}")
        raise ValueError(_EXPECTED)

    @model_validator(mode="after")
    def _workers_for_processes(self) -> "ExecutorConfig":
        if self.kind == "local" and self.workers is not None:
            raise ValueError("worker processes are only for 'processes'")
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
        return f"processes ({self.worker_count()} worker{'s' if self.worker_count() != 1 else ''})"


LOCAL = ExecutorConfig()
