"""``wavecast config check``: the science config as the workflow will read it, before a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import (
    DEFAULT_CONFIG_FILE,
    SCHEMA_FILE,
    SCHEMA_PATH,
    check_files,
    config_notes,
)
from .common import command_group, subcommand


def register(sub) -> None:
    inner = command_group(
        sub,
        "config",
        "check the science config (config/config.yaml) before a run",
        "  wavecast config check\n  wavecast config check storm-b.yaml\n",
    )
    p = subcommand(
        inner,
        "check",
        "check config/config.yaml, and any files for snakemake's --configfile merged over it, "
        "with every check the workflow makes; print 'ok' or every problem (exit 1)",
        "  wavecast config check                  # config/config.yaml\n"
        "  wavecast config check storm-b.yaml     # as: snakemake --configfile storm-b.yaml\n",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="files you give snakemake with --configfile, in that order; read after "
        f"{DEFAULT_CONFIG_FILE} (when it exists), as Snakemake reads them",
    )
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    files = list(args.files)
    default = Path(DEFAULT_CONFIG_FILE)
    named = any(Path(f).resolve() == default.resolve() for f in files)
    if not named and (default.exists() or not files):
        files.insert(0, DEFAULT_CONFIG_FILE)  # the Snakefile's configfile, read first
    # the checkout's schema, as the Snakefile uses; the package's own when run elsewhere
    science = check_files(files, SCHEMA_FILE if SCHEMA_FILE.exists() else SCHEMA_PATH)
    for note in config_notes(science):
        print(f"warning: {note}", file=sys.stderr)
    grid, members = science["grid"], science["ensemble"]["members"]
    print(
        f"{' + '.join(files)}: ok ({science['scenario']}: {grid['nx']} x {grid['ny']} cells, "
        f"{science['cyclone']['hours']} h, {members} member(s))"
    )
    return 0
