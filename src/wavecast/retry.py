"""Failure-aware retries: ask SLURM for more memory only after an out-of-memory kill, more time
only after a timeout, and the same again after any other failure.

The rendered profile calls :func:`mem_mb` and :func:`runtime` from resource expressions that
Snakemake evaluates with ``attempt`` on every try::

    __import__('wavecast.retry').retry.mem_mb('run_member', wildcards, attempt, 4096, 65536)

Three layers, kept apart so that the logic is tested on literal text:

- :func:`classify` (pure) turns ``sacct --parsable2`` lines and a job log into a :class:`Failure`;
- :func:`escalate` (pure) turns a base value, a limit and the earlier failures into a request;
- :func:`fetch_attempt_history` (I/O) reads the SLURM executor plugin's job logs of one
  rule + wildcards and asks ``sacct`` about those jobs.

The plugin writes one log per submitted job to
``.snakemake/slurm_logs/rule_<rule>/<wildcard values joined by "_">/<jobid>.log`` (a group job:
``group_<group>_<rules>/<jobid>.log``; an array task: ``rule_<rule>/<jobid>_<task>.log``; both
matched by the ``--target-jobs`` in their header) and deletes
the logs of successful jobs, so the newest logs of a job are its latest failed attempts. Without
``sacct`` the logs alone are classified.

On the local executor the history is this Snakemake process's own run log
(:func:`run_log_history`): a job that stopped itself at its runtime limit (``wavecast.deadline``)
ended with exit status 124, a TIMEOUT; any other failure keeps the same resources. Memory is
not enforced there, so only runtime grows. A Kubernetes job's status reaches the run log
without an exit status: its retries ask for the same again.

The same expression is evaluated again inside the SLURM job (the job step re-runs Snakemake with
``--attempt``). There the job's own log (``$SLURM_JOB_ID``) is left out, so the job step computes
the value the submitting process asked for.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from snakemake_interface_common.exceptions import WorkflowError

from . import deadline
from .targets import specs_in

#: The ``sacct -o`` fields :func:`fetch_attempt_history` asks for, in this order.
SACCT_FIELDS: tuple[str, ...] = (
    "JobID",
    "JobName",
    "State",
    "ExitCode",
    "MaxRSS",
    "ReqMem",
    "Elapsed",
    "Timelimit",
)

#: Where the plugin writes job logs unless ``slurm-logdir`` is set; override with this variable.
LOGDIR_ENV = "WAVECAST_SLURM_LOGDIR"
DEFAULT_LOGDIR = Path(".snakemake/slurm_logs")

#: Where to raise each limit; the environment name is not known where these run.
LIMIT_KEYS = {"memory": "limits.memory", "runtime": "limits.timeout"}


class Failure(StrEnum):
    """Why one SLURM job ended; what a retry should change follows from it."""

    OUT_OF_MEMORY = "out_of_memory"  # raise memory
    TIMEOUT = "timeout"  # raise runtime
    CANCELLED = "cancelled"  # scancel, preemption: same resources
    NODE_FAIL = "node_fail"  # the node, not the job: same resources
    OTHER = "other"  # the command failed: same resources
    NONE = "none"  # completed, or still running: not a failure


@dataclass(frozen=True)
class SacctRecord:
    """One line of ``sacct --parsable2``: a job (``42``) or one of its steps (``42.batch``)."""

    jobid: str
    state: str
    exit_code: str
    fields: Mapping[str, str]

    @property
    def is_step(self) -> bool:
        return "." in self.jobid


@dataclass(frozen=True)
class Attempt:
    """One earlier attempt of a rule + wildcards: a SLURM job (its log and sacct lines), or a
    local job as this process's run log saw it end."""

    jobid: str
    sacct_text: str
    log_text: str
    log_path: Path | None = None
    #: A job this process ran on its own machine (the local executor): its exit status decides.
    local: bool = False
    exit_status: int | None = None

    @property
    def failure(self) -> Failure:
        if self.local:
            return Failure.TIMEOUT if self.exit_status == deadline.EXIT_STATUS else Failure.OTHER
        return classify(self.sacct_text, self.log_text)


# ---------------------------------------------------------------------------------------------
# parsing and classification (pure)

