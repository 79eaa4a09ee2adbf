"""Integration tests against a real SLURM cluster (``scripts/slurm-local-cluster up``).

Every test here is marked ``slurm``. When no cluster answers, they are skipped with the reason
printed in pytest's short summary (``-ra`` is on in pyproject.toml); with
``WAVECAST_REQUIRE_SLURM=1`` (for CI, which brings the cluster up first) they fail instead, so a
broken cluster cannot pass silently.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@functools.cache
def cluster_problem() -> str | None:
    """Why the cluster cannot be used, or None when sinfo shows a node that takes jobs."""
    for tool in ("sinfo", "sbatch", "sacct", "squeue", "scancel"):
        if shutil.which(tool) is None:
            return f"'{tool}' not found; run `sudo scripts/slurm-local-cluster up`"
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=20, check=False
        )
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 20 s; run `sudo scripts/slurm-local-cluster up`"
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return f"sinfo failed ({why[0]}); run `sudo scripts/slurm-local-cluster up`"
    states = done.stdout.split()
    if not any(s.rstrip("*~#") in ("idle", "mix", "alloc") for s in states):
        return f"no node takes jobs (sinfo states: {states}); run `scripts/slurm-local-cluster up`"
    accounting = subprocess.run(
        ["sacct", "-n", "-X", "-j", "1"], capture_output=True, text=True, timeout=20, check=False
    )
    if accounting.returncode != 0:
        return f"sacct failed ({accounting.stderr.strip()}); slurmdbd is not up"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slurm)


@pytest.fixture(scope="session", autouse=True)
def slurm_cluster():
    """Skip (or, under WAVECAST_REQUIRE_SLURM=1, fail) when the cluster is not usable."""
    problem = cluster_problem()
    if problem is not None:
        if os.environ.get("WAVECAST_REQUIRE_SLURM") == "1":
            pytest.fail(f"SLURM cluster required (WAVECAST_REQUIRE_SLURM=1): {problem}")
        pytest.skip(f"no SLURM cluster: {problem}")
