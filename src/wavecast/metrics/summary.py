"""Per-rule summary of job records, with the worst offenders flagged.

:func:`summarise` returns data (:class:`RuleSummary`); :func:`render_table` prints it.
Thresholds are in :data:`FLAGS`; a rule is flagged when a *median* attempt crosses one.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .record import JobRecord

#: (threshold, flag) pairs; efficiencies are fractions of the request.
LOW_MEMORY_EFFICIENCY = 0.3
HIGH_MEMORY_EFFICIENCY = 0.9
LOW_CPU_EFFICIENCY = 0.3
FLAGS = {
    "failures": "attempts failed",
    "memory-near-limit": f"median peak ≥ {HIGH_MEMORY_EFFICIENCY:.0%} of the request",
    "memory-overasked": f"median peak < {LOW_MEMORY_EFFICIENCY:.0%} of the request",
    "cpu-idle": f"median CPU efficiency < {LOW_CPU_EFFICIENCY:.0%}",
    "partial": "some metrics missing",
}


@dataclass
class RuleSummary:
    rule: str
    jobs: int
    attempts: int
    failures: int
    running: int
    wall_p50_seconds: float | None
    wall_max_seconds: float | None
    cpu_hours: float | None  # None: no attempt's CPU was measured
    peak_memory_gb: float | None
    cpu_efficiency: float | None
    memory_efficiency: float | None
    wasted_memory_gb_hours: float
    flags: list[str] = field(default_factory=list)
    worst: bool = False


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(records: Iterable[JobRecord], worst: int = 3) -> list[RuleSummary]:
    """One summary per rule in first-seen order; the ``worst`` rules by wasted memory-hours
    (requested − peak, times wall time) or with failures are marked ``worst``."""
    by_rule: dict[str, list[JobRecord]] = {}
    for record in records:
        by_rule.setdefault(record.rule, []).append(record)
    out = [_one(rule, group) for rule, group in by_rule.items()]
    ranked = sorted(
        (s for s in out if s.wasted_memory_gb_hours > 0 or s.failures),
        key=lambda s: (s.failures > 0, s.wasted_memory_gb_hours),
        reverse=True,
    )
    for summary in ranked[:worst]:
        summary.worst = True
    return out


def _one(rule: str, group: list[JobRecord]) -> RuleSummary:
    walls = [r.wall_time_seconds for r in group if r.wall_time_seconds is not None]
    done = [r for r in group if r.status == "completed"]
    cpu_eff = [r.cpu_efficiency for r in done if r.cpu_efficiency is not None]
    mem_eff = [r.memory_efficiency for r in done if r.memory_efficiency is not None]
    peaks = [r.peak_memory_gb for r in group if r.peak_memory_gb is not None]
    cpu = [r.cpu_hours for r in group if r.cpu_hours is not None]
    waste = 0.0
    for r in done:
        if r.requested_memory_gb and r.peak_memory_gb is not None and r.wall_time_seconds:
            waste += max(r.requested_memory_gb - r.peak_memory_gb, 0) * r.wall_time_seconds / 3600
    summary = RuleSummary(
        rule=rule,
        jobs=len({tuple(sorted(r.wildcards.items())) for r in group}),
        attempts=len(group),
        failures=sum(r.status == "failed" for r in group),
        running=sum(r.status in ("running", "pending") for r in group),
        wall_p50_seconds=_median(walls),
        wall_max_seconds=max(walls) if walls else None,
        cpu_hours=sum(cpu) if cpu else None,
        peak_memory_gb=max(peaks) if peaks else None,
        cpu_efficiency=_median(cpu_eff),
        memory_efficiency=_median(mem_eff),
        wasted_memory_gb_hours=waste,
    )
    if summary.failures:
        summary.flags.append("failures")
    if summary.memory_efficiency is not None:
        if summary.memory_efficiency >= HIGH_MEMORY_EFFICIENCY:
            summary.flags.append("memory-near-limit")
        elif summary.memory_efficiency < LOW_MEMORY_EFFICIENCY:
            summary.flags.append("memory-overasked")
    if summary.cpu_efficiency is not None and summary.cpu_efficiency < LOW_CPU_EFFICIENCY:
        summary.flags.append("cpu-idle")
    if any(r.partial for r in group):
        summary.flags.append("partial")
    return summary


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    value = round(value)
    hours, rest = divmod(value, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


COLUMNS = (
    "rule",
    "jobs",
    "attempts",
    "failed",
    "wall p50",
    "wall max",
    "CPU h",
    "peak GiB",
    "CPU eff",
    "mem eff",
    "flags",
)


def table_rows(summaries: list[RuleSummary]) -> list[list[str]]:
    rows = []
    for s in summaries:
        rows.append(
            [
                ("* " if s.worst else "  ") + s.rule,
                str(s.jobs),
                str(s.attempts),
                str(s.failures),
                _fmt_seconds(s.wall_p50_seconds),
                _fmt_seconds(s.wall_max_seconds),
                "-" if s.cpu_hours is None else f"{s.cpu_hours:.3f}",
                "-" if s.peak_memory_gb is None else f"{s.peak_memory_gb:.2f}",
                _pct(s.cpu_efficiency),
                _pct(s.memory_efficiency),
                ",".join(s.flags) or "-",
            ]
        )
    return rows


def render_table(summaries: list[RuleSummary]) -> str:
    """A plain-text table; ``*`` marks the worst offenders, flags are explained below it."""
    rows = [["  " + COLUMNS[0], *COLUMNS[1:]], *table_rows(summaries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        cells = [
            c.ljust(w) if i in (0, 10) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    used = sorted({f for s in summaries for f in s.flags})
    if any(s.worst for s in summaries):
        lines.append("* worst offenders: failures first, then most wasted memory-hours")
    lines.extend(f"{flag}: {FLAGS[flag]}" for flag in used)
    return "\n".join(lines) + "\n"


def as_dicts(summaries: list[RuleSummary]) -> list[dict]:
    return [asdict(s) for s in summaries]
