"""wavecast metrics / tune / logs, in-process through main(argv), inputs in tmp_path."""

import argparse
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from wavecast.cli.main import main
from wavecast.cli.tune import _headroom

DATA = Path(__file__).parent / "metrics_data"
ROOT = Path(__file__).parents[1]


@pytest.fixture
def local_workdir(tmp_path):
    """A run log and the benchmark files it names, as a local run leaves them."""
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-21T145857.859582.snakemake.log").write_text(
        (DATA / "runlog_local_retry.log").read_text()
    )
    for member in ("000", "001"):
        bench = tmp_path / "logs" / "benchmarks" / "work" / f"{member}.tsv"
        bench.parent.mkdir(parents=True, exist_ok=True)
        bench.write_text((DATA / "bench_extended.tsv").read_text())
        log = tmp_path / "logs" / "work" / f"{member}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"log of member {member}\n")
    (tmp_path / "logs" / "bad").mkdir()
    (tmp_path / "logs" / "bad" / "bad.log").write_text("oops\n")
    import os

    old = 1795273137  # the run's own time: the files are not from a later run
    for path in (tmp_path / "logs").rglob("*.*"):
        os.utime(path, (old, old))
    return tmp_path


def test_collect_jsonl_and_csv(local_workdir, capsys):
    assert main(["metrics", "collect", "--workdir", str(local_workdir)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(
        (r["rule"], r["wildcards"].get("m"), r["attempt"], r["status"]) for r in rows
    ) == [
        ("bad", None, 1, "failed"),
        ("bad", None, 2, "failed"),
        ("work", "000", 1, "completed"),
        ("work", "001", 1, "completed"),
    ]
    assert "run 29dc68c7-1e17-4858-b246-32c4d77379b5 (local): 4 records, 2 partial" in err
    target = local_workdir / "m.csv"
    assert main(["metrics", "collect", "--workdir", str(local_workdir), "-o", str(target)]) == 0
    header = target.read_text().splitlines()[0]
    assert header.startswith("run_id,rule,wildcards,attempt,backend,backend_job_id,status")


def test_summary_from_collected_file(local_workdir, capsys):
    target = local_workdir / "m.jsonl"
    main(["metrics", "collect", "--workdir", str(local_workdir), "-o", str(target), "--quiet"])
    capsys.readouterr()
    assert main(["metrics", "summary", "--input", str(target)]) == 0
    out = capsys.readouterr().out
    rows = {line.replace("*", " ").split()[0]: line for line in out.splitlines()[1:3]}
    assert rows["work"].replace("*", " ").split()[:4] == ["work", "2", "2", "0"]
    assert rows["bad"].split()[:5] == ["*", "bad", "1", "2", "2"]
    assert main(["metrics", "summary", "--input", str(target), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    bad = next(d for d in data if d["rule"] == "bad")
    assert bad["flags"] == ["failures", "partial"] and bad["worst"]


def test_report_writes_html_and_pngs(local_workdir, capsys):
    out = local_workdir / "report.html"
    assert main(["metrics", "report", "--workdir", str(local_workdir), "-o", str(out)]) == 0
    assert out.read_text().count("data:image/png;base64,") == 3
    assert sorted(p.name for p in (local_workdir / "report_figures").iterdir()) == [
        "resources.png",
        "timeline.png",
        "walltime.png",
    ]


def test_unknown_run_is_one_clear_line(local_workdir, capsys):
    assert main(["metrics", "collect", "--workdir", str(local_workdir), "--run", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.strip().endswith(
        "no run with id 'nope' among 1 run log(s); use --run latest, or an id from "
        "'wavecast metrics runs'"
    )
    assert "Traceback" not in err


def test_bad_input_file(tmp_path, capsys):
    bad = tmp_path / "m.jsonl"
    bad.write_text('{"rule": "x"\n')
    assert main(["metrics", "summary", "--input", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"{bad}::line1: not JSON")


def test_files_that_cannot_be_read_or_written_are_one_line(local_workdir, capsys):
    """No traceback for an I/O error: the file the user named, what went wrong, exit 1."""
    blocker = local_workdir / "a-file"
    blocker.write_text("")
    out = blocker / "metrics.jsonl"  # its directory is a file
    argv = ["metrics", "collect", "--workdir", str(local_workdir), "--quiet", "-o", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"wavecast: error: {out}: cannot write here (") and err.count("\n") == 1
    missing = local_workdir / "pods.json"
    assert main([*argv[:4], "--k8s-file", str(missing)]) == 1
    assert capsys.readouterr().err == f"wavecast: error: {missing}: No such file or directory\n"
    missing.write_text("{not json")
    assert main([*argv[:4], "--k8s-file", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{missing}::<top>: not JSON (") and "kubectl get jobs,pods" in err
    assert err.count("\n") == 1


def test_runs_lists_ids(local_workdir, capsys):
    assert main(["metrics", "runs", "--workdir", str(local_workdir)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("29dc68c7-1e17-4858-b246-32c4d77379b5  2026-11-21 15:03:00  local")
    assert "4 attempts  2 failed  ended" in line


def test_runs_tells_a_lint_log_from_an_unfinished_run(local_workdir, capsys):
    """`snakemake --lint` leaves a log of its verdict: that is no run, not one still going."""
    logs = local_workdir / ".snakemake" / "log"
    (logs / "2026-11-22T192522.552548.snakemake.log").write_text(
        "Congratulations, your workflow is in a good condition!\n"
    )
    cut = (DATA / "runlog_local_retry.log").read_text()
    (logs / "2026-11-22T192523.000000.snakemake.log").write_text(cut[: cut.index("Finished")])
    assert main(["metrics", "runs", "--workdir", str(local_workdir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("unfinished") and lines[1].endswith("  no workflow run")
    assert lines[2].endswith("ended")


def test_runs_names_an_interrupted_run_and_its_unfinished_job(tmp_path, capsys):
    """A real localdev run of the small case stopped with Ctrl-C (SIGINT to snakemake) during
    its second run_member: Snakemake writes its final message, so the run read as `ended`,
    and the run_member it never logged as finished was counted nowhere."""
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-23T075148.755452.snakemake.log").write_text(
        (DATA / "runlog_local_interrupted.log").read_text()
    )
    assert main(["metrics", "runs", "--workdir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "23c4707b-011b-4403-9dbe-38c42ebe0ecd  2026-11-23 07:51:48  local      "
        "     5 attempts  0 failed  1 unfinished  interrupted\n"
    )


def test_collect_names_the_interrupt_for_the_job_it_stopped(tmp_path, capsys):
    """The same real run: its unfinished run_member was noted 'still running' and 'the run log
    ends before this job did (Snakemake was stopped?)', though the log says the user
    interrupted it; a log cut short without the interrupt keeps the guess."""
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    run_log = logs / "2026-11-23T075148.755452.snakemake.log"
    text = (DATA / "runlog_local_interrupted.log").read_text()
    run_log.write_text(text)

    def unfinished() -> list[dict]:
        assert main(["metrics", "collect", "--workdir", str(tmp_path)]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [(r["rule"], r["wildcards"], r["notes"]) for r in rows if r["end"] is None]

    assert unfinished() == [
        (
            "run_member",
            {"member": "001"},
            [
                "the run was interrupted before this job finished (the run log says "
                "'Terminating processes on user request')"
            ],
        )
    ]
    run_log.write_text(text[: text.index("Terminating processes")])
    assert unfinished() == [
        (
            "run_member",
            {"member": "001"},
            ["the run log ends before this job did (Snakemake was stopped?)"],
        )
    ]


def test_logs_prints_rule_log(local_workdir, capsys):
    assert main(["logs", "work", "m=001", "--workdir", str(local_workdir)]) == 0
    out = capsys.readouterr().out
    assert (
        out
        == f"==> {local_workdir}/logs/work/001.log (rule log, attempt 1) <==\nlog of member 001\n"
    )
    assert main(["logs", "work", "m=042", "--workdir", str(local_workdir)]) == 1
    err = capsys.readouterr().err
    assert "no log found for work m=042" in err
    assert err.rstrip().endswith("; work ran for m=000, 001")


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["work", "m=1"], "did you mean m=001? (written as the job's file names write it)"),
        (["wrok", "m=001"], "did you mean 'work'? rules: "),
        (["work", "member=042"], "work has no wildcard 'member'; its wildcards: m"),
    ],
)
def test_logs_not_found_says_what_was_meant(local_workdir, capsys, argv, hint):
    assert main(["logs", *argv, "--workdir", str(local_workdir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{local_workdir}::") and f"; {hint}" in err, err


def test_logs_of_an_attempt_that_did_not_happen_is_an_error(local_workdir, capsys):
    """m=001 ran once: --attempt 5 must not fall back to the rule's log as if it were it."""
    argv = ["logs", "work", "m=001", "--workdir", str(local_workdir)]
    assert main([*argv, "--attempt", "1"]) == 0
    capsys.readouterr()
    # rule bad ran twice: its rule log is attempt 2's (the retry rewrote it), not attempt 1's
    retried = ["logs", "bad", "--list", "--workdir", str(local_workdir)]
    assert main([*retried, "--attempt", "1"]) == 1
    assert capsys.readouterr().err == (
        f"{local_workdir}::bad: attempt 1 ran, but it left no log of its own; Snakemake "
        "rewrites a job's rule log at each attempt, so it holds attempt 2's (wavecast logs "
        "without --attempt); SLURM job logs are kept per attempt\n"
    )
    assert main([*retried, "--attempt", "2"]) == 0
    assert "rule log, attempt 2" in capsys.readouterr().out
    (local_workdir / "logs" / "bad" / "bad.log").unlink()  # the last attempt's log is gone
    assert main([*retried, "--attempt", "2"]) == 1
    assert "no log found for bad attempt 2" in capsys.readouterr().err
    assert main([*argv, "--attempt", "5"]) == 1
    assert "no log found for work m=001 attempt 5" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--attempt", "0"])
    assert exit_.value.code == 2
    assert "attempts count from 1" in capsys.readouterr().err


def test_a_rule_log_a_later_run_rewrote_says_so(local_workdir, capsys):
    """`wavecast logs work m=001 --run <older run>`: the rule's log file is the newest run's
    (Snakemake rewrites it); printed with a note, not as the older run's."""
    log = local_workdir / "logs" / "work" / "001.log"
    log.touch()  # now: long after the run of 2026-11-21 15:03
    assert main(["logs", "work", "m=001", "--list", "--workdir", str(local_workdir)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{log}\trule log, attempt 1; written ")
    assert line.endswith(", after this attempt: a later run's")


FIRST_RUN = "29dc68c7-1e17-4858-b246-32c4d77379b5"  # runlog_local_retry.log


def add_rerun(workdir: Path) -> str:
    """A second run in local_workdir (runlog_local_rerun.log), which reran work m=001 at 15:04
    and rewrote its benchmark file and log; returns its id."""
    (workdir / ".snakemake" / "log" / "2026-11-21T150400.104512.snakemake.log").write_text(
        (DATA / "runlog_local_rerun.log").read_text()
    )
    bench = workdir / "logs" / "benchmarks" / "work" / "001.tsv"
    bench.write_text((DATA / "bench_extended.tsv").read_text().replace("\t44.93\t", "\t512.00\t"))
    written = datetime(2026, 11, 21, 15, 4, 2).timestamp()  # as the second run's job ended
    for path in (bench, workdir / "logs" / "work" / "001.log"):
        os.utime(path, (written, written))
    return "7e41b2d0-5c3a-4f7e-9d52-0b8e6a1c3f90"


def test_files_a_run_a_minute_later_rewrote_are_not_the_earlier_runs(local_workdir, capsys):
    """A second run (runlog_local_rerun.log) reran work m=001 at 15:04, a minute after the
    first one ran it: Snakemake rewrote the job's benchmark file and log. Collecting the first
    run must not take the second run's figures as its own (they were written well within two
    minutes of the first run's job), and `wavecast logs --run <first>` must say whose the log
    is; the second run's records take them."""
    first, second = FIRST_RUN, add_rerun(local_workdir)
    log = local_workdir / "logs" / "work" / "001.log"

    def work_001(run):
        assert main(["metrics", "collect", "--workdir", str(local_workdir), "--run", run]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return next(r for r in rows if r["rule"] == "work" and r["wildcards"] == {"m": "001"})

    old = work_001(first)
    assert old["peak_memory_gb"] is None and old["cpu_seconds"] is None and old["partial"]
    assert old["notes"] == [
        f"logs/benchmarks/work/001.tsv: rewritten by a later run, {second}; not used"
    ]
    new = work_001(second)
    assert new["peak_memory_gb"] == 0.5 and new["notes"] == [] and not new["partial"]
    argv = ["logs", "work", "m=001", "--list", "--workdir", str(local_workdir)]
    assert main([*argv, "--run", first]) == 0
    assert capsys.readouterr().out == (
        f"{log}\trule log, attempt 1; written 2026-11-21 15:04:02, after this attempt: a later "
        f"run's ({second})\n"
    )
    assert main([*argv, "--run", second]) == 0
    assert capsys.readouterr().out == f"{log}\trule log, attempt 1\n"
    # the first run's m=000, which no later run ran, keeps its own figures
    assert main(["metrics", "collect", "--workdir", str(local_workdir), "--run", first]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (m000,) = [r for r in rows if r["wildcards"] == {"m": "000"}]
    assert m000["peak_memory_gb"] == pytest.approx(44.93 / 1024) and not m000["partial"]


def test_a_log_of_a_job_the_run_did_not_run_says_whose_it_is(local_workdir, capsys):
    """The run ran work for m=000 and 001 only; a logs/work/002.log there is another run's."""
    log = local_workdir / "logs" / "work" / "002.log"
    log.write_text("log of member 002\n")
    assert main(["logs", "work", "m=002", "--list", "--workdir", str(local_workdir)]) == 0
    assert capsys.readouterr().out == (
        f"{log}\trule log; run 29dc68c7-1e17-4858-b246-32c4d77379b5 did not run this job: "
        "another run's\n"
    )
    # a mistyped wildcard name finds the run's own log by value: no claim that it is another's
    argv = ["logs", "work", "member=001", "--list", "--workdir", str(local_workdir)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"{local_workdir}/logs/work/001.log\trule log\n"


def test_runs_without_run_logs_says_so(tmp_path, capsys):
    assert main(["metrics", "runs", "--workdir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"{tmp_path}/.snakemake/log::<top>: no Snakemake run logs here, so no run to list; "
        "run the workflow from this directory first, or pass --workdir\n"
    )


@pytest.mark.parametrize(
    ("argv", "what"), [(["runs"], "list"), (["summary"], "collect"), (["collect"], "collect")]
)
def test_a_workdir_that_does_not_exist_is_named_as_such(tmp_path, capsys, argv, what):
    """Not "run the workflow from this directory first": there is no such directory."""
    missing = tmp_path / "no-such-dir"
    assert main(["metrics", *argv, "--workdir", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"<command line>::--workdir: {missing} does not exist, so no run to {what}; pass the "
        "directory the workflow ran in (the one that holds .snakemake/)\n"
    )
    (tmp_path / "a-file").write_text("")
    assert main(["metrics", *argv, "--workdir", str(tmp_path / "a-file")]) == 1
    assert f"{tmp_path / 'a-file'} is not a directory, so" in capsys.readouterr().err


def test_logs_in_a_directory_without_a_run_says_so(tmp_path, capsys):
    """Not "check the rule name": there is no run here to look in. A misspelt rule is still
    named, after that."""
    assert main(["logs", "run_member", "member=000", "--workdir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"{tmp_path}/.snakemake/log::<top>: no Snakemake run logs here, so no run to find logs "
        "in; run the workflow from this directory first, or pass --workdir\n"
    )
    assert main(["logs", "run_membr", "--workdir", str(tmp_path)]) == 1
    first, second = capsys.readouterr().err.splitlines()
    assert first.endswith("so no run to find logs in; run the workflow from this directory "
                          "first, or pass --workdir")  # fmt: skip
    assert second.startswith(f"{tmp_path}::run_membr: no log found for run_membr (looked in ")
    assert "; did you mean 'run_member'? rules: " in second
    missing = tmp_path / "no-such-dir"
    assert main(["logs", "run_member", "--workdir", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"<command line>::--workdir: {missing} does not exist, so no run to find logs in; pass "
        "the directory the workflow ran in (the one that holds .snakemake/)\n"
    )


def test_logs_without_run_log_match_whole_wildcard_values(tmp_path, capsys):
    logs = tmp_path / "logs" / "run_member"
    logs.mkdir(parents=True)
    for member in ("001", "010", "100"):
        (logs / f"member_{member}.log").write_text(member)
    assert main(["logs", "run_member", "member=010", "--list", "--workdir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{logs}/member_010.log\trule log\n"
    assert main(["logs", "run_member", "member=1", "--workdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no log found for run_member member=1" in err
    assert err.rstrip().endswith(
        "; did you mean member=001? (written as the job's file names write it)"
    )


def test_logs_bad_wildcard_argument(local_workdir, capsys):
    assert main(["logs", "work", "001", "--workdir", str(local_workdir)]) == 1
    assert capsys.readouterr().err == (
        "<command line>::001: not WILDCARD=VALUE; write e.g. member=003\n"
    )


def tune_setup(tmp_path):
    """production.yaml copied under tmp_path, one run_member record that wants more memory;
    returns the source file and the `wavecast tune` arguments."""
    source = ROOT / "config" / "backends" / "production.yaml"
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    shutil.copy(source, backends / "production.yaml")
    records = tmp_path / "m.jsonl"
    row = {
        "run_id": "r",
        "rule": "run_member",
        "backend": "slurm",
        "status": "completed",
        "raw_state": "COMPLETED",
        "wall_time_seconds": 5000,
        "cpu_seconds": 4900,  # a serial member: about one CPU busy
        "peak_memory_gb": 20.0,
    }
    records.write_text(json.dumps(row) + "\n")
    argv = ["tune", "--env", "production", "--workdir", str(tmp_path), "--input", str(records)]
    return source, argv


def test_tune_diff_and_write(tmp_path, capsys):
    source, argv = tune_setup(tmp_path)
    backends = tmp_path / "config" / "backends"
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert (
        "     cpu: 1\n-    memory: 8g\n-    timeout: 14400\n+    memory: 24g\n+    timeout: 6300\n"
    ) in out
    assert "run_member.memory: 8g → 24g  (peak 20480 MiB × 1.2)" in err
    assert "run_member.cpu" not in err  # 0.98 CPUs busy x 1.2 still rounds to the 1 it has
    assert "build_grid: no successful attempt measured; left as is" in err
    assert (backends / "production.yaml").read_text() == source.read_text()  # no --write
    assert main([*argv, "--write"]) == 0
    text = (backends / "production.yaml").read_text()
    assert (
        "    memory: 24g\n" in text and text.splitlines()[:3] == source.read_text().splitlines()[:3]
    )


def test_tune_write_keeps_the_file_when_the_edit_does_not_validate(tmp_path, capsys, monkeypatch):
    """If the edited YAML would not validate, --write reports it and leaves the user's file
    byte for byte as it was, with no temp file beside it. The editor is replaced by one that
    breaks the file: no real proposal does (they stay within the limits)."""
    from wavecast.cli import tune as tune_cli

    source, argv = tune_setup(tmp_path)
    backends = tmp_path / "config" / "backends"
    target = backends / "production.yaml"
    monkeypatch.setattr(tune_cli, "edit_stages", lambda text, changes, file: text + "bogus: 1\n")
    assert main([*argv, "--write"]) != 0
    _, err = capsys.readouterr()
    assert f"{target}::bogus: unknown key" in err
    assert target.read_text() == source.read_text()
    assert sorted(p.name for p in backends.iterdir()) == ["production.yaml"]


@pytest.mark.parametrize("value", ["0.5", "0", "-1", "nan", "inf", "abc"])
def test_tune_headroom_must_be_a_finite_multiplier_of_at_least_one(value, capsys):
    assert _headroom("1") == 1.0 and _headroom("1.3") == 1.3
    with pytest.raises(SystemExit) as exit_:
        main(["tune", "--headroom", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument --headroom:" in err and "Traceback" not in err


def test_tune_without_records(tmp_path, capsys):
    source = ROOT / "config" / "backends" / "production.yaml"
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    shutil.copy(source, backends / "production.yaml")
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    assert (
        main(["tune", "--env", "production", "--workdir", str(tmp_path), "--input", str(empty)])
        == 1
    )
    assert capsys.readouterr().err == (
        f"{backends}/production.yaml::stages: no slurm job records to learn from; run the "
        "workflow first (snakemake --profile profiles/production), or pass --input\n"
    )


def test_tune_where_the_backend_yaml_is_not(tmp_path, capsys):
    """A run made with `snakemake -d DIR` leaves its run logs in DIR, but config/backends/ is in
    the repository: tune in DIR says where to run it and how to bring the records along."""
    assert main(["tune", "--env", "localdev", "--workdir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "config/backends/localdev.yaml::<top>: the file does not exist: there is no "
        f"config/backends/ in {tmp_path.resolve()}; run wavecast in the repository's directory "
        "(where config/backends/ is); for runs made in another directory (snakemake -d DIR), "
        "pass --input with the records of 'wavecast metrics collect --workdir DIR -o FILE'\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["metrics", "--help"],
        ["metrics", "collect", "--help"],
        ["tune", "--help"],
        ["logs", "--help"],
        ["images", "--help"],
        ["images", "build", "--help"],
    ],
)
def test_help_has_examples(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert "examples:" in capsys.readouterr().out


def test_every_command_group_names_its_subcommands_command(capsys):
    """`wavecast metrics --help` said SUBCOMMAND where wavecast and the other groups say
    COMMAND."""
    from wavecast.cli.main import build_parser

    (commands,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    groups = sorted(
        name
        for name, parser in commands.choices.items()
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
    )
    assert groups == ["backends", "config", "images", "metrics", "profiles"]
    for name in groups:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        usage = capsys.readouterr().out.splitlines()[0]
        assert usage == f"usage: wavecast {name} [-h] COMMAND ..."


def test_logs_of_a_job_that_ran_in_a_slurm_group_job(tmp_path, capsys):
    """Production groups make_forcing and run_member: the SLURM log of member 001 is its group
    job's (slurm_logs/group_member_.../1944.log), where an out-of-memory kill is reported."""
    text = (DATA / "runlog_slurm_groups.log").read_text()
    text = text.replace("/tmp/grp/test_backend_groups_become_one0", str(tmp_path))
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-22T043309.849595.snakemake.log").write_text(text)
    group_log = tmp_path / ".snakemake/slurm_logs/group_member_make_forcing_run_member/1944.log"
    group_log.parent.mkdir(parents=True)
    group_log.write_text("slurmstepd: error: Detected 1 oom_kill event\n")
    rule_log = tmp_path / "logs" / "run_member" / "member_001.log"
    rule_log.parent.mkdir(parents=True)
    rule_log.write_text("member 001\n")
    assert main(["logs", "run_member", "member=001", "--workdir", str(tmp_path), "--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{rule_log}\trule log, attempt 1",
        f"{group_log}\tSLURM group job log, attempt 1",
    ]


def test_a_closed_pipe_ends_the_output_quietly(local_workdir):
    """`wavecast metrics collect | head -1`: the reader closes the pipe (here before the
    first write); no "Broken pipe" error, exit status 141 as for a command SIGPIPE ended."""
    import subprocess
    import sys

    wavecast = Path(sys.executable).parent / "wavecast"
    argv = [str(wavecast), "metrics", "collect", "--quiet", "--workdir", str(local_workdir)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == b""


def test_input_and_run_together_are_refused(local_workdir, tmp_path, capsys):
    """`summary --run X --input F` used F and ignored X without a word."""
    records = tmp_path / "run.jsonl"
    assert (
        main(["metrics", "collect", "--workdir", str(local_workdir), "--quiet", "-o", str(records)])
        == 0
    )
    argv = [
        "metrics",
        "summary",
        "--input",
        str(records),
        "--run",
        "29dc",
        "--workdir",
        str(local_workdir),
    ]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        "<command line>::--input: records are read from --input, so --run and --workdir would "
        "choose nothing; give --input, or --run and --workdir to collect the run instead\n"
    )
    assert main(argv[:4]) == 0  # --input alone


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--backend", "slurm"], "--backend"),
        (["--env", "production"], "--env"),
        (["--workdir", "."], "--workdir"),
        (
            ["--backend", "local", "--env", "x", "--k8s-file", "j.json"],
            "--backend, --env and --k8s-file",
        ),
    ],
)
def test_input_beside_run_options_is_refused(tmp_path, capsys, options, named):
    """--backend, --env and --workdir choose the run to collect; beside --input they were
    ignored without a word, and a summary of one run could pass for another backend's."""
    records = tmp_path / "run.jsonl"
    records.write_text("")
    assert main(["metrics", "report", "--input", str(records), *options]) == 1
    assert capsys.readouterr().err == (
        f"<command line>::--input: records are read from --input, so {named} would choose "
        f"nothing; give --input, or {named} to collect the run instead\n"
    )


def test_runs_counts_failed_group_jobs(tmp_path, capsys):
    """A group job that failed is logged as `Error in group <id>` with its rules' blocks
    indented: `metrics runs` counts it among the failures, as it counts it among attempts."""
    from snakemake.logging import DefaultFormatter

    text = (DATA / "runlog_slurm_groups.log").read_text()
    at = text.index("[Sun Nov 22 04:34:28 2026]\nFinished jobid: 8")
    # as Snakemake 9 writes it (its own formatter), then the rules' indented error blocks
    failed = {"rule_name": "extract_stations", "jobid": 8, "output": [], "log": []}
    failure = DefaultFormatter().format_group_error(
        {"msg": "Error in group 27ab293b-f11b", "aux_logs": [], "job_error_info": [failed]}
    )
    failure += "\n    Error in rule extract_stations:\n        jobid: 8\n"
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-11-22T043309.849595.snakemake.log").write_text(
        text[:at] + failure + text[text.index("Cleaning up") :]
    )
    assert main(["metrics", "runs", "--workdir", str(tmp_path)]) == 0
    assert "  1 failed  ended" in capsys.readouterr().out


def test_tune_reads_each_run_log_once_and_learns_what_collect_says(local_workdir, monkeypatch):
    """`wavecast tune` learns from every run in the directory. It collected each run by its
    id, which read the run logs again for each run (to find it, then to see which of its files
    later runs rewrote): quadratic in the number of runs, 20 s for 300 runs of the demo's DAG
    (benchmarks/tune_history.py). Each log is now read once, and the records are those that
    collecting each run on its own gives, the first run's rewritten benchmark file included."""
    from wavecast.cli.tune import _past_records
    from wavecast.metrics import runlog
    from wavecast.metrics.collect import collect, iter_rows
    from wavecast.metrics.requested import load_env

    second = add_rerun(local_workdir)
    resources = load_env(ROOT / "config" / "backends" / "localdev.yaml")
    each = [collect(local_workdir, run).records for run in (FIRST_RUN, second)]
    assert any("rewritten by a later run" in n for r in each[0] for n in r.notes)
    parsed = []
    real_parse = runlog.parse_run_log
    monkeypatch.setattr(
        runlog, "parse_run_log", lambda text, path: parsed.append(path) or real_parse(text, path)
    )
    records = _past_records(local_workdir, resources)
    assert sorted(parsed) == sorted(map(str, runlog.find_run_logs(local_workdir)))
    assert list(iter_rows(records)) == list(iter_rows(each[0] + each[1]))


def test_run_history_knows_the_later_writes_of_each_run(local_workdir):
    """RunHistory.later_writes (all logs read once) equals later_writes (read for one run)."""
    from wavecast.metrics.runlog import RunHistory, later_writes

    add_rerun(local_workdir)
    # a third run whose log is newer but whose job started first (two runs at once, --nolock)
    text = (DATA / "runlog_local_rerun.log").read_text().replace("15:04:", "14:50:")
    text = text.replace(
        "7e41b2d0-5c3a-4f7e-9d52-0b8e6a1c3f90", "0d5e2a11-4b6c-4d7e-8f90-a1b2c3d4e5f6"
    )
    (local_workdir / ".snakemake" / "log" / "2026-11-21T150500.000000.snakemake.log").write_text(
        text
    )
    history = RunHistory(local_workdir)
    assert len(history.runs) == 3
    first = history.later_writes(history.runs[0])
    assert [run for _, run in first["logs/benchmarks/work/001.tsv"]] == [
        "0d5e2a11-4b6c-4d7e-8f90-a1b2c3d4e5f6",  # started 14:50
        "7e41b2d0-5c3a-4f7e-9d52-0b8e6a1c3f90",  # 15:04
    ]
    for run in history.runs:
        assert history.later_writes(run) == later_writes(local_workdir, run)


def test_rewritten_by_names_the_last_later_run_to_start_a_writer_by_then():
    """Whole-second run-log times: a writer that started at the file's mtime counts."""

    from wavecast.metrics.runlog import rewritten_by

    t = [datetime(2026, 11, 21, 15, m) for m in range(5)]
    writers = [(t[1], "b"), (t[1], "c"), (t[3], "d")]
    assert rewritten_by(None, t[4]) is None
    assert rewritten_by(writers, t[0]) is None  # no later run had started a writer
    assert rewritten_by(writers, t[1]) == "c"
    assert rewritten_by(writers, t[2]) == "c"
    assert rewritten_by(writers, t[3]) == "d"
    assert rewritten_by(writers, t[4]) == "d"
