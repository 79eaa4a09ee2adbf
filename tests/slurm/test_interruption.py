"""Killing snakemake mid-run: finished outputs are kept, unfinished jobs rerun, no output is left
half-written, and after SIGINT no SLURM job of the run is left in the queue (the plugin cancels
them). After SIGKILL nothing can cancel them: the operator's steps (scancel --name <run id>,
--unlock, the same command again) are what the test does."""

from __future__ import annotations

import signal
import subprocess

from tests.common import press_ctrl_c
from tests.slurm.helpers import (
    FAST_SLURM_SETTINGS,
    Workflow,
    account,
    interrupt,
    jobs_of_run,
    partition,
    queued,
    wait_until,
)

# Each output is written in two steps around a sleep, so a killed job would leave "start" only.
SNAKEFILE = """\
NAMES = ["quick", "slow1", "slow2"]


rule all:
    input:
        expand("out/{name}.txt", name=NAMES),


rule step:
    output:
        "out/{name}.txt",
    params:
        seconds=lambda wildcards: 1 if wildcards.name == "quick" else 60,
    shell:
        "echo start > {output}; sleep {params.seconds}; echo end >> {output}"
"""

COMPLETE = "start\nend\n"


def profile() -> dict:
    return {
        **FAST_SLURM_SETTINGS,
        "rerun-incomplete": True,  # as the rendered production profile has
        "default-resources": {
            "slurm_partition": partition(),
            "slurm_account": account(),
            "mem_mb": 400,
            "runtime": 5,
        },
    }


def start_and_wait_for_quick(wf: Workflow) -> tuple[subprocess.Popen, str]:
    """Start the run; return once the quick job has finished and a slow one is in SLURM."""
    proc = wf.start()
    uuid = wait_until(wf.run_uuid_so_far, 60, "the SLURM run id in snakemake's output")

    def quick_done_and_slow_queued():
        quick = wf.root / "out/quick.txt"
        return (
            quick.exists()
            and quick.read_text() == COMPLETE
            and "(Rule: step)" in wf.output_so_far()
            and queued(uuid)
        )

    wait_until(quick_done_and_slow_queued, 180, "the quick job to finish, a slow one queued")
    return proc, uuid


def assert_no_half_written_outputs(wf: Workflow) -> None:
    for path in sorted((wf.root / "out").glob("*.txt")):
        assert path.read_text() == COMPLETE, f"{path.name} is half-written"


def test_sigint_cancels_the_jobs_and_the_same_command_completes(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, profile())
    proc, uuid = start_and_wait_for_quick(wf)
    quick_mtime = (tmp_path / "out/quick.txt").stat().st_mtime_ns
    try:
        press_ctrl_c(proc, wf.root / "snakemake.out")
        first = wf.finish(proc, timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert first.returncode != 0
    wait_until(lambda: not queued(uuid), 30, f"no job of run {uuid} left in squeue")
    assert_no_half_written_outputs(wf)
    assert not (tmp_path / "out/slow1.txt").exists()
    assert not (tmp_path / "out/slow2.txt").exists()

    again = wf.run(timeout=600)
    assert again.returncode == 0, again.output[-4000:]
    assert_no_half_written_outputs(wf)
    assert (tmp_path / "out/quick.txt").stat().st_mtime_ns == quick_mtime, "quick was rerun"
    rerun_comments = sorted(r["Comment"] for r in jobs_of_run(again.run_uuid))
    assert rerun_comments == ["rule_step_wildcards_slow1", "rule_step_wildcards_slow2"]


def test_sigkill_then_the_operator_steps_complete_the_run(tmp_path):
    wf = Workflow(tmp_path, SNAKEFILE, profile())
    proc, uuid = start_and_wait_for_quick(wf)
    quick_mtime = (tmp_path / "out/quick.txt").stat().st_mtime_ns
    try:
        interrupt(proc, signal.SIGKILL)
        wf.finish(proc, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    orphans = queued(uuid)
    assert orphans, "SIGKILL cannot cancel: the run's jobs are expected to be still queued"
    # operator: cancel the orphans by the run id snakemake printed, unlock, same command again
    subprocess.run(["scancel", "--name", uuid], check=True)
    wait_until(lambda: not queued(uuid), 30, f"the orphaned jobs of run {uuid} to go")
    unlock = wf.run("--unlock", timeout=120)
    assert unlock.returncode == 0, unlock.output[-2000:]

    again = wf.run(timeout=600)
    assert again.returncode == 0, again.output[-4000:]
    assert_no_half_written_outputs(wf)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.txt")) == [
        "quick.txt",
        "slow1.txt",
        "slow2.txt",
    ]
    assert (tmp_path / "out/quick.txt").stat().st_mtime_ns == quick_mtime, "quick was rerun"
