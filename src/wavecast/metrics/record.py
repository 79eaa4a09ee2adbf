"""The job record: one per job attempt, the same on every backend.

Every metric is optional: a value the backend did not measure stays ``None`` and the record is
marked ``partial`` with a note saying what is missing and why. Nothing is filled in by guessing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A Snakemake job across its attempts: rule and wildcards in a fixed order.
JobKey = tuple[str, tuple[tuple[str, str], ...]]


def job_key(rule: str, wildcards: dict[str, str]) -> JobKey:
    return rule, tuple(sorted(wildcards.items()))


Status = Literal["pending", "running", "completed", "failed"]
Backend = Literal["local", "slurm", "kubernetes"]

#: Column order for CSV output and tables.
FIELDS: tuple[str, ...] = (
    "run_id",
    "rule",
    "wildcards",
    "attempt",
    "backend",
    "backend_job_id",
    "status",
    "raw_state",
    "exit_code",
    "start",
    "end",
    "wall_time_seconds",
    "cpu_seconds",
    "cpu_hours",
    "cpu_sampled_seconds",
    "peak_memory_gb",
    "requested_cpus",
    "requested_memory_gb",
    "requested_runtime_seconds",
    "cpu_efficiency",
    "memory_efficiency",
    "node",
    "log_path",
    "partial",
    "notes",
)


class JobRecord(BaseModel):
    """What one attempt of one job cost, and what it asked for."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Snakemake run: the SLURM run uuid, else the Workflow ID")
    rule: str = Field(description="rule name")
    wildcards: dict[str, str] = Field(default_factory=dict, description="wildcard values")
    attempt: int = Field(default=1, ge=1, description="1 on the first try, 2 on the first retry")
    backend: Backend = Field(description="where the job ran")
    backend_job_id: str | None = Field(
        default=None, description="SLURM job id, Kubernetes Job name, or Snakemake's local jobid"
    )
    status: Status = Field(description="pending, running, completed or failed")
    raw_state: str = Field(description="the backend's own state word, e.g. OUT_OF_MEMORY")
    exit_code: int | None = Field(default=None, description="exit status; 128+N for signal N")
    start: datetime | None = Field(default=None, description="when the attempt started")
    end: datetime | None = Field(default=None, description="when it ended")
    wall_time_seconds: float | None = Field(default=None, description="elapsed wall time")
    cpu_seconds: float | None = Field(default=None, description="user+system CPU time")
    cpu_hours: float | None = Field(default=None, description="cpu_seconds / 3600")
    cpu_sampled_seconds: float | None = Field(
        default=None,
        description="the part of the job that cpu_seconds covers, when it comes from a "
        "benchmark file (Snakemake samples CPU at intervals); null: the whole attempt",
    )
    peak_memory_gb: float | None = Field(
        default=None, description="peak resident memory, GiB (2^30 bytes)"
    )
    requested_cpus: float | None = Field(default=None, description="CPUs requested")
    requested_memory_gb: float | None = Field(default=None, description="memory requested, GiB")
    requested_runtime_seconds: float | None = Field(
        default=None, description="time limit requested"
    )
    cpu_efficiency: float | None = Field(
        default=None,
        description="cpu_seconds / ((cpu_sampled_seconds or wall_time_seconds) × requested_cpus)",
    )
    memory_efficiency: float | None = Field(
        default=None, description="peak_memory_gb / requested_memory_gb"
    )
    node: str | None = Field(default=None, description="host or node the attempt ran on")
    log_path: str | None = Field(default=None, description="the job's log file")
    partial: bool = Field(default=False, description="true when some metric could not be read")
    notes: list[str] = Field(default_factory=list, description="why a value is missing")

    def key(self) -> tuple[str, tuple[tuple[str, str], ...], int]:
        return (*job_key(self.rule, self.wildcards), self.attempt)

    def cpus_busy(self) -> float | None:
        """CPUs the attempt kept busy on average: its CPU time over the time that CPU time
        covers (the sampled part of a benchmarked job, else the whole wall time)."""
        span = self.cpu_sampled_seconds or self.wall_time_seconds
        if self.cpu_seconds is None or not span:
            return None
        return self.cpu_seconds / span

    def wildcards_str(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.wildcards.items())

    def to_row(self) -> dict[str, Any]:
        """A flat dict for CSV: wildcards as ``k=v,k=v``, notes joined with ``; ``."""
        data = self.model_dump(mode="json")
        data["wildcards"] = self.wildcards_str()
        data["notes"] = "; ".join(self.notes)
        return data


def derive(record: JobRecord) -> JobRecord:
    """Fill the derived fields (cpu hours, efficiencies) from measured ones; in place."""
    if record.wall_time_seconds is None and record.start and record.end:
        record.wall_time_seconds = max((record.end - record.start).total_seconds(), 0.0)
    if record.cpu_seconds is not None:
        record.cpu_hours = record.cpu_seconds / 3600
    busy, cpus = record.cpus_busy(), record.requested_cpus
    if busy is not None and cpus:
        record.cpu_efficiency = busy / cpus
    if record.peak_memory_gb is not None and record.requested_memory_gb:
        record.memory_efficiency = record.peak_memory_gb / record.requested_memory_gb
    record.partial = any(not n.startswith(INFO) for n in record.notes)
    return record


#: Notes starting with this say where a value came from; all others say what is missing.
INFO = "info: "


def note(record: JobRecord, text: str) -> None:
    """Say what is missing and why; marks the record partial."""
    if text not in record.notes:
        record.notes.append(text)
    record.partial = True


def info(record: JobRecord, text: str) -> None:
    """Say where a value came from; does not make the record partial."""
    if INFO + text not in record.notes:
        record.notes.append(INFO + text)


#: ``raw_state`` of a job stopped at its time limit: SLURM's word, also where the job stopped
#: itself (``wavecast.deadline`` on the local executor and Kubernetes).
TIMEOUT = "TIMEOUT"


def stopped_at_limit(record: JobRecord, how: str) -> None:
    """Mark a failed attempt that ``wavecast.deadline`` stopped at its runtime limit."""
    record.raw_state = TIMEOUT
    info(record, f"{how}: the job stopped itself at its runtime limit (the backend's timeout)")


def drop_notes(record: JobRecord, containing: str) -> None:
    record.notes = [n for n in record.notes if containing not in n]
