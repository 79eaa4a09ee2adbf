"""What the benchmarks share about where they run: the children's environment and the git state.

Each benchmark is run as ``python benchmarks/<name>.py`` with the project's virtual environment;
its children (snakemake, wavecast) must come from that same environment, and its results file
records which commit (and which uncommitted edits) it measured.
"""

from __future__ import annotations

import os
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
        return proc.stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *paths)
    return {"head": git("rev-parse", "--short", "HEAD"), "uncommitted_changes": dirty.splitlines()}
