"""``wavecast logs``: print the log of one job, wherever its backend put it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..metrics.logs import find_logs, parse_wildcards
from .common import subcommand


def register(sub) -> None:
    p = subcommand(
        sub,
        "logs",
        "print the log(s) of one job: the rule's log, the SLURM job log, the saved "
        "Kubernetes pod log",
        "  wavecast logs build_grid\n"
        "  wavecast logs run_member member=003\n"
        "  wavecast logs run_member member=003 --attempt 2 --run 3f2c9a1e\n"
        "  wavecast logs run_member member=003 --list     # paths only\n",
    )
    p.add_argument("rule", help="rule name")
    p.add_argument("wildcards", nargs="*", metavar="WILDCARD=VALUE")
    p.add_argument("--run", default="latest", help="latest (default) or a run id (or prefix)")
    p.add_argument("--attempt", type=_attempt, help="one attempt only (1 = first try)")
    p.add_argument("--list", action="store_true", help="print the paths, not the contents")
    p.add_argument("--workdir", type=Path, default=Path("."), help="workflow directory")
    p.set_defaults(func=cmd_logs)


def _attempt(text: str) -> int:
    """``--attempt``: 1 for the first try, 2 for the first retry, ..."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: attempts count from 1 (the first try)")
    return value


def cmd_logs(args: argparse.Namespace) -> int:
    found = find_logs(
        args.workdir, args.rule, parse_wildcards(args.wildcards), args.run, args.attempt
    )
    for log in found:
        attempt = f", attempt {log.attempt}" if log.attempt else ""
        attempt += f"; {log.note}" if log.note else ""
        if args.list:
            print(f"{log.path}\t{log.what}{attempt}")
            continue
        print(f"==> {log.path} ({log.what}{attempt}) <==")
        print(log.path.read_text(errors="replace"), end="")
    return 0
