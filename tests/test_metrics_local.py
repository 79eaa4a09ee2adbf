"""Benchmark files and Snakemake run logs on literal inputs, then a real local snakemake run."""

import inspect
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from wavecast.errors import ValidationError
from wavecast.metrics.collect import collect
from wavecast.metrics.local import (
    BenchmarkError,
    BenchmarkRow,
    apply_benchmark,
    last_sample_at,
    parse_benchmark,
    sampled_span,
)
from wavecast.metrics.record import JobRecord, derive
from wavecast.metrics.runlog import parse_run_log, select_run

DATA = Path(__file__).parent / "metrics_data"
SNAKEMAKE = shutil.which("snakemake") or "/tmp/venv/bin/snakemake"


def read(name):
    return (DATA / name).read_text()


def completed(**fields) -> JobRecord:
    """A completed local run_member attempt with nothing measured yet."""
    return JobRecord(run_id="r", rule="run_member", backend="local", status="completed",
                     raw_state="completed", **fields)  # fmt: skip


def test_extended_tsv():
    (row,) = parse_benchmark(read("bench_extended.tsv"), "b.tsv")
    assert row.seconds == 1.67 and row.max_rss_mib == 44.93 and row.cpu_time == 0.05
    assert (row.jobid, row.rule, row.wildcards, row.threads) == (1, "work", {"m": "000"}, 1)
    assert row.resources["mem_mb"] == 100


def test_basic_tsv_and_na_values():
    (row,) = parse_benchmark(read("bench_basic.tsv"), "b.tsv")
    assert (row.seconds, row.max_rss_mib, row.cpu_time, row.rule) == (61.25, 2048.0, 58.2, None)
    (na,) = parse_benchmark(read("bench_na.tsv"), "b.tsv")
    assert na.max_rss_mib is None and na.cpu_time is None and na.seconds == 0.0036


def test_a_sample_taken_only_at_the_start_is_not_the_jobs_peak():
    """cpu_time 0.00: Snakemake sampled the job once, as it started (a shell, an interpreter
    loading); its 10 MiB must not become the job's peak, or `tune` proposes 256m for a model
    that needs gigabytes."""
    record = completed()
    apply_benchmark(record, [BenchmarkRow(seconds=0.4, max_rss_mib=10.0, cpu_time=0.0)], "b.tsv")
    assert record.wall_time_seconds == 0.4
    assert record.peak_memory_gb is None and record.cpu_seconds is None
    assert "second benchmark sample" in " ".join(record.notes)
    sampled = record.model_copy(update={"notes": []})
    apply_benchmark(sampled, [BenchmarkRow(seconds=1.4, max_rss_mib=900.0, cpu_time=0.98)], "b")
    assert sampled.peak_memory_gb == 900.0 / 1024 and sampled.cpu_seconds == 0.98


def test_last_sample_at_follows_snakemakes_own_benchmark_timer(monkeypatch):
    """Snakemake's ScheduledPeriodicTimer, as `benchmarked()` starts it for every job, with its
    timer threads replaced by a clock that jumps by each interval the timer asks for: the
    times it samples at are the ones last_sample_at assumes (a Snakemake that changes its
    schedule fails here)."""
    from snakemake import benchmark

    now, samples, armed = [0.0], [], []

    class Clock:
        def __init__(self, interval, function, args=None, kwargs=None):
            self.interval, self.function = interval, function

        def start(self):
            armed.append(self)

        def cancel(self):
            pass

    class Probe(benchmark.ScheduledPeriodicTimer):
        def work(self):
            samples.append(now[0])

    monkeypatch.setattr(benchmark, "DaemonTimer", Clock)
    default = inspect.signature(benchmark.benchmarked).parameters["interval"].default
    Probe(default).start()
    while now[0] < 200:
        timer = armed.pop()
        now[0] += timer.interval
        timer.function()
    assert samples[:3] == [0.0, 0.5, 1.0] and 15.0 in samples and 45.0 in samples
    for seconds in (0.3, 0.5, 1.49, 7.2, 14.99, 15.0, 15.2, 25.0, 44.99, 45.0, 130.0):
        assert last_sample_at(seconds) == max(t for t in samples if t <= seconds), seconds


