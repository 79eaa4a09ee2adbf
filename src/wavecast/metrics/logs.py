"""Find the log files of one job, wherever the backend put them.

Sources, in order: the rule's own ``log:`` file (``logs/<rule>/<name>.log``; it holds the
last attempt only, Snakemake rewrites it), the SLURM job log under
``.snakemake/slurm_logs/rule_<rule>/<wildcard values>/<jobid>.log`` (one per attempt; a job
that ran in a group job: its group's, ``slurm_logs/group_<group>_<rules>/<jobid>.log``) and the
Kubernetes pod log the plugin saves for a failed job under
``.snakemake/auxiliary/kubernetes-logs/<job>.log``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import Problem, ValidationError, closest
from ..rules import LOCAL_RULES, RULE_NAMES
from .runlog import RunLog, Writers, later_writes, no_runs_error, rewritten_by, select_run

SLURM_LOGS = Path(".snakemake") / "slurm_logs"
K8S_LOGS = Path(".snakemake") / "auxiliary" / "kubernetes-logs"


@dataclass(frozen=True)
class FoundLog:
    path: Path
    what: str  # "rule log" | "SLURM job log" | "SLURM group job log" | "Kubernetes pod log"
    attempt: int | None
    #: Why the file may not be that attempt's (a later run rewrote it); empty when it is.
    note: str = ""


def parse_wildcards(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(
                [Problem("<command line>", item, "not WILDCARD=VALUE", "write e.g. member=003")]
            )
        out[key] = value
    return out


def find_logs(
    workdir: Path,
    rule: str,
    wildcards: dict[str, str],
    run: str = "latest",
    attempt: int | None = None,
) -> list[FoundLog]:
    """Existing log files of the job, newest attempt last; ValidationError when none."""
    if not workdir.is_dir():
        raise no_runs_error(workdir, "find logs in")
    runlog: RunLog | None
    try:
        runlog = select_run(workdir, run)
    except ValidationError:
        if run != "latest":
            raise
        runlog = None
    found: list[FoundLog] = []
    of_job = []
    rewrites = later_writes(workdir, runlog) if runlog is not None else {}
    if runlog is not None:
        of_job = [
            a
            for a in runlog.attempts
            if a.rule == rule and all(a.wildcards.get(k) == v for k, v in wildcards.items())
        ]
    matches = [a for a in of_job if attempt is None or a.attempt == attempt]
    last: dict[int, int] = {}  # jobid -> its last attempt, whose rule log the file holds
    for a in of_job:
        last[a.jobid] = max(last.get(a.jobid, 0), a.attempt)
    grouped = (
        _grouped_logs(workdir, runlog, rule, wildcards, attempt, rewrites)
        if runlog is not None
        else []
    )
    found += grouped
    for a in matches:
        if a.attempt == last[a.jobid]:  # every attempt rewrites the rule's log
            found += [_rule_log(workdir / p, a.attempt, a.end, rewrites.get(p)) for p in a.logs]
        if a.backend_log:
            found.append(FoundLog(_within(workdir, a.backend_log), "SLURM job log", a.attempt))
        if a.external_id and a.external_id.startswith("snakejob-"):
            found.append(
                FoundLog(
                    workdir / K8S_LOGS / f"{a.external_id}.log", "Kubernetes pod log", a.attempt
                )
            )
    if not matches and not grouped and attempt is None:
        # no run log entry: where backends put logs by convention. With a run log that ran
        # the rule under these wildcard names (or not at all), a file found is another run's;
        # under other names, they are mistyped and the file, found by value, may be its own.
        other = ""
        if runlog is not None:
            ran = [set(a.wildcards) for a in runlog.attempts if a.rule == rule]
            if not ran or set(wildcards) in ran:
                other = f"run {runlog.run_id} did not run this job: another run's"
        wc = "_".join(wildcards.values())
        base = workdir / SLURM_LOGS / f"rule_{rule}"
        for path in sorted((base / wc).glob("*.log") if wc else base.glob("*.log")):
            found.append(FoundLog(path, "SLURM job log", None, other))
        for path in sorted((workdir / "logs" / rule).glob("*.log")):
            if all(_names_value(path.stem, v) for v in wildcards.values()):
                found.append(FoundLog(path, "rule log", None, other))
    existing = [f for f in found if f.path.is_file()]
    later = max((last[a.jobid] for a in matches), default=0)
    if not existing and matches and attempt is not None and attempt < later:
        raise ValidationError(
            [
                Problem(
                    str(workdir),
                    rule,
                    f"attempt {attempt} ran, but it left no log of its own",
                    f"Snakemake rewrites a job's rule log at each attempt, so it holds attempt "
                    f"{later}'s (wavecast logs without --attempt); SLURM job logs are kept "
                    "per attempt",
                )
            ]
        )
    if not existing:
        looked = ", ".join(str(f.path) for f in found) or f"logs/{rule}/, {SLURM_LOGS}/rule_{rule}/"
        what = f"{rule} {' '.join(f'{k}={v}' for k, v in wildcards.items())}".strip()
        if attempt:
            what += f" attempt {attempt}"
        hint = _hint(workdir, rule, wildcards, runlog)
        # no run log at all: that is the news, not the rule name (a misspelt one is still said)
        first = no_runs_error(workdir, "find logs in").problems if runlog is None else []
        if first and not hint:
            raise ValidationError(first)
        raise ValidationError(
            [
                *first,
                Problem(
                    str(workdir),
                    rule,
                    f"no log found for {what} (looked in {looked})",
                    hint or "check the rule name and wildcards, or pass --run with the run's id",
                ),
            ]
        )
    return existing


#: How much later than its job's end a rule log may be written (clocks, file systems).
_LATE = timedelta(minutes=2)


def _rule_log(
    path: Path, attempt: int, ended: datetime | None, later: Writers | None = None
) -> FoundLog:
    """The rule's log of an attempt, noting when it was written after the attempt ended: a
    later run of the same job rewrote it, and it is that run's. ``later``: when later runs in
    the directory started the job again, and their ids (:func:`.runlog.later_writes`)."""
    note = ""
    if path.is_file():
        written = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        when = f"written {written:%Y-%m-%d %H:%M:%S}, after this attempt: a later run's"
        if (by := rewritten_by(later, written)) is not None:
            note = f"{when} ({by})"
        elif ended is not None and written > ended + _LATE:
            note = when
    return FoundLog(path, "rule log", attempt, note)


def _grouped_logs(
    workdir: Path,
    runlog: RunLog,
    rule: str,
    wildcards: dict[str, str],
    attempt: int | None,
    rewrites: dict[str, Writers],
) -> list[FoundLog]:
    """Logs of the job where it ran in a SLURM group job: the group job's log (one per group
    attempt, under ``slurm_logs/group_<group>_<rules>/``) and, for its last, the rule's log."""
    jobs = [
        (j, runlog.slurm_group_attempts.get(j.slurm_job, 1))
        for j in runlog.grouped_jobs
        if j.rule == rule
        and j.slurm_job is not None
        and all(j.wildcards.get(k) == v for k, v in wildcards.items())
    ]
    last: dict[tuple, int] = {}
    for j, n in jobs:
        last[j.key] = max(last.get(j.key, 0), n)
    found = []
    for j, n in jobs:
        if attempt is not None and n != attempt:
            continue
        if n == last[j.key]:  # the rule's log is rewritten by every attempt
            found += [_rule_log(workdir / p, n, None, rewrites.get(p)) for p in j.logs]
        if j.slurm_job in runlog.slurm_group_logs:
            path = _within(workdir, runlog.slurm_group_logs[j.slurm_job])
            found.append(FoundLog(path, "SLURM group job log", n))
    return found


