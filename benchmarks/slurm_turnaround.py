"""Turnaround of a small DAG on SLURM: the executor plugin (several status-check settings)
against the same jobs as a raw ``sbatch --dependency=afterok`` chain (the floor).

The DAG has the shape of the pipeline: one ``prepare`` job, ``--members`` parallel ``member``
jobs, one ``combine`` job; every job sleeps ``--seconds``. Calls to sacct/squeue/sbatch/scontrol
made by the submitting side are counted with shims put first on PATH.

    python benchmarks/slurm_turnaround.py      # needs scripts/slurm-local-cluster up
    python benchmarks/slurm_turnaround.py --settings init1 init10-squeue --repeat 2

Writes benchmarks/results/slurm_turnaround.json, one entry per job duration (``--seconds``), so
runs with different durations add up (see docs/operators-slurm.md, "Turnaround").
"""

from __future__ import annotations

import argparse
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
from datetime import datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "slurm_turnaround.json"
COUNTED = ("sacct", "squeue", "sbatch", "scontrol", "scancel", "sinfo")

#: Plugin settings compared (name -> profile keys on top of the common ones).
SETTINGS: dict[str, dict] = {
    "defaults": {},
    "init1": {"slurm-init-seconds-before-status-checks": 1},
    "init5": {"slurm-init-seconds-before-status-checks": 5},
    "init10": {"slurm-init-seconds-before-status-checks": 10},
    "init20": {"slurm-init-seconds-before-status-checks": 20},
    "init10-squeue": {
        "slurm-init-seconds-before-status-checks": 10,
        "slurm-status-command": "squeue",
    },
    "init5-squeue": {
        "slurm-init-seconds-before-status-checks": 5,
        "slurm-status-command": "squeue",
    },
}

SNAKEFILE = """\
MEMBERS = [f"{{i:03d}}" for i in range({members})]


rule all:
    input:
        "out/combined.txt",


rule prepare:
    output:
        "out/prepared.txt",
    shell:
        "sleep {seconds} && echo ok > {{output}}"


rule member:
    input:
        "out/prepared.txt",
    output:
        "out/member_{{m}}.txt",
    shell:
        "sleep {seconds} && echo ok > {{output}}"


rule combine:
    input:
        expand("out/member_{{m}}.txt", m=MEMBERS),
    output:
        "out/combined.txt",
    shell:
        "sleep {seconds} && cat {{input}} > {{output}}"
"""


def partition() -> str:
    out = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, check=True)
    names = out.stdout.split()
    default = [p for p in names if p.endswith("*")]
    return (default or names)[0].rstrip("*")


