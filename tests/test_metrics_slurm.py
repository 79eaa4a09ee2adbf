"""sacct parsing on literal output: a real single-node cluster's rows and written edge cases."""

import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from wavecast.metrics import slurm
from wavecast.metrics.collect import collect
from wavecast.metrics.runlog import GroupedJob, parse_run_log

DATA = Path(__file__).parent / "metrics_data"


def records(name, attempts=None):
    jobs = slurm.parse_sacct((DATA / name).read_text())
    return slurm.sacct_records(jobs, "run-abc", attempts)


def test_command_has_explicit_window_name_and_steps():
    cmd = slurm.sacct_command(
        "run-abc", datetime(2026, 11, 20, 23, 0).astimezone(), datetime(2026, 11, 21, 2, 0)
    )
    assert cmd[:3] == ["sacct", "--name", "run-abc"]
    assert cmd[cmd.index("--starttime") + 1] == "2026-11-20T23:00:00"
    assert cmd[cmd.index("--endtime") + 1] == "2026-11-21T02:00:00"
    assert "--parsable2" in cmd and "--duplicates" in cmd and "-X" not in cmd
    assert cmd[-1] == ",".join(slurm.FIELDS)


def test_real_cluster_rows_memory_kill_timeout_and_steps():
    by_id = {r.backend_job_id: r for r in records("sacct_real_cluster.txt")}
    assert set(by_id) == {"1", "2", "3", "4", "5", "6", "7"}
    killed = by_id["2"]  # OverMemoryKill without cgroups: FAILED 0:9, batch CANCELLED
    assert (killed.status, killed.raw_state, killed.exit_code) == ("failed", "FAILED", 137)
    assert killed.peak_memory_gb == pytest.approx(152624 / 1024**2)
    assert killed.requested_memory_gb == pytest.approx(100 / 1024)
    timeout = by_id["3"]
    assert (timeout.status, timeout.raw_state, timeout.exit_code) == ("failed", "TIMEOUT", 143)
    assert timeout.requested_runtime_seconds == 60
    assert by_id["5"].exit_code == 3
    assert by_id["5"].peak_memory_gb is None and by_id["5"].partial
    assert any("no MaxRSS sample" in n for n in by_id["5"].notes)
    hog = by_id["6"]  # snakemake job: .batch + srun step .0, peak is the max over steps
    assert (hog.rule, hog.wildcards, hog.status) == ("hog", {"wildcards": "001"}, "completed")
    assert hog.peak_memory_gb == pytest.approx(190052 / 1024**2)
    assert hog.cpu_seconds == pytest.approx(3.647)
    assert hog.wall_time_seconds == 10 and hog.node == "vm"
    assert hog.cpu_efficiency == pytest.approx(3.647 / 10)
    assert hog.start == datetime(2026, 11, 21, 15, 2, 0).astimezone()
    assert by_id["1"].rule == "unknown" and by_id["1"].partial  # plain sbatch, no comment


def test_requeued_job_gives_one_record_per_incarnation_across_midnight():
    rows = [r for r in records("sacct_edge_cases.txt") if r.backend_job_id == "20"]
    first, second = rows
    assert (first.status, first.raw_state) == ("failed", "REQUEUED")
    assert (second.status, second.attempt, first.attempt) == ("completed", 1, 1)
    assert second.notes == [
        "wildcard names are not in the SLURM comment (no run log)",
        "info: SLURM requeued job 20: one record per run",
    ]
    assert second.wall_time_seconds == 93724
    assert second.cpu_seconds == 295200
    assert second.requested_runtime_seconds == 2 * 86400
    assert second.peak_memory_gb == pytest.approx(12345678 / 1024**2)
    assert second.memory_efficiency == pytest.approx(12345678 / 1024**2 / 16)
    assert second.cpu_efficiency == pytest.approx(295200 / (93724 * 4))


