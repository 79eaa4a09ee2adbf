"""Wall time of the localdev demo against the ideal schedule of its own jobs.

Runs the demo as a user would, in a fresh scratch working directory (``config/config.yaml``
copied into ``<work>/config/``)::

    snakemake --profile <repo>/profiles/localdev -s <repo>/Snakefile -d <work> --cores N

with the running interpreter's ``bin/`` first on PATH (so jobs' ``python`` is the venv's). The
measured wall time is spawn-to-reap of that process. Snakemake is started through a few lines
of Python (``WRAPPER``: ``python -c WRAPPER <json> <args>``, which calls ``snakemake.cli.main``
like the ``snakemake`` script does) that, when Snakemake exits, write its ``getrusage`` to
``<work>/snakemake_rusage.json`` (see "Two job-CPU figures" below).

From the run's Snakemake benchmark files (``logs/benchmarks/<rule>/*.tsv``, benchmark-extended
TSV: ``s``, ``cpu_time``, ``jobid``, ``rule_name``, ``wildcards``, ...) it computes

* ``sum_job_wall_s``  = Σ ``s`` (each job's own wall time) over all benchmarked jobs;
* ``sum_job_cpu_s``   = Σ ``cpu_time``;
* ``critical_path_s`` = longest path of job ``s`` through the job DAG (below);
* ``ideal_cpu_s``     = max(critical path, Σ cpu_time / cores)   <- the issue's definition,
  used for the headline ratio;
* ``ideal_wall_s``    = max(critical path, Σ s / cores)          (also reported; Σ s >= Σ cpu_time);
* ``ratio`` = measured wall / ideal_cpu_s, target <= 1.10 (``ratio_wall_ideal`` likewise);
* ``ratio_floor`` = ideal_wall_s / ideal_cpu_s: the lowest ``ratio`` any schedule of these jobs
  could reach. Every job holds one core (``threads: 1``) for its ``s``, so no run of them is
  shorter than ``ideal_wall_s``; where Σ cpu_time falls short of Σ s (sampling, below) the
  issue's ratio cannot come down to 1 even with no overhead at all.

Two job-CPU figures. ``cpu_time`` in the benchmark files is sampled: Snakemake's benchmark
thread (``snakemake.benchmark.BenchmarkTimer``) reads the job's process tree with psutil every
0.5 s and keeps the cpu_times of the last sample, so whatever the job spends after its last
sample is lost (≈ 0.25 s a job on average; a 0.46 s job can record 0.00 s). After 30
samples the thread samples only every 30 s (``BENCHMARK_INTERVAL``), so a job longer than
15 s records no CPU past its 15th second until its 45th. The exact figure
comes from the kernel: ``getrusage(RUSAGE_CHILDREN)`` of the Snakemake process at exit is the
CPU of every process tree it waited for, i.e. of all jobs (the only other children are the
``which sacct`` / ``scontrol show config`` probes the SLURM executor plugin runs at import,
≈ 5 ms), and ``getrusage(RUSAGE_SELF)`` is Snakemake's own CPU, all threads, up to its exit
hooks. The interpreter's teardown after them (freeing every imported module: ≈ 0.4 s CPU, wall
alike, measured with ``import snakemake.cli`` alone; ``gc.freeze()`` cuts it to ≈ 0.04 s) is
not in it, but it is in the ``os.wait4`` total. So, next to the headline figures above (which
stay as the issue defines them):

* ``sum_job_cpu_rusage_s``        = Σ job CPU from RUSAGE_CHILDREN (exact);
* ``benchmark_cpu_undercount_s``  = that - ``sum_job_cpu_s`` (what the sampler lost);
* ``ideal_rusage_s``              = max(critical path, sum_job_cpu_rusage_s / cores);
* ``ratio_rusage``                = measured wall / ideal_rusage_s (``within_target_rusage``);
* ``cpu_snakemake_own_s``         = wait4 total - RUSAGE_CHILDREN: Snakemake's whole CPU;
* ``cpu_snakemake_own_at_exit_s`` = RUSAGE_SELF at the exit hooks, and
  ``cpu_snakemake_teardown_s`` = the rest (interpreter teardown).

If the wrapper could not write its file these are None; the run still counts.

Python start-up and imports inside every job (numpy, netCDF4, matplotlib, ...) are part of a
job's ``s`` and, being mostly CPU work, largely of its ``cpu_time`` too; both ideals therefore
already include them. What neither ideal contains is Snakemake's own cost.

Job DAG (for the critical path). The rule-level dependencies are those of the workflow's rule
files, documented here::

    build_grid -> run_member[m]          (simulate.smk: input grid; make_forcing has no input)
    make_forcing[m] -> run_member[m]     (simulate.smk: input forcing, same member)
    run_member[*] -> summarise_ensemble  (postprocess.smk: every member)
    run_member[*] -> extract_stations    (postprocess.smk: every member)
    build_grid, summarise_ensemble -> plot_maps
    extract_stations -> plot_stations
    build_grid, summarise_ensemble, extract_stations, plot_maps, plot_stations -> archive_run
    archive_run -> report_metrics        (report.smk, where present)

(``benchmarks/pipeline_dag.DEPENDS``) so the critical path is
max_m(max(build_grid, make_forcing[m]) + run_member[m]) + max(summarise_ensemble + plot_maps,
extract_stations + plot_stations) + archive_run + report_metrics.
To stay right when rules change, the script also asks Snakemake for the rule graph
(``--rulegraph``, before the timed run) and uses it; rules with a ``member`` wildcard are linked
member to member, every other edge all-to-all. A difference from the table above is reported.

Where the overhead goes. Snakemake's output is read line by line as it is written and
timestamped (ms resolution, unlike the log's whole seconds): the time to the first job start
(interpreter + snakemake import, profile, workflow parsing incl. config validation, DAG); for
each job, the time from its "rule ...: jobid: N" line to "Finished jobid: N" minus the job's
own ``s`` (job-start overhead: spawning the script's interpreter, benchmark/log bookkeeping,
output checks, the scheduler noticing completion); idle core-time in the scheduling span; and
the tail after the last job. ``os.wait4`` gives the CPU time of the snakemake process and all
its jobs together; minus Σ job cpu_time from the benchmark files that gives
``cpu_snakemake_own_s_approx`` (too high by the sampler's undercount), kept next to the exact
``cpu_snakemake_own_s``.

Usage::

    python benchmarks/demo_walltime.py                 # --cores = all CPUs, 1 run
    python benchmarks/demo_walltime.py --cores 2 --repeat 3 --output /tmp/demo.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pipeline_dag
from benchenv import REPO, git_state, write_result
from benchenv import venv_env as child_env
from pipeline_dag import DEPENDS, MEMBER_RULES

HERE = Path(__file__).resolve().parent
SNAKEFILE = REPO / "Snakefile"
PROFILE = REPO / "profiles" / "localdev"
CONFIG = REPO / "config" / "config.yaml"
DEFAULT_OUTPUT = HERE / "results" / "demo_walltime.json"
TARGET_RATIO = 1.10
RUSAGE_FILE = "snakemake_rusage.json"

#: Runs Snakemake in this process (``snakemake.cli.main``, which ends in ``sys.exit``) and, at
#: interpreter exit (after the job threads are joined), writes its getrusage to ``argv[1]``.
#: Usage: ``python -c WRAPPER <json path> <snakemake args...>``.
WRAPPER = """\
import atexit, json, resource, sys