def test_a_long_jobs_cpu_is_over_the_part_snakemake_sampled():
    """A run_member of the 800² demo (benchmarks/README.md): 22.55 s wall, 14.97 s CPU in its
    benchmark file, because Snakemake samples every 30 s after a job's first 15 s. Its
    efficiency is over those 15 s (99.8 %), not 66 % of the whole, and the record says so. A
    short job's last half-second tick moves the span without a note; repeats count per row."""
    member = completed(requested_cpus=1)
    fresh = member.model_copy(deep=True)
    apply_benchmark(member, [BenchmarkRow(seconds=22.55, max_rss_mib=1143.9, cpu_time=14.97)], "b")
    derive(member)
    assert (member.cpu_seconds, member.cpu_sampled_seconds) == (14.97, 15.0)
    assert member.cpu_efficiency == pytest.approx(14.97 / 15.0)
    assert not member.partial and member.notes == [
        "info: b: Snakemake samples a job's CPU every 30 s after its first 15 s, so cpu_seconds "
        "covers only 15.0 s of 22.6 s, and cpu_efficiency is over those 15.0 s"
    ]
    short = fresh.model_copy(deep=True)
    apply_benchmark(short, [BenchmarkRow(seconds=1.49, max_rss_mib=300.0, cpu_time=0.98)], "b")
    derive(short)
    assert short.cpu_sampled_seconds == 1.0 and short.cpu_efficiency == pytest.approx(0.98)
    assert short.notes == []
    repeats = fresh.model_copy(deep=True)
    rows = [BenchmarkRow(seconds=1.49, max_rss_mib=300.0, cpu_time=0.98)] * 3
    apply_benchmark(repeats, rows, "b")
    assert repeats.cpu_sampled_seconds == 3.0 and repeats.notes == []
    untimed = fresh.model_copy(deep=True)  # a repeat's CPU without its time is not counted
    apply_benchmark(untimed, [rows[0], BenchmarkRow(None, 300.0, 0.5)], "b")
    derive(untimed)
    assert untimed.cpu_seconds == 0.98 and untimed.cpu_sampled_seconds == 1.0
    assert untimed.cpu_efficiency == pytest.approx(0.98)
    busy = fresh.model_copy(deep=True)  # the file's threads: 1 thread cannot use 40 s by 20 s
    apply_benchmark(busy, [BenchmarkRow(46.0, 300.0, 40.0, threads=1)], "b")
    assert busy.cpu_sampled_seconds == 45.0


def test_a_job_ending_just_after_a_30_s_sample_time_is_not_read_as_idle():
    """Samples run late (each waits its interval after the previous one finished reading
    /proc), so a job that ended 0.4 s after the nominal 45-s sample may have had its last
    sample at ~15.5 s. Dividing by 45 would read a busy job as a third busy and let `tune` cut
    its cpu; the earlier sample is assumed instead, and the record says its rate may read high.
    Only CPU that the job's threads could not have used by then proves the later one counted."""
    record = completed(requested_cpus=1)
    apply_benchmark(record, [BenchmarkRow(seconds=45.4, max_rss_mib=100.0, cpu_time=15.4)], "b")
    derive(record)
    assert record.cpu_sampled_seconds == 15.0 and record.cpu_efficiency > 1
    assert not record.partial and record.notes[1] == (
        "info: b: the job ended less than 5 s after Snakemake's sample at 45 s, which may have "
        "come too late to count, so the earlier sample is assumed and cpu_efficiency may read "
        "high"
    )
    assert sampled_span(15.0) == (15.0, False) and sampled_span(45.0) == (15.0, True)
    assert sampled_span(49.99) == (15.0, True) and sampled_span(50.0) == (45.0, False)
    assert sampled_span(75.5) == (45.0, True) and sampled_span(44.9) == (15.0, False)
    # 1 thread cannot use 40 CPU-seconds in the first 20 s: the 45-s sample counted
    assert sampled_span(46.0, cpu=40.0, threads=1) == (45.0, False)
    assert sampled_span(46.0, cpu=40.0, threads=2) == (15.0, True)
    assert sampled_span(46.0, cpu=40.0) == (15.0, True)  # threads unknown


def test_jsonl_with_repeats_and_day_durations():
    rows = parse_benchmark(read("bench_repeat.jsonl"), "b.jsonl")
    assert [r.max_rss_mib for r in rows] == [100.5, 120.25]
    assert rows[1].wildcards == {"member": "003"} and rows[1].threads == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "bench_truncated.tsv",
            "x/bench_truncated.tsv::line2: truncated row (4 of 10 columns); the job was "
            "interrupted while writing it; rerun the job or delete the file",
        ),
        (
            "bench_header_only.tsv",
            "x/bench_header_only.tsv::<top>: no measurement in benchmark file; the job was "
            "interrupted while writing it; rerun the job or delete the file",
        ),
    ],
)
def test_truncated_benchmark_messages(name, message):
    with pytest.raises(BenchmarkError) as err:
        parse_benchmark(read(name), f"x/{name}")
    assert str(err.value) == message


