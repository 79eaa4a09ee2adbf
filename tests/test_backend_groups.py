"""Group job sizes (wavecast.backends.groups): Snakemake's layered sizing, from the rule graph.

tests/slurm/test_pipeline_slurm.py compares these figures with what sacct says SLURM was
asked for; here, the arithmetic and the limits check on production's groups."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wavecast.backends.groups import group_problems, group_size
from wavecast.backends.load import validate_data
from wavecast.errors import ValidationError

ROOT = Path(__file__).parents[1]


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
