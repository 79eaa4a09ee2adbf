"""Kubernetes Job/pod parsing on literal API objects (kubectl JSON and client models).

No API server runs on the build machines, so :func:`fetch_jobs` is documented, not run here.
"""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wavecast.metrics import kubernetes as k8s

from .common import REPO

DATA = Path(__file__).parent / "metrics_data"


@pytest.fixture
def objects():
    return k8s.items(json.loads((DATA / "k8s_jobs_pods.json").read_text()))


def test_completed_job(objects):
    jobs, pods = objects
    name = jobs[0]["metadata"]["name"]
    rec = k8s.parse_job(jobs[0], pods[name], "run-1")
    assert (rec.rule, rec.wildcards, rec.attempt) == ("run_member", {"member": "003"}, 1)
    assert (rec.status, rec.raw_state, rec.exit_code) == ("completed", "Completed", 0)
    assert rec.start == datetime(2026, 11, 21, 10, 0, 5, tzinfo=UTC)
    assert rec.wall_time_seconds == 42 * 60 + 24
    assert rec.requested_cpus == pytest.approx(3.8)
    assert rec.requested_memory_gb == pytest.approx(8192e6 / 1024**3)
    assert rec.node == "pool-a-node-3" and rec.backend_job_id == name
    assert rec.partial and rec.notes == [k8s.NO_USAGE]


def test_oom_killed_retry(objects):
    jobs, pods = objects
    rec = k8s.parse_job(jobs[1], pods[jobs[1]["metadata"]["name"]], "run-1")
    assert (rec.rule, rec.attempt, rec.status) == ("make_forcing", 2, "failed")
    assert (rec.raw_state, rec.exit_code) == ("OOMKilled", 137)
    assert rec.requested_memory_gb == 2.0


def test_pending_pod(objects):
    jobs, pods = objects
    rec = k8s.parse_job(jobs[2], pods[jobs[2]["metadata"]["name"]], "run-1")
    assert (rec.rule, rec.wildcards, rec.status, rec.raw_state) == (
        "build_grid",
        {},
        "pending",
        "ContainerCreating",
    )
    assert rec.start is None and not rec.partial


def test_job_without_pod():
    job = {"metadata": {"name": "snakejob-x"}, "spec": {}, "status": {}}
    rec = k8s.parse_job(job, [], "r")
    assert rec.rule == "unknown" and rec.status == "pending" and rec.partial


def test_client_model_objects_parse_the_same():
    kubernetes = pytest.importorskip("kubernetes")
    c = kubernetes.client
    job = c.V1Job(
        metadata=c.V1ObjectMeta(name="snakejob-y", labels={"app": "snakemake"}),
        spec=c.V1JobSpec(
            template=c.V1PodTemplateSpec(
                spec=c.V1PodSpec(
                    containers=[
                        c.V1Container(
                            name="snakemake",
                            command=["/bin/sh"],
                            args=["-c", "snakemake --target-jobs 'plot_maps:' --attempt 1"],
                            resources=c.V1ResourceRequirements(requests={"cpu": "950m"}),
                        )
                    ]
                )
            )
        ),
    )
    pod = c.V1Pod(
        spec=c.V1PodSpec(containers=[], node_name="n1"),
        status=c.V1PodStatus(
            container_statuses=[
                c.V1ContainerStatus(
                    name="snakemake",
                    image="i",
                    image_id="",
                    ready=False,
                    restart_count=0,
                    state=c.V1ContainerState(
                        terminated=c.V1ContainerStateTerminated(
                            exit_code=1,
                            reason="Error",
                            started_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
                            finished_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
                        )
                    ),
                )
            ]
        ),
    )
    rec = k8s.parse_job(job, [pod], "r")
    assert (rec.rule, rec.status, rec.exit_code, rec.wall_time_seconds) == (
        "plot_maps",
        "failed",
        1,
        60,
    )
    assert rec.node == "n1" and rec.requested_cpus == pytest.approx(0.95)