def test_empty_benchmark():
    with pytest.raises(BenchmarkError, match="empty benchmark file"):
        parse_benchmark("", "e.tsv")


def test_run_log_attempts_retries_and_exit_codes():
    run = parse_run_log(read("runlog_local_retry.log"))
    assert run.ended and not run.slurm_run_id and run.host == "vm"
    bad = [a for a in run.attempts if a.rule == "bad"]
    assert [(a.attempt, a.status, a.exit_code) for a in bad] == [(1, "failed", 3), (2, "failed", 3)]
    assert [a.resources["mem_mb"] for a in bad] == ["100", "200"]
    work = [a for a in run.attempts if a.rule == "work"]
    assert {a.wildcards["m"] for a in work} == {"000", "001"}
    assert all(a.status == "completed" and a.start and a.end for a in work)
    assert work[0].benchmark == "logs/benchmarks/work/000.tsv"


def test_run_log_cut_off_leaves_job_running():
    text = read("runlog_local_retry.log")
    cut = text[: text.index("Finished jobid")]
    run = parse_run_log(cut)
    assert not run.ended
    assert any(a.status == "running" for a in run.attempts)


def test_missing_output_exception_counts_as_failure():
    text = (
        "[Sat Nov 21 14:59:57 2026]\nlocalrule bad:\n    output: out/bad.txt\n    jobid: 3\n"
        "    resources: tmpdir=/tmp\n"
        'MissingOutputException in rule bad in file "/x/Snakefile", line 12:\n'
        "Job 3  completed successfully, but some output files are missing.\n"
    )
    (attempt,) = parse_run_log(text).attempts
    assert (attempt.status, attempt.raw_state) == ("failed", "MissingOutputException")


def test_no_runs_and_unknown_run_messages(tmp_path):
    with pytest.raises(ValidationError) as err:
        select_run(tmp_path)
    assert str(err.value) == (
        f"{tmp_path}/.snakemake/log::<top>: no Snakemake run logs here, so no run to collect; "
        "run the workflow from this directory first, or pass --workdir"
    )
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-21T145857.859582.snakemake.log").write_text(read("runlog_local_retry.log"))
    with pytest.raises(ValidationError) as err:
        select_run(tmp_path, "no-such-run")
    assert str(err.value) == (
        f"{logs}::<top>: no run with id 'no-such-run' among 1 run log(s); use --run latest, "
        "or an id from 'wavecast metrics runs'"
    )
    with pytest.raises(ValidationError) as err:
        select_run(tmp_path, "29d")  # the run's id is 29dc68c7-...
    assert "no run with id '29d' among 1 run log(s); a prefix needs 4 characters or more" in str(
        err.value
    )
    assert select_run(tmp_path, "29dc").workflow_id.startswith("29dc")
    assert select_run(tmp_path, "2026-11-21T1458").workflow_id.startswith("29dc")  # file name

    # a prefix that names several runs is refused, not read as the newest of them
    text = read("runlog_local_retry.log").replace("29dc68c7", "5a1e0b3f")
    (logs / "2026-11-21T150102.000000.snakemake.log").write_text(text)
    with pytest.raises(ValidationError) as err:
        select_run(tmp_path, "2026-11-21")
    assert "run id '2026-11-21' is ambiguous: 2 runs match (5a1e0b3f" in str(err.value)
    assert select_run(tmp_path, "5a1e").path.endswith("150102.000000.snakemake.log")
    assert select_run(tmp_path, "2026-11-21T145857.859582.snakemake.log").workflow_id.startswith(
        "29dc"
    )


