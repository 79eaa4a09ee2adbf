"""Collect the job records of one run: pick the run, detect the backend, fetch, parse, join.

The run log (:mod:`.runlog`) lists every attempt Snakemake scheduled; the backend adds what it
measured (sacct on SLURM, Job/pod status on Kubernetes, benchmark files everywhere). When a
source cannot answer, the records keep what the others said, are marked partial, and
:attr:`Collection.messages` says what is missing and what still works.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, TypeVar

from ..rules import LOCAL_RULES
from . import kubernetes as k8s
from . import slurm
from .local import (
    apply_requested,
    fill_from_benchmark,
    local_records,
    record_from_attempt,
    requested_from_log,
)
from .record import JobRecord, derive, drop_notes, info, job_key, note
from .runlog import (
    LoggedAttempt,
    RunHistory,
    RunLog,
    mark_rewritten,
    run_in_progress,
    select_run,
)

BACKENDS = ("auto", "local", "slurm", "kubernetes")
SLURM_LOG_DIR = Path(".snakemake") / "slurm_logs"
WHAT_STILL_WORKS = (
    "what still works: the run log's list of jobs with status and times, benchmark files "
    "for CPU time and peak memory, and 'wavecast logs'"
)
T = TypeVar("T")


@dataclass
class Collection:
    """The records of one run and what could not be read."""

    run_id: str
    backend: str
    run_log: str
    in_progress: bool
    records: list[JobRecord] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.in_progress or bool(self.messages) or any(r.partial for r in self.records)


class Progress:
    """``collect: 4000/10000 jobs`` on stderr, at most twice a second, for long collections."""

    def __init__(self, stream: TextIO | None = sys.stderr, threshold: int = 500):
        self.stream, self.threshold = stream, threshold

    def track(self, items: list[T], what: str) -> Iterator[T]:
        total = len(items)
        show = self.stream is not None and total >= self.threshold
        last = 0.0
        for index, item in enumerate(items, start=1):
            if show and (time.monotonic() - last > 0.5 or index == total):
                last = time.monotonic()
                print(f"collect: {index}/{total} {what}", file=self.stream, flush=True)
            yield item


def detect_backend(run: RunLog) -> str:
    """SLURM when the plugin logged its run id, Kubernetes when it logged Jobs, else local."""
    if run.slurm_run_id:
        return "slurm"
    if run.kubernetes:
        return "kubernetes"
    return "local"


def collect(
    workdir: Path = Path("."),
    run: str | RunLog = "latest",
    backend: str = "auto",
    requested: dict[str, dict] | None = None,
    sacct_runner: Callable[..., subprocess.CompletedProcess] = subprocess.run,
    kubernetes_source: Callable[[list[str]], tuple[list, dict]] | Any = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    namespace: str | None = None,
    history: RunHistory | None = None,
) -> Collection:
    """Records of one run. ``requested`` (rule → cpu, mem_mb, runtime_min) is the resolved
    backend YAML, used where the run log or backend did not record a request; ``namespace`` is
    where the Kubernetes backend's Jobs are read from (None: ``default``). ``run``: ``latest``, a
    run id, or one of ``history``'s runs (the workdir's run logs, read once for many runs)."""
    progress = progress or Progress(None)
    runlog = run if isinstance(run, RunLog) else select_run(workdir, run)
    mark_rewritten(workdir, runlog, history)  # a later run's benchmark files are not this run's
    newest = runlog.path == (
        history.runs[-1].path
        if history
        else str(max((workdir / ".snakemake" / "log").glob("*.snakemake.log")))
    )
    in_progress = not runlog.ended and newest and run_in_progress(workdir)
    chosen = detect_backend(runlog) if backend == "auto" else backend
    result = Collection(runlog.run_id, chosen, runlog.path, in_progress)
    if runlog.nothing_to_do or not runlog.ran_jobs:
        result.messages.append(f"{runlog.path}: this run ran no jobs (nothing to be done)")
        return result
    if in_progress:
        result.messages.append(f"{runlog.path}: run still in progress; records are a snapshot")
    elif not runlog.ended:
        result.messages.append(
            f"{runlog.path}: the run log ends without Snakemake's final message; "
            "Snakemake was stopped, unfinished jobs are marked unfinished"
        )
    if chosen == "slurm":
        result.records = _slurm(runlog, workdir, requested, sacct_runner, result, now, progress)
    elif chosen == "kubernetes":
        result.records = _kubernetes(
            runlog, workdir, requested, kubernetes_source, result, namespace
        )
    else:
        attempts = progress.track(runlog.attempts, "jobs")
        runlog_view = RunLog(**{**runlog.__dict__, "attempts": list(attempts)})
        result.records = local_records(
            runlog_view, workdir, requested, in_progress, LOCAL_RULES, runlog.host
        )
    return result


def _attempts(run: RunLog) -> list[LoggedAttempt]:
    return [a for a in run.attempts if a.rule not in LOCAL_RULES]


def _fallback(run: RunLog, attempt: LoggedAttempt, backend: str, requested, workdir) -> JobRecord:
    record = record_from_attempt(run, attempt, backend)
    observed = requested_from_log(attempt, backend)
    apply_requested(record, observed, (requested or {}).get(attempt.rule))
    fill_from_benchmark(record, attempt, workdir)
    return record


def _slurm(run, workdir, requested, runner, result, now, progress) -> list[JobRecord]:
    attempts = _attempts(run)
    by_id = {a.external_id: a for a in attempts if a.external_id}
    if not run.slurm_run_id:
        result.messages.append(f"{run.path}: no 'SLURM run ID' in this run log; not a SLURM run")
        return [derive(_fallback(run, a, "local", requested, workdir)) for a in attempts]
    started = (run.started or now or datetime.now().astimezone()) - timedelta(minutes=10)
    if run.ended and run.last_time:
        ended = run.last_time + timedelta(hours=1)
    else:
        ended = (now or datetime.now().astimezone()) + timedelta(minutes=1)
    command = slurm.sacct_command(run.slurm_run_id, started, ended)
    try:
        jobs = slurm.parse_sacct(slurm.fetch_sacct(command, runner))
    except slurm.SacctUnavailable as exc:
        result.messages.append(f"{exc}; {WHAT_STILL_WORKS}")
        records = [_fallback(run, a, "slurm", requested, workdir) for a in attempts]
        for record in records:
            note(record, str(exc))
        return [derive(r) for r in records]
    records = slurm.sacct_records(jobs, run.run_id, by_id, run.slurm_group_attempts)
    for record in records:
        if record.backend_job_id in run.slurm_group_attempts and not record.wildcards:
            record.wildcards = _group_wildcards(run, record.backend_job_id)
    seen = {r.backend_job_id for r in records}
    for record, job in zip(progress.track(records, "jobs"), jobs, strict=True):
        logged = by_id.get(job.job_id)
        _complete(record, logged, requested, workdir)
        if record.log_path is None:
            record.log_path = _slurm_log(workdir, record)
    records += _group_steps(run, jobs, records, runner, result, requested, workdir)
    for attempt in attempts:
        if attempt.local:
            records.append(derive(_fallback(run, attempt, "local", requested, workdir)))
        elif attempt.external_id not in seen:
            record = _fallback(run, attempt, "slurm", requested, workdir)
            note(record, "not in sacct's answer (submission failed, or outside the window)")
            records.append(derive(record))
    return records


def _group_wildcards(run: RunLog, job_id: str) -> dict[str, str]:
    """The wildcard values of the jobs a group job ran (``member: 000,001``): what tells two
    group jobs of one group apart, so that they count as two jobs, not two attempts of one."""
    values: dict[str, set[str]] = {}
    for job in run.grouped_jobs:
        if job.slurm_job == job_id:
            for key, value in job.wildcards.items():
                values.setdefault(key, set()).add(value)
    return {key: ",".join(sorted(v)) for key, v in sorted(values.items())}


#: Step ids per sacct call for group jobs' command lines (keeps the argument list short).
STEPS_PER_CALL = 500


def _group_steps(run, jobs, job_records, runner, result, requested, workdir) -> list[JobRecord]:
    """Per-rule records of the run's group jobs, from their srun steps' command lines (a
    second sacct call, for those steps only); ``job_records`` are aligned with ``jobs``."""
    groups = set(run.slurm_group_jobs)
    pairs = [(j, r) for j, r in zip(jobs, job_records, strict=True) if j.job_id in groups]
    steps = sorted({s["JobID"] for job, _ in pairs for s in job.numbered_steps})
    lines: dict[tuple[str, str], str] = {}
    try:
        for at in range(0, len(steps), STEPS_PER_CALL):
            command = slurm.submit_lines_command(steps[at : at + STEPS_PER_CALL])
            lines.update(slurm.parse_submit_lines(slurm.fetch_sacct(command, runner)))
    except slurm.SacctUnavailable as exc:
        result.messages.append(
            f"group jobs are measured only as a whole: sacct gave no command lines for their "
            f"steps, which name the rules they ran ({exc}; SubmitLine needs SLURM 21.08+)"
        )
        return []
    step_records = slurm.group_step_records(
        [j for j, _ in pairs], [r for _, r in pairs], lines, run.grouped_jobs
    )
    for record in step_records:
        _complete(record, None, requested, workdir)  # the rule's own requests
    return step_records


def _complete(record: JobRecord, logged, requested, workdir: Path) -> None:
    """Fill what the backend left out: requests from the backend YAML, usage from the
    benchmark file of a completed attempt."""
    base = (requested or {}).get(record.rule) or {}
    if record.requested_cpus is None and base.get("cpu") is not None:
        record.requested_cpus = float(base["cpu"])
    if record.requested_memory_gb is None and base.get("mem_mb") is not None:
        record.requested_memory_gb = float(base["mem_mb"]) / 1024
    if record.requested_runtime_seconds is None and base.get("runtime_min") is not None:
        record.requested_runtime_seconds = float(base["runtime_min"]) * 60
    usable = logged is not None and record.status == "completed" and logged.benchmark
    if usable and (record.peak_memory_gb is None or record.cpu_seconds is None):
        probe = record.model_copy(deep=True)
        probe.notes, probe.peak_memory_gb, probe.cpu_seconds = [], None, None
        fill_from_benchmark(probe, logged, workdir)
        if probe.peak_memory_gb is not None and record.peak_memory_gb is None:
            record.peak_memory_gb = probe.peak_memory_gb
            drop_notes(record, "MaxRSS")
            info(record, f"peak memory from {logged.benchmark}")
        if probe.cpu_seconds is not None and record.cpu_seconds is None:
            _take_benchmark_cpu(record, probe)
            drop_notes(record, "TotalCPU")
            info(record, f"CPU time from {logged.benchmark}")
    derive(record)


def _take_benchmark_cpu(record: JobRecord, probe: JobRecord) -> None:
    """CPU time from a benchmark file read into ``probe``: the figure, the part of the job it
    covers, and the ``info:`` notes on that part (the only notes a read giving CPU time
    leaves), kept as they are."""
    record.cpu_seconds, record.cpu_sampled_seconds = probe.cpu_seconds, probe.cpu_sampled_seconds
    record.notes.extend(text for text in probe.notes if text not in record.notes)


def _slurm_log(workdir: Path, record: JobRecord) -> str | None:
    base = workdir / SLURM_LOG_DIR / f"rule_{record.rule}"
    job = record.backend_job_id or ""
    for candidate in (
        base / "_".join(record.wildcards.values()) / f"{job}.log",
        base / f"{job}.log",
    ):
        if candidate.is_file():
            return str(candidate.relative_to(workdir))
    return None


def _kubernetes(run, workdir, requested, source, result, namespace) -> list[JobRecord]:
    attempts = _attempts(run)
    namespace = namespace or "default"
    try:
        if source is None:
            jobs, pods = k8s.fetch_jobs(run.kubernetes_jobs, namespace)
        elif callable(source):
            jobs, pods = source(run.kubernetes_jobs)
        else:
            jobs, pods = k8s.items(source)
    except Exception as exc:  # noqa: BLE001 - any client/config failure: say it, keep going
        result.messages.append(f"Kubernetes API unavailable ({exc}); {WHAT_STILL_WORKS}")
        records = [_fallback(run, a, "kubernetes", requested, workdir) for a in attempts]
        for record in records:
            note(record, "Kubernetes API unavailable")
        return [derive(r) for r in records]
    if run.kubernetes_jobs:  # a saved `kubectl get` may hold kept Jobs of earlier runs
        ours = set(run.kubernetes_jobs)
        kept = [j for j in jobs if k8s.get(j, "metadata", "name") in ours]
        if len(kept) < len(jobs):
            result.messages.append(
                f"{len(jobs) - len(kept)} Job(s) not submitted by run {run.run_id} left out "
                "(kept Jobs of other runs)"
            )
        jobs = kept
    logged = {(*job_key(a.rule, a.wildcards), a.attempt): a for a in attempts}
    records = []
    for job in jobs:
        name = k8s.get(job, "metadata", "name")
        record = k8s.parse_job(job, pods.get(name, []), run.run_id)
        attempt = logged.pop(record.key(), None)
        if attempt is not None:
            record.log_path = attempt.logs[0] if attempt.logs else None
            saved = workdir / ".snakemake" / "auxiliary" / "kubernetes-logs" / f"{name}.log"
            if saved.is_file():
                record.log_path = str(saved.relative_to(workdir))
            _k8s_usage(record, attempt, requested, workdir)
        records.append(record)
    for attempt in logged.values():
        record = _fallback(run, attempt, "kubernetes", requested, workdir)
        note(
            record,
            f"Job not found in namespace {namespace!r} (deleted after the run? set "
            "keep_finished_jobs: true in the backend YAML)"
            if source is None
            else "Job not in the saved Kubernetes objects",
        )
        records.append(derive(record))
    return records


def _k8s_usage(record: JobRecord, attempt, requested, workdir) -> None:
    if record.status == "completed" and attempt.benchmark:
        probe = record.model_copy(deep=True)
        probe.notes = []
        fill_from_benchmark(probe, attempt, workdir)
        if probe.peak_memory_gb is not None:
            record.peak_memory_gb = probe.peak_memory_gb
            _take_benchmark_cpu(record, probe)
            drop_notes(record, k8s.NO_USAGE)
            info(record, f"CPU time and peak memory from {attempt.benchmark}")
    _complete(record, None, requested, workdir)


def iter_rows(records: Iterable[JobRecord]) -> Iterator[dict[str, Any]]:
    for record in records:
        yield record.to_row()
