"""Unit parsing for what SLURM, Snakemake and Kubernetes print.

Pure functions, no I/O. Memory comes back in bytes, durations in seconds, timestamps as
timezone-aware datetimes; anything that says "no value" (``""``, ``Unknown``, ``None``,
``UNLIMITED``, ``INVALID``, ``Partition_Limit``) comes back as ``None``, never as 0.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from ..backends.units import parse_memory

#: Binary multipliers: SLURM's K/M/G/T and Snakemake's MiB are powers of 1024.
_BINARY = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}
#: Kubernetes quantities: decimal suffixes are powers of 1000, ``Ki``/``Mi``... powers of 1024.
_K8S = {
    "": 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
}
_NO_VALUE = {"", "unknown", "none", "n/a", "na", "unlimited", "invalid", "partition_limit", "-"}

GIB = 1024**3

_MEM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTPB]?)(?:i?B)?\s*([cn]|/node|/cpu)?\s*$", re.I)
_K8S_MEM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)\s*$")
_DURATION_RE = re.compile(
    r"^\s*(?:(?P<days>\d+)-)?(?P<a>\d+)(?::(?P<b>\d+(?:\.\d+)?))?(?::(?P<c>\d+(?:\.\d+)?))?\s*$"
)
_DAYS_WORDS_RE = re.compile(r"^\s*(?P<days>\d+) days?, (?P<rest>.*)$")


def is_no_value(text: str | None) -> bool:
    return text is None or text.strip().lower() in _NO_VALUE


def memory_bytes(text: str | None, default_unit: str = "K") -> float | None:
    """``"123456K"``, ``"1.5G"``, ``"4000Mc"``, ``"16Gn"``, ``"0"`` → bytes; no-value words → None.

    A number without suffix is read in ``default_unit`` (sacct prints bare MaxRSS in KiB when
    ``--noconvert`` is not given and the value is below 1K: ``"0"``). Per-CPU/per-node markers
    (``c``/``n``) of older sacct ReqMem are ignored here; :func:`reqmem_bytes` applies them.
    """
    if is_no_value(text):
        return None
    assert text is not None
    match = _MEM_RE.match(text)
    if not match:
        raise ValueError(f"not a memory amount: {text!r}")
    value, unit, _per = match.groups()
    return float(value) * _BINARY[(unit or default_unit).upper()]


def reqmem_bytes(
    text: str | None, ncpus: int | None = None, nnodes: int | None = None
) -> float | None:
    """sacct ReqMem → total bytes for the job: ``4Gc`` is per CPU, ``16Gn`` per node."""
    if is_no_value(text):
        return None
    assert text is not None
    match = _MEM_RE.match(text)
    if not match:
        raise ValueError(f"not a memory request: {text!r}")
    value, unit, per = match.groups()
    total = float(value) * _BINARY[(unit or "M").upper()]
    if per and per.lower() in ("c", "/cpu"):
        total *= ncpus or 1
    elif per and per.lower() in ("n", "/node"):
        total *= nnodes or 1
    return total


def size_bytes(text: str) -> float:
    """Backend YAML memory (``"512m"``, ``"2g"``, ``"1.5t"``) → bytes.

    The backend YAML's own parser (:func:`wavecast.backends.units.parse_memory`), so metrics read
    a memory setting exactly as validation and rendering do; raises ``ValueError`` otherwise.
    """
    return float(parse_memory(text) * 1024**2)


def format_size(num_bytes: float) -> str:
    """Bytes → the backend YAML form: ``"512m"``, ``"2g"``, ``"1.5g"``, ``"2t"``."""
    for unit, factor in (("t", 1024**4), ("g", 1024**3), ("m", 1024**2)):
        if num_bytes >= factor:
            value = num_bytes / factor
            if abs(value - round(value)) < 1e-9:
                return f"{round(value)}{unit}"
            if unit != "m" and abs(value * 4 - round(value * 4)) < 1e-9:
                return f"{value:g}{unit}"
    return f"{math.ceil(num_bytes / 1024**2)}m"


def k8s_memory_bytes(text: str | None) -> float | None:
    """Kubernetes memory quantity (``"100M"`` is 10^8 bytes, ``"2Gi"`` 2^31) → bytes."""
    if is_no_value(text):
        return None
    assert text is not None
    match = _K8S_MEM_RE.match(text)
    if not match:
        raise ValueError(f"not a Kubernetes memory quantity: {text!r}")
    return float(match.group(1)) * _K8S[match.group(2)]


def k8s_cpu(text: str | int | float | None) -> float | None:
    """Kubernetes CPU quantity (``"950m"``, ``"2"``, ``0.5``) → cores."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    if is_no_value(text):
        return None
    text = text.strip()
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    return float(text)


def duration_seconds(text: str | None) -> float | None:
    """``D-HH:MM:SS``, ``HH:MM:SS``, ``MM:SS``, ``MM:SS.sss``, ``D-HH``, ``1 day, 0:00:01`` → s.

    SLURM's rules: with one colon the form is ``MM:SS`` (TotalCPU ``00:01.234``); with two,
    ``HH:MM:SS``; a ``D-`` prefix adds days and ``D-HH`` alone means days and hours. A bare
    number is seconds.
    """
    if is_no_value(text):
        return None
    assert text is not None
    days = 0
    words = _DAYS_WORDS_RE.match(text)
    if words:
        days, text = int(words.group("days")), words.group("rest")
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    days += int(match.group("days") or 0)
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if c is not None:
        hours, minutes, seconds = float(a), float(b), float(c)
    elif b is not None:
        hours, minutes, seconds = 0.0, float(a), float(b)
    elif match.group("days") is not None:
        hours, minutes, seconds = float(a), 0.0, 0.0
    else:
        hours, minutes, seconds = 0.0, 0.0, float(a)
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def timestamp(text: str | datetime | None) -> datetime | None:
    """ISO 8601 (sacct, Kubernetes) or ``datetime`` → aware datetime; naive means local time."""
    if text is None:
        return None
    if isinstance(text, datetime):
        value = text
    else:
        if is_no_value(text):
            return None
        raw = text.strip()
        if raw.endswith("Z"):
            raw = raw[:-1] + "+00:00"
        value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.astimezone()  # sacct and Snakemake print the machine's local time
    return value


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
