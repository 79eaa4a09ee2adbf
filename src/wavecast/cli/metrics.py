"""``wavecast metrics``: job records of a run (collect), a table per rule (summary), an HTML
report with figures (report), and the runs this directory has seen (runs)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import Problem, ValidationError
from ..io import write_text_atomic
from ..metrics.collect import BACKENDS, Collection, Progress, collect
from ..metrics.recordio import format_for, load_records, write_records
from ..metrics.report import write_report
from ..metrics.requested import backend_path, load_env
from ..metrics.runlog import list_runs, no_runs_error
from ..metrics.summary import as_dicts, render_table, summarise
from .common import add_env_option, resolve_env, subcommand


def register(sub) -> None:
    group = sub.add_parser(
        "metrics",
        help="job metrics of runs: collect, summary, report, runs",
        description="One record per job attempt on every backend (local benchmark files and "
        "run log, SLURM sacct, Kubernetes Job/pod status); summaries, an HTML report, and the "
        "list of runs.",
        epilog="examples:\n"
        "  wavecast metrics collect -o run.jsonl\n"
        "  wavecast metrics summary\n"
        "  wavecast metrics report -o report.html\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    msub = group.add_subparsers(dest="metrics_command", metavar="COMMAND")
    group.set_defaults(func=lambda args: (group.print_help(), 2)[1])

    p = subcommand(
        msub,
        "collect",
        "collect one record per job attempt of a run as JSON lines or CSV",
        "  wavecast metrics collect                       # latest run, JSON lines on stdout\n"
        "  wavecast metrics collect --run 3f2c9a1e -o run.csv\n"
        "  wavecast metrics collect --backend slurm --env production -o prod.jsonl\n"
        "  wavecast metrics collect --backend kubernetes --k8s-file jobs.json\n",
    )
    _run_options(p)
    p.add_argument("-o", "--output", help="FILE.jsonl / FILE.json (JSON lines) or FILE.csv")
    p.set_defaults(func=cmd_collect)

    p = subcommand(
        msub,
        "summary",
        "a table per rule: jobs, failures, wall p50/max, CPU hours, peak memory, "
        "CPU/memory efficiency, worst offenders flagged",
        "  wavecast metrics summary\n"
        "  wavecast metrics summary --input run1.jsonl run2.jsonl --format json\n",
    )
    _run_options(p)
    p.add_argument("--input", nargs="+", type=Path, help="records from 'metrics collect'")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_summary)

    p = subcommand(
        msub,
        "report",
        "one self-contained HTML page (no network) with a timeline, requested vs used "
        "resources and wall-time distributions, plus the figures as PNG",
        "  wavecast metrics report -o report.html            # figures in report_figures/\n"
        "  wavecast metrics report --input run.jsonl -o results/metrics/report.html\n",
    )
    _run_options(p)
    p.add_argument("--input", nargs="+", type=Path, help="records from 'metrics collect'")
    p.add_argument("-o", "--output", type=Path, default=Path("report.html"))
    p.add_argument(
        "--png-dir",
        type=Path,
        help="where the PNG figures go (default: <output name without suffix>_figures/)",
    )
    p.add_argument("--no-png", action="store_true", help="write the HTML page only")
    p.set_defaults(func=cmd_report)

    p = subcommand(
        msub,
        "runs",
        "list the runs recorded in .snakemake/log (ids for --run)",
        "  wavecast metrics runs\n",
    )
    p.add_argument("--workdir", type=Path, default=Path("."), help="workflow directory")
    p.set_defaults(func=cmd_runs)


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", help="latest (default) or a run id (or prefix)")
    p.add_argument("--backend", choices=BACKENDS, default="auto")
    # None, not '.', so that a --workdir beside --input is noticed (see _records)
    p.add_argument("--workdir", type=Path, help="workflow directory (default: .)")
    add_env_option(p)
    p.add_argument("--k8s-file", type=Path, help="saved 'kubectl get jobs,pods -o json' output")
    p.add_argument("--quiet", action="store_true", help="no progress or warnings on stderr")


def _read_k8s_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [
                Problem(
                    str(path),
                    "",
                    f"not JSON ({exc})",
                    "save it with: kubectl get jobs,pods -n <namespace> -o json > FILE",
                )
            ]
        ) from None


def _collect(args: argparse.Namespace) -> Collection:
    env = resolve_env(args.env)
    workdir = args.workdir or Path(".")
    path = backend_path(env, workdir)
    resources = load_env(path) if path.is_file() else None
    source = _read_k8s_file(args.k8s_file) if args.k8s_file else None
    stream = None if args.quiet else sys.stderr
    result = collect(
        workdir,
        args.run or "latest",
        args.backend,
        resources.requested if resources else None,
        kubernetes_source=source,
        progress=Progress(stream),
        namespace=resources.namespace if resources else None,
    )
    if not args.quiet:
        for message in result.messages:
            print(f"warning: {message}", file=sys.stderr)
        partial = sum(r.partial for r in result.records)
        print(
            f"run {result.run_id} ({result.backend}): {len(result.records)} records"
            + (f", {partial} partial (see their notes)" if partial else ""),
            file=sys.stderr,
        )
    return result


def _records(args: argparse.Namespace):
    if args.input:
        # every option that chooses or reads a run would be ignored
        chosen = [
            flag
            for flag in ("run", "backend", "workdir", "env", "k8s_file")
            if getattr(args, flag) not in (None, "auto")
        ]
        if chosen:
            names = ["--" + flag.replace("_", "-") for flag in chosen]
            flags = " and ".join([", ".join(names[:-1]), names[-1]] if names[1:] else names)
            raise ValidationError(
                [
                    Problem(
                        "<command line>",
                        "--input",
                        f"records are read from --input, so {flags} would choose nothing",
                        f"give --input, or {flags} to collect the run instead",
                    )
                ]
            )
        return load_records(args.input), []
    result = _collect(args)
    return result.records, result.messages


def cmd_collect(args: argparse.Namespace) -> int:
    result = _collect(args)
    fmt = format_for(args.output)
    if args.output:
        stream = io.StringIO(newline="")
        write_records(result.records, stream, fmt)
        write_text_atomic(args.output, stream.getvalue())
    else:
        write_records(result.records, sys.stdout, fmt)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    records, _ = _records(args)
    summaries = summarise(records)
    if args.format == "json":
        print(json.dumps(as_dicts(summaries), indent=2))
    else:
        print(render_table(summaries), end="")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    records, messages = _records(args)
    png_dir = (
        None
        if args.no_png
        else args.png_dir or args.output.with_name(args.output.stem + "_figures")
    )
    for path in write_report(records, args.output, png_dir, messages=messages):
        print(path)
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    runs = list_runs(args.workdir)
    if not runs:
        raise no_runs_error(args.workdir, "list")
    for run in reversed(runs):
        failed = sum(a.status == "failed" for a in run.attempts) + run.failed_group_jobs
        attempts = len(run.attempts) + len(run.slurm_group_jobs)  # a group job: one attempt
        # once Snakemake has ended (or was interrupted), a job it never logged as finished or
        # failed did not finish in this run
        unfinished = sum(a.status == "running" for a in run.attempts)
        counts = f"{failed} failed" + (
            f"  {unfinished} unfinished" if unfinished and (run.ended or run.interrupted) else ""
        )
        if run.interrupted:
            state = "interrupted"
        elif run.ended:
            state = "ended"
        elif run.ran_jobs or run.workflow_id:
            state = "unfinished"
        else:  # e.g. `snakemake --lint` also writes a log
            state = "no workflow run"
        backend = "slurm" if run.slurm_run_id else "kubernetes" if run.kubernetes else "local"
        when = f"{run.started:%Y-%m-%d %H:%M:%S}" if run.started else "?"
        print(f"{run.run_id}  {when}  {backend:10}  {attempts:5} attempts  {counts}  {state}")
    return 0
