"""Summary table, HTML report (self-contained) and PNG figures from literal records."""

import re
from datetime import datetime, timedelta

import pytest

from wavecast.metrics.record import JobRecord, derive
from wavecast.metrics.report import figures, render_html, write_report
from wavecast.metrics.summary import render_table, summarise

T0 = datetime(2026, 11, 21, 10, 0).astimezone()


def rec(
    rule, member, attempt=1, status="completed", wall=600.0, cpu=500.0, peak=2.0, mem=4.0, cpus=1
):
    r = JobRecord(
        run_id="r",
        rule=rule,
        wildcards={"member": member} if member else {},
        attempt=attempt,
        backend="slurm",
        status=status,
        raw_state=status.upper(),
        start=T0 + timedelta(minutes=attempt),
        end=T0 + timedelta(minutes=attempt, seconds=wall),
        wall_time_seconds=wall,
        cpu_seconds=cpu,
        peak_memory_gb=peak,
        requested_memory_gb=mem,
        requested_cpus=cpus,
    )
    return derive(r)


@pytest.fixture
def records():
    return [
        rec("build_grid", None, wall=60, cpu=55, peak=0.5, mem=1),
        rec("run_member", "000", wall=3000, cpu=3000 * 14, peak=8, mem=32, cpus=16),
        rec("run_member", "001", status="failed", peak=None, cpu=None),
        rec("run_member", "001", attempt=2, wall=3300, cpu=3300 * 15, peak=10, mem=32, cpus=16),
        rec("plot_maps", None, wall=100, cpu=5, peak=3.8, mem=4),
    ]


def test_summary_numbers_and_flags(records):
    by = {s.rule: s for s in summarise(records)}
    member = by["run_member"]
    assert (member.jobs, member.attempts, member.failures) == (2, 3, 1)
    assert member.wall_max_seconds == 3300 and member.wall_p50_seconds == 3000
    assert member.peak_memory_gb == 10
    assert member.cpu_hours == pytest.approx((3000 * 14 + 3300 * 15) / 3600)
    assert member.memory_efficiency == pytest.approx((8 / 32 + 10 / 32) / 2)
    assert member.flags == ["failures", "memory-overasked"] and member.worst
    assert by["plot_maps"].flags == ["memory-near-limit", "cpu-idle"]
    assert by["build_grid"].flags == []


def test_cpu_nobody_measured_is_unknown_not_zero(records):
    """A rule whose attempts all lack CPU (a run's logs rewritten by a later run, a job too
    short for the benchmark sampler) has no CPU hours; 0.000 would read as "used none"."""
    unmeasured = [rec("archive_run", None, wall=1, cpu=None, peak=0.1, mem=1)]
    by = {s.rule: s for s in summarise(records + unmeasured)}
    assert by["archive_run"].cpu_hours is None
    assert by["build_grid"].cpu_hours == pytest.approx(55 / 3600)
    row = next(
        line for line in render_table(list(by.values())).splitlines() if "archive_run" in line
    )
    assert row.split()[6] == "-"


def test_table_rendering(records):
    text = render_table(summarise(records))
    lines = text.splitlines()
    assert lines[0].split() == [
        "rule",
        "jobs",
        "attempts",
        "failed",
        "wall",
        "p50",
        "wall",
        "max",
        "CPU",
        "h",
        "peak",
        "GiB",
        "CPU",
        "eff",
        "mem",
        "eff",
        "flags",
    ]
    assert lines[2].startswith("* run_member")
    assert "failures: attempts failed" in text


def test_html_is_self_contained(records, tmp_path):
    written = write_report(records, tmp_path / "r" / "report.html", tmp_path / "png")
    page = written[0].read_text()
    assert page.startswith("<!DOCTYPE html>")
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page)
    assert refs and all(ref.startswith("data:image/png;base64,") for ref in refs)
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "@import" not in page
    assert [p.name for p in written[1:]] == ["timeline.png", "resources.png", "walltime.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written[1:])


def test_report_with_partial_and_empty_records():
    partial = rec("archive_run", None, peak=None, cpu=None)
    partial.notes.append("no MaxRSS sample")
    derive(partial)
    page = render_html([partial], "t", ["sacct is not installed on this machine"])
    assert "1 record(s) partial" in page and "sacct is not installed" in page
    # which attempt, and what could not be read
    assert "<li>archive_run, attempt 1: no MaxRSS sample</li>" in page
    assert set(figures([])) == {"timeline", "resources", "walltime"}
