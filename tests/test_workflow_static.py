"""The workflow's shape, checked without running jobs (cheap, runs first)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wavecast.rules import LOCAL_RULES, RULE_NAMES

from .common import REPO, make_workdir, planned_jobs, snakemake

RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))


def rule_blocks() -> dict[str, str]:
    """Rule name -> its text, from every rule file (snakefmt-formatted, so one shape)."""
    blocks = {}
    for path in RULE_FILES:
        text = path.read_text()
        for match in re.finditer(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", text, re.S | re.M):
            blocks[match.group(1)] = match.group(2)
    return blocks


def test_rule_names_match_snakemake_list_rules():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out = [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()]
    assert sorted(out) == sorted(RULE_NAMES + LOCAL_RULES)


@pytest.mark.parametrize("directive", ["log:", "benchmark:", "resources:", "container:"])
def test_every_rule_has(directive):
    blocks = rule_blocks()
    assert set(blocks) == set(RULE_NAMES) | set(LOCAL_RULES) - {"all"}
    missing = [name for name, body in blocks.items() if f"    {directive}" not in body]
    assert not missing, f"rules without {directive} {missing}"


def test_the_wildcards_listed_for_show_are_the_rules_own():
    """wavecast.rules.WILDCARDS (the placeholders of `wavecast show`'s sbatch line) equals
    the wildcards in each rule's output."""
    from wavecast.rules import WILDCARDS

    for name, body in rule_blocks().items():
        output = re.search(r"    output:\n((?:        .*\n)+)", body)
        found = tuple(dict.fromkeys(re.findall(r"\{(\w+)\}", output.group(1) if output else "")))
        assert found == WILDCARDS.get(name, ()), name


def test_every_rule_uses_the_one_container_setting():
    for name, body in rule_blocks().items():
        assert re.search(r"container:\n\s+CONTAINER_IMAGE\n", body), name


def test_config_reaches_rules_only_through_params():
    for path in RULE_FILES:
        if path.name == "common.smk":
            continue
        text = path.read_text()
        for name, body in rule_blocks().items():
            if f"rule {name}:" not in text:
                continue
            outside_params = re.sub(r"    params:\n(?:        .*\n)+", "", body)
            assert "SCIENCE" not in outside_params, f"{name} reads config outside params"


def test_snakefile_is_thin():
    text = (REPO / "Snakefile").read_text()
    assert "def " not in text
    statements = [
        line
        for line in text.splitlines()
        if line and not line.startswith((" ", "#")) and line.strip()
    ]
    allowed = (
        "from snakemake.utils import",
        "min_version(",
        "from wavecast.config import refuse_unreadable",
        'refuse_unreadable("config/config.yaml")',
        "configfile:",
        "include:",
        "rule all:",
    )
    assert all(line.startswith(allowed) for line in statements), statements


def test_one_rule_file_per_stage():
    names = {p.stem for p in RULE_FILES}
    assert names == {"common", "grid", "forcing", "simulate", "postprocess", "archive", "report"}


def test_demo_dry_run_plans_the_whole_ensemble(tmp_path):
    jobs = planned_jobs(make_workdir_from_demo(tmp_path))
    assert jobs == {
        "all": 1,
        "archive_run": 1,
        "build_grid": 1,
        "extract_stations": 1,
        "make_forcing": 8,
        "plot_maps": 1,
        "plot_stations": 1,
        "report_metrics": 1,
        "run_member": 8,
        "summarise_ensemble": 1,
    }


def test_more_than_a_thousand_members_can_be_planned(tmp_path):
    """Member names grow past three digits (1000, 1001): the wildcard must accept them."""
    work = make_workdir("small", tmp_path)
    cfg = work / "config" / "config.yaml"
    cfg.write_text(cfg.read_text().replace("members: 2", "members: 1001"))
    jobs = planned_jobs(work)
    assert jobs["make_forcing"] == jobs["run_member"] == 1001


def make_workdir_from_demo(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config/config.yaml").read_text())
    return tmp_path


def test_bad_config_stops_before_any_job(tmp_path):
    work = make_workdir("small", tmp_path)
    cfg = work / "config" / "config.yaml"
    cfg.write_text(cfg.read_text().replace("rmax_km: 30.0", "rmax_km: -30.0"))
    proc = snakemake(work, "--cores", "1", check=False)
    assert proc.returncode != 0
    assert (
        "config/config.yaml::cyclone.rmax_km: -30.0 is not valid (Radius of maximum winds "
        "(km)); use a value > 0" in proc.stderr
    )
    assert not (work / "results").exists()


def fake_apptainer(bindir: Path) -> dict:
    """A stand-in `apptainer` that only answers `--version`.

    Apptainer cannot be installed on these machines; Snakemake checks the binary's version
    before planning container jobs, and a dry run stops short of calling it further. On a
    machine with Apptainer, drop the stand-in and run `snakemake --sdm apptainer` for real.
    """
    bindir.mkdir()
    exe = bindir / "apptainer"
    exe.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "apptainer version 1.3.4"\nexit 0\n')
    exe.chmod(0o755)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def test_rules_use_the_pinned_image_by_default(tmp_path):
    env = fake_apptainer(tmp_path / "bin")
    work = make_workdir("small", tmp_path / "w")
    proc = snakemake(work, "-n", "--cores", "1", "--sdm", "apptainer", env=env)
    from wavecast import __version__

    assert f"image docker://ghcr.io/wavecast/wavecast:{__version__} will be pulled" in (
        proc.stdout + proc.stderr
    )


def test_the_deployment_overrides_the_image(tmp_path):
    """What a rendered profile does with `config: {container_image: ...}`."""
    env = fake_apptainer(tmp_path / "bin")
    work = make_workdir("small", tmp_path / "w")
    image = "docker://example.org/wavecast:test"
    proc = snakemake(
        work,
        "-n",
        "--cores",
        "1",
        "--sdm",
        "apptainer",
        "--config",
        f"container_image={image}",
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert f"image {image} will be pulled" in out
    assert "ghcr.io/wavecast" not in out


def test_report_metrics_uses_the_profiles_environment(tmp_path):
    """Every rendered profile sets `config: {wavecast_env: ENV}` (asserted in test_profiles_sync::
    test_every_profile_names_its_environment); report_metrics then asks for
    that environment's requests and Kubernetes namespace. Without a profile, $WAVECAST_ENV,
    else localdev, as the CLI would (test_pipeline's interruption test runs with the localdev
    profile, then plans without one: nothing to do)."""
    work = make_workdir("small", tmp_path / "w")
    for extra, variable, expected in (
        (["--config", "wavecast_env=staging"], "production", "--env staging"),
        ([], "production", "--env production"),
        ([], "", "--env localdev"),
    ):
        proc = snakemake(
            work, "-n", "-p", "--cores", "1", "--forceall", *extra, env={"WAVECAST_ENV": variable}
        )
        assert f"wavecast metrics report {expected} --no-png" in proc.stdout + proc.stderr


def benchmark_module(name: str, monkeypatch):
    """Import benchmarks/<name>.py as its scripts do (benchmarks/ first on sys.path)."""
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documented_rule_graphs_are_the_workflows(tmp_path, monkeypatch):
    """benchmarks/pipeline_dag.DEPENDS (critical paths) and docs/images/dag.dot (README's
    picture) == ``snakemake --rulegraph`` without the target rule ``all`` (which asks for every
    product). Regenerate the picture as docs/architecture.md says."""
    pipeline_dag = benchmark_module("pipeline_dag", monkeypatch)
    work = make_workdir_from_demo(tmp_path)
    graph = pipeline_dag.rule_graph(
        [sys.executable, "-m", "snakemake"], REPO / "Snakefile", work, dict(os.environ)
    )
    assert graph.pop("all") == set(pipeline_dag.DEPENDS)  # every rule makes a product
    pictured = pipeline_dag.parse_rulegraph((REPO / "docs/images/dag.dot").read_text())
    assert pictured == graph == pipeline_dag.DEPENDS


def test_the_dag_build_benchmarks_bare_snakefile_has_the_workflows_rule_graph(
    tmp_path, monkeypatch
):
    """benchmarks/dag_build.py compares the workflow with a bare Snakefile of "the same job
    shape", written by hand: its rule graph must stay the workflow's (pipeline_dag.DEPENDS)."""
    pipeline_dag = benchmark_module("pipeline_dag", monkeypatch)
    dag_build = benchmark_module("dag_build", monkeypatch)
    snakefile, work = dag_build.make_bare(tmp_path, 3)
    graph = pipeline_dag.rule_graph(
        [sys.executable, "-m", "snakemake"], snakefile, work, dict(os.environ)
    )
    graph.pop("all")
    assert graph == pipeline_dag.DEPENDS


def test_a_benchmark_interrupted_while_writing_keeps_the_previous_results(tmp_path, monkeypatch):
    """benchenv.write_result replaces a results file in one rename: an interrupt halfway
    through writing leaves the quoted file whole, and no temporary file behind."""
    benchenv = benchmark_module("benchenv", monkeypatch)
    path = tmp_path / "results" / "x.json"
    benchenv.write_result(path, {"wall_s": 1.0})
    write_text = Path.write_text

    def interrupted(self, text, *args, **kwargs):
        write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        benchenv.write_result(path, {"wall_s": 2.0})
    monkeypatch.undo()
    assert path.read_text() == '{\n  "wall_s": 1.0\n}\n'
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]


def test_production_plans_without_apptainer_with_the_documented_override(tmp_path):
    """docs/operators.md: `snakemake --profile production -n` needs apptainer on PATH (Snakemake
    checks it even in a dry run); on a workstation without it, `--sdm env-modules` replaces
    the profile's deployment method and the plan shows production's SLURM requests. The real
    submission needs the cluster and Apptainer: docs/operators-slurm.md and the SLURM tests."""
    import shutil

    if shutil.which("apptainer") or shutil.which("singularity"):
        pytest.skip("apptainer is installed here: the plain dry run would not be refused")
    work = make_workdir("small", tmp_path / "w")
    profile = str(REPO / "profiles" / "production")
    refused = snakemake(work, "--profile", profile, "-n", check=False)
    assert refused.returncode != 0
    assert "The apptainer or singularity command has to be available" in (
        refused.stdout + refused.stderr
    )
    planned = snakemake(work, "--profile", profile, "-n", "--sdm", "env-modules")
    out = planned.stdout + planned.stderr
    assert "rule run_member:" in out
    assert "slurm_partition=science, slurm_account=wavecast" in out


def test_every_stage_rule_passes_the_digest_of_its_code():
    """wavecast.codedigest: the rule's params carry the digest of the package code its job
    runs, so an edit to that code reruns it (tests/test_pipeline.py shows it with dry runs)."""
    from wavecast.codedigest import STAGE_RULES

    blocks = rule_blocks()
    for rule in STAGE_RULES:
        params = re.search(r"    params:\n((?:        .*\n)+)", blocks[rule])
        assert params, rule
        assert f'wavecast_code=WAVECAST_CODE["{rule}"],' in params.group(1), rule
