"""Entry point of the ``wavecast`` command.

Each command group lives in its own module exposing ``register(subparsers)``; a registered
subcommand sets ``func(args) -> int`` as its handler. ``main(argv)`` returns the exit status so
tests call it in-process.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import ValidationError

#: Command-group modules, in the order ``wavecast --help`` lists them.
COMMAND_MODULES = (
    "config",
    "backends",
    "profiles",
    "images",
    "show",
    "metrics",
    "tune",
    "logs",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wavecast",
        description=(
            "Ensemble wave hindcasts with Snakemake: check the science config, validate backend "
            "YAML, render and install Snakemake profiles, inspect resources, and collect job "
            "metrics."
        ),
        epilog=(
            "examples:\n"
            "  wavecast config check\n"
            "  wavecast backends validate config/backends/*.yaml\n"
            "  wavecast profiles build --all\n"
            "  wavecast show --env production --rule run_member\n"
            "  wavecast metrics summary\n\n"
            "The environment for commands that need one is --env, else $WAVECAST_ENV, "
            "else 'localdev'."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wavecast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `wavecast metrics runs | head -1`: the reader has all it wants
        # no "Broken pipe" message, and none from the interpreter's own flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE  # as a command killed by SIGPIPE, like GNU tools
    except OSError as exc:  # a file to read or write: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wavecast: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
