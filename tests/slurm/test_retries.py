"""Failure-aware retries through the real SLURM executor plugin: an out-of-memory kill raises
memory only, a timeout raises runtime only, other failures and scancel retry unchanged, and the cap
stops the run with a message that names the stage and the key to raise."""

from __future__ import annotations

import subprocess

from tests.slurm.helpers import (
    FAST_SLURM_SETTINGS,
    Workflow,
    account,
    jobs_of_rule,
    mem_mib,
    minutes,
    partition,
    retry_expr,
    running_jobs,
    wait_for_accounting,
    wait_until,
)

# The job step (Snakemake inside the allocation) holds ~190 MB itself and counts against --mem:
# 500 MiB fails with a 450 MB allocation on top (~640 MB), 1000 MiB passes.
SNAKEFILE = """\
rule hog:
    output: "out/hog/{member}.txt"
    shell:
        "python3 -c 'import time; b = bytearray(450 * 1024 * 1024); time.sleep(3)'"
        " && echo ok > {output}"

rule sleeper:
    output: "out/sleeper/{member}.txt"
    params: seconds=lambda wildcards: int(wildcards.member)
    shell: "sleep {params.seconds} && echo ok > {output}"

rule seed:
    output: "out/seed/{member}.txt"
    shell: "echo seed > {output}"

rule grown:
    input: "out/seed/{member}.txt"
    output: "out/grown/{member}.txt"
    shell:
        "python3 -c 'import time; b = bytearray(450 * 1024 * 1024); time.sleep(3)'"
        " && cp {input} {output}"

rule flaky:
    output: "out/flaky/{member}.txt"
    shell:
        "if [ ! -e tried-{wildcards.member} ]; then touch tried-{wildcards.member};"
        " echo boom >&2; exit 3; fi; echo ok > {output}"
"""


def profile(mem_limit: int = 2000, runtime_base: int = 5, runtime_limit: int = 20) -> dict:
    resources = {
        "mem_mb": None,
        "runtime": None,
        "slurm_partition": partition(),
        "slurm_account": account(),
    }
    per_rule = {}
    for rule in ("hog", "sleeper", "flaky", "seed", "grown"):
        per_rule[rule] = dict(
            resources,
            mem_mb=retry_expr("mem_mb", rule, 500, mem_limit),
            runtime=retry_expr("runtime", rule, runtime_base, runtime_limit),
        )
    return {**FAST_SLURM_SETTINGS, "retries": 2, "set-resources": per_rule}


def requested(rows):
    return [(mem_mib(r["ReqMem"]), minutes(r["Timelimit"])) for r in rows]


def states(rows):
    return [r["State"].split()[0] for r in rows]


def test_out_of_memory_raises_memory_only(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, {**profile(), "slurm-keep-successful-logs": True})
    run = wf.run("out/hog/001.txt")
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(run.run_uuid, 2)
    rows = jobs_of_rule(run.run_uuid, "hog")
    assert states(rows) == ["FAILED", "COMPLETED"]
    assert requested(rows) == [(500, 5), (1000, 5)]
    assert all(r["Comment"] == "rule_hog_wildcards_001" for r in rows)
    assert (tmp_path / "out/hog/001.txt").read_text() == "ok\n"
    # The job step re-evaluates the expression inside the allocation (with --attempt 2): it must
    # agree with the submitter, so it must not count its own, still empty, log as an attempt.
    retried = tmp_path / f".snakemake/slurm_logs/rule_hog/001/{rows[1]['JobID']}.log"
    resources = [line for line in retried.read_text().splitlines() if "resources:" in line]
    assert resources and all("mem_mb=1000," in line for line in resources), resources


