"""Snakemake's own record of a run: ``.snakemake/log/<timestamp>.snakemake.log``.

Snakemake writes one log per invocation. It names the run (``Workflow ID``; on SLURM also the
plugin's ``SLURM run ID``, the job name of every sbatch job) and, per job attempt, when it was
scheduled (``rule X:`` block with jobid, wildcards, benchmark, log, threads and the resources it
asked for), which backend id it got (``Job N has been submitted with SLURM jobid M``, ``kubectl
describe job snakejob-...``) and how it ended (``Finished jobid: N``, ``Error in rule X:``,
``... returned non-zero exit status N``, or ``... died with <Signals.SIGKILL: 9>``: 128+N).
A Ctrl-C shows as ``Terminating processes on user request`` before the final message; a job
running then may get no ``Finished`` or ``Error`` line at all, so it stays unfinished.
Retries reuse the jobid, so the n-th block for a jobid is attempt n. A group job (backend
``groups``) is logged as ``Group job <name> ...:`` followed by one indented ``rule X:`` block
per Snakemake job in it (:class:`GroupedJob`: rule, wildcards, input and output files), then one
submission under the group's uuid, which is the uuid of one of its jobs (Snakemake's
``GroupJob.jobid``: ``uuid5(UUID_NAMESPACE, "rule:w:v,...")`` of its last job); that ties each
block to its SLURM job. The n-th submission of a uuid is attempt n. :func:`parse_run_log` is
pure; :func:`find_run_logs` / :func:`select_run` read disk.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ..errors import Problem, ValidationError
from .record import JobKey, job_key

LOG_DIR = Path(".snakemake") / "log"
LOCK_DIR = Path(".snakemake") / "locks"

_TS_RE = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
_RULE_RE = re.compile(r"^(local)?(rule|checkpoint) (\S+):$")
_ITEM_RE = re.compile(r"^    (\w[\w-]*): ?(.*)$")
_GROUP_HEADER_RE = re.compile(r"^\[[^\]]+\] Group job \S+ ")
_FILE_NOTE_RE = re.compile(r" \([^()]*\)")  # "x.nc (pipe)", "y (send to storage)"
_GROUPED_RULE_RE = re.compile(r"^    (?:local)?(?:rule|checkpoint) (\S+):$")
_GROUPED_ITEM_RE = re.compile(r"^        (\w[\w-]*): ?(.*)$")
_FINISHED_RE = re.compile(r"^Finished jobid: (\d+) \(Rule: (\S+)\)")
_ERROR_RE = re.compile(r"^Error in rule (\S+):$")
# Snakemake 9 writes it as the message item of an unnamed block: "    message: Error in group"
_GROUP_ERROR_RE = re.compile(r"^(?:    message: )?Error in group \S+$")
_EXC_RE = re.compile(r"^(\w+(?:Exception|Error)) in rule (\S+) in file")
_EXC_JOB_RE = re.compile(r"^Job (\d+) ")
_EXIT_RE = re.compile(r"returned non-zero exit status (\d+)")
# Python's CalledProcessError for a command a signal ended: 128+N, as the shell and sacct say
_SIGNAL_RE = re.compile(r"' died with <Signals\.(SIG\w+): (\d+)>\.?$")
_SLURM_SUBMIT_RE = re.compile(
    r"Job (\S+) has been submitted with SLURM jobid (\S+) \(log: (.*)\)\.$"
)
_SLURM_ARRAY_RE = re.compile(
    r"Submitted array job with Snakemake IDs ([\d,]+) and SLURM job ID (\S+)\. "
    r"The individual task IDs are (\d+)-(\d+)\."
)
_K8S_JOB_RE = re.compile(r"kubectl describe job (snakejob-[0-9a-f-]+)")
_STATE_RE = re.compile(r"status is: '(\w+)'")
_END_RE = re.compile(r"^(Complete log\(s\):|Nothing to be done|Elapsed time:)")
# what Snakemake's scheduler prints once a Ctrl-C (SIGINT) reached it (9.27, job_scheduler.py)
_INTERRUPT_RE = re.compile(r"^Terminating processes on user request")


#: The jobs of later runs that write one file: when each started, and its run's id; oldest first.
Writers = list[tuple[datetime, str]]


@dataclass
class LoggedAttempt:
    """One scheduled attempt of one Snakemake job, as the run log tells it."""

    jobid: int
    rule: str
    attempt: int
    local: bool
    wildcards: dict[str, str] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    status: str = "running"  # running | completed | failed
    raw_state: str = "started"
    exit_code: int | None = None
    benchmark: str | None = None
    logs: list[str] = field(default_factory=list)
    threads: int = 1
    resources: dict[str, str] = field(default_factory=dict)
    external_id: str | None = None
    backend_log: str | None = None
    #: Its files (benchmark, logs) that jobs of later runs in the same directory write
    #: again: path → when each such job started, with its run's id (:func:`later_writes`).
    rewritten: dict[str, Writers] = field(default_factory=dict)


@dataclass
class GroupedJob:
    """One Snakemake job inside a group job, as the group's indented block names it."""

    rule: str
    jobid: int = -1
    wildcards: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    #: Its rule's ``log:`` files.
    logs: list[str] = field(default_factory=list)
    #: The SLURM job of the group job that ran it (None until its submission is logged).
    slurm_job: str | None = None

    @property
    def key(self) -> JobKey:
        return job_key(self.rule, self.wildcards)

    def uuid(self) -> str:
        """Snakemake's ``Job.uuid()``, which a group job with this job last is submitted as."""
        from snakemake.common import UUID_NAMESPACE

        spec = ",".join(sorted(f"{w}:{v}" for w, v in self.wildcards.items()))
        return str(uuid.uuid5(UUID_NAMESPACE, f"{self.rule}:{spec}"))


