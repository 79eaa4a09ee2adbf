"""SLURM: job records from ``sacct``.

The slurm executor plugin names every sbatch job after the run uuid (``--job-name``) and
comments it ``rule_<rule>_wildcards_<values joined by _>``. :func:`sacct_command` asks for
exactly that run in an explicit time window (sacct's default window starts at midnight today,
which is how the plugin's own efficiency report loses rows of runs that cross midnight),
with ``--duplicates`` so requeued jobs show every incarnation and without ``-X`` so the
``.batch``/``.extern``/``.N`` steps that carry MaxRSS and TotalCPU come along.

A group job (backend ``groups``) runs each of its rules as one ``srun`` step whose command line
(sacct's ``SubmitLine``, SLURM 21.08 and later) names the Snakemake job it runs
(``--target-jobs run_member:member=000``). Those lines are ~4 KB each, so they are asked for in
a second call, for the group jobs' steps only (:func:`submit_lines_command`), and
:func:`group_step_records` turns the steps into per-rule records beside the group job's own.

:func:`fetch_sacct` runs the command; :func:`parse_sacct` and :func:`sacct_records` are pure.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .record import JobKey, JobRecord, derive, info, job_key, note
from .runlog import GroupedJob, LoggedAttempt
from .units import GIB, duration_seconds, memory_bytes, reqmem_bytes, timestamp

FIELDS: tuple[str, ...] = (
    "JobID",
    "JobIDRaw",
    "JobName",
    "Comment",
    "State",
    "ExitCode",
    "Submit",
    "Start",
    "End",
    "Elapsed",
    "TotalCPU",
    "NCPUS",
    "NNodes",
    "ReqMem",
    "MaxRSS",
    "Timelimit",
    "NodeList",
)

PENDING = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"}
RUNNING = {"RUNNING", "COMPLETING", "CONFIGURING", "SIGNALING", "STAGE_OUT", "RESIZING"}
RUNNING |= {"SUSPENDED", "STOPPED"}
COMPLETED = {"COMPLETED"}
_COMMENT_RE = re.compile(r"^rule_(?P<rule>.+?)(?:_wildcards_(?P<wc>.*))?$")
_STEP_KINDS = ("batch", "extern", "interactive")


class SacctUnavailable(RuntimeError):
    """sacct cannot answer: not installed, accounting disabled, or an error."""


@dataclass
class SacctRow:
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass
class SacctJob:
    """One job allocation (one incarnation, for requeued jobs) with its steps."""

    main: SacctRow
    steps: list[SacctRow] = field(default_factory=list)

    @property
    def job_id(self) -> str:
        return self.main["JobID"]

    @property
    def numbered_steps(self) -> list[SacctRow]:
        """``123.0``, ``123.1``, ...: the srun steps, not ``.batch``/``.extern``."""
        return [s for s in self.steps if s["JobID"].rpartition(".")[2].isdigit()]


def sacct_command(run_uuid: str, start: datetime, end: datetime) -> list[str]:
    """The sacct call for one run's jobs between ``start`` and ``end`` (local time)."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    return [
        "sacct",
        "--name",
        run_uuid,
        "--starttime",
        start.astimezone().strftime(fmt),
        "--endtime",
        end.astimezone().strftime(fmt),
        "--duplicates",
        "--parsable2",
        "--format",
        ",".join(FIELDS),
    ]


def submit_lines_command(step_ids: list[str]) -> list[str]:
    """The sacct call for the command lines of the given job steps (``1944.0``, ...) only;
    ``--duplicates`` and ``Start`` tell a requeued job's incarnations apart."""
    return [
        "sacct",
        "--jobs",
        ",".join(step_ids),
        "--duplicates",
        "--parsable2",
        "--noheader",
        "--format",
        "JobID,Start,SubmitLine",
    ]


def parse_submit_lines(text: str) -> dict[tuple[str, str], str]:
    """``1944.0|2026-11-22T04:33:24|srun ... --target-jobs ...`` lines → (step id, start) →
    command line (which may hold the ``|`` that separates fields)."""
    out: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3 and parts[0]:
            out[(parts[0], parts[1])] = parts[2]
    return out


