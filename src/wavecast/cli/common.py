"""Helpers shared by command modules: environment selection and help formatting."""

from __future__ import annotations

import argparse
import os

DEFAULT_ENV = "localdev"
ENV_VAR = "WAVECAST_ENV"


def resolve_env(explicit: str | None) -> str:
    """``--env`` if given, else ``$WAVECAST_ENV``, else ``localdev``."""
    return explicit or os.environ.get(ENV_VAR) or DEFAULT_ENV


def add_env_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        default=None,
        help=f"environment name (config/backends/ENV.yaml); default ${ENV_VAR}, else {DEFAULT_ENV}",
    )


def subcommand(sub, name: str, help_: str, examples: str) -> argparse.ArgumentParser:
    """Add a subcommand whose --help ends with an 'examples:' block."""
    return sub.add_parser(
        name,
        help=help_,
        description=help_,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def command_group(sub, name: str, help_: str, examples: str):
    """Add a command with subcommands (``wavecast NAME COMMAND``); return their subparsers.
    ``wavecast NAME`` alone prints its help and exits 2."""
    group = subcommand(sub, name, help_, examples)
    group.set_defaults(func=lambda args: (group.print_help(), 2)[1])
    return group.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
