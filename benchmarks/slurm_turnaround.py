"""Turnaround of the real demo pipeline on SLURM: the executor plugin with the production
profile's settings, ungrouped and grouped, against the same jobs submitted as a raw
``sbatch --dependency=afterok`` chain (the floor).

The pipeline is the repository's ``Snakefile`` with ``config/config.yaml`` (8 members on a
200 x 200 grid: 23 Snakemake jobs, of which ``all`` and ``report_metrics`` are local rules and
21 go to SLURM). Every variant runs in its own scratch working directory, as
tests/slurm/test_pipeline_slurm.py does: ``config/config.yaml`` copied in, a backend YAML
written to ``<work>/config/backends/bench.yaml``, the profile rendered with
``wavecast profiles build bench --root <work>``, then::

    python -m snakemake -s <repo>/Snakefile -d <work> --profile <work>/profiles/bench

with SLURM_* variables removed from the environment.

Variants
--------
``plugin-ungrouped``
    ``config/backends/production.yaml`` with only what the local cluster needs changed: the
    default partition (sinfo), ``--account``, no qos/extra/container/env_vars (no apptainer
    here; env_vars need it), ``defaults: {cpu: 1, memory: 1g}``, ``stages: {}``, small
    ``limits``, ``latency_wait: 5``, and without ``groups``/``group_components``. Its status
    settings (``init_seconds_before_status_checks``, ``status_command``, ``status_attempts``)
    are kept.
``plugin-grouped``
    The same, keeping production.yaml's ``groups``/``group_components`` (the run stops when
    production.yaml has none, or the rendered profile lost them).
``raw-sbatch-afterok`` (the floor)
    The very jobs of the ``plugin-ungrouped`` run, without Snakemake's scheduler and polling. A
    shim ``sbatch`` records every submission's argv and stdin script (the plugin passes the job
    either with ``--wrap`` or as a script on stdin to ``sbatch ... /dev/stdin``). Once that run
    is over and accounted, ``<work>/results`` is deleted (config and ``.snakemake`` stay) and
    each recorded job is submitted again with the same argv and script, a job name
    ``raw-...`` instead of the plugin's ``--job-name``, and
    ``--dependency=afterok:<ids>`` on its upstream jobs. Rule and member of each job come from
    its ``--comment`` (``rule_<rule>[_wildcards_<member>]``); the rule edges are ``DEPENDS``
    below, checked against ``snakemake --rulegraph``; rules with a ``member`` wildcard are
    linked member to member, every other edge all-to-all. All jobs are submitted at once, then
    the last one (archive_run) is waited for with one squeue a second. All raw jobs must end
    COMPLETED and recreate every product of the plugin run. What the plugin run made for its
    jobs and removed at its end is created again first (empty): the job log directories,
    Snakemake's ``.snakemake/tmp.*`` directory every job step waits for, and the runtime
    source cache directory.

Measured per variant: wall seconds on the submitting side (spawn to exit of snakemake; for the
floor, first sbatch to the last job's COMPLETED in squeue), the sacct span (first Submit to
last End of the variant's jobs), the number of SLURM jobs, status calls per minute (sacct +
squeue made by the submitter itself; also counted with the plugin's ``scontrol show config``
before each check: all of them queries of slurmctld/slurmdbd) and sbatch calls. Shims first on
PATH log every sacct/squeue/sbatch/scontrol/scancel/sinfo call with a timestamp and the caller's
parent pids, so calls by the submitter are told apart from those of the local ``report_metrics`` job
(``wavecast metrics report`` reads sacct) and of job steps. The plugin's wall time includes
Snakemake's start-up, the local ``report_metrics`` job and shutdown; the floor has none of
these, the sacct spans compare the SLURM side alone.

    python benchmarks/slurm_turnaround.py      # needs scripts/slurm-local-cluster up
    python benchmarks/slurm_turnaround.py --repeat 3 --keep

Writes benchmarks/results/slurm_turnaround.json (experiment ``demo``: medians over the repeats
and every run) and prints a table; see docs/operators-slurm.md, "Turnaround".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import pipeline_dag
import yaml
from benchenv import REPO, git_state, venv_env, write_result
from pipeline_dag import LOCAL

from wavecast.metrics.slurm import parse_comment as comment_parts

HERE = Path(__file__).resolve().parent
SNAKEFILE = REPO / "Snakefile"
CONFIG = REPO / "config" / "config.yaml"
PRODUCTION = REPO / "config" / "backends" / "production.yaml"
RESULTS = HERE / "results" / "slurm_turnaround.json"
ENV = "bench"
COUNTED = ("sacct", "squeue", "sbatch", "scontrol", "scancel", "sinfo")
UNGROUPED, GROUPED, FLOOR = "plugin-ungrouped", "plugin-grouped", "raw-sbatch-afterok"
VARIANTS = (UNGROUPED, GROUPED, FLOOR)

#: Rule -> upstream rules of every rule that runs as a SLURM job (checked against
#: ``snakemake --rulegraph`` before the runs).
DEPENDS = {rule: up for rule, up in pipeline_dag.DEPENDS.items() if rule not in LOCAL}
VARIANT_DESCRIPTIONS = {
    UNGROUPED: "executor plugin, production.yaml adapted to the local cluster, no groups",
    GROUPED: "the same with production's groups (member: make_forcing+run_member per member; "
    "post: summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run)",
    FLOOR: "the plugin-ungrouped run's own sbatch calls (argv + script) submitted again at once "
    "as an sbatch --dependency=afterok chain along the rule graph; squeue once a second",
}
#: Profile keys recorded with the results (besides every ``slurm-*`` key).
PROFILE_KEYS = ("executor", "jobs", "retries", "latency-wait", "groups", "group-components")
FINAL_STATES = ("", "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL")

SH_SHIM = """#!/bin/sh
read -r _ _ _ gppid _ < /proc/$PPID/stat
printf '%s %s %s %s\\n' "$(date +%s.%N)" {tool} "$PPID" "$gppid" >> {log}
exec {real} "$@"
"""

SBATCH_SHIM = """#!{python} -IS
import json, os, subprocess, sys, time
stamp = time.time()
ppid = os.getppid()
with open(f"/proc/{{ppid}}/stat") as f:
    gppid = f.read().rsplit(")", 1)[1].split()[1]
