"""Group job sizes (wavecast.backends.groups): Snakemake's layered sizing, from the rule graph.

tests/slurm/test_pipeline_slurm.py compares these figures with what sacct says SLURM was
asked for; here, the arithmetic and the limits check on production's groups."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wavecast.backends.groups import group_jobs, group_parts, group_problems, outside_paths
from wavecast.backends.load import validate_data
from wavecast.errors import ValidationError
from wavecast.rules import MEMBER_RULES

from .common import SNAKEFILE, make_workdir, venv_env

ROOT = Path(__file__).parents[1]


def group_size(backend, group: str):
    """The size of the one kind of job of a connected group."""
    ((_, size),) = group_jobs(backend, group)
    return size


@pytest.fixture
def production() -> dict:
    return yaml.safe_load((ROOT / "config/backends/production.yaml").read_text())


def test_production_groups(production):
    backend = validate_data(production, "production.yaml")
    member = group_size(backend, "member")
    # make_forcing (8g, 60 min) then run_member (8g, 240 min): the larger memory, the sum of time
    assert (member.cpus, member.mem_mb, member.runtime) == (1, 8192, 300)
    post = group_size(backend, "post")
    # summarise_ensemble (16g) beside extract_stations (4g): 20g; three levels of runtime
    assert (post.cpus, post.mem_mb, post.runtime) == (2, 20480, 120 + 60 + 60)
    assert post.levels == (
        ("summarise_ensemble", "extract_stations"),
        ("plot_maps", "plot_stations"),
        ("archive_run",),
    )
    assert group_problems(backend, "production.yaml") == []


def test_components_side_by_side_and_mixed_groups(production):
    production["group_components"] = {"member": 3}
    backend = validate_data(production, "production.yaml")
    member = group_size(backend, "member")
    assert (member.cpus, member.mem_mb, member.runtime, member.copies) == (3, 3 * 8192, 300, 3)
    # run_member with summarise_ensemble: one job holds every member, sized by the ensemble
    production["groups"] = {"tail": ["run_member", "summarise_ensemble"]}
    production.pop("group_components")
    assert group_size(validate_data(production, "p.yaml"), "tail") is None


def test_a_group_job_above_limits_is_an_error(production):
    """Each rule fits limits, the group job does not: SLURM would refuse it or never start it."""
    production["group_components"] = {"member": 8}
    production["limits"] = {"cpu": 4, "memory": "256g", "timeout": 14400}
    with pytest.raises(ValidationError) as err:
        validate_data(production, "production.yaml")
    (problem,) = [p for p in err.value.problems if p.path == "groups.member"]
    assert problem.message == (
        "a member group job is larger than limits allow (8 CPUs > limits.cpu 4; 300 min > "
        "limits.timeout 240 min): Snakemake sizes it from its rules as up to 8 CPU(s), 64g "
        "(65536 MiB), 300 min (make_forcing then run_member, 8 members side by side)"
    )
    assert problem.fix.endswith(
        "or group fewer rules or fewer members (group_components.member; a job holds at most "
        "as many as the ensemble has)"
    )


@pytest.fixture
def plots(production) -> dict:
    """Two rules that do not read from one another in one group, each fitting limits.cpu 6,
    the two side by side (8 CPUs) not."""
    production["groups"] = {"plots": ["plot_maps", "plot_stations"]}
    production["stages"].update(plot_maps={"cpu": 4}, plot_stations={"cpu": 4})
    production["limits"]["cpu"] = 6
    return production


def test_unconnected_rules_of_a_group_are_separate_jobs(plots):
    """Snakemake (DAG.update_groups) forms a group job from jobs connected through the group:
    plot_maps and plot_stations each run in a job of their own, so the file is valid."""
    backend = validate_data(plots, "production.yaml")
    jobs = group_jobs(backend, "plots")
    assert [(rules, size.cpus, size.levels) for rules, size in jobs] == [
        (("plot_maps",), 4, (("plot_maps",),)),
        (("plot_stations",), 4, (("plot_stations",),)),
    ]
    # a group of member and non-member rules that do not meet: each part sized on its own
    plots["groups"] = {"inputs": ["build_grid", "make_forcing"]}
    jobs = group_jobs(validate_data(plots, "p.yaml"), "inputs")
    assert [(rules, size.copies) for rules, size in jobs] == [
        (("build_grid",), 1),
        (("make_forcing",), 1),
    ]


def test_group_components_join_unconnected_parts(plots):
    """group_components puts that many instances, of any of the group's parts, in one job."""
    plots["group_components"] = {"plots": 2}
    with pytest.raises(ValidationError) as err:
        validate_data(plots, "production.yaml")
    (problem,) = [p for p in err.value.problems if p.path == "groups.plots"]
    assert problem.message == (
        "a plots group job is larger than limits allow (8 CPUs > limits.cpu 6): Snakemake "
        "sizes it from its rules as up to 8 CPU(s), 8g (8192 MiB), 60 min (up to 2 instances "
        "side by side, each one of: plot_maps; plot_stations)"
    )
    assert problem.fix.endswith(
        "or group fewer rules or fewer instances per job (group_components.plots)"
    )
    # member parts repeat: three forcings, or build_grid beside two of them
    plots["groups"] = {"inputs": ["build_grid", "make_forcing"]}
    plots["group_components"] = {"inputs": 3}
    plots["stages"]["build_grid"] = {"memory": "12g", "timeout": 600}
    ((rules, size),) = group_jobs(validate_data(plots, "p.yaml"), "inputs")
    assert rules == ("build_grid", "make_forcing")
    # memory: 12g + 2 × 8g beats 3 × 8g; runtime the longest part's (make_forcing: 60 min)
    assert (size.cpus, size.mem_mb, size.runtime, size.copies) == (3, 28 * 1024, 60, 3)