@dataclass
class RunLog:
    """A parsed run log: identity, backend hints and the job attempts in order."""

    path: str
    workflow_id: str | None = None
    slurm_run_id: str | None = None
    started: datetime | None = None
    host: str | None = None
    ended: bool = False
    #: The user stopped it (Ctrl-C) and Snakemake terminated the jobs still running.
    interrupted: bool = False
    nothing_to_do: bool = False
    kubernetes: bool = False
    kubernetes_jobs: list[str] = field(default_factory=list)
    #: Attempt of each group job (backend ``groups``) by SLURM job id, in submission order:
    #: the n-th submission of its group's uuid is attempt n. Its rules have no attempt here.
    slurm_group_attempts: dict[str, int] = field(default_factory=dict)
    #: The SLURM plugin's log file of each group job.
    slurm_group_logs: dict[str, str] = field(default_factory=dict)
    #: Group jobs Snakemake reported failed (``message: Error in group <id>``); their rules'
    #: own error blocks are indented and name no attempt here.
    failed_group_jobs: int = 0
    #: The jobs those group jobs ran, one entry per time a group block printed them.
    grouped_jobs: list[GroupedJob] = field(default_factory=list)
    attempts: list[LoggedAttempt] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return self.slurm_run_id or self.workflow_id or Path(self.path).name

    @property
    def slurm_group_jobs(self) -> list[str]:
        """SLURM job ids of the run's group jobs, in submission order."""
        return list(self.slurm_group_attempts)

    @property
    def ran_jobs(self) -> bool:
        """Whether the run scheduled any job: its own, or group jobs (their rules have no
        attempt of their own, and a rerun may consist of group jobs only)."""
        return bool(self.attempts or self.grouped_jobs or self.slurm_group_attempts)

    @property
    def ids(self) -> set[str]:
        return {i for i in (self.workflow_id, self.slurm_run_id) if i}

    @property
    def last_time(self) -> datetime | None:
        times = [t for a in self.attempts for t in (a.start, a.end) if t]
        return max(times) if times else self.started


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


@lru_cache(maxsize=4096)
def _asctime(text: str) -> datetime:
    """``Sat Nov 21 14:58:57 2026`` (``time.asctime``, always English) → local aware time."""
    _day, month, mday, clock, year = text.split()
    hour, minute, second = clock.split(":")
    naive = datetime(int(year), _MONTHS[month], int(mday), int(hour), int(minute), int(second))
    return naive.astimezone()


