"""Units of backend YAML: memory strings to MiB, timeouts (seconds) to runtime minutes.

Memory is always written with a unit, ``512m``, ``2g``, ``1.5t`` (binary: 1g = 1024 MiB), because a
bare number is ambiguous (MB? MiB? bytes?). Snakemake's ``mem_mb`` is taken as MiB since SLURM reads
``--mem=N`` as MiB. Fractions round up to whole MiB; timeouts round up to whole minutes.
"""

from __future__ import annotations

import math
import re

MEMORY_PATTERN = r"^([0-9]+(?:\.[0-9]+)?)\s*([mMgGtT])$"
_MEMORY_RE = re.compile(MEMORY_PATTERN)
_FACTOR = {"m": 1, "g": 1024, "t": 1024 * 1024}

MEMORY_HINT = "write a number and a unit m, g or t, like '512m', '2g' or '1.5t'"


def parse_memory(text: str) -> int:
    """``'2g'`` → 2048 (MiB); raise ValueError for anything else."""
    match = _MEMORY_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    number, unit = match.groups()
    mib = math.ceil(float(number) * _FACTOR[unit.lower()])
    if mib < 1:
        raise ValueError(text)
    return mib


def format_mib(mib: int) -> str:
    """4096 → ``'4096 MiB'`` with a friendlier unit when exact: ``'4g (4096 MiB)'``."""
    if mib % (1024 * 1024) == 0:
        return f"{mib // (1024 * 1024)}t ({mib} MiB)"
    if mib % 1024 == 0:
        return f"{mib // 1024}g ({mib} MiB)"
    return f"{mib}m ({mib} MiB)"


def decimal_mb(mib: int) -> int:
    """``mib`` MiB as whole megabytes of 10^6 bytes, rounded up (what Kubernetes' M means)."""
    return math.ceil(mib * 2**20 / 10**6)


def mib_of_decimal_mb(mb: float) -> float:
    """The inverse of :func:`decimal_mb` (without its rounding)."""
    return mb * 10**6 / 2**20


def runtime_minutes(seconds: int) -> int:
    """Snakemake ``runtime`` is in minutes; a timeout in seconds rounds up."""
    return math.ceil(seconds / 60)


def slurm_time(minutes: int) -> str:
    """Minutes as SLURM's ``HH:MM:SS`` (what ``-t N`` means), for display."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"
