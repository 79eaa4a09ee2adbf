"""Benchmark: `wavecast tune` over a directory that holds many runs.

`wavecast tune` learns from every run log in `.snakemake/log`. This generates, in a temporary
directory, N runs of the demo's DAG as a scientist makes them: the first runs all 24 jobs, then
each edit of a plotting or station setting reruns the 6 postprocess and archive jobs, and every
tenth run is a full rerun; each job writes its benchmark file and log again, so every run's files
but the last are partly rewritten by later runs. It then times `wavecast tune --env localdev`
there, in fresh processes (best of --repeat), for each N.

    python benchmarks/tune_history.py                  # writes benchmarks/results/tune_history.json
    python benchmarks/tune_history.py --runs 10 100 --src /tmp/old/src --output /tmp/old.json

``--src`` measures another checkout's package (e.g. a commit before a change) with this venv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchenv import REPO, git_state, load_average, machine, measured_at, venv_env, write_result

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "tune_history.json"
MEMBERS = [f"{m:03d}" for m in range(8)]
PREPARE = [("build_grid", "")] + [("make_forcing", m) for m in MEMBERS]
MEMBER_RUNS = [("run_member", m) for m in MEMBERS]
POSTPROCESS = [
    ("summarise_ensemble", ""),
    ("extract_stations", ""),
    ("plot_maps", ""),
    ("plot_stations", ""),
    ("archive_run", ""),
    ("report_metrics", ""),
]
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
T0 = datetime(2026, 11, 1, 8, 0, 0)


def _stamp(t: datetime) -> str:
    return f"[{t.strftime('%a %b %d %H:%M:%S %Y')}]"


def _files(rule: str, member: str) -> tuple[str, str]:
    name = member or rule
    return f"logs/benchmarks/{rule}/{name}.tsv", f"logs/{rule}/{name}.log"


def _run_log(index: int, start: datetime, jobs: list[tuple[str, str]]) -> str:
    parts = [
        f"\nSNAKEMAKE\n=========\n  Date: {start:%Y-%m-%d %H:%M:%S}\n"
        f"  Workflow ID: 00000000-0000-4000-8000-{index:012d}\n  Host: bench\n\n"
        "Building DAG of jobs...\n"
    ]
    for jobid, (rule, member) in enumerate(jobs, 1):
        bench, log = _files(rule, member)
        wildcards = f"    wildcards: member={member}\n" if member else ""
        parts.append(
            f"{_stamp(start + timedelta(seconds=jobid))}\nlocalrule {rule}:\n    log: {log}\n"
            f"    jobid: {jobid}\n    benchmark: {bench}\n{wildcards}    threads: 1\n"
            "    resources: tmpdir=/tmp, mem_mb=1024, runtime=20\n"
        )
    for jobid, (rule, _member) in enumerate(jobs, 1):
        end = start + timedelta(seconds=jobid + 2)
        parts.append(f"{_stamp(end)}\nFinished jobid: {jobid} (Rule: {rule})\n")
    return "".join(parts) + "Complete log(s): x\n"


def generate(root: Path, runs: int) -> None:
    """``runs`` run logs in ``root/.snakemake/log`` and the files their jobs wrote last."""
    logs = root / ".snakemake" / "log"
    logs.mkdir(parents=True)
    backends = root / "config" / "backends"
    backends.mkdir(parents=True)
    shutil.copy(REPO / "config" / "backends" / "localdev.yaml", backends)
    for i in range(runs):
        start = T0 + timedelta(hours=i)
        full = i % 10 == 0
        jobs = (PREPARE + MEMBER_RUNS if full else []) + POSTPROCESS
        (logs / f"{start:%Y-%m-%dT%H%M%S}.000000.snakemake.log").write_text(
            _run_log(i, start, jobs)
        )
        for jobid, (rule, member) in enumerate(jobs, 1):
            bench, log = (root / f for f in _files(rule, member))
            bench.parent.mkdir(parents=True, exist_ok=True)
            log.parent.mkdir(parents=True, exist_ok=True)
            bench.write_text(HEADER + "2.00\t0:00:02\t300.0\t900.0\t280.0\t290.0\t0\t1\t90\t1.8\n")
            log.write_text(f"run {i}\n")
            written = (start + timedelta(seconds=jobid + 2)).timestamp()
            for path in (bench, log):
                os.utime(path, (written, written))


def time_tune(root: Path, src: Path | None, repeat: int) -> list[float]:
    """Wall seconds of `wavecast tune --env localdev` in ``root``, each in a fresh process."""
    env = venv_env()
    if src is not None:  # ahead of the editable install on sys.path
        env["PYTHONPATH"] = str(src)
    code = "import sys; from wavecast.cli.main import main; sys.exit(main())"
    cmd = [sys.executable, "-c", code, "tune", "--env", "localdev", "--workdir", str(root)]
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        seconds.append(round(time.perf_counter() - t0, 3))
        if done.returncode != 0:
            raise SystemExit(f"wavecast tune failed ({done.returncode}):\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, nargs="+", default=[10, 100, 300, 1000], help="run logs")
    p.add_argument("--repeat", type=int, default=3, help="fresh processes per size; best kept")
    p.add_argument("--src", type=Path, help="the wavecast package to measure (a src/ dir)")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default: %(default)s")
    args = p.parse_args(argv)
    src = args.src.resolve() if args.src else None
    measured = src or REPO / "src"
    result = {
        "benchmark": "tune_history",
        "description": __doc__.split("\n\n")[1].replace("\n", " "),
        "command": "wavecast tune --env localdev --workdir <generated directory>",
        "src": str(measured),
        "git": git_state("src", "benchmarks") if src is None else _git_of(src),
        "machine": machine(),
        "measured_at": measured_at(),
        "sizes": [],
    }
    for runs in args.runs:
        with tempfile.TemporaryDirectory(prefix="wavecast-tune-") as tmp:
            generate(Path(tmp), runs)
            seconds = time_tune(Path(tmp), src, args.repeat)
        row = {"runs": runs, "seconds": min(seconds), "all_seconds": seconds}
        result["sizes"].append(row)
        print(f"{runs:>5} runs  {min(seconds):8.2f} s  (all: {seconds})", flush=True)
    result["load_average_after"] = load_average()
    write_result(args.output, result)
    print(f"wrote {args.output}")
    return 0


def _git_of(src: Path) -> dict[str, str]:
    """The commit of the checkout that holds ``src``."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=src, capture_output=True, text=True
    )
    return {"head": head.stdout.strip() or "unknown (not a git checkout)"}


if __name__ == "__main__":
    sys.exit(main())
