"""What resolved resources become on each executor, for ``wavecast show``.

sbatch lines come from the SLURM plugin's own ``get_submit_command`` (given a stand-in job that
carries the resolved resources); pod requests/limits follow the Kubernetes plugin's rules
(cross-checked against the plugin's V1Job in tests/test_backends_landing.py); the apptainer command
comes from Snakemake's ``snakemake.deployment.singularity.shellcmd``.
"""

from __future__ import annotations

import shlex
from types import SimpleNamespace
from typing import Any

from ..rules import WILDCARDS
from .checks import uses_apptainer
from .models import BackendBase, KubernetesBackend, SlurmBackend, claim_and_path
from .render import apptainer_args, container_image
from .resolve import ResolvedRule


class JobResources(dict):
    """Snakemake-like resources: ``res.get('mem_mb')`` and ``res.mem_mb``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def job_resources(backend: BackendBase, r: ResolvedRule) -> JobResources:
    """All resources one first-attempt job of rule ``r`` gets (default + set resources)."""
    res: dict[str, Any] = {}
    if isinstance(backend, SlurmBackend):
        res["slurm_partition"] = backend.partition
        for key, value in (
            ("slurm_account", backend.account),
            ("qos", backend.qos),
            ("constraint", backend.constraint),
            ("slurm_extra", backend.extra),
        ):
            if value:
                res[key] = value
    if isinstance(backend, KubernetesBackend):
        if backend.machine_type:
            res["machine_type"] = backend.machine_type
        if backend.pod_limits:
            res["scale"] = 0
    res.update(r.snakemake_resources(backend))
    res["_cores"] = r.cpu
    return JobResources(res)


def fake_job(backend: BackendBase, r: ResolvedRule) -> SimpleNamespace:
    """A stand-in for Snakemake's job object with just what the plugins read."""
    return SimpleNamespace(
        name=r.rule,
        threads=r.cpu,
        resources=job_resources(backend, r),
        is_group=lambda: False,
        is_containerized=False,
        wildcards=[f"<{name}>" for name in WILDCARDS.get(r.rule, ())],
        attempt=1,
        jobid=1,
    )


def sbatch_command(backend: SlurmBackend, r: ResolvedRule) -> str:
    """The sbatch call the SLURM plugin builds for a first attempt (without the --wrap part)."""
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import get_job_wildcards

    job = fake_job(backend, r)
    # named as the plugin names a job: by rule and wildcard values (placeholders here)
    values = get_job_wildcards(job)
    logdir = f"rule_{r.rule}/{values}" if values else f"rule_{r.rule}"
    params = {
        "run_uuid": "<run-uuid>",
        "slurm_logfile": f".snakemake/slurm_logs/{logdir}/%j.log",
        "comment_str": f"rule_{r.rule}_wildcards_{values}" if values else f"rule_{r.rule}",
        "account": f" -A {shlex.quote(backend.account)}" if backend.account else "",
        "partition": f" -p {shlex.quote(backend.partition)}",
        "workdir": None,
    }
    settings = SimpleNamespace(
        requeue=backend.requeue is True,
        no_requeue=backend.requeue is False,
        qos=None,
        reservation=None,
    )
    return get_submit_command(job, params, settings=settings)


def pod_resources(backend: KubernetesBackend, r: ResolvedRule) -> dict[str, dict[str, str]]:
    """Container requests (and limits when pod_limits) as the Kubernetes plugin sets them."""
    memory = f"{r.snakemake_resources(backend)['mem_mb']}M"
    requests = {"cpu": f"{int(r.cpu * backend.cpu_scalar * 1000)}m", "memory": memory}
    limits = {"cpu": f"{r.cpu * 1000}m", "memory": memory}
    if r.disk_mb is not None:
        requests["ephemeral-storage"] = limits["ephemeral-storage"] = f"{r.disk_mb}M"
    if not backend.pod_limits:
        return {"requests": requests}
    return {"requests": requests, "limits": limits}


#: The node label the Kubernetes plugin selects on for ``machine_type``.
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"


def pod_spec(backend: KubernetesBackend) -> dict[str, Any]:
    """What every pod of the backend gets besides its resources, as the plugin sets it
    (cross-checked against the plugin's V1Job in tests/test_backends_landing.py)."""
    return {
        "namespace": backend.namespace,
        "image": backend.container_image,
        "service_account": backend.service_account,
        "node_selector": (
            {INSTANCE_TYPE_LABEL: backend.machine_type} if backend.machine_type else {}
        ),
        "mounts": [claim_and_path(v) for v in backend.persistent_volumes],
        "secret_env": sorted(backend.env_vars),
    }


def apptainer_command(
    backend: BackendBase, env: str, command: str = "<rule command>"
) -> str | None:
    """The command Snakemake runs for a containerised rule, or None without apptainer."""
    if not uses_apptainer(backend):
        return None
    from snakemake.deployment.singularity import shellcmd

    image = container_image(backend, env)
    return " ".join(
        shellcmd(
            image, command, args=shlex.join(apptainer_args(backend)), shell_executable="bash"
        ).split()
    )