_OOM_LOG = re.compile(
    r"Exceeded job memory limit"  # jobacct_gather OverMemoryKill (no cgroups)
    r"|exceeded memory limit"  # ... "StepId=42.batch exceeded memory limit (x > y)"
    r"|oom[-_]kill event"  # task/cgroup: "Detected 1 oom_kill event in StepId=42.batch"
    r"|OOM Killed",  # "Some of the step tasks have been OOM Killed."
    re.IGNORECASE,
)
_TIMEOUT_LOG = re.compile(r"DUE TO TIME LIMIT")
_NODE_FAIL_LOG = re.compile(r"DUE TO NODE FAIL")
_CANCELLED_LOG = re.compile(r"\*\*\* JOB \S+ ON \S+ CANCELLED AT")

_FAILED_STATES = ("FAILED", "BOOT_FAIL", "DEADLINE", "ERROR", "REVOKED")


def parse_sacct(text: str, fields: Sequence[str] = SACCT_FIELDS) -> list[SacctRecord]:
    """Records from ``sacct --parsable2`` output in ``fields`` order; a header line is skipped."""
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        values = line.split("|")
        row = dict(zip(fields, values, strict=False))
        if row.get("JobID") == "JobID":
            continue
        records.append(
            SacctRecord(
                jobid=row.get("JobID", ""),
                state=row.get("State", ""),
                exit_code=row.get("ExitCode", ""),
                fields=row,
            )
        )
    return records


def _state_word(state: str) -> str:
    """``CANCELLED by 0`` -> ``CANCELLED``; ``OUT_OF_MEMORY`` unchanged."""
    return state.split()[0].upper() if state.strip() else ""


def classify(sacct_lines: str, log_text: str, fields: Sequence[str] = SACCT_FIELDS) -> Failure:
    """Why a job ended, from its ``sacct --parsable2`` lines (job and steps) and its log.

    Out-of-memory wins over everything else: with ``OverMemoryKill`` and no cgroups SLURM ends
    the job ``FAILED 0:9`` (its ``.batch`` step ``CANCELLED by 0``) and only the log says
    "Exceeded job memory limit"; with cgroups the state is ``OUT_OF_MEMORY``. A time limit shows as
    state ``TIMEOUT`` or "DUE TO TIME LIMIT" in the log. Without sacct lines the log decides.
    """
    records = parse_sacct(sacct_lines, fields)
    jobs = [r for r in records if not r.is_step]
    states = {_state_word(r.state) for r in records}
    main = _state_word(jobs[0].state) if jobs else ""

    if main in ("COMPLETED", "RUNNING", "PENDING", "REQUEUED", "SUSPENDED", "RESIZING"):
        return Failure.NONE
    if "OUT_OF_MEMORY" in states or _OOM_LOG.search(log_text):
        return Failure.OUT_OF_MEMORY
    if main == "TIMEOUT" or _TIMEOUT_LOG.search(log_text):
        return Failure.TIMEOUT
    if main == "NODE_FAIL" or _NODE_FAIL_LOG.search(log_text):
        return Failure.NODE_FAIL
    if main in ("CANCELLED", "PREEMPTED"):
        return Failure.CANCELLED
    if main in _FAILED_STATES:
        return Failure.OTHER
    if not jobs and _CANCELLED_LOG.search(log_text):
        return Failure.CANCELLED
    # no sacct record and nothing in the log that SLURM writes: a failed command (the plugin
    # keeps only the logs of failed jobs)
    return Failure.OTHER


# ---------------------------------------------------------------------------------------------
# escalation (pure)


class LimitReached(WorkflowError):
    """A retry would need more than the environment's limit allows."""


KIND_FAILURE = {"memory": Failure.OUT_OF_MEMORY, "runtime": Failure.TIMEOUT}


def escalate(base: int, limit: int, failures: Iterable[Failure], kind: str) -> int:
    """``base`` doubled once per failure of ``kind`` ("memory": OOM, "runtime": TIMEOUT).

    Never above ``limit`` (but never below ``base``: a base above the limit is the resolver's
    business, not this function's). Other failures change nothing.
    """
    trigger = KIND_FAILURE[kind]
    count = sum(1 for f in failures if f == trigger)
    if not count:
        return base
    return max(base, min(base * 2**count, limit))


def describe_job(rule: str, wildcards: object) -> str:
    """``run_member (member=003)`` for messages; ``run_member`` without wildcards."""
    items = _wildcard_items(wildcards)
    if not items:
        return rule
    return f"{rule} ({', '.join(f'{k}={v}' if k else v for k, v in items)})"


