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

from wavecast import deadline
from wavecast.deadline import limit_seconds
from wavecast.metrics.collect import collect
from wavecast.metrics.requested import EnvResources
from wavecast.metrics.tune import propose

from .common import SNAKEFILE, make_workdir, snakemake, venv_env


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


def test_a_stage_stopped_at_its_limit_exits_124_and_tells_kubernetes_why(tmp_path) -> None:
    """stages.run: the traceback in the log, exit status 124 (what the metrics and the retry
    read), and the container's termination message where the file exists (in a pod)."""
    message = tmp_path / "termination-log"
    message.write_text("")
    proc, log = job(
        tmp_path,
        f"""
        import time
        from pathlib import Path
        from types import SimpleNamespace
        deadline.TERMINATION_LOG = Path({str(message)!r})
        deadline.limit_seconds = lambda resources: 1
        snakemake = SimpleNamespace(
            log=[{str(tmp_path / "job.log")!r}], rule="run_member", wildcards={{}}, input={{}},
            output={{}}, params={{}}, resources={{}},
        )
        def late_stage(*args):
            time.sleep(30)
        stages.run(snakemake, late_stage)
        """,
    )
    assert proc.returncode == 124, (proc.returncode, log)
    assert "ERROR wavecast: late_stage: stopped at its runtime limit (exit status 124)" in log
    assert "in late_stage\n    time.sleep(30)" in log
    assert message.read_text() == (
        "wavecast stopped the job: runtime limit of 1 s reached (the backend's timeout); "
        "raise the stage's timeout in the backend YAML if it needs longer\n"
    )


def test_no_termination_message_is_written_outside_a_pod(tmp_path) -> None:
    """The kubelet creates /dev/termination-log; elsewhere nothing is created."""
    missing = tmp_path / "dev" / "termination-log"
    deadline.report_stop(deadline.RuntimeLimitReached("x"), missing)
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.slow
def test_localdev_jobs_run_under_their_runtime_limit(tmp_path) -> None:
    """The committed localdev profile (local executor): a script rule and the shell rule."""
    work = make_workdir("small", tmp_path)
    profile = SNAKEFILE.parent / "profiles/localdev"
    snakemake(work, "--profile", str(profile), "--cores", "2", "results/run_member/member_000.nc")
    for log in ("build_grid/grid.log", "make_forcing/member_000.log", "run_member/member_000.log"):
        text = (work / "logs" / log).read_text()
        assert "runtime limit 3600 s (the backend's timeout), enforced by this job" in text, log


#: Two jobs on the real local executor that stop themselves at their limit. So that the test
#: takes seconds, the command reads the profile's ``runtime`` as *seconds* (the stages read
#: minutes); everything else is the path a stage job takes: the retry's runtime expression as
#: the profiles render it, ``stages._call_within_limit``, Snakemake's run log, the retry.
TIMEOUT_SNAKEFILE = """
JOB = (
    "{python} -c 'import time; from wavecast import stages; "
    'stages._setup_logging("{{log}}"); '
    'stages._call_within_limit("{{rule}}", {{resources.runtime}}, lambda: time.sleep({{params.s}}))'
    "' && echo done > {{output}}"
)

rule all:
    input: "out/late.txt", "out/stuck.txt"

rule late:
    output: "out/late.txt"
    log: "logs/late.log"
    params: s=1.5
    resources:
        runtime=lambda wc, attempt: __import__("wavecast.retry").retry.runtime(
            "late", wc, attempt, 1, 4
        ),
    shell: JOB

rule stuck:
    output: "out/stuck.txt"
    log: "logs/stuck.log"
    params: s=60
    resources:
        runtime=lambda wc, attempt: __import__("wavecast.retry").retry.runtime(
            "stuck", wc, attempt, 1, 1
        ),
    shell: JOB
"""


def run_timeout_snakefile(work: Path, target: str) -> subprocess.CompletedProcess:
    (work / "Snakefile").write_text(TIMEOUT_SNAKEFILE.format(python=sys.executable))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-c1", "--retries", "1", target],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env=venv_env(),
    )


@pytest.fixture(scope="module")
def timeout_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """One run per target, each in its own directory: a retry that cannot be sized stops
    Snakemake, other jobs too."""
    runs = {}
    for rule in ("late", "stuck"):
        work = tmp_path_factory.mktemp(rule)
        runs[rule] = work, run_timeout_snakefile(work, f"out/{rule}.txt")
    return runs


@pytest.mark.slow
def test_a_local_job_stopped_at_its_limit_is_retried_with_more_time(timeout_runs) -> None:
    """Exit status 124 reaches Snakemake's run log; the retry reads it and doubles runtime."""
    work, proc = timeout_runs["late"]
    assert proc.returncode == 0, proc.stderr
    assert (work / "out/late.txt").read_text() == "done\n"
    assert "returned non-zero exit status 124" in proc.stderr  # attempt 1, stopped after 1 s
    log = (work / "logs/late.log").read_text()  # Snakemake empties the log for the retry
    assert "runtime limit 2 s (the backend's timeout)" in log  # the retry's limit
    assert "late: done in" in log


@pytest.mark.slow
def test_a_local_job_out_of_time_at_the_cap_stops_the_run_saying_where_to_raise_it(
    timeout_runs,
) -> None:
    work, proc = timeout_runs["stuck"]
    assert proc.returncode != 0
    assert not (work / "out/stuck.txt").exists()
    log = (work / "logs/stuck.log").read_text()
    assert "stuck: stopped at its runtime limit (exit status 124)" in log
    assert "RuntimeLimitReached: runtime limit of 1 s reached" in log
    assert (
        "stuck ran out of time at the limit of 1 minutes (log logs/stuck.log); raise "
        "limits.timeout in your backend YAML"
    ) in proc.stderr, proc.stderr


@pytest.mark.slow
def test_metrics_and_tune_report_a_local_stop_at_the_limit_as_a_timeout(timeout_runs) -> None:
    records = {(r.rule, r.attempt): r for w, _ in timeout_runs.values() for r in collect(w).records}
    assert set(records) == {("late", 1), ("late", 2), ("stuck", 1)}
    for key in (("late", 1), ("stuck", 1)):
        stopped = records[key]
        assert (stopped.status, stopped.exit_code, stopped.raw_state) == ("failed", 124, "TIMEOUT")
        assert (
            "info: exit status 124: the job stopped itself at its runtime limit "
            "(the backend's timeout)"
        ) in stopped.notes
    retried = records[("late", 2)]
    assert (retried.status, retried.raw_state) == ("completed", "finished")
    assert retried.requested_runtime_seconds == 2 * records[("late", 1)].requested_runtime_seconds
    env = EnvResources(
        path="config/backends/localdev.yaml",
        kind="local",
        requested={"stuck": {"cpu": 1, "mem_mb": 1024, "runtime_min": 1}},
        limit_cpu=2,
        limit_mem_mb=4096,
        limit_timeout=60,
    )
    proposals, notes = propose(records.values(), env)
    assert proposals == []
    assert notes == [
        "stuck: no successful attempt; 1 attempt(s) stopped at the time limit (the longest "
        "had 60 s, limits.timeout); raise limits.timeout and stages.stuck.timeout, or make the "
        "stage shorter, and run again; left as is"
    ]
