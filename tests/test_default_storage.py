"""The workflow under a default storage provider, as staging runs it (S3, no shared filesystem).

A Kubernetes API server and S3 cannot run here. These dry runs use the real snakemake binary
with Snakemake's filesystem storage plugin (snakemake-storage-plugin-fs, a dev dependency) in
place of S3: the same mapping of every input and output into the storage prefix, and the same
check that inputs no job makes are already stored, which is where a staging run first fails.
Snakemake runs these without a cluster: that is also why "localrule" tells a host job here.
The full path (S3 bucket, pods) is in docs/operators.md, "Running staging".
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .common import make_workdir, planned_jobs, snakemake
from .test_pipeline import small_case_on_a_bathymetry_file

pytestmark = pytest.mark.slow

#: Where scripts/bootstrap-env installs the plugin (envs/storage-fs.lock.txt), off the venv's
#: path: Snakemake imports every installed plugin, and this one upsets SLURM runs.
FS_PLUGIN = Path(sys.prefix) / "storage-fs"
WITH_FS = {"PYTHONPATH": str(FS_PLUGIN)}


def dry_run(work: Path, store: Path, check: bool = True):
    return snakemake(work, "-n", "--cores", "1", *storage_args(store), check=check, env=WITH_FS)


def planned(work: Path, store: Path) -> dict[str, int]:
    return planned_jobs(work, *storage_args(store), env=WITH_FS)


def upload(work: Path, store: Path, rel: str) -> None:
    """Copy ``work/rel`` to the storage, as `aws s3 cp` would to the bucket."""
    (store / rel).parent.mkdir(parents=True, exist_ok=True)
    (store / rel).write_bytes((work / rel).read_bytes())


@pytest.fixture(autouse=True)
def fs_plugin() -> None:
    assert (FS_PLUGIN / "snakemake_storage_plugin_fs").is_dir(), (
        f"{FS_PLUGIN} has no snakemake-storage-plugin-fs; run scripts/bootstrap-env dev"
    )


def storage_args(store: Path) -> list[str]:
    return [
        "--default-storage-provider",
        "fs",
        "--default-storage-prefix",
        str(store),
        "--shared-fs-usage",
        "none",
    ]


def test_config_files_are_read_from_the_storage_by_a_pod_job(tmp_path):
    """archive_run records every config file, and reads them from the storage like any input:
    until config/config.yaml is copied there the run stops before any job. Every job stays a
    pod job: a local() input would make archive_run run on the submitting machine."""
    work = make_workdir("small", tmp_path / "work")
    store = tmp_path / "store"
    proc = dry_run(work, store, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Missing input files for rule archive_run" in out, out
    assert f"{store}/config/config.yaml (in storage)" in out, out
    upload(work, store, "config/config.yaml")
    proc = dry_run(work, store)
    out = proc.stdout + proc.stderr
    assert "\nrule archive_run:" in out and "localrule archive_run:" not in out, out
    jobs = planned(work, store)
    assert jobs["archive_run"] == 1 and jobs["run_member"] == 2, jobs
    assert sum(jobs.values()) == 12  # the whole pipeline of the two-member case


def test_a_bathymetry_file_must_be_in_the_storage_too(tmp_path):
    """The bathymetry file is checked where Snakemake starts (its coverage of the grid) and
    read by build_grid in a pod, from the storage: both copies are needed."""
    work = small_case_on_a_bathymetry_file(tmp_path / "work")
    store = tmp_path / "store"
    upload(work, store, "config/config.yaml")
    proc = dry_run(work, store, check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Missing input files for rule build_grid" in out, out
    assert f"{store}/bathy.nc (in storage)" in out, out
    upload(work, store, "bathy.nc")
    assert planned(work, store)["build_grid"] == 1