def _limit_message(rule: str, wildcards: object, kind: str, limit: int, last: Attempt | None):
    what = "ran out of memory" if kind == "memory" else "ran out of time"
    unit = "MiB" if kind == "memory" else "minutes"
    where = ""
    if last is not None and last.local:
        where = f" (log {last.log_path})" if last.log_path is not None else ""
    elif last is not None:
        where = f" (SLURM job {last.jobid}"
        if last.log_path is not None:
            where += f", log {last.log_path}"
        where += ")"
    return (
        f"{describe_job(rule, wildcards)} {what} at the limit of {limit} {unit}{where}; "
        f"raise {LIMIT_KEYS[kind]} in your backend YAML (config/backends/<env>.yaml), "
        "then `wavecast profiles build`"
    )


def request(
    rule: str,
    wildcards: object,
    attempt: int,
    base: int,
    limit: int,
    kind: str,
    history: Sequence[Attempt],
) -> int:
    """The value to ask for on ``attempt``, given the job's earlier attempts (oldest first).

    Considers the newest ``attempt - 1`` entries of ``history``; raises :class:`LimitReached`
    when the latest attempt failed for lack of ``kind`` while it already had ``limit``.
    """
    if attempt <= 1:
        return base
    recent = list(history)[-(attempt - 1) :]
    if not recent:
        return base
    failures = [a.failure for a in recent]
    previous = escalate(base, limit, failures[:-1], kind)
    if failures[-1] == KIND_FAILURE[kind] and previous >= limit:
        raise LimitReached(_limit_message(rule, wildcards, kind, limit, recent[-1]))
    return escalate(base, limit, failures, kind)


# ---------------------------------------------------------------------------------------------
# fetching (I/O)


def _wildcard_items(wildcards: object) -> list[tuple[str, str]]:
    if wildcards is None:
        return []
    if hasattr(wildcards, "items") and callable(wildcards.items):
        return [(str(k), str(v)) for k, v in wildcards.items()]
    if isinstance(wildcards, str):
        return [("", wildcards)] if wildcards else []
    return [("", str(v)) for v in wildcards]  # type: ignore[union-attr]


def wildcard_dirname(wildcards: object) -> str:
    """The log subdirectory the plugin uses: wildcard values joined by ``_``, ``/`` -> ``_``."""
    if isinstance(wildcards, str):
        return wildcards.replace("/", "_")
    if hasattr(wildcards, "items") and callable(wildcards.items):
        values: Iterable[object] = [v for _, v in wildcards.items()]
    else:
        values = wildcards or []  # type: ignore[assignment]
    return "_".join(str(v) for v in values).replace("/", "_")


def slurm_logdir() -> Path:
    return Path(os.environ.get(LOGDIR_ENV) or DEFAULT_LOGDIR)


def target_jobs(log_text: str) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    """The jobs a SLURM job ran, from the job step's ``--target-jobs rule:k=v,... ...`` (the
    ``Command:`` line Snakemake prints at the top of the plugin's log); ``(rule, {(k, v)})``.
    An array task's log names the array's first job there: see :func:`array_task_targets`.
    """
    return {(rule, frozenset(wildcards.items())) for rule, wildcards in specs_in(log_text)}


def _ran(rule: str, wildcards: object, targets: set) -> bool:
    items = _wildcard_items(wildcards)
    for name, pairs in targets:
        if name != rule:
            continue
        if all(k for k, _ in items):
            if pairs == frozenset(items):
                return True
        elif sorted(v for _, v in pairs) == sorted(v for _, v in items):
            return True
    return False


#: An array task's log name, ``<array job id>_<task id>`` (the plugin's ``%A_%a.log``).
_ARRAY_TASK = re.compile(r"\d+_\d+")


def _own_jobs() -> set[str]:
    """The SLURM job this process runs in, as its log would be named (plain or array task)."""
    env = os.environ
    own = {env.get("SLURM_JOB_ID", "")}
    if env.get("SLURM_ARRAY_JOB_ID") and env.get("SLURM_ARRAY_TASK_ID"):
        own.add(f"{env['SLURM_ARRAY_JOB_ID']}_{env['SLURM_ARRAY_TASK_ID']}")
    return own - {""}


def _job_order(jobid: str) -> tuple[int, int]:
    """Submission order: ``1244`` < ``1246_1`` < ``1246_2`` (ids grow with every sbatch)."""
    main, _, task = jobid.partition("_")
    return int(main), int(task or 0)