def test_out_of_memory_in_a_group_job_raises_memory_of_the_group(tmp_path):
    """A backend's ``groups`` put seed and grown in one SLURM job; grown's OOM kills that job,
    and the retry (one job again) asks for more memory: the history reads the group job's log."""
    groups = {"groups": {"seed": "pair", "grown": "pair"}}
    wf = Workflow(tmp_path, SNAKEFILE, {**profile(), **groups})
    run = wf.run("out/grown/001.txt")
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(run.run_uuid, 2)
    rows = jobs_of_rule(run.run_uuid, "pair")
    assert len(rows) == 2 and not jobs_of_rule(run.run_uuid, "seed"), "one job per attempt"
    assert states(rows) == ["FAILED", "COMPLETED"]
    # Snakemake sizes a group job: the largest memory of its rules, runtimes of rules that run
    # one after the other added up (5 + 5 minutes)
    assert requested(rows) == [(500, 10), (1000, 10)]
    assert (tmp_path / "out/grown/001.txt").read_text() == "seed\n"


def test_timeout_raises_runtime_only(tmp_path):
    # runtime 1 minute, the job needs 75 s: SLURM ends it TIMEOUT, the retry gets 2 minutes
    wf = Workflow(tmp_path, SNAKEFILE, profile(runtime_base=1, runtime_limit=4))
    run = wf.run("out/sleeper/75.txt", timeout=900)
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(run.run_uuid, 2)
    rows = jobs_of_rule(run.run_uuid, "sleeper")
    assert states(rows) == ["TIMEOUT", "COMPLETED"]
    assert requested(rows) == [(500, 1), (500, 2)]


def test_other_failure_retries_with_the_same_resources(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, profile())
    run = wf.run("out/flaky/001.txt")
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(run.run_uuid, 2)
    rows = jobs_of_rule(run.run_uuid, "flaky")
    assert states(rows) == ["FAILED", "COMPLETED"]
    assert requested(rows) == [(500, 5), (500, 5)]


def test_scancel_mid_run_is_retried_and_the_run_completes(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, profile())
    proc = wf.start("out/sleeper/30.txt")
    try:
        uuid = wait_until(wf.run_uuid_so_far, 60, "the SLURM run id in snakemake's output")
        (jobid,) = wait_until(lambda: running_jobs(uuid), 60, "the sleeper job to run")
        subprocess.run(["scancel", jobid], check=True)
        run = wf.finish(proc, timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(uuid, 2)
    rows = jobs_of_rule(uuid, "sleeper")
    assert states(rows) == ["CANCELLED", "COMPLETED"]
    assert requested(rows) == [(500, 5), (500, 5)]


def test_out_of_memory_at_the_limit_stops_with_a_clear_message(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, profile(mem_limit=500))
    run = wf.run("out/hog/002.txt")
    assert run.returncode != 0
    assert ("hog (member=002) ran out of memory at the limit of 500 MiB (SLURM job ") in run.output
    assert (
        "raise limits.memory in your backend YAML (config/backends/<env>.yaml), "
        "then `wavecast profiles build`"
    ) in run.output
    wait_for_accounting(run.run_uuid, 1)
    rows = jobs_of_rule(run.run_uuid, "hog")
    assert states(rows) == ["FAILED"], "no retry may be submitted once the cap is reached"
    assert not (tmp_path / "out/hog/002.txt").exists()


def test_out_of_memory_in_a_job_array_raises_memory(tmp_path):
    """Backend ``array_jobs``: both members run as tasks of one SLURM array and run out of
    memory; their logs are ``rule_hog/<array>_<task>.log`` (no wildcard folder), which the
    history must read so that the retry asks for more memory."""
    settings = {**profile(), "slurm-array-jobs": "hog", "slurm-keep-successful-logs": True}
    wf = Workflow(tmp_path, SNAKEFILE, settings)
    run = wf.run("out/hog/001.txt", "out/hog/002.txt")
    assert run.returncode == 0, run.output[-4000:]
    wait_for_accounting(run.run_uuid, 4)
    rows = jobs_of_rule(run.run_uuid, "hog")
    assert sorted(states(rows)) == ["COMPLETED", "COMPLETED", "FAILED", "FAILED"], rows
    assert "_" in rows[0]["JobID"], "the first attempt ran as a job array"
    # the plugin adds 1 MiB to an array's memory (--slurm-array-mem-increase); a retry may be
    # submitted as a single job or as an array, whichever Snakemake has ready
    for row in rows:
        (mem, runtime) = requested([row])[0]
        base = 1000 if row["State"] == "COMPLETED" else 500
        assert runtime == 5 and mem in (base, base + 1), row