#: Runs in a subprocess: the group jobs Snakemake 9 forms (DAG.update_groups) in a dry run.
FORM_GROUPS = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi  # before snakemake.dag, which imports it circularly
from snakemake.settings.types import GroupSettings, OutputSettings, ResourceSettings
import snakemake.dag

snakefile, workdir, groups = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
formed = []
update_groups = snakemake.dag.DAG.update_groups

def spy(dag):
    update_groups(dag)
    formed[:] = sorted(sorted(j.rule.name for j in g.jobs) for g in set(dag._group.values()))

snakemake.dag.DAG.update_groups = spy
overwrite = {rule: group for group, rules in groups.items() for rule in rules}
with SnakemakeApi(OutputSettings()) as api:
    workflow = api.workflow(ResourceSettings(cores=1), snakefile=snakefile, workdir=workdir)
    workflow.dag().execute_workflow(
        executor="dryrun", group_settings=GroupSettings(overwrite_groups=overwrite)
    )
print("FORMED", json.dumps(formed))
"""


def test_the_parts_are_the_group_jobs_snakemake_forms(tmp_path):
    """The real workflow, two members: one group job per connected part and member."""
    groups = {
        "plots": ["plot_maps", "plot_stations"],
        "inputs": ["build_grid", "make_forcing"],
        "model": ["run_member"],
    }
    work = make_workdir("small", tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", FORM_GROUPS, str(SNAKEFILE), str(work), json.dumps(groups)],
        capture_output=True,
        text=True,
        env=venv_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    formed = json.loads(proc.stdout.split("FORMED ", 1)[1])
    expected = [
        sorted(part)
        for rules in groups.values()
        for part in group_parts(rules)
        for _ in range(2 if set(part) <= MEMBER_RULES else 1)
    ]
    assert formed == sorted(expected)
    assert len(formed) == 7


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (["build_grid", "plot_maps"], {"plot_maps": ["run_member", "summarise_ensemble"]}),
        (
            ["summarise_ensemble", "extract_stations", "archive_run"],
            {"archive_run": ["plot_maps", "plot_stations"]},
        ),
        (["make_forcing", "run_member"], {}),
        (["summarise_ensemble", "plot_maps"], {}),
        (["build_grid", "make_forcing", "run_member"], {}),
    ],
)
def test_a_path_that_leaves_a_group_and_enters_it_again(rules, expected):
    assert outside_paths(rules) == expected


def test_a_group_job_that_would_wait_for_itself_is_an_error(production):
    production["groups"] = {"post": ["summarise_ensemble", "extract_stations", "archive_run"]}
    with pytest.raises(ValidationError) as err:
        validate_data(production, "production.yaml")
    assert [str(p) for p in err.value.problems] == [
        "production.yaml::groups.post: archive_run depends on plot_maps, plot_stations outside "
        "the group, which depend on the group's own rules: the group job would wait for itself "
        "(Snakemake refuses it when the run starts); add plot_maps, plot_stations to "
        "groups.post, or take archive_run out"
    ]


def test_snakemake_refuses_the_group_validation_refuses_and_forms_the_fixed_one(tmp_path):
    """The real workflow through Snakemake's API: the group above stops the run ("Error in
    group post", DAG.validate_group); with the fix applied, Snakemake forms one job of the
    five rules."""
    work = make_workdir("small", tmp_path)

    def form(groups: dict) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", FORM_GROUPS, str(SNAKEFILE), str(work), json.dumps(groups)],
            capture_output=True,
            text=True,
            env=venv_env(),
            timeout=300,
        )

    bad = ["summarise_ensemble", "extract_stations", "archive_run"]
    refused = form({"post": bad})
    assert refused.returncode != 0 and "Error in group post" in refused.stderr, refused.stderr
    fixed = [*bad, *outside_paths(bad)["archive_run"]]
    assert outside_paths(fixed) == {}
    formed = form({"post": fixed})
    assert formed.returncode == 0, formed.stderr
    assert json.loads(formed.stdout.split("FORMED ", 1)[1]) == [sorted(fixed)]
