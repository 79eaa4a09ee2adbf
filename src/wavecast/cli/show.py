"""``wavecast show``: resolved resources per rule and what they become on the executor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..backends.checks import backend_notes
from ..backends.groups import group_jobs, group_parts
from ..backends.load import load_env_backend
from ..backends.models import KubernetesBackend, LocalBackend, SlurmBackend
from ..backends.preview import apptainer_command, pod_resources, pod_spec, sbatch_command
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
    backend = load_env_backend(env, Path(args.root))
    for note in backend_notes(backend, source):
        print(f"warning: {note}", file=sys.stderr)
    print(f"environment: {env} ({source}, type {backend.type})")
    image = container_image(backend, env)
    if image:
        print(f"image: {image}")
        for cmd in build_commands(backend, env):
            print(f"  build: {cmd}")
    if isinstance(backend, KubernetesBackend):
        _show_pods(backend)
    for r in resolve(backend):
        if args.rule and r.rule != args.rule:
            continue
        print(f"\n{r.rule}:")
        resources = r.snakemake_resources(backend)
        print(f"  cpu {r.cpu}, {_retry_growth(backend, r, ENFORCE_RUNTIME in resources)}")
        if r.mpi:
            print(f"  mpi '{r.mpi}'")
        if isinstance(backend, SlurmBackend):
            group = backend.group_of.get(r.rule)
            if group:
                _show_group(backend, group)
                _, size = next(job for job in group_jobs(backend, group) if r.rule in job[0])
                print(
                    f"  group job asks for {size.describe()}"
                    if size
                    else "  group job: sized at run time from every member's jobs it holds"
                )
                # the group job carries the same partition/account/qos/extra flags, but its
                # -t, --mem and CPUs are Snakemake's sum/max over the group's rules
                print(f"  sbatch, were the rule not grouped: {sbatch_command(backend, r)}")
            else:
                print(f"  sbatch: {sbatch_command(backend, r)}")
        elif isinstance(backend, KubernetesBackend):
            pod = pod_resources(backend, r)
            text = "; ".join(
                f"{kind} " + ", ".join(f"{k}={v}" for k, v in values.items())
                for kind, values in pod.items()
            )
            print(f"  pod: {text}")
            if r.disk_mb is None:
                print(f"  {SNAKEMAKE_DISK_NOTE}")
        else:
            print(f"  local: {r.cpu} of the machine's cores")
        cmd = apptainer_command(backend, env)
        if cmd:
            print(f"  apptainer: {cmd}")
    return 0


def _show_group(backend: SlurmBackend, group: str) -> None:
    """Which of the group's rules one SLURM job runs, and how many instances of them."""
    n = backend.group_components.get(group, 1)
    per_job = f"({'up to ' if n > 1 else ''}{n} instance{'s' if n > 1 else ''} per job)"
    parts = group_parts(backend.groups[group])
    if len(parts) == 1:
        print(f"  group {group}: one SLURM job runs {', '.join(parts[0])} {per_job}")
        return
    # Snakemake follows the group's rules' dependencies: unconnected rules are separate jobs
    listed = "; ".join(", ".join(part) for part in parts)
    print(
        f"  group {group}: its rules are not all connected, so each part is its own SLURM job "
        f"({listed}) {per_job}"
    )


def _show_pods(backend: KubernetesBackend) -> None:
    """Every pod's settings besides its resources."""
    spec = pod_spec(backend)
    account = spec["service_account"] or "the namespace's default"
    print(f"pods: namespace {spec['namespace']}, image {spec['image']}, service account {account}")
    selector = ", ".join(f"{k}={v}" for k, v in spec["node_selector"].items())
    print(f"  nodeSelector: {selector or 'none (any node)'}")
    for claim, path in spec["mounts"]:
        print(f"  volume: claim {claim} at {path}")
    if backend.storage:
        print(
            f"  storage: {backend.storage.provider} {backend.storage.prefix} (every input and "
            "output; each pod pip-installs the storage plugin as it starts)"
        )
    if spec["secret_env"]:
        print(f"  environment (from a Secret): {', '.join(spec['secret_env'])}")
    kept = "kept for 'wavecast metrics collect'" if backend.keep_finished_jobs else "deleted"
    print(f"  finished Jobs and pods: {kept}")


#: What a pod gets for ephemeral-storage when the backend YAML sets no disk.
SNAKEMAKE_DISK_NOTE = (
    "ephemeral-storage: Snakemake's default disk_mb, max(2 × input size, 1000) MB, or 50000 MB "
    "for a job without input files (set defaults.disk or stages.<rule>.disk)"
)

#: What the local executor does with mem_mb.
_COUNTED = " (counted against --resources, not enforced)"


def _retry_growth(backend, r, self_enforced: bool) -> str:
    """Memory and runtime, and what a retry asks for on this backend (``wavecast.retry``)."""
    limit = ", a limit the job enforces itself" if self_enforced else ""
    memory = f"mem_mb {r.mem_mb} MiB"
    if isinstance(backend, KubernetesBackend):  # the plugin reads mem_mb as MB (10^6 bytes)
        memory = f"mem_mb {r.snakemake_resources(backend)['mem_mb']} MB ({r.mem_mb} MiB)"
    if backend.retries == 0:
        counted = _COUNTED if isinstance(backend, LocalBackend) else ""
        return f"{memory}{counted}, runtime {r.runtime} min{limit} (retries: 0)"
    if isinstance(backend, SlurmBackend):
        return (
            f"{memory} (doubled after an out-of-memory kill, up to "
            f"{r.mem_mb_limit}), runtime {r.runtime} min (doubled after a timeout, up to "
            f"{r.runtime_limit})"
        )
    if isinstance(backend, KubernetesBackend):
        return f"{memory}, runtime {r.runtime} min{limit} (retries ask for the same)"
    return (
        f"{memory}{_COUNTED}, runtime {r.runtime} min{limit} "
        f"(doubled after a timeout, up to {r.runtime_limit})"
    )