def _split_items(text: str) -> dict[str, str]:
    """``a=1, b=x`` → dict (the form Snakemake prints wildcards and resources in)."""
    out: dict[str, str] = {}
    for part in text.split(", "):
        key, sep, value = part.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def parse_run_log(text: str, path: str = "<run log>") -> RunLog:
    """Turn the text of one Snakemake run log into a :class:`RunLog`; pure."""
    run = RunLog(path=path)
    by_jobid: dict[int, LoggedAttempt] = {}
    counts: dict[int, int] = {}
    now: datetime | None = None
    block: LoggedAttempt | None = None
    grouped: GroupedJob | None = None  # the job of an indented block in a group job
    unsubmitted: list[list[GroupedJob]] = []  # group blocks printed, not yet submitted
    submissions: dict[str, int] = {}  # group uuid -> times submitted
    error_job: dict[str, str] | None = None  # items of an 'Error in rule' block
    error_time: datetime | None = None
    exit_code: int | None = None
    signal: str | None = None  # the signal that ended the command of that exit code
    exc: tuple[str, str] | None = None

    def fail(attempt: LoggedAttempt | None, raw: str, when: datetime | None) -> None:
        # An exit status belongs to the error that follows it, whichever job that names: taken
        # here even when the job is unknown or already ended, so it cannot land on a later job.
        nonlocal exit_code, signal
        (code, exit_code), (killer, signal) = (exit_code, None), (signal, None)
        if attempt is None or attempt.status != "running":
            return
        attempt.status, attempt.raw_state, attempt.end = "failed", killer or raw, when
        if code is not None:
            attempt.exit_code = code

    def flush() -> None:
        nonlocal block, error_job
        if block is not None:
            counts[block.jobid] = counts.get(block.jobid, 0) + 1
            block.attempt = counts[block.jobid]
            by_jobid[block.jobid] = block
            run.attempts.append(block)
        if error_job is not None:
            jobid = error_job.get("jobid", "")
            state = _STATE_RE.search(error_job.get("message", ""))
            raw = state.group(1) if state else "error"
            fail(by_jobid.get(int(jobid)) if jobid.isdigit() else None, raw, error_time)
        block, error_job = None, None

    for line in text.splitlines():
        if grouped is not None:
            item = _GROUPED_ITEM_RE.match(line)
            if item:
                _grouped_item(grouped, *item.groups())
                continue
            grouped = None
        if block is not None or error_job is not None:
            item = _ITEM_RE.match(line)
            if item:
                key, value = item.groups()
                if block is not None:
                    _block_item(block, key, value)
                elif error_job is not None:
                    error_job[key] = value
                continue
            if line.startswith("        "):
                continue  # shell command lines inside an error block
            flush()
        ts = _TS_RE.match(line)
        if ts:
            now = _asctime(ts.group(1))
            continue
        if line.startswith("  Workflow ID: "):
            run.workflow_id = line.split(":", 1)[1].strip()
        elif line.startswith("  Date: ") and run.started is None:
            with contextlib.suppress(ValueError):
                run.started = datetime.fromisoformat(line[8:].strip()).astimezone()
        elif line.startswith("  Host: ") and run.host is None:
            run.host = line.split(":", 1)[1].strip()
        elif line.startswith("SLURM run ID: "):
            run.slurm_run_id = line.split(":", 1)[1].strip()
        elif (m := _RULE_RE.match(line)) is not None:
            block = LoggedAttempt(jobid=-1, rule=m.group(3), attempt=1, local=bool(m.group(1)))
            block.start = now
        elif _GROUP_HEADER_RE.match(line):
            unsubmitted.append([])
        elif (m := _GROUPED_RULE_RE.match(line)) is not None and unsubmitted:
            grouped = GroupedJob(rule=m.group(1))
            unsubmitted[-1].append(grouped)
            run.grouped_jobs.append(grouped)
        elif (m := _FINISHED_RE.match(line)) is not None:
            attempt = by_jobid.get(int(m.group(1)))
            if attempt is not None and attempt.status == "running":
                attempt.status, attempt.raw_state, attempt.end = "completed", "finished", now
                attempt.exit_code = 0 if attempt.local else attempt.exit_code
        elif (m := _ERROR_RE.match(line)) is not None:
            error_job, error_time = {"rule": m.group(1)}, now
        elif _GROUP_ERROR_RE.match(line):
            run.failed_group_jobs += 1
        elif (m := _EXIT_RE.search(line)) is not None:
            exit_code, signal = int(m.group(1)), None
        elif (m := _SIGNAL_RE.search(line)) is not None:
            exit_code, signal = 128 + int(m.group(2)), m.group(1)
        elif (m := _EXC_RE.match(line)) is not None:
            exc = (m.group(1), m.group(2))
        elif exc is not None and (m := _EXC_JOB_RE.match(line)) is not None:
            fail(by_jobid.get(int(m.group(1))), exc[0], now)
            exc = None
        elif (m := _SLURM_SUBMIT_RE.search(line)) is not None:
            if not m.group(1).isdigit():  # a group job: submitted under a uuid, not a jobid
                submissions[m.group(1)] = submissions.get(m.group(1), 0) + 1
                run.slurm_group_attempts[m.group(2)] = submissions[m.group(1)]
                run.slurm_group_logs[m.group(2)] = m.group(3)
                _submitted(unsubmitted, m.group(1), m.group(2))
            elif (attempt := by_jobid.get(int(m.group(1)))) is not None:
                attempt.external_id, attempt.backend_log = m.group(2), m.group(3)
        elif (m := _SLURM_ARRAY_RE.search(line)) is not None:
            first = int(m.group(3))
            for offset, jobid in enumerate(m.group(1).split(",")):
                attempt = by_jobid.get(int(jobid))
                if attempt is not None:
                    attempt.external_id = f"{m.group(2)}_{first + offset}"
        elif (m := _K8S_JOB_RE.search(line)) is not None:
            run.kubernetes = True
            run.kubernetes_jobs.append(m.group(1))
        elif "for Kubernetes jobs" in line:
            run.kubernetes = True
        elif _INTERRUPT_RE.match(line):
            run.interrupted = True
        elif _END_RE.match(line):
            run.ended = True
            run.nothing_to_do = run.nothing_to_do or line.startswith("Nothing to be done")
    flush()  # a log cut off inside a block: the job was scheduled all the same
    return run


