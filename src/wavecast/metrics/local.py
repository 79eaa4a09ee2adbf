"""Local runs: Snakemake benchmark files joined to the run log's job attempts.

A benchmark file (TSV, or JSON lines when its path ends in ``.jsonl``) holds what Snakemake
measured for the attempt that succeeded: ``s`` wall seconds, ``max_rss`` MiB, ``cpu_time``
seconds and, with ``--benchmark-extended``, jobid, rule, wildcards, threads and resources.
Snakemake writes it only when the attempt succeeds (one an earlier run wrote stays in place),
so failed attempts keep only what the run log says (start, end, exit status) and are marked
partial. :func:`parse_benchmark` is pure.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import deadline
from ..backends.units import mib_of_decimal_mb
from ..errors import Problem
from .record import JobRecord, derive, info, note, stopped_at_limit
from .runlog import LoggedAttempt, RunLog, rewritten_by
from .units import GIB, duration_seconds

MIB = 1024**2

# Snakemake's benchmark thread (snakemake/benchmark.py, ScheduledPeriodicTimer, 9.27): one
# sample as the job starts, then one every BENCHMARK_INTERVAL_SHORT s until the 31st (at 15 s),
# then one every BENCHMARK_INTERVAL s; each keeps the process tree's CPU time so far, and none
# is taken as the job ends. Samples run late: each waits its interval after the previous one
# finished reading /proc (≈ 18 ms for a 1-GB job here, so the "15-s" sample came at 15.55 s).
SAMPLE_EVERY_FIRST = 0.5  # BENCHMARK_INTERVAL_SHORT
SAMPLE_EVERY_AFTER = 30.0  # BENCHMARK_INTERVAL
FAST_SAMPLING_ENDS = 15.0  # the 31st sample: BENCHMARK_INTERVAL × BENCHMARK_INTERVAL_SHORT
#: A job that ended this soon after a 30-s sample time may have ended before that late sample
#: (the delay grows with the job's memory and processes: ≈ 0.55 s at 15 s for 1 GB here).
LATE_SAMPLE_SECONDS = 5.0
#: A benchmark file written this long after the run log says the job ended belongs to a later run
#: (whose run log is gone: one still there says so sooner, see runlog.later_writes).
STALE_AFTER_SECONDS = 120.0


@dataclass
class BenchmarkRow:
    """One measured repetition of one job."""

    seconds: float | None
    max_rss_mib: float | None
    cpu_time: float | None
    jobid: int | None = None
    rule: str | None = None
    threads: int | None = None
    raw_wildcards: object = None
    raw_resources: object = None

    @property
    def wildcards(self) -> dict[str, str]:
        """Parsed on demand: the TSV holds a Python dict literal (``{'member': '003'}``)."""
        return {str(k): str(v) for k, v in _literal(self.raw_wildcards).items()}

    @property
    def resources(self) -> dict[str, object]:
        return _literal(self.raw_resources)


class BenchmarkError(ValueError):
    """A benchmark file that cannot be read; ``problem`` says which and what to do."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _number(value: object) -> float | None:
    if value is None or value in ("NA", "-", ""):
        return None
    return float(value)  # type: ignore[arg-type]


