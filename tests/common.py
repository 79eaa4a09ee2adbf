"""Run the real ``snakemake`` on the repository's Snakefile in a scratch directory.

Like Snakemake's own tests/common.py: each case is a directory under tests/cases/ holding a
config.yaml; it is copied into a temp dir that becomes Snakemake's working directory, so runs
never touch the repository's results/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = Path(__file__).resolve().parent / "cases"
SNAKEFILE = REPO / "Snakefile"


def venv_env(extra: dict | None = None) -> dict:
    """The environment of an activated venv: jobs' `python` is the one running the tests."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, **(extra or {})}


def make_workdir(case: str, dest: Path) -> Path:
    """Copy tests/cases/<case>/ to dest/config/ (where the Snakefile's configfile points)."""
    (dest / "config").mkdir(parents=True, exist_ok=True)
    for item in (CASES / case).iterdir():
        shutil.copy(item, dest / "config" / item.name)
    return dest


def snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    timeout: float = 900,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    """``snakemake -s <repo>/Snakefile -d <workdir> ARGS``, output captured as text.

    ``env`` entries are added to the activated-venv environment.
    """
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=venv_env(env))
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n"
            f"--- stderr\n{proc.stderr}"
        )
    return proc


def planned_jobs(workdir: Path, *args: str, env: dict | None = None) -> dict[str, int]:
    """Rule -> job count that a dry run would execute ({} when nothing is to be done)."""
    proc = snakemake(workdir, "-n", "--cores", "1", *args, env=env)
    text = proc.stdout + proc.stderr
    table = re.search(r"Job stats:\n(.*?)\n\n", text + "\n\n", re.S)
    if not table:
        assert "Nothing to be done" in text, text
        return {}
    jobs = {}
    for line in table.group(1).splitlines()[2:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] != "total":
            jobs[parts[0]] = int(parts[1])
    return jobs


def default_sigint() -> None:
    """``preexec_fn`` for a snakemake the tests will interrupt: Ctrl-C handled as usual.

    A shell that starts a command in the background (``bash .ci/run &``, ``setsid``) sets SIGINT
    to "ignore", and an ignored signal stays ignored across exec; Python then never raises
    KeyboardInterrupt, and an interrupted run would simply carry on.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: What Snakemake prints once a Ctrl-C has reached its scheduler.
TERMINATING = "Terminating processes on user request"


def press_ctrl_c(proc: subprocess.Popen, output: Path, grace: float = 3.0, tries: int = 10) -> None:
    """SIGINT to snakemake only (as Ctrl-C reaches it), again if the first one was lost.

    A SIGINT that lands while Snakemake's main thread is inside one of its short ``asyncio``
    sections (``workflow.async_run``) can be swallowed: Python's asyncio Runner turns it into a
    cancel of a task that may finish anyway, and no KeyboardInterrupt follows (read in CPython
    3.11's ``asyncio.runners``; not observed here). A user presses Ctrl-C again; so does this
    helper, but only while Snakemake shows no sign (``output``) of having started to terminate, so
    a second signal never interrupts its clean-up. Start ``proc`` with
    ``preexec_fn=default_sigint``, or an inherited "ignore SIGINT" makes every press a no-op.
    """
    for _ in range(tries):
        os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            if output.exists() and TERMINATING in output.read_text(errors="replace"):
                return
    raise AssertionError(f"snakemake ignored {tries} SIGINTs")
