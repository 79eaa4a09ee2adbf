"""The real pipeline (tests/cases/small) through the SLURM executor plugin, with a profile that
`wavecast profiles build` renders from a test backend YAML of type slurm pointing at the local
partition (containers off: apptainer cannot be installed on these machines).

Every job's request must reach SLURM as the backend YAML resolves it: sacct's Partition, Account,
ReqMem, ReqCPUS/AllocCPUS and Timelimit per rule equal what the resolver and `wavecast show` say,
and the job comment names the rule and its wildcards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.slurm.helpers import (
    account,
    mem_mib,
    minutes,
    partition,
    slurm_run_id,
    wait_for_accounting,
)

REPO = Path(__file__).resolve().parents[2]
ENV = "slurmtest"


def missing_piece() -> str | None:
    """What the pipeline test needs that is not in the tree (yet)."""
    if not (REPO / "Snakefile").exists():
        return "the pipeline (Snakefile) is missing"
    if not (REPO / "tests/cases/small/config.yaml").exists():
        return "the small test case tests/cases/small/config.yaml is missing"
    try:
        from wavecast.backends.load import load_backend  # noqa: F401
        from wavecast.backends.resolve import resolve  # noqa: F401
    except ImportError as err:
        return f"the backend→profile renderer is missing ({err})"
    return None


def backend_yaml() -> str:
    return f"""\
# slurmtest: the local single-node cluster of scripts/slurm-local-cluster, no containers
type: slurm
partition: {partition()}
account: {account()}
init_seconds_before_status_checks: 1
status_command: squeue
jobs: 4
retries: 1
timeout: 600
latency_wait: 10
defaults:
  cpu: 1
  memory: 1g
stages:
  run_member:
    cpu: 2
    memory: 1536m
    timeout: 900
  plot_maps:
    memory: 1280m
    timeout: 420
limits:
  cpu: 2
  memory: 4g
  timeout: 3600
"""


def env_without_slurm() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def wavecast(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wavecast.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env_without_slurm(),
        check=False,
    )
    assert done.returncode == 0, f"wavecast {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def show_values(text: str) -> dict[str, tuple[int, int, int]]:
    """rule -> (cpu, mem_mb, runtime) from `wavecast show` output."""
    found = re.findall(
        r"^(\w+):\n  cpu (\d+), mem_mb (\d+) MiB .*?runtime (\d+) min", text, re.MULTILINE
    )
    return {rule: (int(c), int(m), int(t)) for rule, c, m, t in found}


def expected_comments(output: str) -> set[str]:
    """``rule_<rule>[_wildcards_<values>]`` for every job snakemake printed (``rule X:`` blocks;
    ``localrule`` blocks run on the submitting machine and get no SLURM job)."""
    comments = set()
    rule, wildcards = None, ""
    for line in output.splitlines() + [""]:
        if line.startswith(" ") and rule:
            found = re.match(r"^\s+wildcards: (.+)$", line)
            if found:
                wildcards = "_".join(kv.split("=", 1)[1] for kv in found.group(1).split(", "))
            continue
        if rule:
            comments.add(
                f"rule_{rule}_wildcards_{wildcards.replace('/', '_')}"
                if wildcards
                else f"rule_{rule}"
            )
        found = re.match(r"^rule (\w+):$", line)
        rule, wildcards = (found.group(1), "") if found else (None, "")
    return comments


def rule_of(comment: str, rules: list[str]) -> str:
    from wavecast.metrics.slurm import parse_comment

    rule, _ = parse_comment(comment)
    assert rule in rules, f"job comment {comment!r} names no workflow rule"
    return rule


def run_on_slurm(work: Path, backend_text: str, *extra: str) -> tuple[str, list[dict]]:
    """Render a profile from ``backend_text``, run the pipeline with it, return the
    Snakemake output and the sacct rows of the run's jobs (once accounting has them all)."""
    (work / "config/backends").mkdir(parents=True)
    (work / f"config/backends/{ENV}.yaml").write_text(backend_text)
    wavecast("profiles", "build", ENV, "--root", str(work), cwd=work)
    profile = work / f"profiles/{ENV}"
    assert (profile / "profile.yaml").exists()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work)]
        + ["--profile", str(profile), *extra],
        cwd=work,
        capture_output=True,
        text=True,
        env=env_without_slurm(),
        timeout=1800,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    uuid = slurm_run_id(output)
    assert uuid, output[-3000:]
    submitted = len(re.findall(r"has been submitted with SLURM jobid", output))
    return output, wait_for_accounting(uuid, submitted, timeout=60)