with open({log!r}, "a") as f:
    f.write(f"{{stamp:.6f}} sbatch {{ppid}} {{gppid}}\\n")
argv = sys.argv[1:]
script = sys.stdin.read() if "/dev/stdin" in argv else None
done = subprocess.run([{real!r}, *argv], input=script, capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
record = {{"time": stamp, "ppid": ppid, "gppid": int(gppid), "argv": argv, "stdin": script,
          "stdout": done.stdout, "returncode": done.returncode}}
fd = os.open({capture!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(fd, (json.dumps(record) + "\\n").encode())
os.close(fd)
sys.exit(done.returncode)
"""


@dataclass
class Shims:
    """A directory of shims to put first on PATH, the call log and the sbatch capture."""

    directory: Path
    log: Path
    capture: Path


@dataclass
class Submission:
    """One sbatch call of the plugin: what to submit again for the floor."""

    argv: list[str]
    stdin: str | None
    jobid: str
    rule: str
    member: str | None


# ---------------------------------------------------------------- cluster and environment


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def default_partition() -> str:
    names = run(["sinfo", "-h", "-o", "%P"], check=True).stdout.split()
    default = [p for p in names if p.endswith("*")]
    return (default or names)[0].rstrip("*")


def make_shims(directory: Path) -> Shims:
    """sacct, squeue, ... that log ``time tool ppid gppid`` per call and run the real tool;
    the sbatch shim also appends its argv, stdin script and output to the capture file."""
    directory.mkdir(parents=True, exist_ok=True)
    shims = Shims(directory, directory / "calls.log", directory / "sbatch-capture.jsonl")
    for tool in COUNTED:
        real = shutil.which(tool)
        if real is None:
            continue
        shim = directory / tool
        if tool == "sbatch":
            text = SBATCH_SHIM.format(
                python=sys.executable, log=str(shims.log), real=real, capture=str(shims.capture)
            )
        else:
            text = SH_SHIM.format(tool=tool, log=shims.log, real=real)
        shim.write_text(text)
        shim.chmod(0o755)
    return shims


def child_env(shims: Shims) -> dict[str, str]:
    """This environment without SLURM_*, with the shims and then the venv first on PATH."""
    return {k: v for k, v in venv_env(shims.directory).items() if not k.startswith("SLURM_")}


def count_calls(shims: Shims, caller: int, start: float, end: float) -> dict[str, dict[str, int]]:
    """Calls per tool in [start, end]: by ``caller`` (its child or grandchild) and by others."""
    found = {"submitter": dict.fromkeys(COUNTED, 0), "others": dict.fromkeys(COUNTED, 0)}
    if shims.log.exists():
        for line in shims.log.read_text().splitlines():
            stamp, tool, ppid, gppid = line.split()
            if start <= float(stamp) <= end:
                who = "submitter" if caller in (int(ppid), int(gppid)) else "others"
                found[who][tool] += 1
    return found


def others_jobs_during(start: float, end: float, own_name: str) -> int:
    """Jobs not named ``own_name`` that ran on the cluster between ``start`` and ``end``."""
    fields = ["JobName", "Start", "End"]
    since = datetime.fromtimestamp(start - 86400).strftime("%Y-%m-%dT%H:%M:%S")
    out = run(
        ["sacct", "-X", "-a", "--parsable2", "--noheader", "-S", since, "-o", ",".join(fields)],
        check=False,
    ).stdout
    count = 0
    for line in out.splitlines():
        name, began, ended = line.split("|")
        if name == own_name or began in ("Unknown", "None", ""):
            continue
        running = ended in ("Unknown", "")
        stop = time.time() if running else datetime.fromisoformat(ended).timestamp()
        count += datetime.fromisoformat(began).timestamp() < end and stop > start
    return count


def queue_length() -> int:
    """Jobs anyone has in the queue now (others' work skews a run)."""
    return len(run(["squeue", "-h", "-o", "%i"], check=False).stdout.split())


# ---------------------------------------------------------------- accounting


def sacct_rows(selector: list[str], since: float, count: int) -> list[dict[str, str]]:
    """sacct rows (allocations only) once ``count`` jobs have an End (slurmdbd lags)."""
    fields = ["JobID", "JobName", "State", "Submit", "Start", "End", "Elapsed", "Comment"]
    start = (datetime.fromtimestamp(since) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    rows: list[dict[str, str]] = []
    for _ in range(90):
        out = run(
            ["sacct", "-X", "--parsable2", "--noheader", "-S", start, "-o", ",".join(fields)]
            + selector,
            check=True,
        ).stdout
        rows = [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines()]
        if len(rows) >= count and all(r["End"] not in ("Unknown", "") for r in rows):
            return rows
        time.sleep(1)
    raise SystemExit(f"sacct {selector}: {len(rows)} of {count} jobs ended after 90 s: {rows}")


def sacct_span(rows: list[dict[str, str]]) -> float:
    """Seconds from the first job's Submit to the last job's End."""
    submit = min(datetime.fromisoformat(r["Submit"]) for r in rows)
    end = max(datetime.fromisoformat(r["End"]) for r in rows)
    return (end - submit).total_seconds()


# ---------------------------------------------------------------- the pipeline


def pipeline_shape() -> dict[str, Any]:
    config = yaml.safe_load(CONFIG.read_text())
    return {
        "snakefile": "Snakefile",
        "config": "config/config.yaml",
        "members": config["ensemble"]["members"],
        "grid": f"{config['grid']['nx']}x{config['grid']['ny']}",
        "local_rules": sorted(LOCAL),
        "rule_edges": {rule: sorted(up) for rule, up in DEPENDS.items()},
    }


def new_workdir(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    (work / "config" / "backends").mkdir(parents=True)
    shutil.copy(CONFIG, work / "config" / "config.yaml")


def rule_graph(work: Path, env: dict[str, str]) -> dict[str, set[str]]:
    """Rule -> upstream rules, from ``snakemake --rulegraph`` in a scratch copy."""
    new_workdir(work)
    deps = pipeline_dag.rule_graph([sys.executable, "-m", "snakemake"], SNAKEFILE, work, env)
    shutil.rmtree(work)
    return deps


def check_rule_graph(graph: dict[str, set[str]]) -> None:
    """``DEPENDS`` must be the rule graph minus the local rules."""
    found = {r: up - LOCAL for r, up in graph.items() if r not in LOCAL}
    if found != DEPENDS or set(graph) - set(found) != LOCAL:
        raise SystemExit(f"the rule graph changed; update DEPENDS/LOCAL:\n{graph}")


def result_files(work: Path) -> set[str]:
    """Products under ``results/`` written by SLURM jobs (report_metrics runs locally)."""
    return {
        str(p.relative_to(work))
        for p in (work / "results").rglob("*")
        if p.is_file() and "report_metrics" not in p.parts
    }


# ---------------------------------------------------------------- the plugin variants


def backend_for(variant: str, account: str) -> dict[str, Any]:
    """Backend YAML data of ``variant``: production.yaml adapted to the local cluster."""
    backend = yaml.safe_load(PRODUCTION.read_text())
    # env_vars reach jobs only through apptainer --env: without a container they are refused
    for key in ("qos", "extra", "container", "env_vars"):
        backend.pop(key, None)
    backend.update(
        partition=default_partition(),
        account=account,
        defaults={"cpu": 1, "memory": "1g"},
        stages={},
        limits={"cpu": 2, "memory": "4g", "timeout": 86400},
        latency_wait=5,
    )
    if variant == UNGROUPED:
        backend.pop("groups", None)
        backend.pop("group_components", None)
    elif "groups" not in backend:
        raise SystemExit(f"{PRODUCTION} has no groups: nothing to measure as {variant}")
    return backend


def build_profile(work: Path, backend: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Write the backend YAML, render the profile with wavecast, return the profile's data."""
    (work / "config" / "backends" / f"{ENV}.yaml").write_text(yaml.safe_dump(backend))
    cmd = [sys.executable, "-m", "wavecast.cli.main", "profiles", "build", ENV]
    done = run([*cmd, "--root", str(work)], cwd=work, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wavecast profiles build failed:\n{done.stdout}\n{done.stderr}")
    return yaml.safe_load((work / "profiles" / ENV / "profile.yaml").read_text())


def profile_keys(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if k in PROFILE_KEYS or k.startswith("slurm-")}


def run_plugin(variant: str, work: Path, account: str, shims: Shims) -> dict[str, Any]:
    """One pipeline run through the executor plugin in a fresh ``work``."""
    env = child_env(shims)
    new_workdir(work)
    backend = backend_for(variant, account)
    profile = build_profile(work, backend, env)
    if "groups" in backend and "groups" not in profile:
        raise SystemExit("production.yaml has groups but the rendered profile has none")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(work)]
    cmd += ["--profile", str(work / "profiles" / ENV)]
    queue = queue_length()
    start = time.time()
    proc = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = proc.communicate()[0].decode(errors="replace")
    wall = time.time() - start
    (work / "snakemake.log").write_text(output)
    if proc.returncode != 0:
        raise SystemExit(f"snakemake ({variant}) failed:\n{output[-4000:]}")
    uuid = re.findall(r"SLURM run ID: (\S+)", output)[-1]
    submitted = len(re.findall(r"has been submitted with SLURM jobid", output))
    rows = sacct_rows(["--name", uuid], start, submitted)
    calls = count_calls(shims, proc.pid, start, start + wall)
    total = re.findall(r"^total\s+(\d+)", output, re.M)
    return {
        **measured(variant, wall, rows, calls, queue),
        "snakemake_jobs": int(total[0]) if total else None,
        "others_jobs_during": others_jobs_during(start, start + wall, uuid),
        "run_id": uuid,
        "snakemake_pid": proc.pid,
        "started": start,
        "ended": start + wall,
        "backend": backend,
        "profile_keys": profile_keys(profile),
    }


def measured(
    variant: str, wall: float, rows: list[dict[str, str]], calls: dict, queue: int
) -> dict[str, Any]:
    """The figures every variant reports: wall, sacct span, jobs, call rates."""
    return {
        "variant": variant,
        "wall_seconds": round(wall, 1),
        "sacct_span_seconds": sacct_span(rows),
        "slurm_jobs": len(rows),
        "states": sorted({r["State"] for r in rows}),
        "status_calls_per_minute": status_rate(calls["submitter"], wall),
        "controller_calls_per_minute": controller_rate(calls["submitter"], wall),
        "sbatch_calls": calls["submitter"]["sbatch"],
        "calls": calls,
        "queue_at_start": queue,
    }


def status_rate(calls: dict[str, int], wall: float) -> float:
    """sacct + squeue calls per minute (the status checks proper)."""
    return round((calls["sacct"] + calls["squeue"]) / (wall / 60), 1)


def controller_rate(calls: dict[str, int], wall: float) -> float:
    """Every query of slurmctld/slurmdbd per minute: status checks plus the plugin's
    ``scontrol show config`` (MinJobAge) before each of them."""
    return round((calls["sacct"] + calls["squeue"] + calls["scontrol"]) / (wall / 60), 1)


# ---------------------------------------------------------------- the floor


def parse_comment(comment: str) -> tuple[str, str | None]:
    """``rule_<rule>[_wildcards_<member>]`` -> (rule, member), a rule of the workflow."""
    rule, member = comment_parts(comment)
    if rule not in DEPENDS:
        raise SystemExit(f"job comment {comment!r} names no SLURM rule of the workflow")
    return rule, member


def option_value(argv: list[str], long: str, short: str | None = None) -> str | None:
    for i, arg in enumerate(argv):
        if arg in (long, short) and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(long + "="):
            return arg.split("=", 1)[1]
        if short and arg.startswith(short) and len(arg) > len(short) and arg[1] != "-":
            return arg[len(short) :]
    return None


def without_option(argv: list[str], long: str, short: str) -> list[str]:
    """``argv`` without ``--long V``, ``--long=V``, ``-s V`` and ``-sV``."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in (long, short):
            skip = True
        elif not (arg.startswith(long + "=") or (arg.startswith(short) and arg[1] != "-")):
            out.append(arg)
    return out


def captured_submissions(shims: Shims, plugin_run: dict[str, Any]) -> list[Submission]:
    """The successful sbatch calls of ``plugin_run`` (the last one per job, should a job have
    been retried), in topological order of their rules."""
    caller = plugin_run["snakemake_pid"]
    by_comment: dict[str, Submission] = {}
    for line in shims.capture.read_text().splitlines():
        record = json.loads(line)
        if (
            caller not in (record["ppid"], record["gppid"])
            or not plugin_run["started"] <= record["time"] <= plugin_run["ended"]
            or record["returncode"] != 0
        ):
            continue
        comment = option_value(record["argv"], "--comment")
        if comment is None:
            raise SystemExit(f"sbatch call without --comment: {record['argv']}")
        rule, member = parse_comment(comment)
        jobid = record["stdout"].strip().split(";")[0]
        by_comment[comment] = Submission(record["argv"], record["stdin"], jobid, rule, member)
    order = topological_rules()
    return sorted(by_comment.values(), key=lambda s: (order.index(s.rule), s.member or ""))


def topological_rules() -> list[str]:
    order: list[str] = []
    while len(order) < len(DEPENDS):
        order += sorted(r for r, up in DEPENDS.items() if r not in order and up <= set(order))
    return order


def upstream(job: Submission, submitted: list[tuple[Submission, str]]) -> list[str]:
    """New job ids ``job`` waits for: member to member within member rules, else all."""
    ids = []
    for done, new_id in submitted:
        if done.rule not in DEPENDS[job.rule]:
            continue
        if job.member is None or done.member is None or done.member == job.member:
            ids.append(new_id)
    return ids


def raw_argv(job: Submission, name: str, after: list[str]) -> list[str]:
    """The plugin's argv with job name ``name`` and the afterok dependencies in front."""
    argv = without_option(job.argv, "--job-name", "-J")
    argv = without_option(argv, "--dependency", "-d")
    dep = ["--dependency=afterok:" + ":".join(after)] if after else []
    return ["-J", name, *dep, *argv]


def job_command(job: Submission) -> list[str]:
    """The words of the job's command (its stdin script or ``--wrap`` value)."""
    return shlex.split(job.stdin or option_value(job.argv, "--wrap") or "")


def recreate_run_paths(jobs: list[Submission]) -> list[Path]:
    """Create again what the plugin run made for its jobs and removed at its end: the job log
    directories (plugin: successful jobs' logs and their directories are deleted), Snakemake's
    per-run ``.snakemake/tmp.*`` directory that every job step waits for
    (``--wait-for-files``), and the runtime source cache (``--runtime-source-cache-path``).
    Returns the paths created (to remove the source cache afterwards)."""
    wanted: set[Path] = set()
    for job in jobs:
        log = option_value(job.argv, "--output")
        if log:
            wanted.add(Path(log).parent)
        words = job_command(job)
        for i, word in enumerate(words[:-1]):
            if word == "--runtime-source-cache-path":
                wanted.add(Path(words[i + 1]))
            if word == "--wait-for-files":
                for path in words[i + 1 :]:
                    if path.startswith("--"):
                        break
                    if "/.snakemake/tmp." in path:
                        wanted.add(Path(path))
    created = sorted(p for p in wanted if not p.exists())
    for path in created:
        path.mkdir(parents=True)
    return created


def wait_for_job(jobid: str, env: dict[str, str], timeout: float) -> str:
    """Poll squeue once a second until ``jobid`` is done; its last state."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = run(["squeue", "-h", "-j", jobid, "-o", "%T|%r"], env=env, check=False).stdout
        state, _, reason = out.strip().partition("|")
        if state in FINAL_STATES:
            return state or "GONE"
        if reason == "DependencyNeverSatisfied":
            return f"PENDING ({reason})"
        time.sleep(1)
    return "TIMEOUT (benchmark)"


def run_raw_chain(work: Path, jobs: list[Submission], shims: Shims, timeout: float) -> dict:
    """The plugin run's jobs again, as one afterok chain submitted at once: the floor."""
    env = child_env(shims)
    expected = result_files(work)
    shutil.rmtree(work / "results")
    created = recreate_run_paths(jobs)
    name = f"raw-{os.getpid()}-{time.time_ns()}"
    queue = queue_length()
    start = time.time()
    submitted: list[tuple[Submission, str]] = []
    for job in jobs:
        argv = raw_argv(job, name, upstream(job, submitted))
        done = run(["sbatch", *argv], input=job.stdin, env=env, cwd=work, check=False)
        if done.returncode != 0:
            run(["scancel", "--name", name], check=False)
            raise SystemExit(f"sbatch {argv} failed: {done.stderr}")
        submitted.append((job, done.stdout.strip().split(";")[0]))
    last_state = wait_for_job(submitted[-1][1], env, timeout)
    wall = time.time() - start
    if last_state not in ("COMPLETED", "GONE"):
        run(["scancel", "--name", name], check=False)
        raise SystemExit(f"raw chain: last job {submitted[-1][1]} ended {last_state}")
    rows = sacct_rows(["--name", name], start, len(jobs))
    calls = count_calls(shims, os.getpid(), start, start + wall)
    for path in created:
        if "source-cache" in path.parts:
            shutil.rmtree(path, ignore_errors=True)
    missing = sorted(expected - result_files(work))
    if any(r["State"] != "COMPLETED" for r in rows) or missing:
        raise SystemExit(f"raw chain incomplete: states {rows}, missing products {missing}")
    return {
        **measured(FLOOR, wall, rows, calls, queue),
        "job_name": name,
        "products_recreated": len(expected),
        "dependencies": {
            f"{job.rule}[{job.member}]" if job.member else job.rule: upstream(job, submitted[:i])
            for i, (job, _) in enumerate(submitted)
        },
        "passes_script_on_stdin": any(job.stdin is not None for job in jobs),
        "recreated_paths": [str(p) for p in created],
        "others_jobs_during": others_jobs_during(start, start + wall, name),
    }


# ---------------------------------------------------------------- results


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per variant: medians over the repeats and the ratios to the floor's medians."""

    def median(variant: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["variant"] == variant)

    floor_wall = median(FLOOR, "wall_seconds")
    floor_span = median(FLOOR, "sacct_span_seconds")
    summary = {}
    for variant in VARIANTS:
        wall = median(variant, "wall_seconds")
        span = median(variant, "sacct_span_seconds")
        summary[variant] = {
            "median_wall_seconds": wall,
            "median_sacct_span_seconds": span,
            "slurm_jobs": median(variant, "slurm_jobs"),
            "median_status_calls_per_minute": median(variant, "status_calls_per_minute"),
            "median_controller_calls_per_minute": median(variant, "controller_calls_per_minute"),
            "median_sbatch_calls": median(variant, "sbatch_calls"),
            "ratio_to_floor": round(wall / floor_wall, 2),
            "span_ratio_to_floor": round(span / floor_span, 2),
        }
    return summary


def machine_info() -> dict[str, Any]:
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "slurm": run(["sinfo", "--version"], check=False).stdout.strip(),
        "partition": default_partition(),
        "python": platform.python_version(),
        "snakemake": metadata.version("snakemake"),
        "snakemake-executor-plugin-slurm": metadata.version("snakemake-executor-plugin-slurm"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(summary: dict[str, dict[str, Any]]) -> None:
    head = ("variant", "wall s", "span s", "jobs", "status/min", "+scontrol", "sbatch")
    head += ("x floor", "span x")
    print("  ".join(f"{h:>10}" if i else f"{h:<20}" for i, h in enumerate(head)))
    for variant, s in summary.items():
        cells = (
            s["median_wall_seconds"],
            s["median_sacct_span_seconds"],
            s["slurm_jobs"],
            s["median_status_calls_per_minute"],
            s["median_controller_calls_per_minute"],
            s["median_sbatch_calls"],
            s["ratio_to_floor"],
            s["span_ratio_to_floor"],
        )
        print(f"{variant:<20}  " + "  ".join(f"{c:>10}" for c in cells))


def one_repeat(scratch: Path, account: str, shims: Shims, timeout: float) -> list[dict]:
    """plugin-ungrouped, the floor from its captured jobs, then plugin-grouped."""
    ungrouped = run_plugin(UNGROUPED, scratch / UNGROUPED, account, shims)
    print(f"{UNGROUPED}: {ungrouped['wall_seconds']} s", flush=True)
    jobs = captured_submissions(shims, ungrouped)
    if {job.rule for job in jobs} != set(DEPENDS) or len(jobs) != ungrouped["slurm_jobs"]:
        raise SystemExit(f"captured {len(jobs)} sbatch calls, sacct has {ungrouped['slurm_jobs']}")
    floor = run_raw_chain(scratch / UNGROUPED, jobs, shims, timeout)
    print(f"{FLOOR}: {floor['wall_seconds']} s", flush=True)
    grouped = run_plugin(GROUPED, scratch / GROUPED, account, shims)
    print(f"{GROUPED}: {grouped['wall_seconds']} s", flush=True)
    return [ungrouped, floor, grouped]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--account", default=os.environ.get("WAVECAST_SLURM_ACCOUNT", "wavecast"))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the raw chain")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="wavecast-slurm-turnaround-"))
    shims = make_shims(scratch / "shims")
    machine = machine_info()
    git = git_state()
    check_rule_graph(rule_graph(scratch / "rulegraph", child_env(shims)))
    date = datetime.now().astimezone().isoformat(timespec="seconds")
    runs: list[dict[str, Any]] = []
    try:
        for _ in range(args.repeat):
            runs += one_repeat(scratch, args.account, shims, args.timeout)
    except BaseException:
        print(f"failed; scratch directory kept: {scratch}", file=sys.stderr)
        raise
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    summary = summarise(runs)
    plugin_runs = {r["variant"]: r for r in runs if r["variant"] != FLOOR}
    result = {
        "benchmark": "slurm_turnaround",
        "experiments": {
            "demo": {
                "pipeline": pipeline_shape(),
                "variants": VARIANT_DESCRIPTIONS,
                "target_ratio_to_floor": 1.3,
                "repeats": args.repeat,
                "floor": FLOOR,
                "summary": summary,
                "profiles": {
                    v: {
                        "profile_keys": r["profile_keys"],
                    }
                    for v, r in plugin_runs.items()
                },
                "runs": runs,
                "date": date,
                "git": git,
                "machine": machine,
            }
        },
    }
    write_result(args.output, result)
    print_table(summary)
    if args.keep:
        print(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