def test_array_tasks_pending_array_running_and_cancelled():
    by_id = {r.backend_job_id: r for r in records("sacct_edge_cases.txt")}
    task = by_id["30_1"]
    assert task.rule == "make_forcing" and task.wildcards == {}  # comment names task 1 only
    assert any("array task" in n for n in task.notes)
    assert task.cpu_seconds == pytest.approx(240.5)
    oom = by_id["30_2"]
    assert (oom.status, oom.raw_state) == ("failed", "OUT_OF_MEMORY")
    pending = by_id["30_[3-4]"]
    assert (
        pending.status == "pending" and pending.start is None and pending.wall_time_seconds is None
    )
    running = by_id["40"]
    assert running.status == "running" and running.end is None
    # sacct's 0:0 for jobs that have not ended is no exit code
    assert running.exit_code is None and pending.exit_code is None
    assert by_id["30_1"].exit_code == 0 and oom.exit_code is not None
    assert running.requested_memory_gb == 4  # 2Gc × 2 CPUs
    assert running.cpu_seconds is None and running.partial
    cancelled = by_id["41"]
    assert (cancelled.status, cancelled.raw_state) == ("failed", "CANCELLED by 1000")


def test_run_log_names_wildcards_and_attempts():
    """A real run of the slurm executor plugin: member 001 hit its memory limit (300 MB)
    and its retry got 600 MB; the run log maps SLURM job ids to wildcards and attempts."""
    run = parse_run_log((DATA / "runlog_slurm_retry.log").read_text())
    assert run.slurm_run_id == "26ecd07a-71f9-4b88-99fd-280d95019bbd"
    by_ext = {a.external_id: a for a in run.attempts if a.external_id}
    assert by_ext["10"].status == "failed" and by_ext["10"].raw_state == "FAILED"
    assert (by_ext["12"].attempt, by_ext["12"].status) == (2, "completed")
    recs = {r.backend_job_id: r for r in records("sacct_slurm_run.txt", by_ext)}
    first, retry = recs["10"], recs["12"]
    assert (first.wildcards, first.attempt, first.status) == ({"member": "001"}, 1, "failed")
    assert first.requested_memory_gb == pytest.approx(300 / 1024)
    assert first.peak_memory_gb == pytest.approx(538496 / 1024**2)  # the .0 step, above 300M
    assert (retry.wildcards, retry.attempt) == ({"member": "001"}, 2)
    assert retry.requested_memory_gb == pytest.approx(600 / 1024)
    assert first.log_path == "/home/ops/wavecast-run/.snakemake/slurm_logs/rule_hog/001/10.log"


def _log_dir(tmp_path, name):
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-21T150332.470058.snakemake.log").write_text((DATA / name).read_text())
    return tmp_path


def test_collect_slurm_run_with_literal_sacct(tmp_path):
    workdir = _log_dir(tmp_path, "runlog_slurm_retry.log")
    calls = []

    def runner(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, (DATA / "sacct_slurm_run.txt").read_text(), "")

    result = collect(workdir, sacct_runner=runner)
    assert result.backend == "slurm" and result.messages == []
    assert calls[0][:3] == ["sacct", "--name", "26ecd07a-71f9-4b88-99fd-280d95019bbd"]
    assert [(r.wildcards["member"], r.attempt, r.status) for r in result.records] == [
        ("001", 1, "failed"),
        ("000", 1, "completed"),
        ("001", 2, "completed"),
    ]


def test_collect_without_sacct_says_what_still_works(tmp_path):
    workdir = _log_dir(tmp_path, "runlog_slurm_retry.log")

    def runner(cmd, **kwargs):
        raise FileNotFoundError("sacct")

    result = collect(workdir, sacct_runner=runner)
    assert result.messages == [
        "sacct is not installed on this machine; what still works: the run log's list of jobs "
        "with status and times, benchmark files for CPU time and peak memory, and "
        "'wavecast logs'"
    ]
    assert len(result.records) == 3 and all(r.partial for r in result.records)
    assert {r.status for r in result.records} == {"failed", "completed"}
    assert all(r.peak_memory_gb is None for r in result.records)  # never invented


