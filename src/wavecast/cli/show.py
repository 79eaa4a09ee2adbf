"""``wavecast show``: resolved resources per rule and what they become on the executor."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..backends.load import load_backend
from ..backends.models import KubernetesBackend, SlurmBackend
from ..backends.preview import apptainer_command, pod_resources, sbatch_command
from ..backends.render import build_commands, container_image, source_path
from ..backends.resolve import resolve
from ..deadline import RESOURCE as ENFORCE_RUNTIME
from ..rules import RULE_NAMES
from .common import add_env_option, resolve_env, subcommand


def register(sub) -> None:
    p = subcommand(
        sub,
        "show",
        "resolved resources per rule (defaults ← stage overrides, within limits) and what they "
        "become: sbatch flags, pod requests/limits, apptainer command",
        "  wavecast show                      # $WAVECAST_ENV, else localdev\n"
        "  wavecast show --env production --rule run_member\n"
        "  WAVECAST_ENV=staging wavecast show\n",
    )
    add_env_option(p)
    p.add_argument("--rule", choices=RULE_NAMES, help="one rule only")
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    env = resolve_env(args.env)
    source = source_path(env)
    backend = load_backend(Path(args.root) / source, display=source)
    print(f"environment: {env} ({source}, type {backend.type})")
    image = container_image(backend, env)
    if image:
        print(f"image: {image}")
        for cmd in build_commands(backend, env):
            print(f"  build: {cmd}")
    for r in resolve(backend):
        if args.rule and r.rule != args.rule:
            continue
        print(f"\n{r.rule}:")
        resources = r.snakemake_resources(backend)
        print(
            f"  cpu {r.cpu}, mem_mb {r.mem_mb} MiB (retries up to {r.mem_mb_limit}), "
            f"runtime {r.runtime} min (retries up to {r.runtime_limit})"
            + (", a limit the job enforces itself" if ENFORCE_RUNTIME in resources else "")
            + (f", mpi '{r.mpi}'" if r.mpi else "")
        )
        if isinstance(backend, SlurmBackend):
            print(f"  sbatch: {sbatch_command(backend, r)}")
            group = backend.group_of.get(r.rule)
            if group:
                n = backend.group_components.get(group, 1)
                print(
                    f"  group {group}: one SLURM job runs {', '.join(backend.groups[group])} "
                    f"({n} instance{'s' if n > 1 else ''} per job; Snakemake sizes the job "
                    "from its rules' resources)"
                )
        elif isinstance(backend, KubernetesBackend):
            pod = pod_resources(backend, r)
            text = "; ".join(
                f"{kind} " + ", ".join(f"{k}={v}" for k, v in values.items())
                for kind, values in pod.items()
            )
            print(f"  pod: {text}")
        else:
            print(f"  local: {r.cpu} of the machine's cores")
        cmd = apptainer_command(backend, env)
        if cmd:
            print(f"  apptainer: {cmd}")
    return 0