def _literal(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if not value or value in ("-", "NA"):
        return {}
    parsed = ast.literal_eval(str(value))
    return parsed if isinstance(parsed, dict) else {}


def _row(data: dict[str, object]) -> BenchmarkRow:
    seconds = _number(data.get("s"))
    if seconds is None and data.get("h:m:s") not in (None, "NA"):
        seconds = duration_seconds(str(data["h:m:s"]))
    jobid = data.get("jobid")
    threads = data.get("threads")
    return BenchmarkRow(
        seconds=seconds,
        max_rss_mib=_number(data.get("max_rss")),
        cpu_time=_number(data.get("cpu_time")),
        jobid=int(jobid) if jobid not in (None, "-", "NA", "") else None,  # type: ignore[arg-type]
        rule=str(data["rule_name"]) if data.get("rule_name") not in (None, "-") else None,
        threads=int(threads) if threads not in (None, "-", "NA", "") else None,  # type: ignore[arg-type]
        raw_wildcards=data.get("wildcards"),
        raw_resources=data.get("resources"),
    )


def parse_benchmark(text: str, path: str = "<benchmark>") -> list[BenchmarkRow]:
    """Rows of one benchmark file; JSON lines when ``path`` ends in ``.jsonl``, else TSV.

    Raises :class:`BenchmarkError` for an empty or truncated file (no data row, a row with fewer
    columns than the header, a value that is not a number).
    """
    fix = "the job was interrupted while writing it; rerun the job or delete the file"
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        if path.endswith(".jsonl"):
            rows = [_row(json.loads(line)) for line in lines]
        else:
            if not lines:
                raise BenchmarkError(Problem(path, "", "empty benchmark file", fix))
            header = lines[0].split("\t")
            if header[:2] != ["s", "h:m:s"]:
                raise BenchmarkError(
                    Problem(path, "", "not a Snakemake benchmark file (header)", fix)
                )
            rows = []
            for number, line in enumerate(lines[1:], start=2):
                cells = line.split("\t")
                if len(cells) != len(header):
                    raise BenchmarkError(
                        Problem(
                            path,
                            f"line{number}",
                            f"truncated row ({len(cells)} of {len(header)} columns)",
                            fix,
                        )
                    )
                rows.append(_row(dict(zip(header, cells, strict=True))))
    except (ValueError, SyntaxError) as exc:
        if isinstance(exc, BenchmarkError):
            raise
        raise BenchmarkError(Problem(path, "", f"unreadable value ({exc})", fix)) from exc
    if not rows:
        raise BenchmarkError(Problem(path, "", "no measurement in benchmark file", fix))
    return rows


def apply_benchmark(record: JobRecord, rows: list[BenchmarkRow], path: str) -> None:
    """Fill wall time, CPU time and peak memory from benchmark rows (repeats: summed/max)."""
    seconds = [r.seconds for r in rows if r.seconds is not None]
    if seconds:
        record.wall_time_seconds = sum(seconds)
    rss = [r.max_rss_mib for r in rows if r.max_rss_mib]
    # CPU over the rows that also give their time, so that it and the time it covers match
    measured = [r for r in rows if r.cpu_time is not None and r.seconds is not None]
    cpu = [r.cpu_time for r in measured]
    if rss and cpu and not any(cpu):
        # Only the sample at the job's start (cpu_time 0.00): its memory is the process just
        # started (the shell, an interpreter loading), not the job's peak.
        note(
            record,
            f"{path}: the job ended before Snakemake's second benchmark sample (cpu_time 0); "
            "its peak memory and CPU time are not measured",
        )
    elif rss:
        record.peak_memory_gb = max(rss) * MIB / GIB
        if cpu:
            record.cpu_seconds = sum(cpu)
            _sampled_span(record, measured, path)
    else:
        note(
            record,
            f"{path}: no memory or CPU sample (the job ended before Snakemake's first "
            "benchmark sample)",
        )


def last_sample_at(seconds: float) -> float:
    """When Snakemake's benchmark thread last sampled a job that ran ``seconds``, on its
    nominal schedule: the CPU time in the benchmark file is what the job had used by then."""
    if seconds < FAST_SAMPLING_ENDS:
        return math.floor(seconds / SAMPLE_EVERY_FIRST + 1e-9) * SAMPLE_EVERY_FIRST
    slow = math.floor((seconds - FAST_SAMPLING_ENDS) / SAMPLE_EVERY_AFTER + 1e-9)
    return FAST_SAMPLING_ENDS + slow * SAMPLE_EVERY_AFTER


def sampled_span(
    seconds: float, cpu: float | None = None, threads: int | None = None
) -> tuple[float, bool]:
    """The part of a ``seconds``-long job its benchmark CPU time covers, and whether that is
    uncertain. A job that ended within :data:`LATE_SAMPLE_SECONDS` after a 30-s sample time
    may have ended before that sample ran. Unless its ``cpu`` is more than ``threads`` could
    have used by the sample before (so the later one counted), the earlier sample is taken:
    the CPU rate may then read high (``tune`` keeps a rule's cpu), not a third of the truth
    (unless the job ran more CPUs than its threads)."""
    at = last_sample_at(seconds)
    if at <= FAST_SAMPLING_ENDS or seconds - at >= LATE_SAMPLE_SECONDS:
        return at, False
    earlier = at - SAMPLE_EVERY_AFTER
    if threads and cpu is not None and cpu > threads * (earlier + LATE_SAMPLE_SECONDS):
        return at, False
    return earlier, True


def _sampled_span(record: JobRecord, measured: list[BenchmarkRow], path: str) -> None:
    """Say which part of the job the benchmark's CPU time covers (``measured``: the rows with
    both CPU and time), so that efficiency and ``tune`` divide it by that part and not by the
    whole wall time."""
    spans: list[tuple[float, float, bool]] = []  # (seconds, span, late) per row
    for row in measured:
        seconds = row.seconds or 0.0  # never None in ``measured``
        spans.append((seconds, *sampled_span(seconds, row.cpu_time, row.threads)))
    sampled = sum(span for _, span, _ in spans)
    if sampled <= 0:
        return
    record.cpu_sampled_seconds = sampled
    if any(s - span > SAMPLE_EVERY_FIRST for s, span, _ in spans):
        wall = sum(s for s, _, _ in spans)
        info(
            record,
            f"{path}: Snakemake samples a job's CPU every {SAMPLE_EVERY_AFTER:g} s after its "
            f"first {FAST_SAMPLING_ENDS:g} s, so cpu_seconds covers only {sampled:.1f} s of "
            f"{wall:.1f} s, and cpu_efficiency is over those {sampled:.1f} s",
        )
    for s, _, late in spans:
        if late:
            info(
                record,
                f"{path}: the job ended less than {LATE_SAMPLE_SECONDS:g} s after Snakemake's "
                f"sample at {last_sample_at(s):g} s, which may have come too late to count, "
                "so the earlier sample is assumed and cpu_efficiency may read high",
            )


def requested_from_log(attempt: LoggedAttempt, backend: str = "local") -> dict[str, float]:
    """What Snakemake asked for this attempt (resources line of the run log); ``mem_mb`` in
    MiB. A Kubernetes profile gives the plugin decimal MB (backends.resolve.profile_mem_mb)."""
    out: dict[str, float] = {"cpu": float(attempt.threads)}
    res = attempt.resources
    if "mem_mb" in res:
        mem = float(res["mem_mb"])
        out["mem_mb"] = mib_of_decimal_mb(mem) if backend == "kubernetes" else mem
    elif "mem_mib" in res:
        out["mem_mb"] = float(res["mem_mib"])
    if "runtime" in res:
        out["runtime_min"] = float(res["runtime"])
    if "cpus_per_task" in res:
        out["cpu"] = float(res["cpus_per_task"])
    return out


def apply_requested(record: JobRecord, observed: dict[str, float], base: dict | None) -> None:
    """Requested resources: what the run log/backend recorded for this attempt, else the
    resolved backend YAML (``base``: cpu, mem_mb, runtime_min)."""
    merged = dict(base or {})
    merged.update({k: v for k, v in observed.items() if v is not None})
    if merged.get("cpu") is not None:
        record.requested_cpus = float(merged["cpu"])
    if merged.get("mem_mb") is not None:
        record.requested_memory_gb = float(merged["mem_mb"]) * MIB / GIB
    if merged.get("runtime_min") is not None:
        record.requested_runtime_seconds = float(merged["runtime_min"]) * 60


def record_from_attempt(run: RunLog, attempt: LoggedAttempt, backend: str = "local") -> JobRecord:
    """A record with what the run log alone says about one attempt."""
    record = JobRecord(
        run_id=run.run_id,
        rule=attempt.rule,
        wildcards=attempt.wildcards,
        attempt=attempt.attempt,
        backend=backend,  # type: ignore[arg-type]
        backend_job_id=attempt.external_id or str(attempt.jobid),
        status=attempt.status,  # type: ignore[arg-type]
        raw_state=attempt.raw_state,
        exit_code=attempt.exit_code,
        start=attempt.start,
        end=attempt.end,
        log_path=attempt.logs[0] if attempt.logs else attempt.backend_log,
    )
    if attempt.start and attempt.end:
        record.wall_time_seconds = (attempt.end - attempt.start).total_seconds()
    if record.status == "failed" and record.exit_code == deadline.EXIT_STATUS:
        stopped_at_limit(record, f"exit status {deadline.EXIT_STATUS}")
    return record


def local_records(
    run: RunLog,
    workdir: Path,
    requested: dict[str, dict] | None = None,
    in_progress: bool = False,
    skip_rules: tuple[str, ...] = ("all",),
    node: str | None = None,
) -> list[JobRecord]:
    """One record per attempt in the run log, measured values from benchmark files."""
    records = []
    for attempt in run.attempts:
        if attempt.rule in skip_rules:
            continue
        record = record_from_attempt(run, attempt)
        record.node = node
        apply_requested(record, requested_from_log(attempt), (requested or {}).get(attempt.rule))
        if record.status == "running" and not in_progress:
            record.raw_state = "unfinished"
            note(record, unfinished_note(run))
        else:
            fill_from_benchmark(record, attempt, workdir)
        derive(record)
        records.append(record)
    return records


def unfinished_note(run: RunLog) -> str:
    """Why a job of a run that is over has no end: the user interrupted the run, when its log
    says so, else the log stops (Snakemake killed, or the machine went down)."""
    if run.interrupted:
        return (
            "the run was interrupted before this job finished (the run log says "
            "'Terminating processes on user request')"
        )
    return "the run log ends before this job did (Snakemake was stopped?)"


def fill_from_benchmark(record: JobRecord, attempt: LoggedAttempt, workdir: Path) -> None:
    """Read the attempt's benchmark file when it belongs to this attempt; note why not."""
    if attempt.benchmark is None:
        note(record, "rule has no benchmark: directive; CPU time and peak memory unknown")
        return
    path = workdir / attempt.benchmark
    if record.status != "completed":
        if record.status == "failed":
            note(record, f"{attempt.benchmark}: Snakemake keeps no benchmark for a failed attempt")
        else:
            note(record, "still running; no benchmark yet")
        return
    try:
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime).astimezone()
        later = rewritten_by(attempt.rewritten.get(attempt.benchmark), modified)
        if later is not None:
            note(record, f"{attempt.benchmark}: rewritten by a later run, {later}; not used")
            return
        if attempt.end and stat.st_mtime > attempt.end.timestamp() + STALE_AFTER_SECONDS:
            note(record, f"{attempt.benchmark}: rewritten by a later run; not used")
            return
        rows = parse_benchmark(path.read_text(errors="replace"), attempt.benchmark)
    except FileNotFoundError:
        note(record, f"{attempt.benchmark}: benchmark file missing; CPU time and peak unknown")
        return
    except BenchmarkError as exc:
        note(record, str(exc.problem))
        return
    apply_benchmark(record, rows, attempt.benchmark)
