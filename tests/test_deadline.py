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
    """A stage-like process (job.py): stderr routed to a log as stages.run does, then ``body``."""
    log = tmp_path / "job.log"
    head = f"from wavecast import deadline, stages\nstages._setup_logging({str(log)!r})\n"
    script = tmp_path / "job.py"
    script.write_text(head + textwrap.dedent(body))
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    return proc, log.read_text()


def test_a_job_past_its_limit_stops_with_where_it_was_and_leaves_no_temp_file(tmp_path) -> None:
    proc, log = job(
        tmp_path,
        f"""
        import time
        from pathlib import Path
        from wavecast.io import temp_path_next_to
        deadline.arm(2, grace=600)
        with temp_path_next_to(Path({str(tmp_path / "out.nc")!r})) as tmp:
            tmp.write_text("half a result")
            try:
                while True:
                    time.sleep(0.05)
            except Exception:  # a library's broad handler must not swallow the stop
                pass
        """,
    )
    assert proc.returncode == 1, (proc.returncode, log)
    assert "runtime limit 2 s (the backend's timeout), enforced by this job" in log
    assert "wavecast.deadline.RuntimeLimitReached: runtime limit of 2 s reached" in log
    assert "time.sleep(0.05)" in log  # the traceback shows where the job was
    assert not list(tmp_path.glob("*.tmp")), "the temporary file was left behind"


def test_a_job_stuck_in_one_c_call_is_stopped_after_the_grace(tmp_path) -> None:
    """A C loop that holds the GIL never lets the exception be raised; the C watchdog stops it."""
    proc, log = job(
        tmp_path,
        """
        deadline.arm(1, grace=1)
        sum(range(10**13))  # hours of work inside one C call
        """,
    )
    assert proc.returncode == 1, (proc.returncode, log)
    assert "RuntimeLimitReached" not in log
    assert "Timeout (0:00:02)!" in log
    assert 'job.py", line ' in log  # where the job was when it was stopped


def test_a_stage_done_within_its_limit_is_not_stopped_on_its_way_out(tmp_path) -> None:
    """stages.run disarms once the stage has returned (a 1-s limit, then 3 s more in the job)."""
    proc, log = job(
        tmp_path,
        f"""
        import time
        from types import SimpleNamespace
        deadline.limit_seconds = lambda resources: 1
        snakemake = SimpleNamespace(
            log=[{str(tmp_path / "job.log")!r}], rule="build_grid", wildcards={{}}, input={{}},
            output={{}}, params={{}}, resources={{}},
        )
        stages.run(snakemake, lambda *args: None)
        time.sleep(3)
        """,
    )
    assert proc.returncode == 0, log
    assert "runtime limit 1 s" in log
    assert "Timeout (" not in log and "RuntimeLimitReached" not in log


@pytest.mark.slow
def test_localdev_jobs_run_under_their_runtime_limit(tmp_path) -> None:
    """The committed localdev profile (local executor): a script rule and the shell rule."""
    work = make_workdir("small", tmp_path)
    profile = SNAKEFILE.parent / "profiles/localdev"
    snakemake(work, "--profile", str(profile), "--cores", "2", "results/run_member/member_000.nc")
    for log in ("build_grid/grid.log", "make_forcing/member_000.log", "run_member/member_000.log"):
        text = (work / "logs" / log).read_text()
        assert "runtime limit 3600 s (the backend's timeout), enforced by this job" in text, log