def test_target_with_comma_in_value():
    rule, wc, attempt = k8s.parse_target("""--target-jobs 'a:x=1,y="p,q"' --attempt 3""")
    assert (rule, wc, attempt) == ("a", {"x": "1", "y": "p,q"}, 3)
    # a quoted value with a blank is one spec, read as retry reads SLURM logs (wavecast.targets)
    command = """snakemake --target-jobs 'plot:site="Shelf Buoy"' 'b:' --attempt 2 --cores 1"""
    assert k8s.parse_target(command) == ("plot", {"site": "Shelf Buoy"}, 2)
    # an unbalanced quote later on the line leaves the specs before it as they are
    assert k8s.parse_target(command + " 'unbalanced") == ("plot", {"site": "Shelf Buoy"}, 2)


K8S_RUN_LOG = """\
Building DAG of jobs...
Using docker://ghcr.io/wavecast/wavecast:0.1.0 for Kubernetes jobs.
Select jobs to execute...
Execute 2 jobs...
[Sat Nov 21 10:00:00 2026]
rule build_grid:
    output: results/build_grid/grid.nc
    jobid: 1
    reason: Missing output files: results/build_grid/grid.nc
    resources: tmpdir=<TBD>, mem_mb=1024
Get status with: kubectl describe job snakejob-77777777-0000-5000-8000-000000000003
[Sat Nov 21 10:00:00 2026]
rule run_member:
    output: results/run_member/member_003.nc
    jobid: 2
    reason: Missing output files: results/run_member/member_003.nc
    wildcards: member=003
    resources: tmpdir=<TBD>, mem_mb=8590
Get status with: kubectl describe job snakejob-5b0e7e5c-9a51-5a8e-8c55-0c4e1b7a7f01
"""


def k8s_workdir(tmp_path: Path) -> Path:
    """A working directory whose one Snakemake run log is a Kubernetes run of two Jobs."""
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-21T100000.000000.snakemake.log").write_text(K8S_RUN_LOG)
    return tmp_path


def test_saved_objects_of_other_runs_are_left_out(tmp_path):
    """With keep_finished_jobs, a saved `kubectl get jobs,pods` also holds earlier runs' Jobs:
    only the Jobs this run's log names become records (the file's make_forcing Job is not)."""
    from wavecast.metrics.collect import collect

    document = json.loads((DATA / "k8s_jobs_pods.json").read_text())
    result = collect(k8s_workdir(tmp_path), backend="kubernetes", kubernetes_source=document)
    assert sorted((r.rule, r.attempt) for r in result.records) == [
        ("build_grid", 1),
        ("run_member", 1),
    ]
    assert "1 Job(s) not submitted by run" in " ".join(result.messages)


def test_without_its_job_a_record_reads_the_run_logs_decimal_megabytes(tmp_path):
    """The Kubernetes profile gives the plugin mem_mb in MB of 10^6 bytes (8g -> 8590): a record
    made from the run log alone (its Job is gone) must still say 8 GiB, not 8.39."""
    from wavecast.metrics.collect import collect

    result = collect(k8s_workdir(tmp_path), backend="kubernetes", kubernetes_source={"items": []})
    (member,) = [r for r in result.records if r.rule == "run_member"]
    assert member.requested_memory_gb == pytest.approx(8.0, abs=1e-3)


def test_jobs_are_read_from_the_environments_namespace(tmp_path, monkeypatch, capsys):
    """`metrics collect --env staging` reads the Jobs in staging's namespace, not `default`.
    The API call itself is replaced (no API server here): this checks what reaches it."""
    import shutil

    from wavecast.cli.main import main

    work = k8s_workdir(tmp_path)
    backends = work / "config" / "backends"
    backends.mkdir(parents=True)
    shutil.copy(REPO / "config" / "backends" / "staging.yaml", backends)
    asked = []

    def fetch_jobs(names, namespace="default"):
        asked.append((sorted(names), namespace))
        return [], {}

    monkeypatch.setattr(k8s, "fetch_jobs", fetch_jobs)
    assert main(["metrics", "collect", "--workdir", str(work), "--env", "staging"]) == 0
    assert asked == [
        (
            [
                "snakejob-5b0e7e5c-9a51-5a8e-8c55-0c4e1b7a7f01",
                "snakejob-77777777-0000-5000-8000-000000000003",
            ],
            "wavecast-staging",
        )
    ]
    out = capsys.readouterr().out
    assert "Job not found in namespace 'wavecast-staging'" in out


