"""Tune: proposals from records, and the comment-keeping edit of a backend YAML."""

from pathlib import Path

import pytest

from wavecast.errors import ValidationError
from wavecast.metrics.local import apply_benchmark, parse_benchmark
from wavecast.metrics.record import JobRecord, derive
from wavecast.metrics.requested import EnvResources, load_env
from wavecast.metrics.tune import changes_of, edit_stages, propose

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "metrics_data"


def rec(rule, peak_gb, wall, cpu_s, status="completed"):
    return derive(
        JobRecord(
            run_id="r",
            rule=rule,
            backend="slurm",
            status=status,
            raw_state="X",
            wall_time_seconds=wall,
            cpu_seconds=cpu_s,
            peak_memory_gb=peak_gb,
        )
    )


def env(**requested):
    return EnvResources(
        path="p",
        kind="slurm",
        requested=requested,
        limit_cpu=64,
        limit_mem_mb=64 * 1024,
        limit_timeout=86400,
    )


def test_memory_cpu_timeout_proposals():
    e = env(run_member={"cpu": 16.0, "mem_mb": 32768.0, "runtime_min": 240.0})
    records = [
        rec("run_member", 10.0, 3000, 3000 * 6.5),
        rec("run_member", 11.2, 3300, 3300 * 7.1),
        rec("run_member", 60.0, 10, 10, status="failed"),  # failures do not count
    ]
    proposals, notes = propose(records, e, 1.2)
    got = {p.key: (p.current, p.proposed) for p in proposals}
    # 11.2 GiB × 1.2 = 13.44 GiB → 1g steps → 14g; 7.1 CPUs × 1.2 = 8.52 → 9;
    # 3300 s × 1.2 = 3960 s → 15 min steps → 4500
    assert got == {"memory": ("32g", "14g"), "cpu": ("16", "9"), "timeout": ("14400", "4500")}
    assert notes == []


def test_the_current_timeout_is_shown_as_the_yaml_writes_it():
    """125 s becomes runtime 3 (minutes): the proposal compares with and shows 125, not 180."""
    e = env(a={"cpu": 1.0, "mem_mb": 1024.0, "runtime_min": 3.0, "timeout_s": 125.0})
    proposals, _ = propose([rec("a", 0.5, 200, 150)], e, 1.2)
    assert [(p.current, p.proposed) for p in proposals if p.key == "timeout"] == [("125", "300")]
    e = env(a={"cpu": 1.0, "mem_mb": 1024.0, "runtime_min": 5.0, "timeout_s": 300.0})
    assert [p for p in propose([rec("a", 0.5, 200, 150)], e, 1.2)[0] if p.key == "timeout"] == []
    # capped at limits.timeout 180 s: 125 s and 180 s are both runtime 3, so no change
    requested = {"a": {"cpu": 1.0, "mem_mb": 1024.0, "runtime_min": 3.0, "timeout_s": 125.0}}
    e = EnvResources("p", "slurm", requested, limit_cpu=4, limit_mem_mb=4096, limit_timeout=180)
    assert [p for p in propose([rec("a", 0.5, 150, 80)], e, 1.2)[0] if p.key == "timeout"] == []
    assert (
        load_env(ROOT / "config/backends/staging.yaml").requested["run_member"]["timeout_s"] == 7200
    )


def test_never_above_limits_never_below_use():
    e = env(a={"cpu": 2.0, "mem_mb": 1024.0, "runtime_min": 10.0})
    e = EnvResources(
        "p", "slurm", e.requested, limit_cpu=4, limit_mem_mb=6 * 1024, limit_timeout=7200
    )
    proposals, _ = propose([rec("a", 5.5, 7000, 7000 * 1.9)], e, 1.5)
    got = {p.key: p.proposed for p in proposals}
    assert got["memory"] == "6g"  # 8.25g wanted, capped at the limit, still ≥ the 5.5g used
    assert got["timeout"] == "7200"
    assert "cpu" not in got  # 1.9 used → ≥ 2, and cpu is never raised above the request
    proposals, notes = propose([rec("a", 7.0, 60, 60)], e, 1.2)
    assert "memory" not in {p.key for p in proposals}
    assert notes == [
        "a: a successful attempt used 7168 MiB, above limits.memory (6g); "
        "memory left as is, raise limits.memory"
    ]


def test_small_memory_steps_and_no_data():
    e = env(
        a={"cpu": 1.0, "mem_mb": 4096.0, "runtime_min": 60.0},
        b={"cpu": 1.0, "mem_mb": 1.0, "runtime_min": 1.0},
    )
    proposals, notes = propose([rec("a", 0.3, 30, 20)], e, 1.2)
    assert {p.key: p.proposed for p in proposals} == {"memory": "512m", "timeout": "300"}
    assert notes == ["b: no successful attempt measured; left as is"]