def _hint(workdir: Path, rule: str, wildcards: dict[str, str], runlog: RunLog | None) -> str:
    """What the user most likely meant, from the jobs the run log and the log directories know:
    another rule's name, a wildcard the rule has, or the value as the job spelt it
    (``member=3`` is ``member=003``). Empty when nothing is known to be wrong."""
    attempts = runlog.attempts if runlog is not None else []
    logs = workdir / "logs"
    rules = {a.rule for a in attempts} | set(RULE_NAMES) | set(LOCAL_RULES)
    if logs.is_dir():  # logs/benchmarks holds the benchmark files, not a rule's logs
        rules |= {p.name for p in logs.iterdir() if p.is_dir() and p.name != "benchmarks"}
    if rule not in rules:
        guess = closest(rule, rules)
        known = ", ".join(sorted(rules - {"all"}))
        return f"did you mean '{guess}'? rules: {known}" if guess else f"rules: {known}"
    values: dict[str, set[str]] = {}
    for a in attempts:
        if a.rule == rule:
            for key, value in a.wildcards.items():
                values.setdefault(key, set()).add(value)
    from_run_log = bool(values)
    if not values:  # no run log: the values are the `_`-separated parts of the log names
        parts = {part for p in (logs / rule).glob("*.log") for part in p.stem.split("_")}
        values = {key: parts for key in wildcards}
    for key, value in wildcards.items():
        if key not in values:
            return f"{rule} has no wildcard '{key}'; its wildcards: {', '.join(sorted(values))}"
        if value in values[key]:
            continue
        padded = [
            v for v in values[key] if v.isdigit() and value.isdigit() and int(v) == int(value)
        ]
        if padded:
            return f"did you mean {key}={padded[0]}? (written as the job's file names write it)"
        if from_run_log:  # the values are the jobs' own, not parts of file names
            ran = sorted(values[key])
            return f"{rule} ran for {key}={', '.join(ran[:8])}{' ...' if len(ran) > 8 else ''}"
    return ""


def _names_value(stem: str, value: str) -> bool:
    """``member_003`` names ``003`` but not ``3`` or ``00``: whole ``_``-separated parts only."""
    return re.search(rf"(?:^|_){re.escape(value)}(?:_|$)", stem) is not None


def _within(workdir: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else workdir / p