def _block_item(block: LoggedAttempt, key: str, value: str) -> None:
    if key == "jobid":
        block.jobid = int(value)
    elif key == "wildcards":
        block.wildcards = _split_items(value)
    elif key == "benchmark":
        block.benchmark = value
    elif key == "log":
        block.logs = _split_list(value)
    elif key == "threads":
        block.threads = int(value)
    elif key == "resources":
        block.resources = _split_items(value)


def _submitted(blocks: list[list[GroupedJob]], group_uuid: str, slurm_job: str) -> None:
    """Give the block whose jobs include the group's uuid its SLURM job id."""
    for block in blocks:
        if any(job.uuid() == group_uuid for job in block):
            for job in block:
                job.slurm_job = slurm_job
            blocks.remove(block)
            return


def _grouped_item(job: GroupedJob, key: str, value: str) -> None:
    if key == "jobid":
        job.jobid = int(value)
    elif key == "wildcards":
        job.wildcards = _split_items(value)
    elif key in ("input", "output"):
        files = _split_list(_FILE_NOTE_RE.sub("", value))
        (job.inputs if key == "input" else job.outputs).extend(files)
    elif key == "log":
        job.logs = _split_list(value)


def _split_list(value: str) -> list[str]:
    """``a.log, b.log`` → its items (a run log joins a job's files with ', ')."""
    return [v.strip() for v in value.split(", ") if v.strip()]


def find_run_logs(workdir: Path) -> list[Path]:
    """Run logs in ``workdir/.snakemake/log``, oldest first (their names are timestamps)."""
    directory = workdir / LOG_DIR
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.snakemake.log"))


def later_writes(workdir: Path, run: RunLog) -> dict[str, Writers]:
    """The files (benchmarks, logs) that jobs of the runs after ``run`` in ``workdir`` write
    again, each with when those jobs started (for a job in a group job, whose block has no
    time, when its run started) and their runs' ids. Snakemake rewrites a job's benchmark and
    log files each time it runs the job, so a file of ``run``'s jobs modified at or after the
    first of those times is a later run's (:func:`rewritten_by`), however soon it came."""
    logs = find_run_logs(workdir)
    names = [str(p) for p in logs]
    if run.path not in names:
        return {}
    out: dict[str, Writers] = {}
    for path in logs[names.index(run.path) + 1 :]:
        later = parse_run_log(path.read_text(errors="replace"), str(path))
        for name, when in _writes(later):
            out.setdefault(name, []).append((when, later.run_id))
    return {name: sorted(writers) for name, writers in out.items()}


def _writes(run: RunLog) -> Iterator[tuple[str, datetime]]:
    """Each file a job of ``run`` wrote, with when that job started."""
    jobs = [(a.start, [a.benchmark, *a.logs]) for a in run.attempts]
    jobs += [(None, job.logs) for job in run.grouped_jobs]
    for start, files in jobs:
        when = start or run.started
        for name in files:
            if name and when:
                yield name, when


class RunHistory:
    """Every run of a workdir, each log read once, oldest first: for commands that read all
    runs (``wavecast tune``). Reading the later runs' logs again for each run, as
    :func:`select_run` and :func:`later_writes` do for one, is quadratic in the number of runs:
    minutes for a directory with a few hundred."""

    def __init__(self, workdir: Path):
        self.runs = list_runs(workdir)
        self._index = {run.path: i for i, run in enumerate(self.runs)}
        #: file → the indexes of the runs that wrote it (ascending) and their writes
        self._writes: dict[str, tuple[list[int], Writers]] = {}
        for i, run in enumerate(self.runs):
            for name, when in _writes(run):
                indexes, writers = self._writes.setdefault(name, ([], []))
                indexes.append(i)
                writers.append((when, run.run_id))
        # in run order, so by time unless runs overlapped (--nolock): then each suffix is sorted
        self._by_time = {
            name: all(a <= b for a, b in itertools.pairwise(writers))
            for name, (_, writers) in self._writes.items()
        }

    def later_writes(self, run: RunLog) -> dict[str, Writers]:
        """:func:`later_writes` of one of these runs, from the logs already read."""
        i = self._index.get(run.path)
        if i is None:
            return {}
        out = {}
        for name, (indexes, writers) in self._writes.items():
            later = writers[bisect.bisect_right(indexes, i) :]
            if later:
                out[name] = later if self._by_time[name] else sorted(later)
        return out