YAML = """\
# production backend
type: slurm
defaults:
  cpu: 1
  memory: 4g  # most stages are small
stages:
  # the ensemble members are the big ones
  run_member:
    cpu: 16   # one node's socket
    memory: 32g
    mpiexec: srun --mpi=pmix
  summarise_ensemble:
    memory: 16g

limits:
  cpu: 64
"""


def test_edit_keeps_comments_and_order():
    out = edit_stages(
        YAML,
        {"run_member": {"cpu": "8", "timeout": "4500"}, "plot_maps": {"memory": "2g"}},
    )
    assert out == YAML.replace(
        "cpu: 16   # one node's socket", "cpu: 8   # one node's socket"
    ).replace(
        "    mpiexec: srun --mpi=pmix\n", "    mpiexec: srun --mpi=pmix\n    timeout: 4500\n"
    ).replace("    memory: 16g\n", "    memory: 16g\n  plot_maps:\n    memory: 2g\n")


def test_edit_adds_stages_and_refuses_flow_style():
    assert (
        edit_stages("type: local\n", {"a": {"cpu": "2"}})
        == "type: local\nstages:\n  a:\n    cpu: 2\n"
    )
    assert edit_stages("stages: {}\nlimits: {}\n", {"a": {"cpu": "2"}}) == (
        "stages:\n  a:\n    cpu: 2\nlimits: {}\n"
    )
    with pytest.raises(ValidationError) as err:
        edit_stages("stages: {a: {cpu: 1}}\n", {"a": {"cpu": "2"}}, "f.yaml")
    assert str(err.value) == "f.yaml::stages: written in flow style; write it as a block mapping"


def test_edited_production_yaml_still_validates(tmp_path):
    source = ROOT / "config" / "backends" / "production.yaml"
    target = tmp_path / "production.yaml"
    target.write_text(source.read_text())
    resources = load_env(target)
    records = [rec("run_member", 20.0, 5000, 5000 * 12), rec("build_grid", 0.2, 100, 90)]
    proposals, _ = propose(records, resources, 1.2)
    target.write_text(edit_stages(target.read_text(), changes_of(proposals)))
    again = load_env(target)
    assert again.requested["run_member"]["mem_mb"] == 24 * 1024
    assert again.requested["build_grid"]["mem_mb"] == 256
    text = target.read_text()
    assert text.startswith(source.read_text().splitlines()[0]) and "# production:" in text


def test_rules_in_a_group_job_are_named_as_such_not_as_unmeasured():
    """production.yaml groups rules into SLURM group jobs; with no per-rule step records (an
    old sacct) only the group's record exists, and tune says so instead of 'no successful
    attempt measured'."""
    e = load_env(ROOT / "config" / "backends" / "production.yaml")
    assert e.groups["run_member"] == "member" and e.groups["archive_run"] == "post"
    proposals, notes = propose([rec("build_grid", 0.2, 5, 3)], e, 1.2)
    assert {p.rule for p in proposals} == {"build_grid"}
    assert (
        "run_member: runs inside group job 'member', and no job step of it was measured "
        "(sacct before SLURM 21.08 names no step's rule, and an MPI rule's launcher step is "
        "known only by the output file its command names; see `wavecast metrics summary`); "
        "left as is"
    ) in notes
    assert not any("no successful attempt" in n for n in notes), notes
    assert load_env(ROOT / "config" / "backends" / "localdev.yaml").groups == {}


def test_whole_second_clocks_do_not_turn_a_short_step_into_two_cpus():
    """A 3-s SLURM step (a rule inside a group job) that used 3.06 CPU-seconds: sacct's whole
    seconds cannot tell that from 1.02 CPUs, so cpu stays 1; a benchmark file's millisecond
    wall time can, and 1.02 CPUs used means at least 2."""
    e = env(a={"cpu": 1.0, "mem_mb": 1024.0, "runtime_min": 10.0})
    step = rec("a", 0.2, 3, 3.06)
    proposals, _ = propose([step], e, 1.2)
    assert "cpu" not in {p.key for p in proposals}
    local = step.model_copy(update={"backend": "local", "wall_time_seconds": 3.0})
    proposals, _ = propose([local], e, 1.2)
    assert {p.key: p.proposed for p in proposals}["cpu"] == "2"