if sys.path and sys.path[0] == "":
    del sys.path[0]  # as for the snakemake script: no modules from the cwd
out = sys.argv[1]


def _record():
    def cpu(ru):
        return {"user_s": ru.ru_utime, "sys_s": ru.ru_stime, "maxrss_kib": ru.ru_maxrss}

    data = {
        "self": cpu(resource.getrusage(resource.RUSAGE_SELF)),
        "children": cpu(resource.getrusage(resource.RUSAGE_CHILDREN)),
    }
    with open(out, "w") as fh:
        json.dump(data, fh)


atexit.register(_record)
sys.argv = ["snakemake", *sys.argv[2:]]
from snakemake.cli import main

main()
"""


def snakemake_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "snakemake"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "snakemake"]


def make_workdir(root: Path, members: int | None = None, grid: int | None = None) -> Path:
    """The demo config in a scratch directory; optionally more members or a finer grid over the
    same basin (``grid`` cells a side, resolution scaled so the extent stays the same)."""
    (root / "config").mkdir(parents=True)
    if members is None and grid is None:
        shutil.copy(CONFIG, root / "config" / "config.yaml")
        return root
    import yaml

    config = yaml.safe_load(CONFIG.read_text())
    if members is not None:
        config["ensemble"]["members"] = members
    if grid is not None:
        g = config["grid"]
        g["resolution_km"] = g["resolution_km"] * g["nx"] / grid
        g["nx"] = g["ny"] = grid
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root


def rule_graph(work: Path) -> dict[str, set[str]]:
    """Rule -> upstream rules, from ``snakemake --rulegraph`` in ``work``."""
    deps = pipeline_dag.rule_graph(snakemake_cmd(), SNAKEFILE, work, child_env())
    shutil.rmtree(work / ".snakemake", ignore_errors=True)
    return deps


def cpu_busy_s() -> float | None:
    """Busy CPU seconds of the whole machine so far (all CPUs, /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def job_startup_probe(repeat: int = 3) -> dict[str, float]:
    """Interpreter start + the imports every script job does before its work (best of N).

    A ``script:`` job runs Snakemake's preamble (``from snakemake import script``) and the
    stage's imports: ``wavecast.stages`` and, for every stage that reads NetCDF (all but
    archive_run), xarray with the netCDF4 engine. Like a job, it freezes the heap before exit.
    """
    code = (
        "import snakemake.script, wavecast.stages, xarray, netCDF4; "
        "wavecast.stages.skip_final_collection()"
    )
    best: tuple[float, float] | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], env=child_env())
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        cpu = usage.ru_utime + usage.ru_stime
        if best is None or wall < best[0]:
            best = (wall, cpu)
    assert best is not None
    return {"code": code, "wall_s": round(best[0], 3), "cpu_s": round(best[1], 3)}


