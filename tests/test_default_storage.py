"""The workflow under a default storage provider, as staging runs it (S3, no shared filesystem).

A Kubernetes API server and S3 cannot run here. These dry runs use the real snakemake binary
with Snakemake's filesystem storage plugin (snakemake-storage-plugin-fs, a dev dependency) in
place of S3: the same mapping of every input and output into the storage prefix, and the same
check that inputs no job makes are already stored, which is where a staging run first fails.
The full path (S3 bucket, pods) is in docs/operators.md, "Running staging".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .common import make_workdir, planned_jobs, snakemake
from .test_pipeline import small_case_on_a_bathymetry_file

pytestmark = pytest.mark.slow


def storage_args(store: Path) -> list[str]:
    return [
        "--default-storage-provider",
        "fs",
        "--default-storage-prefix",
        str(store),
        "--shared-fs-usage",
        "none",
    ]


def test_config_files_need_no_copy_in_the_storage(tmp_path):
    """archive_run reads every config file; they go to the pods with the workflow's sources.
    They used to be mapped into the bucket too, and the run stopped at the DAG:
    "Missing input files for rule archive_run: <prefix>/config/config.yaml (in storage)"."""
    work = make_workdir("small", tmp_path / "work")
    store = tmp_path / "store"
    store.mkdir()
    jobs = planned_jobs(work, *storage_args(store))
    assert jobs["archive_run"] == 1 and jobs["run_member"] == 2, jobs
    assert sum(jobs.values()) == 12  # the whole pipeline of the two-member case


def test_a_bathymetry_file_must_be_in_the_storage_too(tmp_path):
    """The bathymetry file is checked where Snakemake starts (its coverage of the grid) and
    read by build_grid in a pod, from the storage: both copies are needed."""
    work = small_case_on_a_bathymetry_file(tmp_path / "work")
    store = tmp_path / "store"
    store.mkdir()
    proc = snakemake(work, "-n", "--cores", "1", *storage_args(store), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Missing input files for rule build_grid" in out, out
    assert f"{store}/bathy.nc (in storage)" in out, out
    (store / "bathy.nc").write_bytes((work / "bathy.nc").read_bytes())
    assert planned_jobs(work, *storage_args(store))["build_grid"] == 1
