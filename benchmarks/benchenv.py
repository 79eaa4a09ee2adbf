"""What the benchmarks share about where they run: the children's environment and the git state.

Each benchmark is run as ``python benchmarks/<name>.py`` with the project's virtual environment;
its children (snakemake, wavecast) must come from that same environment, and its results file
records which commit (and which uncommitted edits) it measured, on which machine, when, and how
busy that machine was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def venv_env(*first: Path) -> dict[str, str]:
    """This environment with ``first`` and then the running interpreter's bin/ ahead on PATH."""
    dirs = [str(d) for d in first] + [str(Path(sys.executable).parent)]
    return {**os.environ, "PATH": os.pathsep.join([*dirs, os.environ.get("PATH", "")])}


def git_state(*paths: str) -> dict[str, Any]:
    """HEAD and the uncommitted changes (``git status --porcelain``) under ``paths`` (all if
    none), so a result can be traced to the code it measured."""

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return proc.stdout.rstrip("\n")  # porcelain lines start with a space

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *paths)
    return {"head": git("rev-parse", "--short", "HEAD"), "uncommitted_changes": dirty.splitlines()}


def load_average() -> list[float]:
    """The machine's 1, 5 and 15-minute load averages, to two decimals."""
    return [round(v, 2) for v in os.getloadavg()]


def machine(**extra: Any) -> dict[str, Any]:
    """Where a benchmark runs: CPUs, Python, platform, ``extra`` (library versions, ...) and the
    load average now; call it before measuring, so the load is the one the run started in."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **extra,
        "load_average_1_5_15min_before": load_average(),
    }


def measured_at() -> str:
    """Local time with its UTC offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def write_result(path: Path, result: dict[str, Any]) -> None:
    """Write a results file as indented JSON, creating its directory. The file is replaced in
    one rename, so an interrupted benchmark leaves the previous results whole, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
