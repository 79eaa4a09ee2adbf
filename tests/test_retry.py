"""wavecast.retry on literal sacct lines and job logs, taken from the local SLURM cluster
(slurm 22.05, no cgroups, JobAcctGatherParams=OverMemoryKill) unless marked otherwise."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from pathlib import Path

import pytest

from wavecast import retry
from wavecast.retry import Attempt, Failure, LimitReached, classify, escalate

# --- fixtures: real sacct lines (JobID|JobName|State|ExitCode|MaxRSS|ReqMem|Elapsed|Timelimit)

OOM_SACCT = """\
2|wrap|FAILED|0:9||100M|00:00:01|00:02:00
2.batch|batch|CANCELLED by 0|0:9|152624K||00:00:01|
"""
OOM_LOG = """\
slurmstepd-vm: error: StepId=2.batch exceeded memory limit (156286976 > 104857600), being killed
slurmstepd-vm: error: *** JOB 2 ON vm CANCELLED AT 2026-11-21T14:59:37 ***
slurmstepd-vm: error: Exceeded job memory limit
"""
# where cgroups enforce memory (not this machine): state OUT_OF_MEMORY, exit code 0:125
CGROUP_OOM_SACCT = """\
77|a1b2|OUT_OF_MEMORY|0:125||4G|00:03:12|01:00:00
77.batch|batch|OUT_OF_MEMORY|0:125|4190212K||00:03:12|
77.extern|extern|COMPLETED|0:0|1004K||00:03:12|
"""
CGROUP_OOM_LOG = (
    "slurmstepd: error: Detected 1 oom_kill event in StepId=77.batch. "
    "Some of the step tasks have been OOM Killed.\n"
)
TIMEOUT_SACCT = """\
3|wrap|TIMEOUT|0:0||100M|00:01:09|00:01:00
3.batch|batch|CANCELLED|0:15|3M||00:01:09|
"""
TIMEOUT_LOG = (
    "slurmstepd-vm: error: *** JOB 3 ON vm CANCELLED AT 2026-11-21T15:01:01 DUE TO TIME LIMIT ***\n"
)
CANCELLED_SACCT = """\
4|wrap|CANCELLED by 0|0:0||100M|00:00:02|00:05:00
4.batch|batch|CANCELLED|0:15|3188K||00:00:02|
"""
CANCELLED_LOG = "slurmstepd-vm: error: *** JOB 4 ON vm CANCELLED AT 2026-11-21T14:59:55 ***\n"
FAILED_SACCT = """\
5|wrap|FAILED|3:0||100M|00:00:00|00:05:00
5.batch|batch|FAILED|3:0|||00:00:00|
"""
FAILED_LOG = "boom\n"
COMPLETED_SACCT = """\
1|wrap|COMPLETED|0:0||200M|00:00:04|00:02:00
1.batch|batch|COMPLETED|0:0|96984K||00:00:04|
"""
NODE_FAIL_SACCT = "9|wrap|NODE_FAIL|0:0||1G|00:10:00|01:00:00\n"
RUNNING_SACCT = (
    "3|wrap|RUNNING|0:0||100M|00:00:22|00:01:00\n3.batch|batch|RUNNING|0:0|||00:00:22|\n"
)


@pytest.mark.parametrize(
    ("sacct", "log", "expected"),
    [
        (OOM_SACCT, OOM_LOG, Failure.OUT_OF_MEMORY),
        (OOM_SACCT, "", Failure.OTHER),  # FAILED 0:9 alone is a kill, not necessarily OOM
        ("", OOM_LOG, Failure.OUT_OF_MEMORY),  # no sacct: the log decides
        (CGROUP_OOM_SACCT, "", Failure.OUT_OF_MEMORY),
        ("", CGROUP_OOM_LOG, Failure.OUT_OF_MEMORY),
        (TIMEOUT_SACCT, TIMEOUT_LOG, Failure.TIMEOUT),
        (TIMEOUT_SACCT, "", Failure.TIMEOUT),
        ("", TIMEOUT_LOG, Failure.TIMEOUT),
        (CANCELLED_SACCT, CANCELLED_LOG, Failure.CANCELLED),
        ("", CANCELLED_LOG, Failure.CANCELLED),
        (FAILED_SACCT, FAILED_LOG, Failure.OTHER),
        ("", FAILED_LOG, Failure.OTHER),
        (NODE_FAIL_SACCT, "", Failure.NODE_FAIL),
        (COMPLETED_SACCT, "", Failure.NONE),
        (RUNNING_SACCT, "", Failure.NONE),
        ("", "", Failure.OTHER),
    ],
    ids=[
        "oom-overmemorykill",
        "killed-without-log",
        "oom-log-only",
        "oom-cgroup-state",
        "oom-cgroup-log",
        "timeout",
        "timeout-sacct-only",
        "timeout-log-only",
        "scancel",
        "scancel-log-only",
        "command-failed",
        "command-failed-log-only",
        "node-fail",
        "completed",
        "running",
        "nothing-known",
    ],
)
def test_classify(sacct, log, expected):
    assert classify(sacct, log) is expected


def test_classify_skips_a_header_line():
    header = "|".join(retry.SACCT_FIELDS) + "\n"
    assert classify(header + TIMEOUT_SACCT, "") is Failure.TIMEOUT


def test_classify_with_other_fields():
    assert classify("5|TIMEOUT\n5.batch|CANCELLED\n", "", fields=("JobID", "State")) is (
        Failure.TIMEOUT
    )


def test_cancelled_batch_step_of_an_oom_job_is_not_a_cancellation():
    # the .batch step says "CANCELLED by 0", the job FAILED: OOM wins
    assert classify(OOM_SACCT, OOM_LOG) is Failure.OUT_OF_MEMORY


# --- escalate


OOM, TO, CAN, OTH = Failure.OUT_OF_MEMORY, Failure.TIMEOUT, Failure.CANCELLED, Failure.OTHER


@pytest.mark.parametrize(
    ("failures", "memory", "runtime"),
    [
        ([], 4096, 30),
        ([OOM], 8192, 30),
        ([TO], 4096, 60),
        ([CAN], 4096, 30),
        ([OTH], 4096, 30),
        ([OOM, OOM], 16384, 30),
        ([OOM, TO], 8192, 60),
        ([OOM, OOM, OOM, OOM, OOM], 65536, 30),  # capped at the limit
        ([TO, TO, TO, TO, TO, TO], 4096, 480),
    ],
)
def test_escalate(failures, memory, runtime):
    assert escalate(4096, 65536, failures, "memory") == memory
    assert escalate(30, 480, failures, "runtime") == runtime


def test_escalate_never_goes_below_base():
    assert escalate(8192, 4096, [OOM], "memory") == 8192


# --- request: which attempts count, and the cap


def attempts(*failures: tuple[str, str]) -> list[Attempt]:
    return [
        Attempt(jobid=str(i), sacct_text=sacct, log_text=log)
        for i, (sacct, log) in enumerate(failures, start=1)
    ]


def test_request_first_attempt_is_base_whatever_the_history():
    history = attempts((OOM_SACCT, OOM_LOG))
    assert retry.request("run_member", {"member": "003"}, 1, 4096, 65536, "memory", history) == 4096


def test_request_oom_raises_memory_only():
    history = attempts((OOM_SACCT, OOM_LOG))
    assert retry.request("r", {}, 2, 4096, 65536, "memory", history) == 8192
    assert retry.request("r", {}, 2, 30, 480, "runtime", history) == 30


def test_request_timeout_raises_runtime_only():
    history = attempts((TIMEOUT_SACCT, TIMEOUT_LOG))
    assert retry.request("r", {}, 2, 4096, 65536, "memory", history) == 4096
    assert retry.request("r", {}, 2, 30, 480, "runtime", history) == 60


def test_request_considers_only_the_newest_attempt_minus_one_jobs():
    # an OOM from an earlier run, then this run's first attempt was cancelled
    history = attempts((OOM_SACCT, OOM_LOG), (CANCELLED_SACCT, CANCELLED_LOG))
    assert retry.request("r", {}, 2, 4096, 65536, "memory", history) == 4096
    assert retry.request("r", {}, 3, 4096, 65536, "memory", history) == 8192


def test_request_other_failure_after_oom_keeps_the_raised_memory():
    history = attempts((OOM_SACCT, OOM_LOG), (FAILED_SACCT, FAILED_LOG))
    assert retry.request("r", {}, 3, 4096, 65536, "memory", history) == 8192


def test_request_without_history_is_base():
    assert retry.request("r", {}, 3, 4096, 65536, "memory", []) == 4096


def test_request_at_the_memory_limit_says_what_and_where():
    history = [
        Attempt("41", OOM_SACCT, OOM_LOG),
        Attempt("42", OOM_SACCT, OOM_LOG, log_path=Path("x/42.log")),
    ]
    with pytest.raises(LimitReached) as info:
        retry.request("run_member", {"member": "003"}, 3, 4096, 8192, "memory", history)
    assert str(info.value) == (
        "run_member (member=003) ran out of memory at the limit of 8192 MiB "
        "(SLURM job 42, log x/42.log); raise limits.memory in your backend YAML "
        "(config/backends/<env>.yaml), then `wavecast profiles build`"
    )


def test_request_at_the_runtime_limit_says_what_and_where():
    history = [Attempt("7", TIMEOUT_SACCT, TIMEOUT_LOG)]
    with pytest.raises(LimitReached) as info:
        retry.request("build_grid", {}, 2, 60, 60, "runtime", history)
    assert str(info.value) == (
        "build_grid ran out of time at the limit of 60 minutes (SLURM job 7); "
        "raise limits.timeout in your backend YAML (config/backends/<env>.yaml), "
        "then `wavecast profiles build`"
    )


def test_limit_reached_is_a_workflow_error():
    from snakemake_interface_common.exceptions import WorkflowError

    assert issubclass(LimitReached, WorkflowError)


# --- log directory and sacct fetching (files in tmp_path, sacct stubbed)


def write_log(root: Path, rule: str, sub: str, jobid: str, text: str) -> Path:
    path = root / f"rule_{rule}" / sub / f"{jobid}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("wildcards", "dirname"),
    [
        ({"member": "003"}, "003"),
        ({"region": "a/b", "member": "7"}, "a_b_7"),
        ({}, ""),
        (["x", "y"], "x_y"),
        ("003", "003"),
    ],
)
def test_wildcard_dirname_matches_the_plugin(wildcards, dirname):
    assert retry.wildcard_dirname(wildcards) == dirname


def test_wildcard_dirname_of_snakemake_wildcards():
    from snakemake.jobs import Wildcards

    wc = Wildcards(fromdict={"region": "a/b", "member": "003"})
    assert retry.wildcard_dirname(wc) == "a_b_003"
    assert retry.describe_job("run_member", wc) == "run_member (region=a/b, member=003)"


def test_job_logs_orders_by_job_id_and_skips_the_own_job(tmp_path, monkeypatch):
    for jobid in ("9", "10", "100"):
        write_log(tmp_path, "run_member", "003", jobid, "")
    write_log(tmp_path, "run_member", "003", "notes", "")
    write_log(tmp_path, "run_member", "004", "11", "")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    ids = [j for j, _ in retry.job_logs("run_member", {"member": "003"}, tmp_path)]
    assert ids == ["9", "10", "100"]
    monkeypatch.setenv("SLURM_JOB_ID", "100")
    ids = [j for j, _ in retry.job_logs("run_member", {"member": "003"}, tmp_path)]
    assert ids == ["9", "10"]


def test_fetch_without_sacct_uses_logs_only(tmp_path, monkeypatch):
    write_log(tmp_path, "run_member", "003", "2", OOM_LOG)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setattr(retry.shutil, "which", lambda name: None)
    (attempt,) = retry.fetch_attempt_history("run_member", {"member": "003"}, tmp_path)
    assert (attempt.jobid, attempt.sacct_text, attempt.failure) == ("2", "", OOM)


def test_fetch_splits_one_sacct_call_per_job(tmp_path, monkeypatch):
    write_log(tmp_path, "r", "", "2", OOM_LOG)
    write_log(tmp_path, "r", "", "3", TIMEOUT_LOG)
    write_log(tmp_path, "r", "", "4", CANCELLED_LOG)
    calls = []

    def fake_sacct(jobids, fields=retry.SACCT_FIELDS):
        calls.append(list(jobids))
        return OOM_SACCT + TIMEOUT_SACCT + CANCELLED_SACCT

    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setattr(retry, "run_sacct", fake_sacct)
    history = retry.fetch_attempt_history("r", {}, tmp_path, limit=2)
    assert calls == [["3", "4"]]
    assert [a.jobid for a in history] == ["3", "4"]
    assert history[0].sacct_text == TIMEOUT_SACCT.strip()
    assert [a.failure for a in history] == [TO, CAN]


def test_no_logs_no_history(tmp_path):
    assert retry.fetch_attempt_history("run_member", {"member": "003"}, tmp_path) == []


def test_mem_mb_and_runtime_read_the_log_directory(tmp_path, monkeypatch):
    write_log(tmp_path, "run_member", "003", "2", OOM_LOG)
    monkeypatch.setenv(retry.LOGDIR_ENV, str(tmp_path))
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setattr(retry.shutil, "which", lambda name: None)
    wc = {"member": "003"}
    assert retry.mem_mb("run_member", wc, 1, 4096, 65536) == 4096
    assert retry.mem_mb("run_member", wc, 2, 4096, 65536) == 8192
    assert retry.runtime("run_member", wc, 2, 30, 480) == 30
    # on the local executor (no slurm logs) a retry keeps the base values
    assert retry.mem_mb("build_grid", {}, 2, 1024, 65536) == 1024


def test_memory_and_runtime_of_one_attempt_ask_sacct_once(tmp_path, monkeypatch):
    """Snakemake evaluates both resources for each retry: one sacct call serves them (a stand-in
    sacct on PATH counts its calls and answers with the cluster's real lines)."""
    logs, bin_dir = tmp_path / "logs", tmp_path / "bin"
    write_log(logs, "run_member", "007", "2", OOM_LOG)
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    sacct = bin_dir / "sacct"
    sacct.write_text(f"#!/bin/sh\necho x >> {calls}\ncat <<'EOF'\n{OOM_SACCT.strip()}\nEOF\n")
    sacct.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(retry.LOGDIR_ENV, str(logs))
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    wc = {"member": "007"}
    assert retry.mem_mb("run_member", wc, 2, 4096, 65536) == 8192
    assert retry.runtime("run_member", wc, 2, 30, 480) == 30
    assert retry.mem_mb("run_member", wc, 2, 4096, 65536) == 8192
    assert calls.read_text().splitlines() == ["x"]


def test_mem_mb_inside_the_retried_job_sees_what_the_submitter_saw(tmp_path, monkeypatch):
    write_log(tmp_path, "run_member", "003", "2", OOM_LOG)
    write_log(tmp_path, "run_member", "003", "3", "")  # the running attempt's own log
    monkeypatch.setenv(retry.LOGDIR_ENV, str(tmp_path))
    monkeypatch.setenv("SLURM_JOB_ID", "3")
    monkeypatch.setattr(retry.shutil, "which", lambda name: None)
    assert retry.mem_mb("run_member", {"member": "003"}, 2, 4096, 65536) == 8192


def test_describe_job_without_wildcard_names():
    assert retry.describe_job("run_member", ["003"]) == "run_member (003)"
    assert retry.describe_job("build_grid", {}) == "build_grid"


#: The top of a real group job's log (plugin 2.8.0, Snakemake 9.27): the job step's command line.
GROUP_LOG = (
    "  Command: /venv/lib/python3.11/site-packages/snakemake/__main__.py --snakefile /w/Snakefile"
    " --target-jobs run_member:member=003 make_forcing:member=003 --allowed-rules make_forcing"
    " run_member --local-groupid a08 --cores all --attempt 1 --force --executor slurm-jobstep\n"
    "Building DAG of jobs...\n" + OOM_LOG
)


def test_target_jobs_reads_the_job_steps_command_line():
    assert retry.target_jobs(GROUP_LOG) == {
        ("run_member", frozenset({("member", "003")})),
        ("make_forcing", frozenset({("member", "003")})),
    }
    # a value holding a comma is double-quoted inside the shell-quoted spec
    line = """Command: x --target-jobs 'r:a="p,q",b=1' 'build_grid:' --cores 1"""
    assert retry.target_jobs(line) == {
        ("r", frozenset({("a", "p,q"), ("b", "1")})),
        ("build_grid", frozenset()),
    }
    assert retry.target_jobs("no command line here") == set()


def test_group_job_logs_count_for_the_rules_they_ran(tmp_path, monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    group = tmp_path / "group_member_make_forcing_run_member"
    group.mkdir()
    (group / "12.log").write_text(GROUP_LOG)
    (group / "13.log").write_text(GROUP_LOG.replace("=003", "=004"))
    # not an OOM: the 2000 MiB below can only come from the group job log
    write_log(tmp_path, "run_member", "003", "5", FAILED_LOG)
    ids = [j for j, _ in retry.job_logs("run_member", {"member": "003"}, tmp_path)]
    assert ids == ["5", "12"]
    assert [j for j, _ in retry.job_logs("make_forcing", {"member": "004"}, tmp_path)] == ["13"]
    assert retry.job_logs("plot_maps", {}, tmp_path) == []
    monkeypatch.setattr(retry.shutil, "which", lambda name: None)
    monkeypatch.setenv(retry.LOGDIR_ENV, str(tmp_path))
    assert retry.mem_mb("run_member", {"member": "003"}, 2, 1000, 8000) == 2000  # group's OOM


def array_log(first: str, execs: dict[int, str], own: str | None = None) -> str:
    """The top of an array task's log as plugin 2.8 writes it: the batch step's command line
    (the chunk's first job, plus the other tasks' commands as base64 JSON of hex(zlib(...)))
    then, unless the task died first, its own job step's header."""
    payload = base64.b64encode(
        json.dumps({str(i): zlib.compress(c.encode()).hex() for i, c in execs.items()}).encode()
    ).decode()
    text = (
        f"  Command: snakemake --target-jobs {first} --allowed-rules run_member --cores all "
        f"--slurm-jobstep-array-execs={payload}\n"
    )
    if own:
        text += f"  Command: snakemake --target-jobs {own} --cores all\n" + OOM_LOG
    return text


def test_array_task_logs_count_for_the_member_the_task_ran(tmp_path, monkeypatch):
    """Array tasks log to rule_<rule>/<array>_<task>.log (no wildcard folder). The task's job
    is its entry in the command line's payload, not the first header (the array's first job):
    checked with 80 tasks (the payload alone is over 64 KB) and with a task that died before
    printing its own header."""
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.delenv("SLURM_ARRAY_JOB_ID", raising=False)
    rule_dir = tmp_path / "rule_run_member"
    rule_dir.mkdir()
    # real commands are ~3 KB of paths and settings; stand-in: 8 uncompressible options each
    execs = {
        task: f"python -m snakemake --target-jobs 'run_member:member={task - 1:03d}' "
        + " ".join(f"--x{i}={hashlib.sha256(f'{task}/{i}'.encode()).hexdigest()}" for i in range(8))
        for task in range(2, 81)
    }
    first = "run_member:member=000"
    (rule_dir / "900_1.log").write_text(array_log(first, execs, own=first))
    (rule_dir / "900_26.log").write_text(array_log(first, execs, own="run_member:member=025"))
    (rule_dir / "900_41.log").write_text(array_log(first, execs))  # died before its header
    assert len((rule_dir / "900_26.log").read_text()) > 64 * 1024
    write_log(tmp_path, "run_member", "025", "950", FAILED_LOG)  # a later single-job attempt

    def ids(member: str) -> list[str]:
        return [j for j, _ in retry.job_logs("run_member", {"member": member}, tmp_path)]

    assert ids("000") == ["900_1"]
    assert ids("025") == ["900_26", "950"]
    assert ids("040") == ["900_41"]
    assert ids("001") == []
    # inside array task 900_26 itself, its own log is not an earlier attempt
    monkeypatch.setenv("SLURM_ARRAY_JOB_ID", "900")
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "26")
    assert ids("025") == ["950"]


def local_failure(jobid: int, member: str, status: int, when: str) -> str:
    """One failed attempt of run_member as the local executor logs it (Snakemake 9.27)."""
    return (
        f"[Sun Nov 22 11:50:{when} 2026]\n"
        "rule run_member:\n"
        f"    output: results/run_member/member_{member}.nc\n"
        f"    log: logs/run_member/member_{member}.log\n"
        f"    jobid: {jobid}\n"
        f"    wildcards: member={member}\n"
        "    resources: tmpdir=/tmp, runtime=60, enforce_runtime=1\n"
        "RuleException:\n"
        'CalledProcessError in file "/w/workflow/rules/simulate.smk", line 30:\n'
        f"Command 'set -euo pipefail;  python -m wavecast.stages run_member' returned non-zero "
        f"exit status {status}.\n"
        f"[Sun Nov 22 11:50:{when} 2026]\n"
        "Error in rule run_member:\n"
        "    message: None\n"
        f"    jobid: {jobid}\n"
        f"    log: logs/run_member/member_{member}.log (check log file(s) for error details)\n"
        f"Trying to restart job {jobid}.\n"
    )


def this_process_logs_to(run_log: Path, beside_an_oom_slurm_log: Path, mp) -> None:
    """This process is a Snakemake writing ``run_log``; run_member 003 also has an
    out-of-memory SLURM log (job 2, no sacct) in the log directory."""
    write_log(beside_an_oom_slurm_log, "run_member", "003", "2", OOM_LOG)
    mp.setenv(retry.LOGDIR_ENV, str(beside_an_oom_slurm_log))
    mp.delenv("SLURM_JOB_ID", raising=False)
    mp.setattr(retry.shutil, "which", lambda name: None)
    mp.setattr(retry, "own_run_log", lambda: run_log)


def test_a_local_retry_reads_this_processs_run_log(tmp_path, monkeypatch):
    """Exit status 124 (wavecast.deadline's stop) is a timeout; other exits change nothing."""
    run_log = tmp_path / "run.snakemake.log"
    run_log.write_text(
        local_failure(5, "003", 124, "23")
        + local_failure(6, "004", 1, "24")
        + local_failure(5, "003", 124, "30")
    )
    history = retry.run_log_history("run_member", {"member": "003"}, run_log)
    assert [(a.local, a.exit_status, a.failure) for a in history] == [(True, 124, TO)] * 2
    assert history[0].log_path == Path("logs/run_member/member_003.log")
    assert retry.run_log_history("run_member", {"member": "003"}, run_log, limit=1) == history[1:]
    (other,) = retry.run_log_history("run_member", {"member": "004"}, run_log)
    assert other.failure == Failure.OTHER
    assert retry.run_log_history("run_member", {"member": "005"}, run_log) == []

    # a SLURM log of an earlier production run in the same directory is not this run's
    this_process_logs_to(run_log, beside_an_oom_slurm_log=tmp_path / "slurm_logs", mp=monkeypatch)
    member = {"member": "003"}
    assert retry.runtime("run_member", member, 2, 60, 360) == 120
    assert retry.runtime("run_member", member, 3, 60, 360) == 240
    assert retry.mem_mb("run_member", member, 3, 4096, 16384) == 4096  # not the old OOM
    assert retry.runtime("run_member", {"member": "004"}, 2, 60, 360) == 60
    with pytest.raises(LimitReached) as err:
        retry.runtime("run_member", member, 3, 60, 120)
    assert str(err.value) == (
        "run_member (member=003) ran out of time at the limit of 120 minutes "
        "(log logs/run_member/member_003.log); raise limits.timeout in your backend YAML "
        "(config/backends/<env>.yaml), then `wavecast profiles build`"
    )


def test_a_slurm_runs_own_log_leaves_the_history_to_slurm(tmp_path, monkeypatch):
    """The submitting Snakemake of a SLURM run has a run log too: its SLURM logs decide."""
    run_log = tmp_path / "run.snakemake.log"
    run_log.write_text("SLURM run ID: 7f3c\n" + local_failure(5, "003", 124, "23"))
    this_process_logs_to(run_log, beside_an_oom_slurm_log=tmp_path / "slurm_logs", mp=monkeypatch)
    member = {"member": "003"}
    assert retry.mem_mb("run_member", member, 2, 4096, 16384) == 8192
    assert retry.runtime("run_member", member, 2, 60, 360) == 60


def test_without_a_run_log_a_local_retry_asks_the_same(tmp_path, monkeypatch):
    """A dry run, or a process that is not Snakemake, has no run log of its own."""
    monkeypatch.setenv(retry.LOGDIR_ENV, str(tmp_path))
    monkeypatch.setattr(retry, "own_run_log", lambda: None)
    assert retry.runtime("run_member", {"member": "009"}, 2, 60, 360) == 60
    assert retry.run_log_history("r", {}, tmp_path / "missing.log") == []
