"""``wavecast images``: build the image of a backend with ``container.dockerfile``, check it."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ..backends.load import load_env_backend
from ..backends.render import build_argvs
from ..errors import ValidationError
from ..images import build_image, builds_its_image, built_image_path, image_problems
from .common import command_group, subcommand

#: What ENV stands for in the examples: no shipped environment builds its image, so none of
#: their names would do (``images build production`` says there is nothing to build).
ENV_NOTE = (
    "  # ENV: an environment whose backend YAML has container.dockerfile (none of the shipped\n"
    "  # ones: production and staging pull their image, localdev uses none)\n"
)


def register(sub) -> None:
    inner = command_group(
        sub,
        "images",
        "build the Apptainer image of an environment whose backend names a dockerfile, and "
        "check that it is built from the current dockerfile and build args",
        f"{ENV_NOTE}"
        "  wavecast images build ENV --print   # the docker build + apptainer build commands\n"
        "  wavecast images build ENV           # runs them; the old image stays till both succeed\n"
        "  wavecast images check ENV           # exit 1: missing, or built from other inputs\n",
    )

    p = subcommand(
        inner,
        "build",
        "docker build, then apptainer build into .wavecast/images/ENV.sif, with a record of "
        "what it was built from (the old image stays until both succeed)",
        f"{ENV_NOTE}  wavecast images build ENV --print   # the commands only\n"
        "  wavecast images build ENV\n",
    )
    p.add_argument("env", metavar="ENV", help="environment name (config/backends/ENV.yaml)")
    p.add_argument("--print", action="store_true", help="print the commands, run nothing")
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_build)

    p = subcommand(
        inner,
        "check",
        "exit 1 when the environment's image is missing or built from other inputs (what the "
        "workflow checks when it loads)",
        f"{ENV_NOTE}  wavecast images check ENV\n",
    )
    p.add_argument("env", metavar="ENV", help="environment name")
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_check)


def cmd_build(args: argparse.Namespace) -> int:
    root = Path(args.root)
    backend = load_env_backend(args.env, root)
    if args.print and builds_its_image(backend):
        for argv in build_argvs(backend, args.env):
            print(shlex.join(argv))
        return 0
    image = build_image(backend, args.env, root)
    print(f"{image.relative_to(root) if image.is_relative_to(root) else image}: built")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    root = Path(args.root)
    backend = load_env_backend(args.env, root)
    problems = image_problems(backend, args.env, root)
    if problems:
        raise ValidationError(problems)
    what = built_image_path(args.env) if builds_its_image(backend) else "nothing to build"
    print(f"{args.env}: {what}: ok")
    return 0