@pytest.fixture(scope="module")
def pipeline_run(slurm_cluster, tmp_path_factory):
    missing = missing_piece()
    if missing:
        pytest.skip(f"pipeline on SLURM: {missing}")
    from tests.common import make_workdir

    work = make_workdir("small", tmp_path_factory.mktemp("slurm-pipeline"))
    output, rows = run_on_slurm(work, backend_yaml())
    return work, output, rows


def test_the_pipeline_completes_on_slurm(pipeline_run):
    work, output, rows = pipeline_run
    assert rows and all(r["State"] == "COMPLETED" for r in rows), rows
    from wavecast.rules import RULE_NAMES

    submitted_rules = {rule_of(r["Comment"], list(RULE_NAMES)) for r in rows}
    assert submitted_rules == set(RULE_NAMES), "every rule runs as a SLURM job"
    dry = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "-s", str(REPO / "Snakefile"), "-d", str(work)]
        + ["--profile", str(work / f"profiles/{ENV}")],
        cwd=work,
        capture_output=True,
        text=True,
        env=env_without_slurm(),
        check=False,
    )
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-3000:]


def test_every_job_got_what_the_backend_yaml_resolves_to(pipeline_run):
    work, _, rows = pipeline_run
    from wavecast.backends.load import load_backend
    from wavecast.backends.resolve import resolve
    from wavecast.rules import RULE_NAMES

    backend = load_backend(work / f"config/backends/{ENV}.yaml")
    resolved = {r.rule: r for r in resolve(backend)}
    shown = show_values(wavecast("show", "--env", ENV, "--root", str(work), cwd=work))
    assert set(shown) == set(RULE_NAMES)

    problems = []
    for row in rows:
        rule = rule_of(row["Comment"], list(RULE_NAMES))
        r = resolved[rule]
        got = {
            "Partition": row["Partition"],
            "Account": row["Account"],
            "ReqMem": mem_mib(row["ReqMem"]),
            "ReqCPUS": int(row["ReqCPUS"]),
            "AllocCPUS": int(row["AllocCPUS"]),
            "Timelimit": minutes(row["Timelimit"]),
        }
        want = {
            "Partition": partition(),
            "Account": account(),
            "ReqMem": r.mem_mb,
            "ReqCPUS": r.cpu,
            "AllocCPUS": r.cpu,
            "Timelimit": r.runtime,
        }
        if got != want:
            problems.append(f"{row['JobID']} {row['Comment']}: sacct {got} != resolved {want}")
        if shown[rule] != (r.cpu, r.mem_mb, r.runtime):
            problems.append(f"{rule}: wavecast show {shown[rule]} != resolver")
    assert not problems, "\n".join(problems)
    # the stage overrides of the test YAML really differ from the defaults
    assert (resolved["run_member"].cpu, resolved["run_member"].mem_mb) == (2, 1536)
    assert resolved["plot_maps"].runtime == 7
    # SLURM stops a job at its Timelimit, so no job armed a limit of its own (wavecast.deadline)
    logs = sorted((work / "logs").glob("*/*.log"))
    assert {p.parent.name for p in logs} >= set(RULE_NAMES), logs
    assert not [p for p in logs if "runtime limit" in p.read_text()]


def test_job_comments_name_rule_and_wildcards(pipeline_run):
    _, output, rows = pipeline_run
    comments = sorted(r["Comment"] for r in rows)
    assert sorted(expected_comments(output)) == comments
    assert "rule_run_member_wildcards_001" in comments