def rewritten_by(writers: Writers | None, modified: datetime) -> str | None:
    """The later run whose job wrote a file last modified at ``modified``: the last to start
    one by then (run log times are whole seconds, rounded down); None: no later run had."""
    writers = writers or []
    by_then = bisect.bisect_right(writers, modified, key=lambda writer: writer[0])
    return writers[by_then - 1][1] if by_then else None


def mark_rewritten(workdir: Path, run: RunLog, history: RunHistory | None = None) -> None:
    """Give each attempt of ``run`` its files that later runs wrote again (``rewritten``);
    ``history``: the workdir's runs, already read."""
    later = history.later_writes(run) if history else later_writes(workdir, run)
    for attempt in run.attempts:
        files = (attempt.benchmark, *attempt.logs)
        attempt.rewritten = {f: later[f] for f in files if f and f in later}


def run_in_progress(workdir: Path) -> bool:
    """Snakemake holds lock files in ``.snakemake/locks`` while a run is going on."""
    directory = workdir / LOCK_DIR
    return directory.is_dir() and any(directory.iterdir())


#: The shortest run id prefix ``--run`` takes (``--run 3`` would match most logs).
_PREFIX = 4


def select_run(workdir: Path, run: str = "latest") -> RunLog:
    """The run log for ``latest`` (newest with jobs) or for a run id (Workflow or SLURM id)."""
    logs = find_run_logs(workdir)
    where = str(workdir / LOG_DIR)
    if not logs:
        raise no_runs_error(workdir)
    parsed_newest_first = (
        parse_run_log(p.read_text(errors="replace"), str(p)) for p in reversed(logs)
    )
    if run == "latest":
        first: RunLog | None = None
        for parsed in parsed_newest_first:
            first = first or parsed
            if parsed.ran_jobs:
                return parsed
        assert first is not None
        return first
    runs = list(parsed_newest_first)
    # a run is named by its ids, or by its log's file name ('metrics runs' shows that for a
    # log without ids); a prefix of either must name one run: '2026' names them all
    exact = [p for p in runs if run in p.ids or Path(p.path).name == run]
    prefix = (
        [p for p in runs if any(n.startswith(run) for n in (*p.ids, Path(p.path).name))]
        if len(run) >= _PREFIX
        else []
    )
    if exact or len(prefix) == 1:
        return (exact or prefix)[0]
    message = f"no run with id {run!r} among {len(logs)} run log(s)"
    if len(run) < _PREFIX and any(i.startswith(run) for p in runs for i in p.ids):
        message += f"; a prefix needs {_PREFIX} characters or more"
    if len(prefix) > 1:
        shown = ", ".join(p.run_id for p in prefix[:5]) + (", ..." if len(prefix) > 5 else "")
        message = f"run id {run!r} is ambiguous: {len(prefix)} runs match ({shown})"
    raise ValidationError(
        [Problem(where, "", message, "use --run latest, or an id from 'wavecast metrics runs'")]
    )


def no_runs_error(workdir: Path, what: str = "collect") -> ValidationError:
    """No run log in ``workdir``; when ``workdir`` itself is missing (a mistyped ``--workdir``),
    that is what the user needs to hear, not to run the workflow there."""
    if not workdir.is_dir():
        wrong = "is not a directory" if workdir.exists() else "does not exist"
        return ValidationError(
            [
                Problem(
                    "<command line>",
                    "--workdir",
                    f"{workdir} {wrong}, so no run to {what}",
                    "pass the directory the workflow ran in (the one that holds .snakemake/)",
                )
            ]
        )
    return ValidationError(
        [
            Problem(
                str(workdir / LOG_DIR),
                "",
                f"no Snakemake run logs here, so no run to {what}",
                "run the workflow from this directory first, or pass --workdir",
            )
        ]
    )


def list_runs(workdir: Path) -> list[RunLog]:
    return [parse_run_log(p.read_text(errors="replace"), str(p)) for p in find_run_logs(workdir)]
