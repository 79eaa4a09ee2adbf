"""Backend model → the text of ``profiles/<env>/profile.yaml``, deterministically.

Where each field lands is listed in docs/operators-backends.md and proven by
tests/test_backends_landing.py.
"""

from __future__ import annotations

import shlex
from typing import Any

import yaml

from ..deadline import RESOURCE as ENFORCE_RUNTIME
from ..images import builds_its_image, built_image_path, source_path
from ..profilesync import GENERATED_MARK, regenerate_command
from .checks import uses_apptainer
from .models import BackendBase, KubernetesBackend, LocalBackend, SlurmBackend
from .resolve import mem_mb_expression, profile_mem_mb, resolve, runtime_expression
from .units import parse_memory, runtime_minutes

RERUN_TRIGGERS = ["mtime", "params", "input", "software-env", "code"]


def build_argvs(
    backend: BackendBase, env: str, image: str | None = None, force: bool = False
) -> list[list[str]]:
    """``docker build`` and ``apptainer build`` argument lists that turn ``container.dockerfile``
    into ``image`` (default: the image the profile points at; ``force``: overwrite it);
    [] without a dockerfile."""
    if not builds_its_image(backend):
        return []
    c = backend.container
    assert c is not None and c.dockerfile
    tag = f"wavecast-{env}:local"
    docker = ["docker", "build", "-f", c.dockerfile]
    for name, value in sorted(c.build_args.items()):
        docker += ["--build-arg", f"{name}={value}"]
    docker += ["-t", tag, c.build_context or "."]
    apptainer = ["apptainer", "build", *(["--force"] if force else [])]
    apptainer += [image or built_image_path(env), f"docker-daemon://{tag}"]
    return [docker, apptainer]


def build_commands(backend: BackendBase, env: str) -> list[str]:
    """The commands that turn ``container.dockerfile`` into the image the profile points at
    (what ``wavecast images build ENV`` runs), as shell lines."""
    return [shlex.join(argv) for argv in build_argvs(backend, env)]


def container_image(backend: BackendBase, env: str) -> str | None:
    """The Apptainer image rules run in (``config: {container_image: ...}``), or None without
    apptainer (a Kubernetes profile sets that key to its pods' image: :func:`profile_data`)."""
    if not uses_apptainer(backend):
        return None
    c = backend.container
    assert c is not None
    if c.dockerfile:
        return built_image_path(env)
    assert c.image is not None
    if c.image.endswith(".sif") or c.image.startswith("docker://"):
        return c.image
    return "docker://" + c.image


def apptainer_args(backend: BackendBase) -> list[str]:
    """Arguments Snakemake adds to every ``apptainer exec`` (binds, literal env, --fakeroot)."""
    if not uses_apptainer(backend):
        return []
    c = backend.container
    assert c is not None
    args: list[str] = []
    for volume in c.volumes:
        args += ["--bind", volume]
    for name, value in sorted(backend.env_vars.items()):
        if not value.startswith("${"):
            args += ["--env", f"{name}={value}"]
    if c.user == "root":
        args.append("--fakeroot")
    return args


def envvar_names(backend: BackendBase) -> list[str]:
    """Variables taken from the operator's environment at run time (names only)."""
    return sorted(n for n, v in backend.env_vars.items() if v.startswith("${"))


def _py(value: str) -> str:
    """A resource string as a Python literal: Snakemake evaluates resource values."""
    return repr(value)