def job_logs(rule: str, wildcards: object, logdir: Path | None = None) -> list[tuple[str, Path]]:
    """``(jobid, path)`` of the plugin's logs for ``rule`` + ``wildcards``, oldest job first.

    Logs of group jobs (``group_<group>_<rules>/``, one per SLURM job that ran several rules)
    and of job-array tasks (backend ``array_jobs``: ``rule_<rule>/<array>_<task>.log``, without
    a wildcard folder) count when their ``--target-jobs`` name this rule + wildcards: grouped
    and array rules escalate like any other.
    The job of the current process (``$SLURM_JOB_ID``, or the array task, inside a SLURM job)
    is left out.
    """
    root = logdir or slurm_logdir()
    rule_dir = root / f"rule_{rule}"
    sub = wildcard_dirname(wildcards)
    directory = rule_dir / sub if sub else rule_dir
    own = _own_jobs()

    def is_other_job(path: Path, name: re.Pattern[str] | None = None) -> bool:
        stem_ok = name.fullmatch(path.stem) if name else path.stem.isdigit()
        return bool(stem_ok) and path.stem not in own

    logs = [p for p in directory.glob("*.log") if is_other_job(p)] if directory.is_dir() else []
    if rule_dir.is_dir():
        logs += [
            p
            for p in rule_dir.glob("*.log")
            if is_other_job(p, _ARRAY_TASK) and _ran(rule, wildcards, _log_targets(p))
        ]
    if root.is_dir():
        logs += [
            p
            for p in root.glob("group_*/**/*.log")
            if is_other_job(p) and _ran(rule, wildcards, _log_targets(p))
        ]
    return sorted(((p.stem, p) for p in logs), key=lambda item: _job_order(item[0]))


