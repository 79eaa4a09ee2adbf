"""The backend's timeout where the executor sets no limit: the job stops itself (wavecast.deadline).

The watchdog is proven on a real process, and the chain profile → Snakemake → job on a real
``snakemake`` run with the committed localdev profile. For Kubernetes the rendered profile is
what the pod's inner Snakemake receives (``--set-resources``, read in snakemake/spawn_jobs.py);
that the resource lands in the profile is tested in test_backends_landing.py, and no Kubernetes
API server runs here to start a pod.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wavecast.deadline import limit_seconds

from .common import SNAKEFILE, make_workdir, snakemake


@pytest.mark.parametrize(
    ("resources", "seconds"),
    [
        ({"runtime": 60, "enforce_runtime": 1}, 3600),
        ({"runtime": 7, "enforce_runtime": 1}, 420),
        ({"runtime": 60, "enforce_runtime": 0}, None),  # SLURM's own -t limit applies
        ({"runtime": 60}, None),  # no profile: the rule's default
        ({"runtime": 0, "enforce_runtime": 1}, None),
    ],
)
def test_the_limit_is_the_runtime_only_where_the_profile_asks(resources, seconds) -> None:
    assert limit_seconds(resources) == seconds


def job(tmp_path: Path, body: str) -> tuple[subprocess.CompletedProcess, str]:
    """A stage-like process: stderr routed to a log as stages.run does, then ``body``."""
    log = tmp_path / "job.log"
    code = textwrap.dedent(
        f"""
        from wavecast import deadline, stages
        stages._setup_logging({str(log)!r})
        {textwrap.indent(textwrap.dedent(body), "        ").strip()}
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return proc, log.read_text()


def test_a_job_past_its_limit_stops_with_a_traceback_in_its_log(tmp_path) -> None:
    """Stopped while a C loop holds the GIL (a Python timer thread could not run there)."""
    proc, log = job(
        tmp_path,
        """
        deadline.arm(1)
        sum(range(10**13))  # hours of work inside one C call
        """,
    )
    assert proc.returncode == 1, (proc.returncode, log)
    assert "runtime limit 1 s (the backend's timeout), enforced by this job" in log
    assert "Timeout (0:00:01)!" in log
    assert 'File "<string>", line ' in log  # where the job was when it was stopped


def test_a_job_done_within_its_limit_is_not_stopped_on_its_way_out(tmp_path) -> None:
    proc, log = job(
        tmp_path,
        """
        import time
        deadline.arm(1)
        deadline.disarm()
        time.sleep(2)
        """,
    )
    assert proc.returncode == 0, log
    assert "Timeout (" not in log


@pytest.mark.slow
def test_localdev_jobs_run_under_their_runtime_limit(tmp_path) -> None:
    """The committed localdev profile (local executor): a script rule and the shell rule."""
    work = make_workdir("small", tmp_path)
    profile = SNAKEFILE.parent / "profiles/localdev"
    snakemake(work, "--profile", str(profile), "--cores", "2", "results/run_member/member_000.nc")
    for log in ("build_grid/grid.log", "make_forcing/member_000.log", "run_member/member_000.log"):
        text = (work / "logs" / log).read_text()
        assert "runtime limit 3600 s (the backend's timeout), enforced by this job" in text, log