def test_a_whole_second_clock_never_lowers_cpu_below_what_a_busy_job_used():
    """4 CPUs busy for a job recorded as 1 s: it surely used 2, maybe 4; cpu stays 4."""
    e = env(a={"cpu": 4.0, "mem_mb": 1024.0, "runtime_min": 10.0})
    proposals, _ = propose([rec("a", 0.2, 1, 4.0)], e, 1.2)
    assert "cpu" not in {p.key for p in proposals}


def test_a_long_local_job_is_sized_on_the_part_its_benchmark_sampled():
    """A local job kept 4 CPUs busy for 40 s; its benchmark file holds the 60 CPU-seconds of
    the first 15 s (Snakemake samples every 30 s after that). Over those 15 s it used 4 CPUs,
    so cpu stays 4; read over the whole 40 s the same file would say 1.5 and cut cpu to 2."""
    e = env(a={"cpu": 4.0, "mem_mb": 1024.0, "runtime_min": 10.0})
    whole = rec("a", 0.2, 40.0, 60.0).model_copy(update={"backend": "local", "requested_cpus": 4})
    sampled = derive(whole.model_copy(update={"cpu_sampled_seconds": 15.0}))
    assert sampled.cpu_efficiency == 1.0
    proposals, _ = propose([sampled], e, 1.2)
    assert "cpu" not in {p.key for p in proposals}
    proposals, _ = propose([whole], e, 1.2)
    assert {p.key: p.proposed for p in proposals}["cpu"] == "2"


def stopped(rule, asked_s):
    return JobRecord(
        run_id="r",
        rule=rule,
        backend="slurm",
        status="failed",
        raw_state="TIMEOUT",
        requested_runtime_seconds=asked_s,
    )


def test_a_rule_that_only_timed_out_is_told_which_limit_to_raise():
    e = env(run_member={"cpu": 1.0, "mem_mb": 4096.0, "runtime_min": 60.0})
    # retries doubled the time: 3600 s, then 7200 s; the limit allows 86400 s
    proposals, notes = propose([stopped("run_member", 3600), stopped("run_member", 7200)], e)
    assert proposals == []
    assert notes == [
        "run_member: no successful attempt; 2 attempt(s) stopped at the time limit (the longest "
        "had 7200 s); raise stages.run_member.timeout (at most limits.timeout, 86400 s) and run "
        "again; left as is"
    ]
    # the last retry already had limits.timeout: the stage's own timeout cannot help
    _, notes = propose([stopped("run_member", 3600), stopped("run_member", 86400)], e)
    assert notes[0].endswith(
        "(the longest had 86400 s, limits.timeout); raise limits.timeout and "
        "stages.run_member.timeout, or make the stage shorter, and run again; left as is"
    )


def test_a_job_shorter_than_a_second_is_not_said_to_take_0_s():
    """A real localdev run_member of the small case: its benchmark file says 0.48 s, which
    read "longest 0 s × 1.2". A whole-second clock's 0 s (sacct) was no wall time at all, so
    the rule's timeout was left as is; it is under a second, and sized as one."""
    e = env(run_member={"cpu": 1.0, "mem_mb": 4096.0, "runtime_min": 60.0})
    local = JobRecord(run_id="r", rule="run_member", backend="local", status="completed",
                      raw_state="finished")  # fmt: skip
    rows = parse_benchmark((DATA / "bench_subsecond.tsv").read_text(), "b.tsv")
    apply_benchmark(local, rows, "b.tsv")
    assert local.wall_time_seconds == 0.48
    proposals, _ = propose([derive(local)], e, 1.2)
    (timeout,) = [p for p in proposals if p.key == "timeout"]
    assert (timeout.current, timeout.proposed, timeout.reason) == (
        "3600",
        "300",
        "longest 0.48 s × 1.2",
    )
    proposals, notes = propose([rec("run_member", 0.1, 0, None)], e, 1.2)
    (timeout,) = [p for p in proposals if p.key == "timeout"]
    assert (timeout.proposed, timeout.reason) == (
        "300",
        "longest < 1 s (timed in whole seconds), taken as 1 s × 1.2",
    )
    assert not any("wall time" in n for n in notes)
    # a whole-second time from 1 s up reads as before; a benchmark's 1.49 s is not "1 s"
    assert [p.reason for p in propose([rec("run_member", 0.1, 7, None)], e, 1.2)[0]
            if p.key == "timeout"] == ["longest 7 s × 1.2"]  # fmt: skip
    local.wall_time_seconds = 1.49
    assert [p.reason for p in propose([local], e, 1.2)[0] if p.key == "timeout"] == [
        "longest 1.5 s × 1.2"
    ]
