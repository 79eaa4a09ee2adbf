"""Requested resources and limits of an environment, from its resolved backend YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..backends.load import load_backend
from ..backends.resolve import resolve
from ..backends.units import parse_memory
from ..images import source_path


@dataclass(frozen=True)
class EnvResources:
    """Per-rule first-attempt requests (``cpu``, ``mem_mb``, ``runtime_min``, and
    ``timeout_s`` as the YAML gives it) and limits."""

    path: str
    kind: str
    requested: dict[str, dict[str, float]]
    limit_cpu: int
    limit_mem_mb: int
    limit_timeout: int
    #: Rule → its group (SLURM ``groups``): such rules run inside one job for the group.
    groups: dict[str, str] = field(default_factory=dict)
    #: Where a Kubernetes backend's Jobs run (None for other backends).
    namespace: str | None = None


def backend_path(env: str, root: Path = Path(".")) -> Path:
    return root / source_path(env)


def load_env(path: Path) -> EnvResources:
    """Load and validate the backend YAML (ValidationError on mistakes), then resolve it."""
    backend = load_backend(path)
    requested = {
        r.rule: {
            "cpu": float(r.cpu),
            "mem_mb": float(r.mem_mb),
            "runtime_min": float(r.runtime),
            "timeout_s": float(r.timeout),
        }
        for r in resolve(backend)
    }
    return EnvResources(
        path=str(path),
        kind=backend.type,
        requested=requested,
        limit_cpu=backend.limits.cpu,
        limit_mem_mb=parse_memory(backend.limits.memory),
        limit_timeout=backend.limits.timeout,
        groups=getattr(backend, "group_of", {}),
        namespace=getattr(backend, "namespace", None),
    )
