"""Helpers for the integration tests against the local SLURM cluster (real sbatch, real sacct).

Each test writes a small self-contained workflow and a profile into ``tmp_path`` and runs the real
``snakemake`` there, so the tests never touch the repository's results/ or .snakemake/.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.common import default_sigint

#: sacct fields the tests read; ``Comment`` last because the plugin's comment has no ``|``.
SACCT_FIELDS = (
    "JobID",
    "JobName",
    "State",
    "ExitCode",
    "ReqMem",
    "Timelimit",
    "ReqCPUS",
    "AllocCPUS",
    "Partition",
    "Account",
    "MaxRSS",
    "Comment",
)

#: Status checks as fast as the plugin allows, so a test waits for SLURM, not for polling.
#: ``squeue``, not ``sacct``: plugin 2.8.0 reads sacct's "CANCELLED by 0" (a scancel) as still
#: running and waits forever; squeue says "CANCELLED". squeue needs MinJobAge (300 s here) above
#: the longest polling interval (180 s), else the plugin falls back to sacct itself.
FAST_SLURM_SETTINGS = {
    "executor": "slurm",
    "jobs": 4,
    "latency-wait": 5,
    "slurm-init-seconds-before-status-checks": 1,
    "slurm-status-command": "squeue",
    "printshellcmds": True,
}

RETRY = "__import__('wavecast.retry').retry"


def retry_expr(kind: str, rule: str, base: int, limit: int) -> str:
    """The resource expression the rendered profiles use (``kind``: mem_mb or runtime)."""
    return f"{RETRY}.{kind}('{rule}', wildcards, attempt, {base}, {limit})"


def partition() -> str:
    """The default partition of the running cluster (``debug`` from scripts/slurm-local-cluster)."""
    out = subprocess.run(
        ["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, check=True
    ).stdout.split()
    default = [p for p in out if p.endswith("*")]
    return (default or out)[0].rstrip("*")


def account() -> str:
    return os.environ.get("WAVECAST_SLURM_ACCOUNT", "wavecast")


def slurm_run_id(output: str) -> str | None:
    """The plugin's run id (the job name of every SLURM job of the run), the last one printed."""
    found = re.findall(r"SLURM run ID: (\S+)", output)
    return found[-1] if found else None


@dataclass
class Run:
    returncode: int
    output: str

    @property
    def run_uuid(self) -> str:
        """The plugin's run id, which is the SLURM job name of every job of this run."""
        found = slurm_run_id(self.output)
        assert found, "no 'SLURM run ID' in snakemake's output:\n" + self.output[-3000:]
        return found


class Workflow:
    """A Snakefile and a profile in a temporary directory, run with the real snakemake."""

    def __init__(self, root: Path, snakefile: str, profile: dict):
        self.root = root
        (root / "Snakefile").write_text(snakefile)
        self.write_profile(profile)

    def write_profile(self, profile: dict) -> None:
        (self.root / "profile").mkdir(exist_ok=True)
        (self.root / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "snakemake", "--profile", "profile", *args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("SLURM_")]:
            del env[key]
        return env

    def run(self, *args: str, timeout: float = 600) -> Run:
        done = subprocess.run(
            self.command(*args),
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(done.returncode, done.stdout)

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.root / "snakemake.out", "w")  # noqa: SIM115 - closed by finish()
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=default_sigint,  # Ctrl-C back, even when pytest runs in the background
        )

    def run_uuid_so_far(self) -> str | None:
        return slurm_run_id(self.output_so_far())

    def output_so_far(self) -> str:
        path = self.root / "snakemake.out"
        return path.read_text() if path.exists() else ""

    def finish(self, proc: subprocess.Popen, timeout: float = 600) -> Run:
        proc.wait(timeout=timeout)
        return Run(proc.returncode, self.output_so_far())


def wait_until(predicate: Callable[[], object], timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def interrupt(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    """Send ``sig`` to snakemake only (as Ctrl-C would reach it), never to its children."""
    os.kill(proc.pid, sig)


# --- SLURM queries


def sacct(*selector: str, fields=SACCT_FIELDS) -> list[dict[str, str]]:
    """Rows of ``sacct --parsable2`` for a selector such as ``("--name", uuid)``; jobs only."""
    out = subprocess.run(
        ["sacct", "-X", "--parsable2", "--noheader", "-o", ",".join(fields), *selector],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [
        dict(zip(fields, line.split("|", len(fields) - 1), strict=True))
        for line in out.splitlines()
        if line
    ]
    rows.sort(key=lambda r: int(r["JobID"].split("_")[0]))
    return rows


def jobs_of_run(run_uuid: str) -> list[dict[str, str]]:
    return sacct("--name", run_uuid, "--starttime", "now-1days")


def jobs_of_rule(run_uuids: list[str] | str, rule: str) -> list[dict[str, str]]:
    uuids = [run_uuids] if isinstance(run_uuids, str) else run_uuids
    rows = [row for uuid in uuids for row in jobs_of_run(uuid)]
    return [r for r in rows if r["Comment"].startswith(f"rule_{rule}")]


def wait_for_accounting(run_uuid: str, count: int, timeout: float = 30) -> list[dict[str, str]]:
    """sacct rows of a run once ``count`` jobs have ended (slurmdbd lags slurmctld briefly)."""

    def ended():
        rows = jobs_of_run(run_uuid)
        done = [r for r in rows if r["State"].split()[0] not in ("PENDING", "RUNNING")]
        return rows if len(done) >= count else None

    return wait_until(ended, timeout, f"{count} finished jobs of run {run_uuid} in sacct")


def queued(run_uuid: str) -> list[str]:
    """Job ids of a run that squeue still lists as pending, running or completing."""
    out = subprocess.run(
        ["squeue", "-h", "--name", run_uuid, "-o", "%i %T"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        line.split()[0]
        for line in out.splitlines()
        if line.split()[1] in ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED")
    ]


def running_jobs(run_uuid: str) -> list[str]:
    out = subprocess.run(
        ["squeue", "-h", "--name", run_uuid, "-t", "RUNNING", "-o", "%i"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def mem_mib(reqmem: str) -> int:
    """sacct ``ReqMem`` (``500M``, ``4G``, slurm 22.05 without the n/c suffix) in MiB."""
    value = reqmem.rstrip("nc")
    factor = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[value[-1]]
    return int(float(value[:-1]) * factor)


def minutes(timelimit: str) -> int:
    """sacct ``Timelimit`` (``00:05:00``, ``1-00:00:00``) in minutes."""
    days = 0
    if "-" in timelimit:
        d, timelimit = timelimit.split("-", 1)
        days = int(d)
    h, m, s = (int(x) for x in timelimit.split(":"))
    return days * 1440 + h * 60 + m + (1 if s else 0)