def run_sacct(jobids: Sequence[str], fields: Sequence[str] = SACCT_FIELDS) -> str:
    """``sacct`` lines for ``jobids`` (job + steps), or "" when sacct is missing or fails."""
    if not jobids or shutil.which("sacct") is None:
        return ""
    cmd = ["sacct", "-j", ",".join(jobids), "--parsable2", "--noheader", "-o", ",".join(fields)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _lines_of(jobid: str, sacct_text: str) -> str:
    keep = [
        line
        for line in sacct_text.splitlines()
        if line.split("|", 1)[0] == jobid or line.split("|", 1)[0].startswith(jobid + ".")
    ]
    return "\n".join(keep)


#: Snakemake prints its command line (with ``--target-jobs``) in the first lines of a job log.
HEADER_LINES = 200

#: An array job's command line carries the other tasks' commands (plugin 2.8): base64 of JSON
#: ``{"<task>": hex(zlib(command))}``; the chunk's first task runs the plain command.
_ARRAY_EXECS = re.compile(r"--slurm-jobstep-array-execs[= ]+['\"]?([A-Za-z0-9+/=]+)")


def _log_targets(path: Path) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    """The jobs a group job's or array task's log ran, from its first command line only,
    parsed once per file state (``mem_mb`` and ``runtime`` of every retried job scan the same
    logs)."""
    try:
        st = path.stat()
    except OSError:
        return set()
    return _header_targets(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4096)
def _header_targets(path: str, mtime_ns: int, size: int) -> set:
    line = _first_command_line(Path(path))
    task = Path(path).stem.partition("_")[2]
    return array_task_targets(line, task) if task else target_jobs(line)


def _first_command_line(path: Path) -> str:
    """The first line naming ``--target-jobs`` (lines may be long: an array's payload)."""
    try:
        with open(path, "rb") as f:
            for number, raw in enumerate(f):
                if b"--target-jobs" in raw:
                    return raw.decode(errors="replace")
                if number >= HEADER_LINES:
                    break
    except OSError:
        pass
    return ""


def array_task_targets(command_line: str, task: str) -> set:
    """The jobs array task ``task`` ran: its entry in the command line's array payload, or,
    for the chunk's first task (no entry), the command line's own ``--target-jobs``.

    Not the task's own Snakemake header further down: a task that died before printing it
    would be taken for the array's first job, and with many tasks the payload pushes it far
    from the start of the log.
    """
    match = _ARRAY_EXECS.search(command_line)
    if match:
        try:
            execs = json.loads(base64.b64decode(match.group(1)))
            if task in execs:
                return target_jobs(zlib.decompress(bytes.fromhex(execs[task])).decode())
        except (ValueError, TypeError, zlib.error, binascii.Error):
            return set()
    return target_jobs(command_line)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def fetch_attempt_history(
    rule: str, wildcards: object, logdir: Path | None = None, limit: int | None = None
) -> list[Attempt]:
    """Earlier SLURM jobs of ``rule`` + ``wildcards`` (oldest first; the newest ``limit`` only),
    each with its ``sacct`` lines (empty without sacct) and its log text."""
    logs = job_logs(rule, wildcards, logdir)
    if limit is not None:
        logs = logs[-limit:] if limit > 0 else []
    if not logs:
        return []
    sacct_text = run_sacct([jobid for jobid, _ in logs])
    return [
        Attempt(
            jobid=jobid,
            sacct_text=_lines_of(jobid, sacct_text),
            log_text=_read(path),
            log_path=path,
        )
        for jobid, path in logs
    ]


def own_run_log() -> Path | None:
    """The run log this Snakemake process writes (``.snakemake/log/<time>.snakemake.log``);
    None in a dry run and in a job step (a SLURM job's or a pod's Snakemake logs to no file)."""
    from snakemake.logging import logger as snakemake_logger

    for handler in snakemake_logger.handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def run_log_history(
    rule: str, wildcards: object, run_log: Path | None = None, limit: int | None = None
) -> list[Attempt]:
    """Failed attempts of ``rule`` + ``wildcards`` in ``run_log`` (default: this process's),
    oldest first, the newest ``limit`` only; each with the exit status the log gives, if any."""
    path = run_log or own_run_log()
    if path is None:
        return []
    try:
        st = path.stat()
    except OSError:
        return []
    attempts = [
        a
        for a in _parsed_run_log(str(path), st.st_mtime_ns, st.st_size)[1]
        if _ran(rule, wildcards, {(a.rule, frozenset(a.wildcards.items()))})
    ]
    if limit is not None:
        attempts = attempts[-limit:] if limit > 0 else []
    return [
        Attempt(
            jobid=str(a.jobid),
            sacct_text="",
            log_text="",
            log_path=Path(a.logs[0]) if a.logs else None,
            local=True,
            exit_status=a.exit_code,
        )
        for a in attempts
    ]


@functools.lru_cache(maxsize=4)
def _parsed_run_log(path: str, mtime_ns: int, size: int) -> tuple[bool, list]:
    """Whether a run log is a SLURM run's, and its failed attempts; parsed once per file state
    (every retried job's ``mem_mb`` and ``runtime`` read the same log)."""
    from .metrics.runlog import parse_run_log

    run = parse_run_log(_read(Path(path)), path)
    return bool(run.slurm_run_id), [a for a in run.attempts if a.status == "failed"]


def _runs_on_slurm(run_log: Path | None) -> bool:
    """Where to read a job's history: SLURM's logs and sacct unless this process is a
    Snakemake whose run log says it submits to no SLURM (a local or Kubernetes run: old SLURM
    logs in the directory belong to other runs). A job step has no run log: SLURM's."""
    if run_log is None:
        return True
    try:
        st = run_log.stat()
    except OSError:
        return True
    return _parsed_run_log(str(run_log), st.st_mtime_ns, st.st_size)[0]


# ---------------------------------------------------------------------------------------------
# the functions the profile's resource expressions call


#: Earlier attempts of a job, by (rule, wildcards, attempt, log directory, own job): Snakemake
#: evaluates mem_mb and runtime for the same attempt together, and they read one history (one
#: sacct call, one consistent view) instead of two. Earlier attempts have ended by the time the
#: next one is planned, so an entry does not go stale; the dict is emptied when it fills up.
_HISTORIES: dict[tuple, list[Attempt]] = {}
_HISTORIES_MAX = 4096


def _history(rule: str, wildcards: object, attempt: int) -> list[Attempt]:
    own = tuple(sorted(_own_jobs()))
    key = (rule, tuple(_wildcard_items(wildcards)), attempt, str(slurm_logdir()), own)
    if key not in _HISTORIES:
        if len(_HISTORIES) >= _HISTORIES_MAX:
            _HISTORIES.clear()
        run_log = own_run_log()
        if _runs_on_slurm(run_log):
            _HISTORIES[key] = fetch_attempt_history(rule, wildcards, limit=attempt - 1)
        else:
            _HISTORIES[key] = run_log_history(rule, wildcards, run_log, limit=attempt - 1)
    return _HISTORIES[key]


def _resource(rule, wildcards, attempt, base, limit, kind) -> int:
    attempt = int(attempt)
    if attempt <= 1:
        return int(base)
    history = _history(rule, wildcards, attempt)
    return request(rule, wildcards, attempt, int(base), int(limit), kind, history)


def mem_mb(rule: str, wildcards: object, attempt: int, base: int, limit: int) -> int:
    """Memory (MiB) for ``attempt``: ``base``, doubled per earlier out-of-memory kill, capped."""
    return _resource(rule, wildcards, attempt, base, limit, "memory")


def runtime(rule: str, wildcards: object, attempt: int, base: int, limit: int) -> int:
    """Runtime (minutes) for ``attempt``: ``base``, doubled per earlier timeout, capped."""
    return _resource(rule, wildcards, attempt, base, limit, "runtime")