def member_with_benchmark(tmp_path: Path, row: str):
    """run_member's record from a Kubernetes run whose run log names its benchmark file, and
    that file holding ``row`` (benchmark columns, space-separated)."""
    from wavecast.metrics.collect import collect

    work = k8s_workdir(tmp_path)
    log = next((work / ".snakemake" / "log").iterdir())
    log.write_text(
        K8S_RUN_LOG.replace(
            "    wildcards: member=003\n",
            "    wildcards: member=003\n    benchmark: logs/benchmarks/run_member/003.tsv\n",
        )
    )
    bench = work / "logs" / "benchmarks" / "run_member" / "003.tsv"
    bench.parent.mkdir(parents=True)
    header = (DATA / "bench_basic.tsv").read_text().splitlines()[0]
    bench.write_text(header + "\n" + row.replace(" ", "\t") + "\n")
    document = json.loads((DATA / "k8s_jobs_pods.json").read_text())
    result = collect(work, backend="kubernetes", kubernetes_source=document)
    (member,) = [r for r in result.records if r.rule == "run_member"]
    return member


def test_a_pods_cpu_from_its_benchmark_file_keeps_the_span_it_covers(tmp_path):
    """The API has no CPU time, so a Job's comes from its benchmark file. run_member ran
    2530 s; Snakemake sampled it every 30 s after its first 15 s, last at 2505 s: its
    efficiency is over those 2505 s, and the record says the last 25 s are not counted."""
    member = member_with_benchmark(tmp_path, "2530.0 0:42:10 6000 7000 5900 5950 10 900 98 2490.2")
    assert (member.cpu_seconds, member.cpu_sampled_seconds) == (2490.2, 2505.0)
    assert member.cpu_efficiency == pytest.approx(2490.2 / 2505.0 / member.requested_cpus)
    assert "covers only 2505.0 s of 2530.0 s" in " ".join(member.notes)


def test_a_pods_benchmark_cpu_is_over_the_benchmarks_time_not_the_pods(tmp_path):
    """A 10.0-s job whose last sample came as it ended, in a pod that ran 42 min (the pod's
    time includes its start-up): its CPU rate is over the 10 s."""
    member = member_with_benchmark(tmp_path, "10.0 0:00:10 600 700 590 595 1 9 98.4 9.8")
    assert member.wall_time_seconds > 2500 and member.cpu_sampled_seconds == 10.0
    assert member.cpus_busy() == pytest.approx(0.98)


def test_a_pod_that_stopped_at_its_runtime_limit_is_a_timeout(objects):
    """The pod's Snakemake exits 1 whatever its job did: the termination message tells."""
    jobs, pods = objects
    pod = copy.deepcopy(pods[jobs[1]["metadata"]["name"]][-1])
    stop = (
        "wavecast stopped the job: runtime limit of 600 s reached (the backend's timeout); "
        "raise the stage's timeout in the backend YAML if it needs longer\n"
    )
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    terminated.update(exitCode=1, reason="Error", message=stop)
    rec = k8s.parse_job(jobs[1], [pod], "run-1")
    assert (rec.status, rec.exit_code, rec.raw_state) == ("failed", 1, "TIMEOUT")
    assert rec.notes[0] == (
        f"info: pod reason Error, termination message {stop.strip()!r}: the job stopped itself "
        "at its runtime limit (the backend's timeout)"
    )
    terminated.update(message="something else went wrong")
    assert k8s.parse_job(jobs[1], [pod], "run-1").raw_state == "Error"