# ---------------------------------------------------------------------------- the timed run


def wrapped_snakemake_cmd(rusage_json: Path) -> list[str]:
    """Snakemake started through ``WRAPPER``, which records its rusage to ``rusage_json``."""
    return [sys.executable, "-c", WRAPPER, str(rusage_json)]


def read_rusage(path: Path) -> dict[str, float] | None:
    """CPU seconds recorded by ``WRAPPER``: Snakemake's own and its waited-for children's."""
    try:
        data = json.loads(path.read_text())
        own, jobs = data["self"], data["children"]
        return {
            "snakemake_own_cpu_s": own["user_s"] + own["sys_s"],
            "children_cpu_s": jobs["user_s"] + jobs["sys_s"],
            "children_user_s": jobs["user_s"],
            "children_sys_s": jobs["sys_s"],
            "snakemake_maxrss_mib": own["maxrss_kib"] / 1024,
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def timed_run(work: Path, cores: int) -> dict[str, Any]:
    """Run the demo; return wall time, rusage and Snakemake's output lines with timestamps."""
    rusage_json = work / RUSAGE_FILE
    rusage_json.unlink(missing_ok=True)
    cmd = [
        *wrapped_snakemake_cmd(rusage_json),
        "--profile",
        str(PROFILE),
        "-s",
        str(SNAKEFILE),
        "-d",
        str(work),
        "--cores",
        str(cores),
    ]
    lines: list[tuple[float, str]] = []
    busy0 = cpu_busy_s()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, env=child_env()
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.perf_counter() - t0, line.rstrip("\n")))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    busy1 = cpu_busy_s()
    proc.returncode = os.waitstatus_to_exitcode(status)
    (work / "snakemake_output.txt").write_text("\n".join(f"{t:9.3f} {s}" for t, s in lines))
    return {
        "cmd": ["python", "-c", "<WRAPPER>", *cmd[3:]],
        "wall_s": wall,
        "returncode": proc.returncode,
        "cpu_total_s": usage.ru_utime + usage.ru_stime,
        "rusage": read_rusage(rusage_json),
        "machine_busy_cpu_s": None if busy0 is None or busy1 is None else busy1 - busy0,
        "lines": lines,
    }