SNAKEFILE = """
rule all:
    input: expand("out/{m}.txt", m=["000", "001"]), "out/bad.txt", "out/quick.txt"

rule work:
    output: "out/{m}.txt"
    log: "logs/work/{m}.log"
    benchmark: "logs/benchmarks/work/{m}.tsv"
    resources: mem_mb=200, runtime=2
    shell:
        "python3 -c 'import time; b=bytearray(40_000_000); time.sleep(1.5)' > {log} 2>&1;"
        " echo hi > {output}"

rule quick:
    output: "out/quick.txt"
    log: "logs/quick/quick.log"
    benchmark: "logs/benchmarks/quick/quick.jsonl"
    shell: "echo hi > {output} 2> {log}"

rule bad:
    output: "out/bad.txt"
    log: "logs/bad/bad.log"
    benchmark: "logs/benchmarks/bad/bad.tsv"
    resources: mem_mb=lambda wc, attempt: 100 * attempt
    shell: "echo oops > {log}; exit 3"
"""


def run_snakemake(workdir: Path) -> None:
    (workdir / "Snakefile").write_text(SNAKEFILE)
    subprocess.run(
        [SNAKEMAKE, "-c1", "--benchmark-extended", "--retries", "1", "-k"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("localrun")
    run_snakemake(workdir)
    return workdir


@pytest.mark.slow
def test_collect_real_local_run(local_run):
    result = collect(local_run)
    assert result.backend == "local" and not result.in_progress
    by = {(r.rule, r.wildcards_str(), r.attempt): r for r in result.records}
    assert set(by) == {
        ("work", "m=000", 1),
        ("work", "m=001", 1),
        ("quick", "", 1),
        ("bad", "", 1),
        ("bad", "", 2),
    }
    work = by[("work", "m=000", 1)]
    assert work.status == "completed" and work.exit_code == 0 and not work.partial
    assert work.peak_memory_gb > 30 / 1024  # the 40 MB bytearray is in the peak
    assert work.requested_memory_gb == pytest.approx(200 / 1024)
    assert work.requested_runtime_seconds == 120 and work.requested_cpus == 1
    assert work.memory_efficiency == pytest.approx(work.peak_memory_gb / (200 / 1024))
    assert work.log_path == "logs/work/000.log"
    retry = by[("bad", "", 2)]
    assert (retry.status, retry.exit_code, retry.requested_memory_gb) == ("failed", 3, 200 / 1024)
    assert retry.partial and retry.peak_memory_gb is None  # no benchmark survives a failure
    assert retry.notes == [
        "logs/benchmarks/bad/bad.tsv: Snakemake keeps no benchmark for a failed attempt"
    ]
    # quick may end before Snakemake's first benchmark sample, or be sampled only at its start
    # (cpu_time 0): either way its peak is not measured, and the note says which happened.
    quick = by[("quick", "", 1)]
    assert quick.status == "completed"
    assert (quick.peak_memory_gb is None) == quick.partial
    if quick.partial:
        assert (
            "no memory or CPU sample" in quick.notes[0]
            or "ended before Snakemake's second benchmark sample" in quick.notes[0]
        ), quick.notes


@pytest.mark.slow
def test_missing_and_truncated_benchmark_files_mark_records_partial(local_run, tmp_path):
    shutil.copytree(local_run, tmp_path / "w")
    w = tmp_path / "w"
    (w / "logs/benchmarks/work/000.tsv").unlink()
    (w / "logs/benchmarks/work/001.tsv").write_text(read("bench_truncated.tsv"))
    by = {r.wildcards_str(): r for r in collect(w).records if r.rule == "work"}
    assert by["m=000"].notes == [
        "logs/benchmarks/work/000.tsv: benchmark file missing; CPU time and peak unknown"
    ]
    assert by["m=001"].notes == [
        "logs/benchmarks/work/001.tsv::line2: truncated row (4 of 10 columns); the job was "
        "interrupted while writing it; rerun the job or delete the file"
    ]
    assert all(r.partial and r.peak_memory_gb is None for r in by.values())
    assert by["m=000"].wall_time_seconds is not None  # the run log still gives times


@pytest.mark.slow
def test_a_rerun_soon_after_does_not_lend_its_benchmarks_to_the_first_run(local_run, tmp_path):
    """A second real run in the same directory, right after the first, reruns `work`:
    Snakemake rewrites those jobs' benchmark files. The first run's records of `work` must not
    show the second run's figures (less than two minutes apart, mtimes alone cannot tell);
    the second run's records do; `quick`, which only the first run ran, keeps its own."""
    shutil.copytree(local_run, tmp_path / "w")  # copy2: the files keep their times
    w = tmp_path / "w"
    first = select_run(w).run_id
    done = subprocess.run(
        [SNAKEMAKE, "-c1", "--benchmark-extended", "--forcerun", "work", "--", "out/000.txt"],
        cwd=w,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    second = select_run(w).run_id
    assert second != first
    old = {r.wildcards_str(): r for r in collect(w, first).records if r.rule in ("work", "quick")}
    assert old["m=000"].notes == [
        f"logs/benchmarks/work/000.tsv: rewritten by a later run, {second}; not used"
    ]
    assert old["m=000"].peak_memory_gb is None and old["m=000"].partial
    assert old["m=001"].peak_memory_gb is not None  # not rerun: still the first run's file
    assert not any("later run" in n for n in old[""].notes)  # quick
    (new,) = collect(w, second).records
    assert new.peak_memory_gb > 30 / 1024 and not new.partial


def test_run_in_progress_is_a_snapshot(tmp_path):
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    text = read("runlog_local_retry.log")
    (logs / "2026-11-21T145857.859582.snakemake.log").write_text(text[: text.index("Finished")])
    (tmp_path / ".snakemake" / "locks").mkdir()
    (tmp_path / ".snakemake" / "locks" / "0.output.lock").write_text("x")
    result = collect(tmp_path, now=datetime(2026, 11, 21, 15, 0).astimezone())
    assert result.in_progress and result.partial
    running = [r for r in result.records if r.status == "running"]
    assert running and all(r.end is None and r.peak_memory_gb is None for r in running)
    assert result.messages[0].endswith("run still in progress; records are a snapshot")


SPIN = """
rule spin:
    output: "out/spin.txt"
    benchmark: "logs/benchmarks/spin.tsv"
    shell:
        "python3 -c 'import time; end = time.process_time() + 24\\n"
        "while time.process_time() < end: pass' && touch {output}"
"""


@pytest.mark.slow
def test_a_busy_job_longer_than_15_s_reads_as_busy(tmp_path):
    """The real sampler on a job that keeps one CPU busy for 24 s: its benchmark file holds
    about 15 s of CPU (the last sample before the job ended), so CPU time over wall time
    reads as ~0.6 CPUs and `tune` would have cut a busy rule's cpu. Over the sampled 15 s
    it is ~1."""
    (tmp_path / "Snakefile").write_text(SPIN)
    done = subprocess.run([SNAKEMAKE, "-c1"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (spin,) = collect(tmp_path).records
    assert spin.cpu_sampled_seconds == 15.0 and spin.cpu_seconds <= 16
    assert spin.cpu_seconds / spin.wall_time_seconds < 0.7
    assert spin.cpu_efficiency > 0.9
    assert not spin.partial and "covers only 15.0 s of" in spin.notes[0]


def test_exit_status_stays_with_the_error_that_follows_it():
    """An exit status whose error names no job of this log (here a job scheduled before the
    log's first line) is dropped there: the next failure, which printed none, gets none."""
    text = (
        "[Sat Nov 21 14:59:57 2026]\nlocalrule bad:\n    output: out/bad.txt\n    jobid: 3\n"
        "    resources: tmpdir=/tmp\n"
        "Command 'set -euo pipefail;  exit 3' returned non-zero exit status 3.\n"
        "[Sat Nov 21 14:59:58 2026]\nError in rule other:\n    jobid: 9\n"
        "[Sat Nov 21 14:59:59 2026]\nError in rule bad:\n    jobid: 3\n"
    )
    (attempt,) = parse_run_log(text).attempts
    assert (attempt.status, attempt.exit_code) == ("failed", None)


def test_a_job_a_signal_ended_has_exit_code_128_plus_n():
    """Python's CalledProcessError says "died with <Signals.SIGKILL: 9>" (a kill, an OOM
    killer, Ctrl-C): exit code 137 as the shell and sacct give it, the signal as raw state."""
    text = (
        "[Sun Nov 22 20:25:09 2026]\nlocalrule a:\n    output: out/a.txt\n    jobid: 1\n"
        "    resources: tmpdir=/tmp\nRuleException:\n"
        'CalledProcessError in file "/tmp/sig/Snakefile", line 5:\n'
        "Command 'set -euo pipefail;  sleep 1; kill -9 $$' died with <Signals.SIGKILL: 9>.\n"
        "[Sun Nov 22 20:25:10 2026]\nError in rule a:\n    message: None\n    jobid: 1\n"
    )
    (attempt,) = parse_run_log(text).attempts
    assert (attempt.status, attempt.exit_code, attempt.raw_state) == ("failed", 137, "SIGKILL")