def test_a_member_short_of_memory_is_retried_with_more_memory_only(slurm_cluster, tmp_path):
    """run_member asks for 128 MiB, less than the job step itself holds: SLURM kills it, the
    retry doubles memory (and nothing else) until it fits, and the pipeline completes."""
    missing = missing_piece()
    if missing:
        pytest.skip(f"pipeline on SLURM: {missing}")
    from tests.common import make_workdir
    from wavecast.retry import Failure, classify

    work = make_workdir("small", tmp_path)
    yaml_text = backend_yaml().replace("retries: 1", "retries: 3")
    yaml_text = yaml_text.replace("    memory: 1536m\n", "    memory: 128m\n")
    output, rows = run_on_slurm(work, yaml_text, "--until", "run_member")
    for member in ("000", "001"):
        attempts = [r for r in rows if r["Comment"] == f"rule_run_member_wildcards_{member}"]
        assert len(attempts) >= 2, attempts
        memory = [mem_mib(r["ReqMem"]) for r in attempts]
        assert memory == [128 * 2**i for i in range(len(attempts))], memory
        assert {minutes(r["Timelimit"]) for r in attempts} == {15}
        assert {int(r["ReqCPUS"]) for r in attempts} == {2}
        assert attempts[-1]["State"] == "COMPLETED"
        for failed in attempts[:-1]:
            log = work / f".snakemake/slurm_logs/rule_run_member/{member}/{failed['JobID']}.log"
            sacct_text = subprocess.run(
                ["sacct", "-j", failed["JobID"], "--parsable2", "--noheader", "-o"]
                + [",".join(("JobID", "JobName", "State", "ExitCode"))],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            failure = classify(
                sacct_text, log.read_text(), fields=("JobID", "JobName", "State", "ExitCode")
            )
            assert failure is Failure.OUT_OF_MEMORY, (failed, sacct_text)


GROUPED_BACKEND = """\
type: slurm
partition: {partition}
account: {account}
init_seconds_before_status_checks: 1
status_command: squeue
jobs: 4
retries: 0
timeout: 600
latency_wait: 10
defaults:
  cpu: 1
  memory: 1g
groups:
  member: [make_forcing, run_member]
  post: [summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run]
group_components:
  member: 2
limits:
  cpu: 2
  memory: 4g
  timeout: 3600
"""


def test_backend_groups_become_one_slurm_job_per_group(slurm_cluster, tmp_path):
    """``groups``/``group_components`` from the backend YAML, through ``wavecast profiles
    build``, reach SLURM: build_grid alone, both members' forcing and model run in one job (two
    components: 2 CPUs, their memory added up), the postprocess chain in one job."""
    missing = missing_piece()
    if missing:
        pytest.skip(f"pipeline on SLURM: {missing}")
    from tests.common import make_workdir

    work = make_workdir("small", tmp_path)
    backend = GROUPED_BACKEND.format(partition=partition(), account=account())
    _, rows = run_on_slurm(work, backend)
    assert all(r["State"] == "COMPLETED" for r in rows), rows
    by_comment = {r["Comment"]: r for r in rows}
    assert len(rows) == 3, sorted(by_comment)
    member = [r for c, r in by_comment.items() if c.startswith("rule_member_")]
    post = [c for c in by_comment if c.startswith("rule_post_")]
    assert "rule_build_grid" in by_comment and len(member) == 1 and len(post) == 1, by_comment
    assert (int(member[0]["ReqCPUS"]), mem_mib(member[0]["ReqMem"])) == (2, 2048)
    assert (work / "results/archive_run/manifest.json").exists()
    # what `wavecast show` and the limits check say of each group job is what SLURM was asked
    from wavecast.backends.groups import group_jobs
    from wavecast.backends.load import load_backend

    loaded = load_backend(work / f"config/backends/{ENV}.yaml")
    sizes = {group: size for group in loaded.groups for (_, size) in group_jobs(loaded, group)}
    for row, group in ((member[0], "member"), (by_comment[post[0]], "post")):
        size = sizes[group]
        asked = (int(row["ReqCPUS"]), mem_mib(row["ReqMem"]), minutes(row["Timelimit"]))
        assert asked == (size.cpus, size.mem_mb, size.runtime), (group, row)
    assert sizes["post"].cpus == 2  # plot_maps and plot_stations side by side

    # Metrics of a grouped run (docs/metrics.md): one record per group job, named
    # <group>_<rules> and measured by sacct as a whole, and one per rule it ran, from the
    # group job's srun step for that rule (sacct's SubmitLine names its --target-jobs).
    from wavecast.metrics.collect import collect
    from wavecast.metrics.requested import load_env

    requested = load_env(work / f"config/backends/{ENV}.yaml").requested  # as the CLI does
    found = [r for r in collect(work, requested=requested).records if r.backend == "slurm"]
    by_rule: dict[str, list] = {}
    for record in found:
        by_rule.setdefault(record.rule, []).append(record)
    post_group = "post_archive_run_extract_stations_plot_maps_plot_stations_summarise_ensemble"
    assert sorted(by_rule) == sorted(
        ["build_grid", "member_make_forcing_run_member", post_group, "make_forcing"]
        + ["run_member", "summarise_ensemble", "extract_stations", "plot_maps"]
        + ["plot_stations", "archive_run"]
    )
    assert len(by_rule["build_grid"]) == 1  # an ordinary job is its rule's record already
    (grouped,) = by_rule["member_make_forcing_run_member"]
    inner = [r for r in found if r.backend_job_id.startswith(f"{member[0]['JobID']}.")]
    assert sorted((r.rule, r.wildcards["member"]) for r in inner) == [
        ("make_forcing", "000"),
        ("make_forcing", "001"),
        ("run_member", "000"),
        ("run_member", "001"),
    ]
    for record in inner:
        assert (record.status, record.exit_code, record.requested_cpus) == ("completed", 0, 1)
        assert record.cpu_seconds and record.wall_time_seconds is not None and record.start
        assert (record.requested_memory_gb, grouped.requested_memory_gb) == (1.0, 2.0)
        assert "whose limits (2 GiB, 20 min) applied" in record.notes[0]
    post_rules = ["summarise_ensemble", "extract_stations", "plot_maps", "plot_stations"]
    assert all(len(by_rule[r]) == 1 for r in [*post_rules, "archive_run"])
    assert grouped.requested_cpus == 2 and grouped.cpu_seconds and grouped.peak_memory_gb


def test_an_mpi_rule_in_a_group_job_is_measured_by_its_launcher_step(slurm_cluster, tmp_path):
    """run_member with ``mpiexec: srun`` inside the ``member`` group: the jobstep plugin runs
    an MPI rule in the group's batch step, whose launcher starts a step with the rule's own
    command line (no --target-jobs). docs/metrics.md says that step is tied to the rule by the
    output file its command line names, as the run log's group block lists it; this checks it
    against the real plugin and sacct."""
    missing = missing_piece()
    if missing:
        pytest.skip(f"pipeline on SLURM: {missing}")
    from tests.common import make_workdir
    from wavecast.metrics.collect import collect

    work = make_workdir("small", tmp_path)
    backend = GROUPED_BACKEND.format(partition=partition(), account=account())
    backend = backend.replace("group_components:\n  member: 2\n", "")
    backend += "stages:\n  run_member:\n    cpu: 2\n    mpiexec: srun\n"
    _, rows = run_on_slurm(work, backend)
    assert all(r["State"] == "COMPLETED" for r in rows), rows
    found = [r for r in collect(work).records if r.backend == "slurm"]
    mpi = sorted((r.wildcards["member"], r) for r in found if r.rule == "run_member")
    assert [m for m, _ in mpi] == ["000", "001"]
    groups = {r.backend_job_id: r for r in found if r.rule == "member_make_forcing_run_member"}
    assert len(groups) == 2
    for _, record in mpi:
        job, step = record.backend_job_id.split(".")
        assert job in groups and step != "batch"
        assert record.status == "completed" and record.requested_cpus == 2
        assert record.attempt == 1 and groups[job].attempt == 1
        assert record.cpu_seconds and not record.partial
    for group in groups.values():
        assert not any("ran no Snakemake job" in n for n in group.notes), group.notes
        assert not group.partial and group.cpu_seconds