def profile_data(backend: BackendBase, env: str) -> dict[str, Any]:
    """The profile as a mapping, keys in a fixed order."""
    data: dict[str, Any] = {}
    if isinstance(backend, LocalBackend):
        data["executor"] = "local"
        data["cores"] = backend.cores
    else:
        data["executor"] = "slurm" if isinstance(backend, SlurmBackend) else "kubernetes"
        if backend.jobs is not None:
            data["jobs"] = backend.jobs
        data["local-cores"] = 1
    data["retries"] = backend.retries
    data["latency-wait"] = backend.latency_wait
    data["printshellcmds"] = True
    data["show-failed-logs"] = True
    data["benchmark-extended"] = True
    data["rerun-triggers"] = list(RERUN_TRIGGERS)
    # An interrupted run left outputs marked incomplete: redo those jobs instead of stopping.
    data["rerun-incomplete"] = True
    # Which environment this is, for the workflow's own wavecast calls (report_metrics --env).
    data["config"] = {"wavecast_env": env}
    image = container_image(backend, env)
    if image is not None:
        data["software-deployment-method"] = ["apptainer"]
        args = apptainer_args(backend)
        if args:
            data["apptainer-args"] = shlex.join(args)
        data["config"]["container_image"] = image
    names = envvar_names(backend)
    if names:
        data["envvars"] = names

    defaults: dict[str, Any] = {
        "mem_mb": profile_mem_mb(backend, parse_memory(backend.defaults.memory)),
        "runtime": runtime_minutes(backend.defaults.timeout or backend.timeout),
    }
    if isinstance(backend, SlurmBackend):
        defaults["slurm_partition"] = _py(backend.partition)
        if backend.account:
            defaults["slurm_account"] = _py(backend.account)
        if backend.qos:
            defaults["qos"] = _py(backend.qos)
        if backend.constraint:
            defaults["constraint"] = _py(backend.constraint)
        if backend.extra:
            defaults["slurm_extra"] = _py(backend.extra)
    if isinstance(backend, KubernetesBackend):
        if backend.machine_type:
            defaults["machine_type"] = _py(backend.machine_type)
        if backend.pod_limits:
            defaults["scale"] = 0
    data["default-resources"] = defaults

    resolved = resolve(backend)
    data["set-threads"] = {r.rule: r.cpu for r in resolved}
    set_resources: dict[str, dict[str, Any]] = {}
    for r in resolved:
        values = r.snakemake_resources(backend)
        entry: dict[str, Any] = {
            "cpus_per_task": values["cpus_per_task"],
            "mem_mb": mem_mb_expression(r, backend),
            "runtime": runtime_expression(r),
        }
        for key in ("tasks", "disk_mb", ENFORCE_RUNTIME):
            if key in values:
                entry[key] = values[key]
        for key in ("mpi", "launcher"):
            if key in values:
                entry[key] = _py(str(values[key]))
        set_resources[r.rule] = entry
    data["set-resources"] = set_resources

    if isinstance(backend, SlurmBackend):
        data["slurm-init-seconds-before-status-checks"] = backend.init_seconds_before_status_checks
        data["slurm-status-attempts"] = backend.status_attempts
        if backend.status_command:
            data["slurm-status-command"] = backend.status_command
        if backend.array_jobs:
            arrays = backend.array_jobs
            data["slurm-array-jobs"] = arrays if isinstance(arrays, str) else ",".join(arrays)
        if backend.requeue is True:
            data["slurm-requeue"] = True
        elif backend.requeue is False:
            data["slurm-no-requeue"] = True
        if backend.groups:
            data["groups"] = backend.group_of
        if backend.group_components:
            data["group-components"] = dict(backend.group_components)
    if isinstance(backend, KubernetesBackend):
        data["container-image"] = backend.container_image
        # the pods' image, for the archive's manifest (rules' container: is unused on Kubernetes)
        data["config"]["container_image"] = "docker://" + backend.container_image
        data["kubernetes-namespace"] = backend.namespace
        data["kubernetes-cpu-scalar"] = backend.cpu_scalar
        if backend.service_account:
            data["kubernetes-service-account-name"] = backend.service_account
        if backend.persistent_volumes:
            data["kubernetes-persistent-volumes"] = list(backend.persistent_volumes)
        if backend.keep_finished_jobs:
            data["kubernetes-omit-job-cleanup"] = True
        if backend.storage:
            data["default-storage-provider"] = backend.storage.provider
            data["default-storage-prefix"] = backend.storage.prefix
    return data


def _units_comment(backend: BackendBase) -> list[str]:
    """What mem_mb and runtime mean on this backend, and what enforces them."""
    if isinstance(backend, SlurmBackend):
        return [
            "# mem_mb is MiB (sbatch --mem), runtime minutes (sbatch -t); after an out-of-memory",
            "# kill or a timeout the retry asks for twice as much, up to limits (wavecast.retry).",
        ]
    if isinstance(backend, KubernetesBackend):
        return [
            "# mem_mb is MB of 10^6 bytes (the plugin requests '<mem_mb>M'): the YAML's MiB,",
            "# rounded up. runtime is minutes; the plugin sets no deadline, so enforce_runtime: 1",
            "# makes each job stop itself after it (wavecast.deadline); retries ask for the same",
            "# again (no exit status reaches the run log from a pod). disk_mb (the pods'",
            "# ephemeral-storage) is MB too; a rule without it gets Snakemake's default disk.",
        ]
    return [
        "# mem_mb is MiB and runtime minutes; the local executor enforces neither (mem_mb only",
        "# counts against --resources), so enforce_runtime: 1 makes each job stop itself after",
        "# its runtime (wavecast.deadline); a retry after such a stop asks for twice the time,",
        "# up to limits.timeout (wavecast.retry reads the exit status in the run log).",
    ]


def header(backend: BackendBase, env: str) -> str:
    lines = [
        f"# Snakemake profile for the '{env}' environment.",
        f"# GENERATED from {source_path(env)} {GENERATED_MARK}",
        f"# Regenerate: {regenerate_command(env)}",
        f"# Check in sync: wavecast profiles check    Inspect: wavecast show --env {env}",
        *_units_comment(backend),
    ]
    commands = build_commands(backend, env)
    if commands:
        lines.append(f"# The image {built_image_path(env)} is built from the dockerfile with:")
        lines += [f"#   {cmd}" for cmd in commands]
    return "\n".join(lines) + "\n"


def render_profile(backend: BackendBase, env: str) -> str:
    """The full text of ``profiles/<env>/profile.yaml``."""
    body = yaml.safe_dump(
        profile_data(backend, env), sort_keys=False, default_flow_style=False, width=1000
    )
    return header(backend, env) + body
