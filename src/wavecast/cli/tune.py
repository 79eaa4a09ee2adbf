"""``wavecast tune``: propose per-stage cpu/memory/timeout for an environment from measured jobs."""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import math
import sys
from pathlib import Path

from ..backends.load import load_backend, missing_env
from ..errors import ValidationError
from ..io import write_text_atomic
from ..metrics.collect import Progress, collect
from ..metrics.recordio import load_records
from ..metrics.requested import EnvResources, backend_path, load_env
from ..metrics.runlog import RunHistory
from ..metrics.tune import changes_of, edit_stages, propose
from .common import add_env_option, resolve_env, subcommand


def register(sub) -> None:
    p = subcommand(
        sub,
        "tune",
        "propose per-stage cpu/memory/timeout for an environment's backend YAML from the "
        "jobs of past runs (peak × headroom, rounded, within limits), shown as a diff",
        "  wavecast tune --env production                     # every run in .snakemake/log\n"
        "  wavecast tune --env production --input m1.jsonl m2.jsonl --headroom 1.3\n"
        "  wavecast tune --env production --write && wavecast profiles build production\n",
    )
    add_env_option(p)
    p.add_argument("--headroom", type=_headroom, default=1.2, help="multiplier on peaks (≥ 1)")
    p.add_argument("--write", action="store_true", help="edit the backend YAML in place")
    p.add_argument("--input", nargs="+", type=Path, help="records from 'metrics collect'")
    p.add_argument("--workdir", type=Path, default=Path("."), help="workflow directory")
    p.set_defaults(func=cmd_tune)


def _headroom(text: str) -> float:
    """``--headroom``: a finite number of at least 1 (argparse prints the message, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a multiplier >= 1 (1.2 adds 20 %)")
    return value


def _past_records(workdir: Path, resources: EnvResources):
    records = []
    history = RunHistory(workdir)  # each run log read once, not once per run
    for run in history.runs:
        if not run.attempts:
            continue
        result = collect(
            workdir,
            run,
            "auto",
            progress=Progress(None),
            namespace=resources.namespace,
            history=history,
        )
        records += result.records
    return records


def cmd_tune(args: argparse.Namespace) -> int:
    env = resolve_env(args.env)
    path = backend_path(env, args.workdir)
    if not path.exists():
        problem = missing_env(env, args.workdir)
        if not (args.workdir / "config" / "backends").is_dir():  # e.g. a `snakemake -d DIR` run
            problem = dataclasses.replace(
                problem,
                fix=f"{problem.fix}; for runs made in another directory (snakemake -d DIR), pass "
                "--input with the records of 'wavecast metrics collect --workdir DIR -o FILE'",
            )
        raise ValidationError([problem])
    resources = load_env(path)
    records = load_records(args.input) if args.input else _past_records(args.workdir, resources)
    records = [r for r in records if r.backend == resources.kind]
    if not records:
        print(
            f"{path}::stages: no {resources.kind} job records to learn from; "
            f"run the workflow first (snakemake --profile profiles/{env}), or pass --input",
            file=sys.stderr,
        )
        return 1
    proposals, notes = propose(records, resources, args.headroom)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for p in proposals:
        print(f"{p.rule}.{p.key}: {p.current} → {p.proposed}  ({p.reason})", file=sys.stderr)
    if not proposals:
        print(f"{path}: no change proposed")
        return 0
    text = path.read_text(encoding="utf-8")
    edited = edit_stages(text, changes_of(proposals), str(path))
    sys.stdout.writelines(
        difflib.unified_diff(text.splitlines(True), edited.splitlines(True), str(path), str(path))
    )
    if args.write:
        # The edited file must still validate; the user's file is replaced only if it does, and
        # in one rename, so an error or an interrupt leaves it as it was.
        write_text_atomic(path, edited, check=lambda tmp: load_backend(tmp, display=str(path)))
        print(f"wrote {path}; now run: wavecast profiles build {env}", file=sys.stderr)
    return 0