def parse_output(lines: list[tuple[float, str]]) -> dict[str, Any]:
    """Timestamps of milestones and of every job's start and finish from Snakemake's output."""
    marks: dict[str, float] = {}
    starts: dict[int, tuple[str, float]] = {}
    finishes: dict[int, float] = {}
    pending: tuple[str, float] | None = None
    for t, line in lines:
        if "first_line" not in marks:
            marks["first_line"] = t
        if line.startswith("Building DAG of jobs") and "building_dag" not in marks:
            marks["building_dag"] = t
        if line.startswith("Job stats:") and "job_stats" not in marks:
            marks["job_stats"] = t
        m = re.match(r"^(?:local)?rule (\S+):$", line)
        if m:
            pending = (m.group(1), t)
            continue
        m = re.match(r"^\s+jobid: (\d+)$", line)
        if m and pending:
            starts[int(m.group(1))] = pending
            pending = None
            continue
        m = re.match(r"^Finished jobid: (\d+)", line)
        if m:
            finishes[int(m.group(1))] = t
    jobs = {
        jid: {"rule": rule, "start_s": start, "finish_s": finishes.get(jid)}
        for jid, (rule, start) in starts.items()
    }
    return {"marks": marks, "jobs": jobs}


def read_benchmarks(work: Path) -> list[dict[str, Any]]:
    """One record per benchmark file (last row: the final attempt)."""
    records = []
    for tsv in sorted((work / "logs" / "benchmarks").glob("*/*.tsv")):
        with tsv.open(newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if not rows:
            continue
        row = rows[-1]
        wc = row.get("wildcards", "")
        member = re.search(r"'member': '(\d+)'", wc)
        records.append(
            {
                "file": str(tsv.relative_to(work)),
                "rule": row.get("rule_name") or tsv.parent.name,
                "member": member.group(1) if member else None,
                "jobid": int(row["jobid"]) if row.get("jobid", "").isdigit() else None,
                "s": float(row["s"]),
                "cpu_time": float(row["cpu_time"])
                if row.get("cpu_time") not in (None, "", "NA")
                else 0.0,
                "max_rss_mib": float(row["max_rss"])
                if row.get("max_rss") not in (None, "", "NA")
                else None,
            }
        )
    return records


def critical_path(
    records: list[dict[str, Any]], deps: dict[str, set[str]], weight: str = "s"
) -> tuple[float, list[str]]:
    """Longest path through the job DAG, weights = each job's ``weight``."""
    jobs = {(r["rule"], r["member"]): r for r in records}
    memo: dict[tuple, tuple[float, list[str]]] = {}

    def finish(key: tuple) -> tuple[float, list[str]]:
        if key in memo:
            return memo[key]
        rule, member = key
        best: tuple[float, list[str]] = (0.0, [])
        for up in deps.get(rule, set()):
            for r2, m2 in jobs:
                if r2 != up:
                    continue
                if rule in MEMBER_RULES and up in MEMBER_RULES and m2 != member:
                    continue
                cand = finish((r2, m2))
                if cand[0] > best[0]:
                    best = cand
        label = f"{rule}[{member}]" if member else rule
        memo[key] = (best[0] + jobs[key][weight], [*best[1], label])
        return memo[key]

    return max((finish(k) for k in jobs), key=lambda x: x[0])


def rusage_figures(
    rusage: dict[str, float] | None,
    wall: float,
    cp: float,
    sum_cpu_files: float,
    cpu_total: float,
    cores: int,
) -> dict[str, Any]:
    """Job CPU from the kernel (RUSAGE_CHILDREN), the ratio it gives and Snakemake's own CPU
    (``cpu_total``: the wait4 total of Snakemake and its jobs); every value None when missing."""
    keys = (
        "sum_job_cpu_rusage_s",
        "benchmark_cpu_undercount_s",
        "ideal_rusage_s",
        "ratio_rusage",
        "within_target_rusage",
        "cpu_snakemake_own_s",
        "cpu_snakemake_own_at_exit_s",
        "cpu_snakemake_teardown_s",
        "snakemake_maxrss_mib",
    )
    if rusage is None:
        return dict.fromkeys(keys)
    jobs = rusage["children_cpu_s"]
    own = cpu_total - jobs
    ideal = max(cp, jobs / cores)
    values = (
        round(jobs, 2),
        round(jobs - sum_cpu_files, 2),
        round(ideal, 2),
        round(wall / ideal, 3) if ideal > 0 else None,
        wall / ideal <= TARGET_RATIO if ideal > 0 else None,
        round(own, 2),
        round(rusage["snakemake_own_cpu_s"], 2),
        round(own - rusage["snakemake_own_cpu_s"], 2),
        round(rusage["snakemake_maxrss_mib"], 1),
    )
    return dict(zip(keys, values, strict=True))


def analyse(
    run: dict[str, Any], records: list[dict[str, Any]], deps: dict[str, set[str]], cores: int
) -> dict[str, Any]:
    parsed = parse_output(run["lines"])
    marks, log_jobs = parsed["marks"], parsed["jobs"]
    wall = run["wall_s"]
    sum_s = sum(r["s"] for r in records)
    sum_cpu = sum(r["cpu_time"] for r in records)
    cp, cp_path = critical_path(records, deps)
    ideal_cpu = max(cp, sum_cpu / cores)
    ideal_wall = max(cp, sum_s / cores)
    exact = rusage_figures(run.get("rusage"), wall, cp, sum_cpu, run["cpu_total_s"], cores)

    # Job-start overhead: Snakemake's view of each job minus the job's own benchmark time.
    by_jobid = {r["jobid"]: r for r in records if r["jobid"] is not None}
    per_job = []
    for jid, j in sorted(log_jobs.items()):
        if j["finish_s"] is None:
            continue
        seen = j["finish_s"] - j["start_s"]
        rec = by_jobid.get(jid)
        per_job.append(
            {
                "jobid": jid,
                "rule": j["rule"],
                "snakemake_wall_s": round(seen, 3),
                "benchmark_s": rec["s"] if rec else None,
                "overhead_s": round(seen - rec["s"], 3) if rec else None,
            }
        )
    overheads = [p["overhead_s"] for p in per_job if p["overhead_s"] is not None]
    starts = [j["start_s"] for j in log_jobs.values()]
    ends = [j["finish_s"] for j in log_jobs.values() if j["finish_s"] is not None]
    first_start, last_finish = (min(starts), max(ends)) if starts and ends else (0.0, 0.0)
    span = last_finish - first_start
    busy = sum(p["snakemake_wall_s"] for p in per_job)
    cp_seen, _ = critical_path(
        [
            {
                **r,
                "s_seen": next(
                    (p["snakemake_wall_s"] for p in per_job if p["jobid"] == r["jobid"]), r["s"]
                ),
            }
            for r in records
        ],
        deps,
        weight="s_seen",
    )
    return {
        "returncode": run["returncode"],
        "wall_s": round(wall, 2),
        "jobs_benchmarked": len(records),
        "sum_job_wall_s": round(sum_s, 2),
        "sum_job_cpu_s": round(sum_cpu, 2),
        "critical_path_s": round(cp, 2),
        "critical_path": cp_path,
        "ideal_cpu_s": round(ideal_cpu, 2),
        "ideal_wall_s": round(ideal_wall, 2),
        "ratio": round(wall / ideal_cpu, 3),
        "ratio_wall_ideal": round(wall / ideal_wall, 3),
        "within_target": wall / ideal_cpu <= TARGET_RATIO,
        "ratio_floor": round(ideal_wall / ideal_cpu, 3),
        **exact,
        "cpu_total_s_snakemake_and_jobs": round(run["cpu_total_s"], 2),
        "cpu_snakemake_own_s_approx": round(run["cpu_total_s"] - sum_cpu, 2),
        # CPU the rest of the machine used while the demo ran (other users' tests): the
        # contention that makes Σ job s exceed Σ job cpu_time.
        "cpu_other_processes_s": None
        if run["machine_busy_cpu_s"] is None
        else round(run["machine_busy_cpu_s"] - run["cpu_total_s"], 2),
        "cpu_other_processes_mean_cores": None
        if run["machine_busy_cpu_s"] is None
        else round((run["machine_busy_cpu_s"] - run["cpu_total_s"]) / wall, 2),
        "overhead": {
            "to_first_output_line_s": round(marks.get("first_line", 0.0), 2),
            "to_building_dag_s": round(marks.get("building_dag", 0.0), 2),
            "to_job_stats_s": round(marks.get("job_stats", 0.0), 2),
            "to_first_job_start_s": round(first_start, 2),
            "scheduling_span_s": round(span, 2),
            "tail_after_last_job_s": round(wall - last_finish, 2),
            "jobs_seen_by_snakemake": len(per_job),
            "job_start_overhead_sum_s": round(sum(overheads), 2),
            "job_start_overhead_median_s": round(statistics.median(overheads), 3)
            if overheads
            else None,
            "job_start_overhead_max_s": round(max(overheads), 3) if overheads else None,
            "critical_path_as_seen_by_snakemake_s": round(cp_seen, 2),
            "idle_core_s_in_span": round(cores * span - busy, 2),
        },
        "per_job": per_job,
    }


def table(result: dict[str, Any]) -> str:
    rows = [
        (
            "run",
            "wall s",
            "Σ job s",
            "Σ job cpu",
            "crit path",
            "ideal(cpu)",
            "ratio",
            "rusage cpu/ratio",
            "ideal(wall)",
            "ratio",
            "start→1st job",
            "job ovh Σ/med",
            "tail",
            "others' cores",
        )
    ]
    for i, r in enumerate(result["runs"], 1):
        o = r["overhead"]
        rows.append(
            (
                str(i),
                f"{r['wall_s']:.2f}",
                f"{r['sum_job_wall_s']:.2f}",
                f"{r['sum_job_cpu_s']:.2f}",
                f"{r['critical_path_s']:.2f}",
                f"{r['ideal_cpu_s']:.2f}",
                f"{r['ratio']:.2f}",
                "n/a"
                if r.get("ratio_rusage") is None
                else f"{r['sum_job_cpu_rusage_s']:.2f}/{r['ratio_rusage']:.2f}",
                f"{r['ideal_wall_s']:.2f}",
                f"{r['ratio_wall_ideal']:.2f}",
                f"{o['to_first_job_start_s']:.2f}",
                f"{o['job_start_overhead_sum_s']:.1f}/{o['job_start_overhead_median_s']:.2f}",
                f"{o['tail_after_last_job_s']:.2f}",
                f"{r['cpu_other_processes_mean_cores']}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.insert(1, "-" * len(out[0]))
    s = result["summary"]
    out.append(
        f"cores={result['cores']}  median ratio (wall / max(critical path, Σcpu/cores)) = "
        f"{s['ratio_median']:.2f}  target <= {TARGET_RATIO}  "
        f"{'OK' if s['ratio_median'] <= TARGET_RATIO else 'ABOVE TARGET'}"
    )
    out.append(
        f"lowest ratio any schedule of these jobs could reach (ideal(wall) / ideal(cpu)): "
        f"{s['ratio_floor_median']:.2f} (median)"
    )
    if s.get("ratio_rusage_median") is not None:
        out.append(
            f"with exact job CPU (rusage): median ratio {s['ratio_rusage_median']:.2f}; the "
            f"benchmark files miss {s['benchmark_cpu_undercount_median_s']:.2f} s of job CPU; "
            f"Snakemake's own CPU {s['cpu_snakemake_own_median_s']:.2f} s, "
            f"{s['cpu_snakemake_teardown_median_s']:.2f} s of it after the exit hooks (medians)"
        )
    pr = result["job_startup_probe"]
    out.append(
        f"per-job interpreter start + imports ({pr['code']}): {pr['wall_s']:.2f} s wall, "
        f"{pr['cpu_s']:.2f} s cpu"
    )
    out.append(
        f"load average before/after: {result['machine']['load_average_before']} / "
        f"{result['machine']['load_average_after']}"
    )
    return "\n".join(out)


def median_or_none(runs: list[dict[str, Any]], key: str, digits: int = 2) -> float | None:
    """Median of ``key`` over the runs that have it, or None if none has."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), digits) if values else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--keep", action="store_true", help="keep the scratch working directories")
    p.add_argument("--members", type=int, help="ensemble size instead of the demo's")
    p.add_argument("--grid", type=int, help="cells a side instead of the demo's (same basin)")
    args = p.parse_args(argv)

    load_before = [round(v, 2) for v in os.getloadavg()]
    probe = job_startup_probe()
    runs, loads = [], []
    deps_note: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="wavecast-demo-"))
    try:
        for i in range(args.repeat):
            work = make_workdir(tmp / f"run{i}", args.members, args.grid)
            if i == 0:
                deps = rule_graph(work)
                deps.pop("all", None)
                differs = {
                    r: sorted(deps[r] ^ DEPENDS.get(r, set()))
                    for r in deps
                    if deps[r] != DEPENDS.get(r, set())
                }
                deps_note = {
                    "rule_graph": {r: sorted(v) for r, v in deps.items()},
                    "differs_from_documented": differs,
                }
            load = [round(v, 2) for v in os.getloadavg()]
            run = timed_run(work, args.cores)
            if run["returncode"] != 0:
                tail = "\n".join(s for _, s in run["lines"][-30:])
                print(f"snakemake failed (exit {run['returncode']}):\n{tail}", file=sys.stderr)
                return 1
            res = analyse(run, read_benchmarks(work), deps, args.cores)
            res["load_average_at_start"] = load
            runs.append(res)
            loads.append(load)
            print(
                f"  run {i + 1}: wall {res['wall_s']:.2f} s, ratio {res['ratio']:.2f}", flush=True
            )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "benchmark": "demo_walltime",
        "description": "localdev demo wall time vs max(critical path, Σ job cpu_time / cores)",
        "command": "snakemake --profile <repo>/profiles/localdev -s <repo>/Snakefile -d <work> "
        f"--cores {args.cores}",
        "command_note": f"run as python -c WRAPPER <work>/{RUSAGE_FILE} <args>: snakemake.cli.main "
        "in-process, getrusage (self, children) written at exit",
        "cores": args.cores,
        "demo_overrides": {"members": args.members, "grid": args.grid},
        "target_ratio": TARGET_RATIO,
        "summary": {
            "wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 2),
            "ratio_median": round(statistics.median(r["ratio"] for r in runs), 3),
            "ratio_wall_ideal_median": round(
                statistics.median(r["ratio_wall_ideal"] for r in runs), 3
            ),
            "ratio_best": round(min(r["ratio"] for r in runs), 3),
            "ratio_floor_median": round(statistics.median(r["ratio_floor"] for r in runs), 3),
            "ratio_rusage_median": median_or_none(runs, "ratio_rusage", 3),
            "sum_job_cpu_rusage_median_s": median_or_none(runs, "sum_job_cpu_rusage_s"),
            "benchmark_cpu_undercount_median_s": median_or_none(runs, "benchmark_cpu_undercount_s"),
            "cpu_snakemake_own_median_s": median_or_none(runs, "cpu_snakemake_own_s"),
            "cpu_snakemake_teardown_median_s": median_or_none(runs, "cpu_snakemake_teardown_s"),
        },
        "job_startup_probe": {
            **probe,
            "note": "per script job, before its own work; part of every job's s and cpu_time",
        },
        "dag": deps_note,
        "runs": runs,
        "git": git_state("Snakefile", "workflow", "src", "profiles"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": load_before,
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
            "note": "1/5/15-min load averages; the machine is shared, so job times include "
            "contention from other processes",
        },
        "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    write_result(args.output, result)
    print(table(result))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
