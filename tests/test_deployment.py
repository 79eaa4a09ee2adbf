"""A command-line ``--config`` must not silently drop the profile's image and environment.

Snakemake gives a profile key given again on the command line the command line's value,
whole; the profile's ``config: {container_image, wavecast_env}`` goes with it. The workflow
stops before any job (real ``snakemake`` runs below); the function is tested on its own first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.common import REPO, SNAKEFILE, make_workdir, snakemake, venv_env
from wavecast.deployment import replaced_profile_settings

IMAGE = "docker://example.org/wavecast:2.0"
SCIENCE = "plotting={cmap: magma}"  # a valid science override, given as text


def check(deployment, argv, fallback, start: Path | None = None):
    """The check as common.smk calls it, started in ``start`` (default: here)."""
    return replaced_profile_settings(
        deployment, argv, fallback, start=start or Path.cwd(), snakefile=SNAKEFILE
    )


def make_profile(where: Path, config) -> Path:
    """localdev's profile with another ``config:`` (a mapping or Snakemake's k=v lines)."""
    profile = yaml.safe_load((REPO / "profiles/localdev/profile.yaml").read_text())
    profile["config"] = config
    where.mkdir(parents=True, exist_ok=True)
    (where / "profile.yaml").write_text(yaml.safe_dump(profile))
    return where


@pytest.mark.parametrize(
    "config",
    [
        {"wavecast_env": "prod", "container_image": IMAGE},
        ["wavecast_env=prod", f"container_image={IMAGE}"],
    ],
)
def test_both_settings_lost_are_named_with_their_profile_values(tmp_path, config):
    prof = make_profile(tmp_path / "prof", config)
    found = check({}, ["--profile", str(prof), "--config", SCIENCE], "localdev").problems
    assert [(p.file, p.path) for p in found] == [
        (str(prof / "profile.yaml"), "config.container_image"),
        (str(prof / "profile.yaml"), "config.wavecast_env"),
    ]
    assert f"add container_image={IMAGE} to --config" in found[0].fix
    assert "--configfile FILE" in found[1].fix and "'prod'" in found[1].message


@pytest.mark.parametrize(
    "argv",
    [
        ["-C", SCIENCE],
        [f"--config={SCIENCE}"],
        ["-n", "--config", SCIENCE, "--cores", "1"],
        ["-pnC", SCIENCE],
        ["--config"],
    ],
)
def test_every_spelling_of_config_and_the_profile_variable(tmp_path, monkeypatch, argv):
    prof = make_profile(tmp_path / "prof", {"container_image": IMAGE})
    monkeypatch.setenv("SNAKEMAKE_PROFILE", str(prof))
    found = check({}, argv, "localdev").problems
    assert [p.path for p in found] == ["config.container_image"]


def lost(argv, deployment=None, fallback="localdev") -> list[str]:
    return [p.path for p in check(deployment or {}, argv, fallback).problems]


def test_nothing_lost_is_no_problem(tmp_path):
    prof = make_profile(tmp_path / "prof", {"wavecast_env": "prod", "container_image": IMAGE})
    given = {"wavecast_env": "prod", "container_image": IMAGE}
    # the user repeated both values in --config
    assert lost(["--profile", str(prof), "--config", SCIENCE], given) == []
    # no --config: the profile's config reached the run (Snakemake put it there)
    assert lost(["--profile", str(prof), "-n", "--configfile", "x.yaml"]) == []
    # no profile
    assert lost(["--config", SCIENCE]) == []
    # the environment name the workflow falls back to is the profile's: nothing changes
    prof = make_profile(tmp_path / "local", {"wavecast_env": "localdev"})
    assert lost(["--profile", str(prof), "-C", SCIENCE]) == []
    assert lost(["--profile", str(prof), "-C", SCIENCE], fallback="production") == [
        "config.wavecast_env"
    ]


def test_of_several_profiles_the_last_with_a_config_counts(tmp_path):
    """Snakemake replaces top-level profile keys in order, the workflow profile last."""
    first = make_profile(tmp_path / "first", {"container_image": IMAGE})
    second = make_profile(tmp_path / "second", {"wavecast_env": "prod"})
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "profile.yaml").write_text("cores: 1\n")
    argv = ["--profile", str(first), "--profile", str(second), "--profile", str(plain), "-C", "a=1"]
    assert lost(argv) == ["config.wavecast_env"]
    assert lost(["--workflow-profile", str(first), "-C", "a=1"]) == ["config.container_image"]


def test_a_later_empty_config_replaces_an_earlier_one(tmp_path):
    """Snakemake's own replacement: the first profile's image is gone without any --config."""
    first = make_profile(tmp_path / "first", {"container_image": IMAGE})
    empty = make_profile(tmp_path / "empty", {})
    assert lost(["--profile", str(first), "--profile", str(empty), "-C", "a=1"]) == []


def test_a_profile_name_is_looked_up_in_the_users_profile_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    make_profile(tmp_path / "xdg/snakemake/site/prod", {"container_image": IMAGE})
    assert lost(["--profile", "site/prod", "-C", "a=1"]) == ["config.container_image"]


def test_a_profile_in_snakemakes_line_form_is_read_as_snakemake_reads_it(tmp_path):
    """`config: ["k=v"]`: values YAML cannot read (Snakemake keeps them as text) are fine."""
    prof = make_profile(tmp_path / "prof", ["container_image=@img", "wavecast_env=a: b"])
    found = check({}, ["--profile", str(prof), "-C", "a=1"], "localdev")
    assert [p.message.split(" here")[0] for p in found.problems] == [
        "set to '@img'",
        "set to {'a': 'b'}",  # Snakemake's reading: a mapping
    ]
    prof = make_profile(tmp_path / "one", "container_image=img5")  # one line, as text
    assert lost(["--profile", str(prof), "-C", "a=1"]) == ["config.container_image"]


def test_a_relative_profile_is_found_from_where_snakemake_started(tmp_path, monkeypatch):
    """Snakemake finds the profile before it changes into --directory; the workflow runs
    after, and Snakemake tells it where it started (workflow.rundir)."""
    make_profile(tmp_path / "start/profiles/prod", {"container_image": IMAGE})
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    argv = ["-d", "../work", "--profile", "profiles/prod", "-C", "a=1"]
    found = check({}, argv, "localdev", start=tmp_path / "start")
    assert [p.file for p in found.problems] == [str(tmp_path / "start/profiles/prod/profile.yaml")]
    # a lookup that fails where Snakemake's succeeded: said, not stopped
    found = check({}, argv, "localdev", start=tmp_path / "work")
    assert found.problems == []
    assert found.notes == [
        f"could not find profile 'profiles/prod' from {tmp_path / 'work'} to check whether "
        "--config replaced its config: (container_image, wavecast_env); give science "
        "settings with --configfile"
    ]


def test_workflow_profiles_are_found_where_snakemake_looks(tmp_path):
    """--workflow-profile as a path or a name under profiles/ (of the start directory or the
    Snakefile's), and profiles/default without the option; `none` turns it off."""
    start = tmp_path / "start"
    make_profile(start / "profiles/prod", {"container_image": IMAGE})
    argv = ["--workflow-profile", "prod", "-C", "a=1"]
    assert lost_from(start, argv) == [f"{start}/profiles/prod/profile.yaml"]
    make_profile(start / "profiles/default", {"container_image": IMAGE})
    assert lost_from(start, ["-C", "a=1"]) == [f"{start}/profiles/default/profile.yaml"]
    assert lost_from(start, ["--workflow-profile", "none", "-C", "a=1"]) == []
    flow = tmp_path / "flow"
    make_profile(flow / "profiles/hpc", {"container_image": IMAGE})
    found = replaced_profile_settings(
        {}, ["--workflow-profile", "hpc", "-C", "a=1"], "localdev", start, flow / "Snakefile"
    )
    assert [p.file for p in found.problems] == [f"{flow}/profiles/hpc/profile.yaml"]


def lost_from(start: Path, argv: list[str]) -> list[str]:
    return [p.file for p in check({}, argv, "localdev", start=start).problems]


def test_a_run_stops_before_any_job(tmp_path):
    """The real snakemake with a profile that names an image, and --config on the command line."""
    work = make_workdir("small", tmp_path / "work")
    prof = make_profile(tmp_path / "prof", {"wavecast_env": "localdev", "container_image": IMAGE})
    proc = snakemake(work, "--profile", str(prof), "--config", SCIENCE, check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "the command line replaced the profile's deployment settings; nothing was run" in text
    assert f"{prof / 'profile.yaml'}::config.container_image: set to '{IMAGE}' here" in text
    assert not (work / "results").exists()
    # as typed in a shell in tmp_path: a relative profile, and -d into the work directory
    cmd = ["-m", "snakemake", "-s", str(SNAKEFILE), "-d", "work", "--profile", "prof"]
    proc = subprocess.run(
        [sys.executable, *cmd, "-nC", SCIENCE],
        cwd=tmp_path,
        env=venv_env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert f"{prof / 'profile.yaml'}::config.container_image" in proc.stdout + proc.stderr


def test_a_run_that_repeats_the_image_goes_ahead(tmp_path):
    work = make_workdir("small", tmp_path / "work")
    prof = make_profile(tmp_path / "prof", {"wavecast_env": "localdev", "container_image": IMAGE})
    proc = snakemake(
        work, "-n", "--profile", str(prof), "--config", SCIENCE, f"container_image={IMAGE}"
    )
    assert "run_member" in proc.stdout
    # and the shipped localdev profile loses nothing it would not fall back to
    proc = snakemake(work, "-n", "--profile", str(REPO / "profiles/localdev"), "--config", SCIENCE)
    assert "run_member" in proc.stdout
