"""A command-line ``--config`` must not silently drop the profile's image and environment.

Snakemake gives a profile key given again on the command line the command line's value,
whole; the profile's ``config: {container_image, wavecast_env}`` goes with it. The workflow
stops before any job (real ``snakemake`` runs below); the function is tested on its own first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.common import REPO, make_workdir, snakemake
from wavecast.deployment import replaced_profile_settings

IMAGE = "docker://example.org/wavecast:2.0"
SCIENCE = "plotting={cmap: magma}"  # a valid science override, given as text


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
    found = replaced_profile_settings({}, ["--profile", str(prof), "--config", SCIENCE], "localdev")
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
    ],
)
def test_every_spelling_of_config_and_the_profile_variable(tmp_path, monkeypatch, argv):
    prof = make_profile(tmp_path / "prof", {"container_image": IMAGE})
    monkeypatch.setenv("SNAKEMAKE_PROFILE", str(prof))
    found = replaced_profile_settings({}, argv, "localdev")
    assert [p.path for p in found] == ["config.container_image"]


def test_nothing_lost_is_no_problem(tmp_path):
    prof = make_profile(tmp_path / "prof", {"wavecast_env": "prod", "container_image": IMAGE})
    given = {"wavecast_env": "prod", "container_image": IMAGE}
    with_config = ["--profile", str(prof), "--config", SCIENCE]
    # the user repeated both values in --config
    assert replaced_profile_settings(given, with_config, "localdev") == []
    # no --config: the profile's config reached the run (Snakemake put it there)
    assert replaced_profile_settings({}, ["--profile", str(prof), "-n"], "localdev") == []
    # no profile
    assert replaced_profile_settings({}, ["--config", SCIENCE], "localdev") == []
    # the environment name the workflow falls back to is the profile's: nothing changes
    prof = make_profile(tmp_path / "local", {"wavecast_env": "localdev"})
    assert replaced_profile_settings({}, ["--profile", str(prof), "-C", SCIENCE], "localdev") == []
    assert [
        p.path
        for p in replaced_profile_settings(
            {}, ["--profile", str(prof), "-C", SCIENCE], "production"
        )
    ] == ["config.wavecast_env"]


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