def test_parse_without_header_uses_field_order():
    line = (
        "9|9|u|rule_build_grid|COMPLETED|0:0|2026-01-01T00:00:00|2026-01-01T00:00:00|"
        "2026-01-01T00:00:09|00:00:09|00:09.000|1|1|1G||00:10:00|n1"
    )
    (job,) = slurm.parse_sacct(line)
    (rec,) = slurm.sacct_records([job], "r")
    assert rec.rule == "build_grid" and rec.wildcards == {} and rec.cpu_seconds == 9


def _runner(returncode=0, stdout="", stderr="", exc=None):
    def run(cmd, **kwargs):
        if exc:
            raise exc
        return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)

    return run


def test_fetch_reports_missing_sacct_and_disabled_accounting():
    with pytest.raises(slurm.SacctUnavailable, match="not installed"):
        slurm.fetch_sacct(["sacct"], _runner(exc=FileNotFoundError()))
    disabled = "sacct: error: Slurm accounting storage is disabled\n"
    with pytest.raises(slurm.SacctUnavailable, match="accounting is disabled"):
        slurm.fetch_sacct(["sacct"], _runner(1, stderr=disabled))


def _cluster_up() -> str | None:
    if not shutil.which("sinfo") or not shutil.which("sbatch"):
        return "no SLURM commands on this machine"
    done = subprocess.run(["sinfo", "-h"], capture_output=True, text=True, timeout=20)
    if done.returncode != 0:
        return f"sinfo fails: {done.stderr.strip().splitlines()[-1] if done.stderr else ''}"
    return None