def fetch_sacct(
    command: list[str], runner: Callable[..., subprocess.CompletedProcess] = subprocess.run
) -> str:
    """Run sacct; :class:`SacctUnavailable` says why when it cannot answer."""
    try:
        done = runner(command, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as exc:
        raise SacctUnavailable("sacct is not installed on this machine") from exc
    except subprocess.TimeoutExpired as exc:
        raise SacctUnavailable("sacct did not answer within 120 s") from exc
    if done.returncode != 0:
        err = (done.stderr or "").strip()
        if "accounting storage is disabled" in err.lower():
            raise SacctUnavailable("SLURM accounting is disabled on this cluster (sacct)")
        raise SacctUnavailable(f"sacct failed: {err.splitlines()[0] if err else done.returncode}")
    return done.stdout


def parse_sacct(text: str) -> list[SacctJob]:
    """``sacct --parsable2`` output (with header; without one, :data:`FIELDS` order) → jobs.

    Steps (``123.batch``, ``123.extern``, ``123.0``, ``123_4.batch``) attach to the allocation
    row above them with the same id; a repeated allocation id (``--duplicates`` on a requeued
    job) starts a new incarnation.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    if lines[0].split("|", 1)[0] == "JobID":
        header, body = lines[0].split("|"), lines[1:]
    else:
        header, body = list(FIELDS), lines
    jobs: list[SacctJob] = []
    current: dict[str, SacctJob] = {}
    for line in body:
        row = SacctRow(dict(zip(header, line.split("|"), strict=False)))
        job_id = row["JobID"]
        base, dot, _step = job_id.partition(".")
        if not dot:
            job = SacctJob(main=row)
            jobs.append(job)
            current[base] = job
        elif base in current:
            current[base].steps.append(row)
    return jobs


def status_of(state: str) -> str:
    word = state.split()[0] if state.strip() else "UNKNOWN"
    if word in COMPLETED:
        return "completed"
    if word in PENDING:
        return "pending"
    if word in RUNNING:
        return "running"
    return "failed"


def exit_code_of(text: str) -> tuple[int | None, int]:
    """``"0:9"`` → (137, 9): the shell convention 128+signal when a signal ended the job."""
    if not text or ":" not in text:
        return None, 0
    code, _, signal = text.partition(":")
    code_i, signal_i = int(code or 0), int(signal or 0)
    return (128 + signal_i if code_i == 0 and signal_i else code_i), signal_i


def parse_comment(comment: str) -> tuple[str | None, str | None]:
    """``rule_run_member_wildcards_000`` → (``run_member``, ``000``)."""
    match = _COMMENT_RE.match(comment.strip())
    if not match:
        return None, None
    return match.group("rule"), match.group("wc")


def sacct_records(
    jobs: list[SacctJob],
    run_id: str,
    attempts: dict[str, LoggedAttempt] | None = None,
    group_attempts: Mapping[str, int] | None = None,
) -> list[JobRecord]:
    """One record per job incarnation. ``attempts`` maps SLURM job ids to the run log's
    attempts, which know wildcard names and the attempt number, ``group_attempts`` group
    jobs' ids to theirs (:attr:`RunLog.slurm_group_attempts`: every group job of a run has one
    comment); for other jobs the comment is used and attempts are numbered by submit time."""
    attempts, group_attempts = attempts or {}, group_attempts or {}
    records = [_record(job, run_id, attempts.get(job.job_id)) for job in jobs]
    for record in records:
        record.attempt = group_attempts.get(record.backend_job_id or "", record.attempt)
    known = [job.job_id in attempts or job.job_id in group_attempts for job in jobs]
    _number_attempts(records, known)
    return [derive(r) for r in records]


def _record(job: SacctJob, run_id: str, logged: LoggedAttempt | None) -> JobRecord:
    main = job.main
    state = main["State"] or "UNKNOWN"
    rule, wildcards, notes = _identity(job, logged)
    _, signal = exit_code_of(main["ExitCode"])
    step_states = {s["State"].split()[0] for s in job.steps if s["State"].strip()}
    if "OUT_OF_MEMORY" in step_states and not state.startswith("OUT_OF_MEMORY"):
        state = f"{state} (step OUT_OF_MEMORY)"
    record = JobRecord(
        run_id=run_id,
        rule=rule,
        wildcards=wildcards,
        attempt=logged.attempt if logged else 1,
        backend="slurm",
        backend_job_id=job.job_id,
        raw_state=state,
        node=None if main["NodeList"] in ("", "None assigned") else main["NodeList"],
        log_path=logged.backend_log if logged else None,
        notes=notes,
        partial=bool(notes),
        **_row_fields(main),
    )
    if state.startswith("REQUEUED") and record.end is not None:
        record.status = "failed"  # an earlier incarnation that was stopped, then requeued
    if record.status == "pending":
        record.wall_time_seconds = None
    if signal:
        info(record, f"ended by signal {signal}")
    reqmem = reqmem_bytes(main["ReqMem"], _int(main["NCPUS"]), _int(main["NNodes"]))
    if reqmem is not None:
        record.requested_memory_gb = reqmem / GIB
    record.requested_runtime_seconds = duration_seconds(main["Timelimit"])
    _usage(record, job)
    return record


def step_target(submit_line: str) -> tuple[str, dict[str, str], int | None] | None:
    """The Snakemake job a step runs: ``srun ... --target-jobs run_member:member=000 ...
    --attempt 2`` → (``run_member``, ``{"member": "000"}``, 2); None for any other step.

    sacct stores a step's argv joined by spaces, without the shell's quoting, so the line is
    split on whitespace only (an apostrophe elsewhere in it is just a character).
    """
    argv = submit_line.split()
    if "--target-jobs" not in argv:
        return None
    at = argv.index("--target-jobs") + 1
    targets = []
    for arg in argv[at:]:
        if arg.startswith("-"):
            break
        targets.append(arg)
    if len(targets) != 1 or ":" not in targets[0]:
        return None
    rule, _, spec = targets[0].partition(":")
    wildcards = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    attempt = None
    if "--attempt" in argv[:-1]:
        attempt = _int(argv[argv.index("--attempt") + 1])
    return rule, wildcards, attempt


#: Key of a step's command line: step id and start (a requeued job reuses its step ids).
StepKey = tuple[str, str]


def group_step_records(
    jobs: list[SacctJob],
    job_records: list[JobRecord],
    submit_lines: Mapping[StepKey, str],
    grouped: Sequence[GroupedJob] = (),
) -> list[JobRecord]:
    """One record per rule run inside a SLURM group job, from the ``srun`` step that ran it:
    the step's state, exit code, times, TotalCPU and MaxRSS.

    ``jobs`` are group jobs (every incarnation), ``job_records`` their records from
    :func:`sacct_records` in the same order, ``submit_lines`` their steps' command lines
    (:func:`parse_submit_lines`), ``grouped`` the jobs the run log's group blocks list, each
    with the SLURM job of its group.

    A step whose command line has ``--target-jobs`` ran that Snakemake job. A numbered step
    without it is either an MPI rule's launcher (``mpiexec: srun``: the group's batch step runs
    an MPI rule directly, so its step's command line is the rule's own command) or an ``srun``
    inside a rule's command. It is tied to the job of the same group job whose output file its
    command line names (:func:`launched_job`), with the attempt the group's other steps were
    given (or the group job's); one that names none, or that shares its job with another
    step, gets no record, a note on the group job's record names it, and its usage is counted
    there only. Requests (memory, time limit) are left for the caller to fill from the backend
    YAML; the group job's limits are in a note.
    """
    members: dict[str, dict[str, GroupedJob]] = {}
    for grouped_job in grouped:
        if grouped_job.slurm_job is not None:
            outputs = members.setdefault(grouped_job.slurm_job, {})
            outputs.update(dict.fromkeys(grouped_job.outputs, grouped_job))
    out: list[JobRecord] = []
    for job, parent in zip(jobs, job_records, strict=True):
        targeted: set[JobKey] = set()
        attempts: set[int] = set()
        others: list[tuple[SacctRow, str]] = []
        for step in job.numbered_steps:
            line = submit_lines.get((step["JobID"], step["Start"]), "")
            target = step_target(line)
            if target is None:
                others.append((step, line))
                continue
            rule, wildcards, attempt = target
            targeted.add(job_key(rule, wildcards))
            if attempt is not None:
                attempts.add(attempt)
            out.append(derive(_step_record(step, rule, wildcards, attempt, parent)))
        by_output = members.get(job.job_id, {})
        launched = [(step, launched_job(line, by_output, targeted)) for step, line in others]
        times = Counter(g.key for _, g in launched if g is not None)
        # the group's attempt, as its other rules' steps were told (one value per incarnation)
        attempt = attempts.pop() if len(attempts) == 1 else None
        untied = []
        for step, ran in launched:
            if ran is None or times[ran.key] > 1:
                untied.append(step["JobID"])
                continue
            record = _step_record(step, ran.rule, dict(ran.wildcards), attempt, parent)
            info(record, "a launcher step (mpiexec): its command line names this job's output")
            out.append(derive(record))
        if untied:
            info(
                parent,
                f"step(s) {', '.join(untied)} ran no Snakemake job of their own that their "
                "command line names (srun inside a rule's command?): their usage is in this "
                "record only",
            )
    return out


def launched_job(
    submit_line: str, by_output: Mapping[str, GroupedJob], targeted: set[JobKey]
) -> GroupedJob | None:
    """The grouped job a step without ``--target-jobs`` ran: the one whose output file is an
    argument of its command line (``--output results/run_member/member_000.nc`` or
    ``--output=...``), leaving out the jobs other steps of the group job ran. A command that
    also names upstream jobs' outputs (its inputs) belongs to the job that reads them all;
    None when that leaves no single job. Outputs are unique in a Snakemake DAG."""
    named: dict[JobKey, GroupedJob] = {}
    args = submit_line.split()
    for arg in args:
        for path in (arg, arg.partition("=")[2]):
            job = by_output.get(path)
            if job is not None and job.key not in targeted:
                named[job.key] = job
    if len(named) <= 1:
        return next(iter(named.values()), None)
    readers = [
        job
        for job in named.values()
        if all(set(other.outputs) & set(job.inputs) for other in named.values() if other is not job)
    ]
    return readers[0] if len(readers) == 1 else None


def _step_record(
    step: SacctRow, rule: str, wildcards: dict[str, str], attempt: int | None, parent: JobRecord
) -> JobRecord:
    record = JobRecord(
        run_id=parent.run_id,
        rule=rule,
        wildcards=wildcards,
        attempt=attempt or parent.attempt,
        backend="slurm",
        backend_job_id=step["JobID"],
        raw_state=step["State"] or "UNKNOWN",
        node=parent.node,
        log_path=parent.log_path,
        **_row_fields(step),
    )
    limits = []
    if parent.requested_memory_gb is not None:
        limits.append(f"{parent.requested_memory_gb:g} GiB")
    if parent.requested_runtime_seconds is not None:
        limits.append(f"{parent.requested_runtime_seconds / 60:g} min")
    info(
        record,
        f"ran in SLURM group job {parent.backend_job_id} ({parent.rule})"
        + (f", whose limits ({', '.join(limits)}) applied" if limits else ""),
    )
    _apply_usage(record, [memory_bytes(step["MaxRSS"])], duration_seconds(step["TotalCPU"]))
    return record


def _row_fields(row: SacctRow) -> dict[str, Any]:
    """What a job's or a step's own row says: status, exit code, times, CPUs."""
    ncpus = _int(row["NCPUS"])
    status = status_of(row["State"])
    ended = status in ("completed", "failed")  # sacct says 0:0 for a job still running
    return {
        "status": status,
        "exit_code": exit_code_of(row["ExitCode"])[0] if ended else None,
        "start": timestamp(row["Start"]),
        "end": timestamp(row["End"]),
        "wall_time_seconds": duration_seconds(row["Elapsed"]),
        "requested_cpus": float(ncpus) if ncpus else None,
    }


def _identity(job: SacctJob, logged: LoggedAttempt | None) -> tuple[str, dict[str, str], list]:
    if logged is not None:
        return logged.rule, dict(logged.wildcards), []
    rule, wc = parse_comment(job.main["Comment"])
    if rule is None:
        return (
            "unknown",
            {},
            ["no rule in the SLURM comment (AccountingStoreFlags=job_comment?) and no run log"],
        )
    if "_" in job.job_id.split(".")[0]:
        return rule, {}, ["array task: the SLURM comment names only the first task's wildcards"]
    if not wc:
        return rule, {}, []
    return rule, {"wildcards": wc}, ["wildcard names are not in the SLURM comment (no run log)"]


def _usage(record: JobRecord, job: SacctJob) -> None:
    """Peak = the largest step's MaxRSS; CPU = the job's TotalCPU, else its steps' sum."""
    total = duration_seconds(job.main["TotalCPU"])
    if not total:
        steps = [duration_seconds(s["TotalCPU"]) for s in job.steps]
        summed = sum(s for s in steps if s)
        total = summed if summed else total
    _apply_usage(record, [memory_bytes(s["MaxRSS"]) for s in job.steps], total)


def _apply_usage(record: JobRecord, rss: list[float | None], cpu: float | None) -> None:
    measured = [r for r in rss if r]
    if measured:
        record.peak_memory_gb = max(measured) / GIB
    elif record.status != "pending":
        note(record, "no MaxRSS sample (shorter than JobAcctGatherFrequency, or still running)")
    if cpu or (record.status == "completed" and cpu is not None):
        record.cpu_seconds = cpu
    elif record.status != "pending":
        note(record, "no TotalCPU from sacct yet")


def _number_attempts(records: list[JobRecord], from_log: list[bool]) -> None:
    """Attempts by submit order per (rule, wildcards) for records the run log did not name.
    Requeued incarnations of one SLURM job share its attempt number."""
    seen: dict[tuple, list[str]] = {}
    for record, known in zip(records, from_log, strict=True):
        if known or record.backend_job_id is None:
            continue
        key = job_key(record.rule, record.wildcards)
        ids = seen.setdefault(key, [])
        if record.backend_job_id not in ids:
            ids.append(record.backend_job_id)
        record.attempt = ids.index(record.backend_job_id) + 1
    counts: dict[str, int] = {}
    for record in records:
        if record.backend_job_id:
            counts[record.backend_job_id] = counts.get(record.backend_job_id, 0) + 1
    for record in records:
        if record.backend_job_id and counts[record.backend_job_id] > 1:
            info(record, f"SLURM requeued job {record.backend_job_id}: one record per run")


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