def make_shims(directory: Path, counter: Path) -> None:
    """sacct, squeue, ... that log one line per call and run the real tool."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in COUNTED:
        real = shutil.which(tool)
        if real is None:
            continue
        shim = directory / tool
        shim.write_text(
            f'#!/bin/sh\nprintf "%s %s\\n" "$(date +%s.%N)" {tool} >> {counter}\nexec {real} "$@"\n'
        )
        shim.chmod(0o755)


def counts(counter: Path, start: float, end: float) -> dict[str, int]:
    found = {tool: 0 for tool in COUNTED}
    if counter.exists():
        for line in counter.read_text().splitlines():
            stamp, tool = line.split()
            if start <= float(stamp) <= end:
                found[tool] += 1
    return found


def sacct_span(selector: list[str]) -> tuple[float, list[dict]]:
    """Seconds from the first job's Submit to the last job's End, and the rows."""
    fields = ["JobID", "JobName", "State", "Submit", "Start", "End", "Elapsed"]
    for _ in range(60):
        out = subprocess.run(
            ["sacct", "-X", "--parsable2", "--noheader", "-o", ",".join(fields), *selector],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows = [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines()]
        if rows and all(r["End"] not in ("Unknown", "") for r in rows):
            break
        time.sleep(1)
    submit = min(datetime.fromisoformat(r["Submit"]) for r in rows)
    end = max(datetime.fromisoformat(r["End"]) for r in rows)
    return (end - submit).total_seconds(), rows


def env_with(shims: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["PATH"] = f"{shims}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def run_plugin(work: Path, name: str, args, shims: Path, counter: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    (work / "Snakefile").write_text(SNAKEFILE.format(members=args.members, seconds=args.seconds))
    profile = {
        "executor": "slurm",
        "jobs": 50,
        "latency-wait": 5,
        "default-resources": {
            "slurm_partition": repr(partition()),
            "slurm_account": repr(args.account),
            "mem_mb": 400,
            "runtime": 10,
        },
        **SETTINGS[name],
    }
    (work / "profile").mkdir()
    (work / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "profile"],
        cwd=work,
        env=env_with(shims),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.time() - start
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise SystemExit(f"snakemake ({name}) failed:\n{output[-3000:]}")
    uuid = re.findall(r"SLURM run ID: (\S+)", output)[-1]
    span, rows = sacct_span(["--name", uuid])
    calls = counts(counter, start, start + wall)
    return {
        "setting": name,
        "profile": SETTINGS[name],
        "wall_seconds": round(wall, 1),
        "sacct_span_seconds": span,
        "jobs": len(rows),
        "job_elapsed": [r["Elapsed"] for r in rows],
        "calls": calls,
        "status_calls_per_minute": round((calls["sacct"] + calls["squeue"]) / (wall / 60), 1),
    }


def run_raw_chain(work: Path, args, shims: Path, counter: Path) -> dict:
    """The same jobs as sbatch --dependency=afterok; the floor of any submitter."""
    if work.exists():
        shutil.rmtree(work)
    (work / "out").mkdir(parents=True)
    env = env_with(shims)
    common = ["sbatch", "--parsable", "-p", partition(), "-A", args.account, "--mem", "400"]
    common += ["-t", "10", "-D", str(work), "-o", str(work / "%j.log")]
    name = f"raw-{os.getpid()}-{time.time_ns()}"
    start = time.time()

    def submit(command: str, after: list[str]) -> str:
        dep = ["--dependency=afterok:" + ":".join(after)] if after else []
        out = subprocess.run(
            [*common, "-J", name, *dep, "--wrap", command],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return out.strip().split(";")[0]

    first = submit(f"sleep {args.seconds} && echo ok > out/prepared.txt", [])
    members = [
        submit(f"sleep {args.seconds} && echo ok > out/member_{i:03d}.txt", [first])
        for i in range(args.members)
    ]
    last = submit(f"sleep {args.seconds} && cat out/member_*.txt > out/combined.txt", members)
    # wait for the last job the way a careful script would: one squeue per second
    while True:
        state = subprocess.run(
            ["squeue", "-h", "-j", last, "-o", "%T"], env=env, capture_output=True, text=True
        ).stdout.strip()
        if state in ("", "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
            break
        time.sleep(1)
    wall = time.time() - start
    span, rows = sacct_span(["--name", name])
    return {
        "setting": "raw-sbatch-afterok",
        "wall_seconds": round(wall, 1),
        "sacct_span_seconds": span,
        "jobs": len(rows),
        "job_elapsed": [r["Elapsed"] for r in rows],
        "calls": counts(counter, start, start + wall),
    }


def summarise(runs: list[dict], args) -> dict:
    """One experiment (one job duration): the floor, per setting the median and ratio."""
    floor = statistics.median(
        r["wall_seconds"] for r in runs if r["setting"] == "raw-sbatch-afterok"
    )
    summary = {}
    for name in args.settings:
        walls = [r["wall_seconds"] for r in runs if r["setting"] == name]
        rates = [r["status_calls_per_minute"] for r in runs if r["setting"] == name]
        summary[name] = {
            "median_wall_seconds": statistics.median(walls),
            "ratio_to_floor": round(statistics.median(walls) / floor, 2),
            "median_status_calls_per_minute": statistics.median(rates),
        }
    return {
        "dag": {
            "jobs": 2 + args.members,
            "shape": f"prepare -> {args.members} x member -> combine",
            "seconds_per_job": args.seconds,
        },
        "floor_raw_sbatch_afterok_wall_seconds": floor,
        "summary": summary,
        "runs": runs,
        "date": datetime.now().isoformat(timespec="seconds"),
    }


def load_existing(path: Path) -> dict:
    """The results file with one experiment per job duration; a run replaces its own entry."""
    if path.exists():
        data = json.loads(path.read_text())
        if "experiments" in data:
            return data
    return {"benchmark": "slurm_turnaround", "experiments": {}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--account", default=os.environ.get("WAVECAST_SLURM_ACCOUNT", "wavecast"))
    parser.add_argument(
        "--settings",
        nargs="+",
        default=["defaults", "init1", "init5", "init10", "init10-squeue"],
        choices=sorted(SETTINGS),
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="wavecast-slurm-turnaround-"))
    counter = scratch / "calls.log"
    shims = scratch / "shims"
    make_shims(shims, counter)
    runs = []
    for _ in range(args.repeat):
        raw = run_raw_chain(scratch / "raw", args, shims, counter)
        runs.append(raw)
        print(f"raw-sbatch-afterok: {raw['wall_seconds']} s", flush=True)
        for name in args.settings:
            result = run_plugin(scratch / name, name, args, shims, counter)
            runs.append(result)
            print(
                f"{name}: {result['wall_seconds']} s, "
                f"{result['status_calls_per_minute']} status calls/min",
                flush=True,
            )

    result = load_existing(args.output)
    result["experiments"][str(args.seconds)] = summarise(runs, args)
    result["machine"] = {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "slurm": subprocess.run(
            ["sinfo", "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "python": platform.python_version(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