@pytest.mark.slurm
def test_real_cluster_sbatch_then_sacct(tmp_path):
    reason = _cluster_up()
    if reason:
        print(f"skipped: {reason} (start scripts/slurm-local-cluster)")
        pytest.skip(reason)
    name = f"wavecast-metrics-test-{int(time.time())}"
    started = datetime.now().astimezone()
    out = subprocess.run(
        [
            "sbatch",
            "--parsable",
            "--job-name",
            name,
            "--comment",
            "rule_build_grid_wildcards_x",
            "--mem",
            "200M",
            "-t",
            "2",
            "-o",
            str(tmp_path / "%j.log"),
            "--wrap",
            "python3 -c 'import time; b=bytearray(60_000_000); time.sleep(4)'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    job_id = out.stdout.strip().split(";")[0]
    command = slurm.sacct_command(name, started.replace(second=0), datetime.now().astimezone())
    for _ in range(120):  # wait for the job to end (polling, no wall-clock assertion)
        time.sleep(1)
        command[command.index("--endtime") + 1] = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
        recs = slurm.sacct_records(slurm.parse_sacct(slurm.fetch_sacct(command)), name)
        if recs and recs[0].status in ("completed", "failed"):
            break
    (rec,) = recs
    assert rec.backend_job_id == job_id and rec.rule == "build_grid"
    assert rec.status == "completed" and rec.exit_code == 0
    assert rec.requested_memory_gb == pytest.approx(200 / 1024)
    assert rec.wall_time_seconds and rec.wall_time_seconds >= 4


def _group_run():
    jobs = slurm.parse_sacct((DATA / "sacct_group_run.txt").read_text())
    lines = slurm.parse_submit_lines((DATA / "sacct_group_steps.txt").read_text())
    return jobs, slurm.sacct_records(jobs, "run-abc"), lines


def test_group_jobs_get_one_record_per_rule_from_their_steps():
    """A real grouped run (production's groups, two members in one job): each srun step's
    SubmitLine names the Snakemake job it ran, so each rule gets its own record."""
    jobs, job_records, lines = _group_run()
    groups = [(j, r) for j, r in zip(jobs, job_records, strict=True) if j.job_id != "1943"]
    steps = slurm.group_step_records([j for j, _ in groups], [r for _, r in groups], lines)
    assert [(r.rule, r.wildcards, r.attempt, r.backend_job_id) for r in steps] == [
        ("make_forcing", {"member": "000"}, 1, "1944.0"),
        ("make_forcing", {"member": "001"}, 1, "1944.1"),
        ("run_member", {"member": "000"}, 1, "1944.2"),
        ("run_member", {"member": "001"}, 1, "1944.3"),
        ("extract_stations", {}, 1, "1945.0"),
        ("summarise_ensemble", {}, 1, "1945.1"),
        ("plot_maps", {}, 1, "1945.2"),
        ("plot_stations", {}, 1, "1945.3"),
        ("archive_run", {}, 1, "1945.4"),
    ]
    plot = steps[6]
    assert (plot.status, plot.raw_state, plot.exit_code) == ("completed", "COMPLETED", 0)
    assert plot.peak_memory_gb == pytest.approx(312692 / 1024**2)
    assert plot.cpu_seconds == pytest.approx(3.475) and plot.wall_time_seconds == 3
    assert plot.requested_cpus == 1 and plot.cpu_efficiency == pytest.approx(3.475 / 3)
    assert plot.start == datetime(2026, 11, 22, 4, 34, 3).astimezone()
    group = groups[0][1]
    member = steps[2]
    assert group.requested_memory_gb == 2.0 and group.requested_runtime_seconds == 1200
    # the rule's own requests come from the backend YAML (collect), not the group's allocation
    assert member.requested_memory_gb is None and member.requested_runtime_seconds is None
    assert member.node == "vm" and not member.partial
    assert member.notes == [
        "info: ran in SLURM group job 1944 (member_make_forcing_run_member), whose limits "
        "(2 GiB, 20 min) applied"
    ]
    assert group.rule == "member_make_forcing_run_member"  # the group's own record stays


def _group_runner(
    calls, steps_answer=None, run="sacct_group_run.txt", steps="sacct_group_steps.txt"
):
    def runner(cmd, **kwargs):
        calls.append(cmd)
        if "--name" in cmd:
            return subprocess.CompletedProcess(cmd, 0, (DATA / run).read_text())
        if steps_answer is not None:
            return steps_answer(cmd)
        return subprocess.CompletedProcess(cmd, 0, (DATA / steps).read_text())

    return runner


def test_collect_asks_for_the_command_lines_of_group_job_steps_only(tmp_path):
    """The run log names the group submissions (a uuid, not a jobid); only their numbered
    steps' SubmitLines (~4 KB each) are asked for, in a second call."""
    workdir = _log_dir(tmp_path, "runlog_slurm_groups.log")
    run = parse_run_log((DATA / "runlog_slurm_groups.log").read_text())
    assert run.slurm_group_jobs == ["1944", "1945"]
    calls = []
    requested = {"run_member": {"cpu": 1, "mem_mb": 1024, "runtime_min": 10}}
    result = collect(workdir, sacct_runner=_group_runner(calls), requested=requested)
    assert result.messages == []
    assert calls[1] == slurm.submit_lines_command(
        ["1944.0", "1944.1", "1944.2", "1944.3", "1945.0", "1945.1", "1945.2", "1945.3", "1945.4"]
    )
    assert "SubmitLine" not in calls[0][-1]
    rules = sorted(r.rule for r in result.records if r.backend == "slurm")
    assert rules.count("make_forcing") == rules.count("run_member") == 2
    assert rules.count("build_grid") == 1  # an ordinary job is its rule's record already
    assert "member_make_forcing_run_member" in rules and len(rules) == 12
    member = next(r for r in result.records if r.backend_job_id == "1944.2")
    assert (member.requested_memory_gb, member.requested_runtime_seconds) == (1.0, 600)
    assert member.memory_efficiency == pytest.approx(168364 / 1024**2)


def test_two_group_jobs_of_one_group_are_two_jobs_not_two_attempts(tmp_path):
    """Each member's group job is named by the members it ran, so `metrics summary` counts
    the jobs of the member group as jobs, each with one attempt."""
    from wavecast.metrics.summary import summarise

    workdir = _log_dir(tmp_path, "runlog_slurm_group_mpi.log")
    runner = _group_runner([], run="sacct_group_mpi_run.txt", steps="sacct_group_mpi_steps.txt")
    result = collect(workdir, sacct_runner=runner)
    groups = [r for r in result.records if r.rule.startswith("member_")]
    assert sorted(r.wildcards["member"] for r in groups) == ["000", "001"]
    (row,) = [s for s in summarise(result.records) if s.rule.startswith("member_")]
    assert (row.jobs, row.attempts) == (2, 2)


def test_collect_gives_an_mpi_rule_in_a_group_job_its_own_record(tmp_path):
    """The same through collect: the run log's group blocks reach the step records, and the
    rule's requests come from the backend YAML."""
    workdir = _log_dir(tmp_path, "runlog_slurm_group_mpi.log")
    runner = _group_runner([], run="sacct_group_mpi_run.txt", steps="sacct_group_mpi_steps.txt")
    requested = {"run_member": {"cpu": 2, "mem_mb": 1024, "runtime_min": 10}}
    result = collect(workdir, sacct_runner=runner, requested=requested)
    assert result.messages == []
    (mpi,) = [r for r in result.records if r.backend_job_id == "2197.1"]
    assert (mpi.rule, mpi.wildcards, mpi.attempt) == ("run_member", {"member": "001"}, 1)
    groups = [r for r in result.records if r.rule.startswith("member_")]
    assert [g.attempt for g in groups] == [1, 1]  # one submission each, per the run log
    assert (mpi.requested_memory_gb, mpi.requested_runtime_seconds) == (1.0, 600)


def test_an_old_sacct_without_submit_line_leaves_group_jobs_whole(tmp_path):
    workdir = _log_dir(tmp_path, "runlog_slurm_groups.log")
    invalid = 'sacct: error: Invalid field requested: "SubmitLine"\n'
    calls = []
    result = collect(
        workdir,
        sacct_runner=_group_runner(
            calls, lambda cmd: subprocess.CompletedProcess(cmd, 1, "", invalid)
        ),
    )
    assert result.messages == [
        "group jobs are measured only as a whole: sacct gave no command lines for their steps, "
        "which name the rules they ran (sacct failed: sacct: error: Invalid field requested: "
        '"SubmitLine"; SubmitLine needs SLURM 21.08+)'
    ]
    rules = sorted(r.rule for r in result.records if r.backend == "slurm")
    assert rules == [
        "build_grid",
        "member_make_forcing_run_member",
        "post_archive_run_extract_stations_plot_maps_plot_stations_summarise_ensemble",
    ]


def test_step_target_reads_rule_wildcards_and_attempt():
    # sacct joins argv with spaces and keeps no shell quoting: an apostrophe is a character
    line = (
        "srun -n1 --cpus-per-task=1 /v/bin/python -m snakemake --snakefile /w/Snakefile "
        "--config site=O'Hare --target-jobs mosaic:tile=3,band=B04 --allowed-rules mosaic "
        "--attempt 2 --force"
    )
    assert slurm.step_target(line) == ("mosaic", {"tile": "3", "band": "B04"}, 2)
    assert slurm.step_target("srun -n1 --target-jobs grid: --force") == ("grid", {}, None)
    assert slurm.step_target("") is None  # .batch / .extern steps
    assert slurm.step_target("srun python -m snakemake --target-jobs a:x=1 b:x=2") is None
    assert slurm.step_target("srun --mpi=pmix python -m wavecast.stages run_member") is None


def test_a_submit_line_with_the_field_separator_stays_whole():
    text = "7.0|T1|srun python -m snakemake --target-jobs a:n=1 --comment p|q\n7.batch|T1|\n"
    assert slurm.parse_submit_lines(text) == {
        ("7.0", "T1"): "srun python -m snakemake --target-jobs a:n=1 --comment p|q",
        ("7.batch", "T1"): "",
    }


GROUP_HEADER = "|".join(slurm.FIELDS)


def _row(job_id, start, end, cpu, rss, state="COMPLETED", comment=""):
    day = "2026-11-22T10:00:"
    return (
        f"{job_id}|{job_id}|{'u' if comment else 'python'}|{comment}|{state}|0:0|{day}{start}|"
        f"{day}{start}|{day}{end}|00:00:{int(end) - int(start):02d}|00:{cpu}|1|1|"
        f"{'2G' if comment else ''}|{rss}|{'00:20:00' if comment else ''}|n1"
    )


def _group_steps(rows, submit_lines, grouped=()):
    """Written sacct rows and step command lines of group jobs through group_step_records:
    (step records, the group jobs' own records)."""
    jobs = slurm.parse_sacct("\n".join([GROUP_HEADER, *rows]))
    parents = slurm.sacct_records(jobs, "r")
    lines = slurm.parse_submit_lines(submit_lines)
    return slurm.group_step_records(jobs, parents, lines, grouped), parents


def _srun(target):
    return f"srun -n1 python -m snakemake --target-jobs {target} --attempt 1 --nocolor"


def _mpi_group_run():
    """A real grouped run with ``run_member: {cpu: 2, mpiexec: srun}`` (2195: build_grid, an
    ordinary job; 2196/2197: one member each; 2198: the postprocess chain)."""
    jobs = slurm.parse_sacct((DATA / "sacct_group_mpi_run.txt").read_text())
    groups = [j for j in jobs if j.job_id != "2195"]
    lines = slurm.parse_submit_lines((DATA / "sacct_group_mpi_steps.txt").read_text())
    run = parse_run_log((DATA / "runlog_slurm_group_mpi.log").read_text())
    return groups, slurm.sacct_records(groups, "r"), lines, run


def test_the_run_log_lists_the_jobs_of_group_jobs():
    """Group blocks are indented ``rule X:`` blocks under ``Group job <name> ...:``; they
    become GroupedJobs, and the ordinary blocks around them stay attempts of their own."""
    run = parse_run_log((DATA / "runlog_slurm_group_mpi.log").read_text())
    assert [a.rule for a in run.attempts] == ["build_grid", "report_metrics", "all"]
    assert [(g.rule, g.jobid, g.wildcards) for g in run.grouped_jobs[:4]] == [
        ("make_forcing", 7, {"member": "001"}),
        ("run_member", 6, {"member": "001"}),
        ("make_forcing", 5, {"member": "000"}),
        ("run_member", 4, {"member": "000"}),
    ]
    model = run.grouped_jobs[1]
    assert model.inputs == ["results/build_grid/grid.nc", "results/make_forcing/member_001.nc"]
    assert model.outputs == ["results/run_member/member_001.nc"]
    assert len(run.grouped_jobs) == 9 and run.slurm_group_jobs == ["2196", "2197", "2198"]
    # each block's SLURM job: the group was submitted under the uuid of one of its jobs
    assert [g.slurm_job for g in run.grouped_jobs] == ["2197"] * 2 + ["2196"] * 2 + ["2198"] * 5
    assert run.slurm_group_attempts == {"2196": 1, "2197": 1, "2198": 1}


def test_a_resubmitted_group_is_its_next_attempt_and_file_notes_are_dropped():
    """A failed group job is submitted again under the same uuid, after its block is printed
    again; Snakemake marks pipe/storage files with a note in brackets."""
    job = GroupedJob("model", wildcards={"m": "1"})
    block = (
        "[Sun Nov 22 10:00:00 2026] Group job g (jobs in lexicogr. order):\n"
        "    [Sun Nov 22 10:00:00 2026]\n"
        "    rule model:\n"
        "        input: a.nc (pipe), b.nc\n"
        "        output: o.nc (pipe, send to storage), p.nc\n"
        "        jobid: 3\n"
        "        wildcards: m=1\n"
        "Shell command: None\n"
        f"Job {job.uuid()} has been submitted with SLURM jobid {{id}} (log: x/{{id}}.log).\n"
    )
    run = parse_run_log(block.format(id=10) + block.format(id=12))
    assert run.slurm_group_attempts == {"10": 1, "12": 2}
    first, again = run.grouped_jobs
    assert (first.slurm_job, again.slurm_job) == ("10", "12")
    assert first.inputs == ["a.nc", "b.nc"] and first.outputs == ["o.nc", "p.nc"]


def test_an_mpi_rule_in_a_group_job_is_measured_by_its_launcher_step():
    """The group's batch step runs an MPI rule directly; its launcher starts step .1, whose
    command line is the rule's own (no --target-jobs) and names the rule's output, which the
    run log's group block ties to run_member and its wildcards."""
    groups, parents, lines, run = _mpi_group_run()
    assert lines[("2196.1", "2026-11-22T06:43:43")].startswith(
        "srun python -m wavecast.stages run_member"
    )
    steps = slurm.group_step_records(groups, parents, lines, run.grouped_jobs)
    assert [(r.rule, r.wildcards, r.backend_job_id) for r in steps] == [
        ("make_forcing", {"member": "000"}, "2196.0"),
        ("run_member", {"member": "000"}, "2196.1"),
        ("make_forcing", {"member": "001"}, "2197.0"),
        ("run_member", {"member": "001"}, "2197.1"),
        ("extract_stations", {}, "2198.0"),
        ("summarise_ensemble", {}, "2198.1"),
        ("plot_maps", {}, "2198.2"),
        ("plot_stations", {}, "2198.3"),
        ("archive_run", {}, "2198.4"),
    ]
    mpi = steps[1]
    assert (mpi.status, mpi.exit_code, mpi.attempt) == ("completed", 0, 1)
    # the group jobs share one comment, so sacct_records numbers them 1, 2; the launcher step
    # takes the attempt its group's other steps were given
    assert [p.attempt for p in parents[:2]] == [1, 2] and steps[3].attempt == 1
    assert mpi.requested_cpus == 2 and mpi.cpu_seconds == pytest.approx(0.664)
    assert mpi.peak_memory_gb == pytest.approx(3 / 1024) and not mpi.partial
    assert mpi.notes == [
        "info: ran in SLURM group job 2196 (member_make_forcing_run_member), whose limits "
        "(1 GiB, 20 min) applied",
        "info: a launcher step (mpiexec): its command line names this job's output",
    ]
    assert not any("ran no Snakemake job" in n for p in parents for n in p.notes)


def test_a_launcher_step_without_the_run_log_stays_with_its_group():
    """Without the run log's group blocks nothing ties step .1 to a rule: no record, and the
    group's record names the step and keeps its usage."""
    groups, parents, lines, _ = _mpi_group_run()
    steps = slurm.group_step_records(groups, parents, lines)
    assert "run_member" not in {r.rule for r in steps} and len(steps) == 7
    member_group = parents[0]
    assert member_group.backend_job_id == "2196" and not member_group.partial
    assert (
        "info: step(s) 2196.1 ran no Snakemake job of their own that their command line names "
        "(srun inside a rule's command?): their usage is in this record only"
    ) in member_group.notes
    assert member_group.cpu_seconds == pytest.approx(7.141)  # the group's TotalCPU, .1 included


def test_a_launcher_step_belongs_to_the_job_whose_output_it_names():
    prep = GroupedJob("prep", wildcards={"m": "1"}, outputs=["p/1.nc"])
    model = GroupedJob("model", wildcards={"m": "1"}, inputs=["p/1.nc"], outputs=["o/1.nc"])
    other = GroupedJob("other", outputs=["x.nc"])
    by_output = {path: job for job in (prep, model, other) for path in job.outputs}
    # its input is another grouped job's output: the job that reads it ran the command
    assert slurm.launched_job("mpirun m --in p/1.nc --out o/1.nc", by_output, set()) is model
    assert slurm.launched_job("srun m --out=o/1.nc", by_output, set()) is model
    # a job another step ran (--target-jobs) is not a candidate
    assert slurm.launched_job("srun m p/1.nc", by_output, {("prep", (("m", "1"),))}) is None
    # two jobs, neither reading the other's output, or no output named: no job
    assert slurm.launched_job("srun m o/1.nc x.nc", by_output, set()) is None
    assert slurm.launched_job("srun hostname", by_output, set()) is None


@pytest.mark.parametrize(
    ("rows", "lines", "untied"),
    [
        pytest.param(  # an srun inside a rule of group job 9, naming a job of group job 8
            [
                _row("9", "00", "10", "05.000", "", comment="rule_post_stats"),
                _row("9.0", "01", "04", "02.000", "1000K"),
            ],
            "9.0|2026-11-22T10:00:01|srun tool o.nc\n",
            "9.0",
            id="a-job-of-another-group-job",
        ),
        pytest.param(
            [
                _row("8", "00", "10", "05.000", "", comment="rule_g_model"),
                _row("8.0", "01", "04", "02.000", "1000K"),
                _row("8.1", "05", "09", "02.000", "1000K"),
            ],
            "8.0|2026-11-22T10:00:01|srun a o.nc\n8.1|2026-11-22T10:00:05|srun b o.nc\n",
            "8.0, 8.1",
            id="two-steps-naming-one-job",
        ),
    ],
)
def test_a_step_not_tied_to_one_job_of_its_own_group_stays_with_the_group(rows, lines, untied):
    """A launcher step gets a job's record only if it names the output of a job of its own
    group job, and no other step names the same job; otherwise the group record keeps it."""
    steps, parents = _group_steps(
        rows, lines, [GroupedJob("model", outputs=["o.nc"], slurm_job="8")]
    )
    assert steps == []
    assert any(n.startswith(f"info: step(s) {untied} ran no") for n in parents[0].notes)


def test_a_requeued_group_job_keeps_each_incarnations_steps_apart():
    """A requeued job reuses its step ids; each incarnation's 7.0 has its own start and line."""
    got, _ = _group_steps(
        [
            _row("7", "00", "10", "05.000", "", state="REQUEUED", comment="rule_g_a_b"),
            _row("7.0", "01", "09", "04.000", "1000K", state="CANCELLED"),
            _row("7", "20", "30", "05.000", "", comment="rule_g_a_b"),
            _row("7.0", "21", "29", "04.000", "2000K"),
        ],
        f"7.0|2026-11-22T10:00:01|{_srun('a:n=1')}\n7.0|2026-11-22T10:00:21|{_srun('b:n=1')}\n",
    )
    assert [(r.rule, r.status, r.peak_memory_gb * 1024**2) for r in got] == [
        ("a", "failed", 1000),
        ("b", "completed", 2000),
    ]


def test_a_run_of_group_jobs_only_is_collected(tmp_path):
    """A rerun of grouped rules only (members after a cyclone edit, on production's groups)
    logs no job outside a group: it is still a run that ran jobs, for `latest` and collect."""
    text = (DATA / "runlog_slurm_groups.log").read_text()
    start, end = text.index("rule build_grid:"), text.index("Finished jobid: 2 (Rule: build_grid)")
    text = text[:start] + text[end:]
    text = text[: text.index("localrule report_metrics:")] + text[text.index("Cleaning up") :]
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-21T150332.470058.snakemake.log").write_text(text)
    (logs / "2026-11-21T150400.000000.snakemake.log").write_text("")  # a later lint, say
    assert parse_run_log(text).attempts == []
    result = collect(tmp_path, sacct_runner=_group_runner([]))
    rules = sorted(r.rule for r in result.records if r.backend == "slurm")
    assert rules.count("make_forcing") == rules.count("run_member") == 2
    assert "member_make_forcing_run_member" in rules
