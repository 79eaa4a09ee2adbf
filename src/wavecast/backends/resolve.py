"""Per-rule resources after defaults ← stage override, with the limits retries may grow to."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from ..deadline import RESOURCE as ENFORCE_RUNTIME
from ..rules import RULE_NAMES
from .models import MPI_RULES, BackendBase, KubernetesBackend, SlurmBackend
from .units import decimal_mb, parse_memory, runtime_minutes


@dataclass(frozen=True)
class ResolvedRule:
    """First-attempt resources of one rule and the caps a retry may reach."""

    rule: str
    cpu: int
    mem_mb: int
    mem_mb_limit: int
    runtime: int
    #: The timeout as the backend YAML gives it, in seconds (``runtime`` is it in minutes).
    timeout: int
    runtime_limit: int
    mpi: str | None
    #: Kubernetes pods' ephemeral storage in MB of 10^6 bytes; None: Snakemake's default.
    disk_mb: int | None

    def snakemake_resources(self, backend: BackendBase) -> dict[str, int | str]:
        """The resource values one job of this rule gets on the first attempt."""
        res: dict[str, int | str] = {
            "cpus_per_task": self.cpu,
            "mem_mb": profile_mem_mb(backend, self.mem_mb),
            "runtime": self.runtime,
        }
        if not isinstance(backend, SlurmBackend):
            # No time limit from the local executor or the Kubernetes plugin: the job keeps it.
            res[ENFORCE_RUNTIME] = 1
        if self.disk_mb is not None:
            res["disk_mb"] = self.disk_mb
        if self.mpi:
            res["mpi"] = self.mpi  # what the executor plugins read (tasks, no srun wrapper)
            res["launcher"] = self.mpi  # what run_member's shell command is prefixed with
            if isinstance(backend, SlurmBackend):
                # SLURM runs an MPI job as `cpu` tasks of one CPU each (sbatch --ntasks).
                res["cpus_per_task"] = 1
                res["tasks"] = self.cpu
        return res


def resolve(backend: BackendBase) -> list[ResolvedRule]:
    """One :class:`ResolvedRule` per workflow rule, in ``RULE_NAMES`` order."""
    d = backend.defaults
    container_mpi = backend.container.mpiexec if backend.container else None
    out = []
    for rule in RULE_NAMES:
        stage = getattr(backend.stages, rule)
        cpu = (stage.cpu if stage and stage.cpu else None) or d.cpu
        memory = (stage.memory if stage and stage.memory else None) or d.memory
        timeout = (stage.timeout if stage and stage.timeout else None) or d.timeout
        timeout = timeout or backend.timeout
        disk = (stage.disk if stage and stage.disk else None) or d.disk
        mpi = stage.mpiexec if stage and stage.mpiexec else None
        if mpi is None and rule in MPI_RULES:
            mpi = container_mpi
        out.append(
            ResolvedRule(
                rule=rule,
                cpu=cpu,
                mem_mb=parse_memory(memory),
                mem_mb_limit=parse_memory(backend.limits.memory),
                runtime=runtime_minutes(timeout),
                timeout=timeout,
                runtime_limit=runtime_minutes(backend.limits.timeout),
                mpi=mpi,
                # the Kubernetes plugin requests "<disk_mb>M", 10^6 bytes: as for mem_mb
                disk_mb=decimal_mb(parse_memory(disk)) if disk else None,
            )
        )
    return out


def profile_mem_mb(backend: BackendBase, mib: int) -> int:
    """``mem_mb`` as the backend's executor reads it, for ``mib`` MiB of the backend YAML.

    SLURM takes it as ``--mem <mem_mb>`` (SLURM's M is MiB); the local executor only counts it.
    The Kubernetes plugin writes ``"<mem_mb>M"`` into the pod spec, and Kubernetes reads M as
    10^6 bytes: there it is the MiB in decimal megabytes, rounded up, so ``8g`` asks for
    8590M (>= 8 GiB), not 8192M (7.6 GiB).
    """
    return decimal_mb(mib) if isinstance(backend, KubernetesBackend) else mib


def mem_mb_expression(r: ResolvedRule, backend: BackendBase) -> str:
    """The attempt-aware ``mem_mb`` Snakemake evaluates (see docs/architecture.md)."""
    return (
        f"__import__('wavecast.retry').retry.mem_mb('{r.rule}', wildcards, attempt, "
        f"{profile_mem_mb(backend, r.mem_mb)}, {profile_mem_mb(backend, r.mem_mb_limit)})"
    )


def runtime_expression(r: ResolvedRule) -> str:
    """The attempt-aware ``runtime`` (minutes) Snakemake evaluates."""
    return (
        f"__import__('wavecast.retry').retry.runtime('{r.rule}', wildcards, attempt, "
        f"{r.runtime}, {r.runtime_limit})"
    )


def quote_all(args: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in args)
