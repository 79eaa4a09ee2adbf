"""Generated files are committed and in sync: profiles from backend YAML, the backend schema."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from wavecast.backends.template import SCHEMA_LINE, SCHEMA_PATH, schema_text
from wavecast.cli.main import main
from wavecast.cli.profiles import drift

ROOT = Path(__file__).parents[1]
ENVS = ("localdev", "staging", "production")


def test_committed_profiles_match_their_backend_yaml() -> None:
    diffs = drift(ROOT)
    assert not diffs, "profiles out of sync:\n" + "".join(diffs)


def test_committed_backend_schema_is_current() -> None:
    committed = (ROOT / SCHEMA_PATH).read_text(encoding="utf-8")
    fresh = schema_text()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), fresh.splitlines(True), SCHEMA_PATH, "generated"
        )
    )
    assert committed == fresh, f"{diff}\nregenerate with: wavecast backends schema -o {SCHEMA_PATH}"


@pytest.mark.parametrize("env", ENVS)
def test_backend_yaml_points_editors_at_the_schema(env: str) -> None:
    first = (ROOT / "config" / "backends" / f"{env}.yaml").read_text().splitlines()[0]
    assert first == SCHEMA_LINE


def test_check_reports_drift_with_diff_and_command(tmp_path: Path, capsys) -> None:
    shutil.copytree(ROOT / "config" / "backends", tmp_path / "config" / "backends")
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    assert main(["profiles", "check", "--root", str(tmp_path)]) == 0
    backend = tmp_path / "config" / "backends" / "production.yaml"
    backend.write_text(backend.read_text().replace("partition: science", "partition: debug"))
    capsys.readouterr()
    assert main(["profiles", "check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "-  slurm_partition: '''science'''" in out
    assert "+  slurm_partition: '''debug'''" in out
    assert out.rstrip().endswith("regenerate with: wavecast profiles build production")


@pytest.mark.parametrize("argv", [["check"], ["build", "--all"], ["install", "--user"]])
def test_no_backend_yaml_is_an_error_not_in_sync(argv, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["profiles", *argv, "--root", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "in sync" not in out and "installed" not in out
    assert err == (
        f"config/backends::<top>: no backend YAML files (looked in {tmp_path}/config/backends); "
        "run wavecast from the repository root, or create one with "
        "`wavecast backends create --type local -o config/backends/localdev.yaml`\n"
    )
    assert not (tmp_path / "home").exists()


def test_rendering_is_deterministic_and_build_is_idempotent(tmp_path: Path, capsys) -> None:
    shutil.copytree(ROOT / "config" / "backends", tmp_path / "config" / "backends")
    assert main(["profiles", "build", "--all", "--root", str(tmp_path)]) == 0
    first = {e: (tmp_path / "profiles" / e / "profile.yaml").read_bytes() for e in ENVS}
    assert main(["profiles", "build", *ENVS, "--root", str(tmp_path)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert first == {e: (tmp_path / "profiles" / e / "profile.yaml").read_bytes() for e in ENVS}
    assert first["production"] == (ROOT / "profiles/production/profile.yaml").read_bytes()


def test_every_profile_names_its_environment() -> None:
    """`config: {wavecast_env: ENV}` is how the workflow's own wavecast calls (report_metrics)
    know which backend YAML and Kubernetes namespace apply."""
    for env in ENVS:
        profile = yaml.safe_load((ROOT / "profiles" / env / "profile.yaml").read_text())
        assert profile["config"]["wavecast_env"] == env


def test_localdev_profile_dry_run_with_the_workflow(tmp_path: Path) -> None:
    """The real snakemake accepts the generated localdev profile with the real workflow."""
    import subprocess
    import sys

    snakemake = Path(sys.executable).parent / "snakemake"
    proc = subprocess.run(
        [str(snakemake), "--profile", "profiles/localdev", "-n", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_staging_resources_as_snakemake_gives_them_to_jobs(tmp_path: Path) -> None:
    """The staging profile's default- and set-resources, read by the real snakemake with the
    real workflow (a dry run; the executor swapped for the local one, since no Kubernetes API
    runs here: the V1Job built from these values is in tests/test_backends_landing.py). A rule
    with `disk` gets it; the others keep Snakemake's default, max(2 × input size, 1000) MB."""
    import subprocess
    import sys

    staging = yaml.safe_load((ROOT / "profiles" / "staging" / "profile.yaml").read_text())
    keep = ("default-resources", "set-resources", "set-threads", "config")
    profile = {key: staging[key] for key in keep} | {"executor": "local", "cores": 4}
    (tmp_path / "prof").mkdir()
    (tmp_path / "prof" / "config.yaml").write_text(yaml.safe_dump(profile))
    snakemake = Path(sys.executable).parent / "snakemake"
    proc = subprocess.run(
        [str(snakemake), "--profile", str(tmp_path / "prof"), "-s", str(ROOT / "Snakefile")]
        + ["--configfile", str(ROOT / "config" / "config.yaml"), "-n", "-d", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    blocks = re.findall(r"^rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", proc.stdout, re.M)
    resources = {rule: dict(kv.split("=", 1) for kv in text.split(", ")) for rule, text in blocks}
    assert resources["build_grid"]["disk_mb"] == "1074"
    assert resources["make_forcing"]["disk_mb"] == "2148"
    # Snakemake's input-based default, evaluated once the input exists
    assert resources["run_member"]["disk_mb"] == "<TBD>"
    assert resources["run_member"]["mem_mb"] == "8590"
