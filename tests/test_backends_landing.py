"""Every field of every backend model lands somewhere real; a new field without a check fails.

How each landing is proven:
- profile keys: the rendered profile is parsed by Snakemake's own ``ProfileConfigFileParser`` and
  every top-level key must be an option of Snakemake's argument parser (plugins included);
- resources: each ``default-resources``/``set-resources`` value is evaluated with Snakemake's own
  ``Resource.cli_evaluator`` (attempt 1), exactly as Snakemake does for profile expressions;
- SLURM: the sbatch call comes from the slurm plugin's ``get_submit_command`` and the plugin
  ``Executor``'s ``get_partition_arg``/``get_account_arg``, given a stand-in job carrying the
  evaluated resources; the plugin's ``ExecutorSettings`` is built from the ``slurm-*`` keys. Only
  ``validate_account`` (which asks the cluster's accounting database) is replaced;
- Kubernetes: Snakemake parses the profile and its plugin registry builds the plugin's
  ``ExecutorSettings``; the plugin's real ``Executor.__post_init__`` and ``run_job`` build the
  Secret and the V1Job, and its ``check_active_jobs`` decides whether a finished Job is deleted; no
  API server runs here, so the kube config loader and the two API objects
  (``CoreV1Api``/``BatchV1Api``) are replaced at that single boundary and record the calls;
- apptainer: the command comes from Snakemake's ``snakemake.deployment.singularity.shellcmd``
  with the profile's ``apptainer-args`` and the ``config: container_image``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import shlex
import threading
import types
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel

import wavecast.retry  # noqa: F401  (the profiles' resource expressions import it: fail, never skip)
from wavecast.backends.load import validate_data
from wavecast.backends.models import BACKEND_MODELS, Stages
from wavecast.backends.preview import pod_resources, pod_spec
from wavecast.backends.render import build_commands, built_image_path, render_profile
from wavecast.backends.resolve import resolve
from wavecast.backends.units import decimal_mb, parse_memory
from wavecast.deadline import limit_seconds
from wavecast.images import build_inputs
from wavecast.metrics.units import k8s_memory_bytes
from wavecast.rules import RULE_NAMES

IMAGE = "docker://ghcr.io/wavecast/wavecast:0.1.0"
FULL: dict[str, dict[str, Any]] = {
    "local": {
        "type": "local",
        "cores": 3,
        "retries": 4,
        "timeout": 600,
        "latency_wait": 7,
        "env_vars": {"LITERAL_SETTING": "x1", "API_TOKEN": "${API_TOKEN}"},
        "defaults": {"cpu": 2, "memory": "3g", "timeout": None},
        "stages": {"run_member": {"cpu": 4, "memory": "6g", "timeout": 1800, "mpiexec": "mpirun"}},
        "limits": {"cpu": 8, "memory": "16g", "timeout": 7200},
        "container": {
            "runtime": "apptainer",
            "image": IMAGE,
            "volumes": ["/data/in:/in:ro", "/scratch:/scratch:rw"],
            "user": "root",
        },
    },
    "slurm": {
        "type": "slurm",
        "partition": "science",
        "account": "wavecast",
        "qos": "high",
        "constraint": "skylake",
        "extra": "--mail-type=FAIL",
        "init_seconds_before_status_checks": 9,
        "status_attempts": 7,
        "status_command": "squeue",
        "array_jobs": ["make_forcing", "run_member"],
        "requeue": True,
        "groups": {"post": ["summarise_ensemble", "extract_stations"], "maps": ["plot_maps"]},
        "group_components": {"post": 2},
        "jobs": 50,
        "retries": 3,
        "defaults": {"cpu": 2, "memory": "1500m", "timeout": 900},
        "stages": {"run_member": {"cpu": 16, "memory": "32g", "timeout": 14400}},
        "limits": {"cpu": 64, "memory": "256g", "timeout": 86400},
        "container": {
            "runtime": "apptainer",
            "dockerfile": "docker/Dockerfile",
            "build_context": "docker",
            "build_args": {"PYTHON": "3.11"},
            "mpiexec": "srun --mpi=pmix",
        },
    },
    "kubernetes": {
        "type": "kubernetes",
        "namespace": "wavecast-staging",
        "container_image": "ghcr.io/wavecast/wavecast:0.1.0",
        "service_account": "runner",
        "storage": {"provider": "s3", "prefix": "s3://wavecast-staging/runs"},
        "persistent_volumes": ["wavecast-data:/data"],
        "cpu_scalar": 0.5,
        "machine_type": "m5.2xlarge",
        "pod_limits": True,
        "keep_finished_jobs": True,
        "jobs": 20,
        "env_vars": {"AWS_SECRET_ACCESS_KEY": "${AWS_SECRET_ACCESS_KEY}"},
        "defaults": {"disk": "1g"},
        "stages": {"run_member": {"cpu": 4, "memory": "8g", "disk": "6g"}},
        "container": {"runtime": "none", "mpiexec": "mpirun -np 4"},
    },
}


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model an annotation mentions, at any depth: ``X | None``, ``list[X]``,
    ``dict[str, X]``, ``Annotated[X, ...]``."""
    if get_origin(annotation) is None and isinstance(annotation, type):
        return [annotation] if issubclass(annotation, BaseModel) else []
    return [m for arg in get_args(annotation) for m in models_in(arg)]


def field_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of every field, recursing into sub-models; stages as ``stages.*.<field>``."""
    out: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        subs = models_in(field.annotation)
        assert len(subs) <= 1, f"{path}: several models {subs}; teach field_paths about it"
        sub = subs[0] if subs else None
        if sub is Stages:
            out |= {f"stages.{rule}" for rule in RULE_NAMES}
            override = next(a for a in get_args(Stages.model_fields[RULE_NAMES[0]].annotation) if a)
            out |= field_paths(override, "stages.*.")
        elif sub is not None:
            out |= field_paths(sub, path + ".")
        else:
            out.add(path)
    return out


class Landed:
    """One backend rendered and pushed through Snakemake and the plugins."""

    def __init__(self, kind: str, **overrides: Any):
        self.env = f"full-{kind}"
        self.backend = validate_data({**FULL[kind], **overrides}, f"{kind}.yaml")
        self.text = render_profile(self.backend, self.env)
        self.profile = yaml.safe_load(self.text)
        from snakemake.profiles import ProfileConfigFileParser

        stream = io.StringIO(self.text)
        stream.name = "profiles/x/profile.yaml"
        self.args = ProfileConfigFileParser().parse(stream)

    def resources(self, rule: str) -> dict[str, Any]:
        from snakemake.resources import Resource

        def ev(assign: str) -> tuple[str, Any]:
            name, value = assign.split("=", 1)
            return name, Resource.cli_evaluator(
                name, value, wildcards={}, input=[], attempt=1, async_run=None
            )

        res = dict(ev(a) for a in self.args.get("default-resources", []))
        for entry in self.args.get("set-resources", []):
            r, assign = entry.split(":", 1)
            if r == rule:
                res.update([ev(assign)])
        res["_cores"] = self.profile["set-threads"][rule]
        return res

    def job(self, rule: str) -> types.SimpleNamespace:
        from wavecast.backends.preview import JobResources

        return types.SimpleNamespace(
            name=rule,
            threads=self.profile["set-threads"][rule],
            resources=JobResources(self.resources(rule)),
            is_group=lambda: False,
            is_containerized=False,
            wildcards={},
            attempt=1,
            jobid=7,
        )

    def sbatch(self, rule: str, monkeypatch) -> str:
        import snakemake_executor_plugin_slurm as slurm
        from snakemake_executor_plugin_slurm.submit_string import get_submit_command

        monkeypatch.setattr(slurm, "validate_account", lambda account, logger: account)
        settings = slurm.ExecutorSettings(
            **{
                k.removeprefix("slurm-").replace("-", "_"): v
                for k, v in self.profile.items()
                if k.startswith("slurm-")
            }
        )
        stub = types.SimpleNamespace(
            _partitions=None,
            _fallback_partition=None,
            _fallback_account_arg=None,
            logger=logging.getLogger("test"),
        )
        job = self.job(rule)
        params = {
            "run_uuid": "RUN",
            "slurm_logfile": "log",
            "comment_str": f"rule_{rule}",
            "account": next(slurm.Executor.get_account_arg(stub, job)),
            "partition": slurm.Executor.get_partition_arg(stub, job),
            "workdir": None,
        }
        self.slurm_settings = settings
        return get_submit_command(job, params, settings=settings)

    def k8s_settings(self, tmp_path: Path) -> Any:
        """The Kubernetes plugin's ``ExecutorSettings`` as Snakemake builds them from the profile:
        its own ``--profile`` parsing, then the plugin registry (``args_to_api`` does the same)."""
        from snakemake.cli import parse_args
        from snakemake_interface_executor_plugins.registry import ExecutorPluginRegistry

        directory = tmp_path / f"profile-{self.env}"
        directory.mkdir(exist_ok=True)
        (directory / "profile.yaml").write_text(self.text)
        _, args = parse_args(["--profile", str(directory), "--workflow-profile", "none"])
        assert args.executor == "kubernetes"
        return ExecutorPluginRegistry().get_plugin(args.executor).get_settings(args)

    def k8s_executor(self, monkeypatch, tmp_path: Path, calls: dict[str, Any]) -> Any:
        """The plugin's real ``Executor`` with the profile's settings; the two API objects record
        every call in ``calls`` (``job``/``secret`` as created, ``deleted`` in order) and answer
        with ``calls["job_status"]``/``calls["pods"]``."""
        import kubernetes
        import snakemake_executor_plugin_kubernetes as k8s

        calls.setdefault("deleted", [])

        class FakeCore:
            def create_namespaced_secret(self, namespace, secret):
                calls["secret"] = (namespace, secret)

            def list_namespaced_pod(self, namespace, label_selector):
                return calls["pods"]

            def read_namespaced_pod_log(self, name, namespace, container, previous):
                return f"log of {name}"

            def delete_namespaced_pod(self, name, namespace, body):
                calls["deleted"].append(("pod", name))

        class FakeBatch:
            def create_namespaced_job(self, namespace, body):
                calls["job"] = (namespace, body)
                return body

            def read_namespaced_job_status(self, name, namespace):
                return calls["job_status"]

            def delete_namespaced_job(self, name, namespace, propagation_policy, body):
                calls["deleted"].append(("job", name))

        monkeypatch.setattr(kubernetes.config, "load_kube_config", lambda: None)
        monkeypatch.setattr(kubernetes.client, "CoreV1Api", FakeCore)
        monkeypatch.setattr(kubernetes.client, "BatchV1Api", FakeBatch)
        p = self.profile
        env = {name: f"value-of-{name}" for name in p.get("envvars", [])}
        workflow = types.SimpleNamespace(
            executor_settings=self.k8s_settings(tmp_path),
            remote_execution_settings=types.SimpleNamespace(container_image=p["container-image"]),
            persistence=types.SimpleNamespace(aux_path=tmp_path),
            spawned_job_args_factory=types.SimpleNamespace(envvars=lambda: env),
        )
        ex = k8s.Executor.__new__(k8s.Executor)
        ex.workflow = workflow
        ex.logger = logging.getLogger("test")
        # set by RemoteExecutor.__init__, which would start threads
        ex.lock = threading.Lock()
        ex.status_rate_limiter = contextlib.nullcontext()
        ex.__post_init__()
        ex.format_job_exec = lambda job: "snakemake --the-job"
        return ex

    def v1job(self, rule: str, monkeypatch, tmp_path: Path) -> tuple[Any, dict, list]:
        calls: dict[str, Any] = {}
        ex = self.k8s_executor(monkeypatch, tmp_path, calls)
        submitted: list = []
        ex.report_job_submission = submitted.append
        ex.run_job(self.job(rule))
        return calls["job"], calls, submitted

    def k8s_finish(self, exit_code: int, monkeypatch, tmp_path: Path) -> list[tuple[str, str]]:
        """Submit run_member, let its pod end with ``exit_code``, run the plugin's own status
        check once; return what the plugin deleted."""
        from kubernetes import client

        calls: dict[str, Any] = {}
        ex = self.k8s_executor(monkeypatch, tmp_path, calls)
        submitted: list = []
        reported: list = []
        ex.report_job_submission = submitted.append
        ex.report_job_success = lambda job: reported.append("success")
        ex.report_job_error = lambda job, **kw: reported.append("error")
        ex.run_job(self.job("run_member"))
        name = calls["job"][1].metadata.name
        calls["job_status"] = client.V1Job(
            status=client.V1JobStatus(succeeded=1 if exit_code == 0 else None)
        )
        terminated = client.V1ContainerStateTerminated(
            exit_code=exit_code, reason="Completed" if exit_code == 0 else "OOMKilled"
        )
        status = client.V1ContainerStatus(
            name="snakemake",
            image="img",
            image_id="id",
            ready=False,
            restart_count=0,
            state=client.V1ContainerState(terminated=terminated),
        )
        calls["pods"] = client.V1PodList(
            items=[
                client.V1Pod(
                    metadata=client.V1ObjectMeta(name=f"{name}-pod"),
                    status=client.V1PodStatus(container_statuses=[status]),
                )
            ]
        )

        async def still_active() -> list:
            return [j async for j in ex.check_active_jobs(submitted)]

        assert asyncio.run(still_active()) == []
        assert reported == ["success" if exit_code == 0 else "error"]
        return calls["deleted"]


@pytest.fixture(scope="module")
def landed() -> dict[str, Landed]:
    return {kind: Landed(kind) for kind in BACKEND_MODELS}


def test_every_profile_key_is_a_snakemake_option(landed) -> None:
    from snakemake.cli import get_argument_parser

    options = {s for a in get_argument_parser()._actions for s in a.option_strings}
    for item in landed.values():
        unknown = [k for k in item.profile if f"--{k}" not in options]
        assert not unknown, f"{item.env}: not Snakemake options: {unknown}"


# --- the landing table -------------------------------------------------------------------------
# One entry per field path (all models). Each check proves the field's effect.


def _stage_rule(landed, monkeypatch, tmp_path) -> None:
    for item in landed.values():
        for rule in RULE_NAMES:
            assert rule in item.profile["set-resources"] and rule in item.profile["set-threads"]


def check_type(landed, mp, tmp) -> None:
    assert [landed[k].profile["executor"] for k in ("local", "slurm", "kubernetes")] == [
        "local",
        "slurm",
        "kubernetes",
    ]


def check_cores(landed, mp, tmp) -> None:
    assert landed["local"].profile["cores"] == 3


def check_jobs(landed, mp, tmp) -> None:
    assert landed["slurm"].profile["jobs"] == 50 and landed["kubernetes"].profile["jobs"] == 20


def check_retries(landed, mp, tmp) -> None:
    assert landed["local"].profile["retries"] == 4 and landed["slurm"].profile["retries"] == 3


def check_latency(landed, mp, tmp) -> None:
    assert landed["local"].profile["latency-wait"] == 7


def check_timeout(landed, mp, tmp) -> None:
    # local: top-level timeout 600 s is the default: 10 minutes for rules without an override
    assert landed["local"].resources("build_grid")["runtime"] == 10
    # SLURM stops a job at -t; where the executor sets no limit the job stops itself at runtime
    assert limit_seconds(landed["local"].resources("build_grid")) == 600
    assert limit_seconds(landed["kubernetes"].resources("build_grid")) == 3600
    assert limit_seconds(landed["slurm"].resources("build_grid")) is None


def check_env(landed, mp, tmp) -> None:
    local = landed["local"]
    assert local.profile["envvars"] == ["API_TOKEN"] and "API_TOKEN" not in local.text.replace(
        "- API_TOKEN", ""
    )
    from snakemake.deployment.singularity import shellcmd

    cmd = shellcmd(IMAGE, "true", args=local.profile["apptainer-args"])
    assert "--env LITERAL_SETTING=x1" in cmd
    (ns, body), calls, _ = landed["kubernetes"].v1job("run_member", mp, tmp)
    secret = calls["secret"][1]
    assert "aws_secret_access_key" in secret.data
    env = body.spec.template.spec.containers[0].env
    assert [e.name for e in env] == ["AWS_SECRET_ACCESS_KEY"]
    assert env[0].value_from.secret_key_ref.key == "aws_secret_access_key"


def check_cpu(landed, mp, tmp) -> None:
    assert landed["local"].profile["set-threads"]["build_grid"] == 2
    assert "--cpus-per-task=2" in landed["slurm"].sbatch("build_grid", mp)
    (ns, body), _, _ = landed["kubernetes"].v1job("run_member", mp, tmp)
    assert body.spec.template.spec.containers[0].resources.requests["cpu"] == "2000m"


def check_memory(landed, mp, tmp) -> None:
    assert " --mem 1500 " in landed["slurm"].sbatch("build_grid", mp)
    assert " --mem 32768 " in landed["slurm"].sbatch("run_member", mp)
    (ns, body), _, _ = landed["kubernetes"].v1job("run_member", mp, tmp)
    # Kubernetes reads M as 10^6 bytes: 8g (8192 MiB) is requested as 8590M, not 8192M
    request = body.spec.template.spec.containers[0].resources.requests["memory"]
    assert request == "8590M" and k8s_memory_bytes(request) >= 8 * 2**30


def check_disk(landed, mp, tmp) -> None:
    """The pod's ephemeral-storage, in MB of 10^6 bytes as for memory: 1g → 1074M, 6g → 6443M.
    That Snakemake's default disk does not replace it: tests/test_profiles_sync.py."""
    k8s = landed["kubernetes"]
    for rule, mb, gib in (("build_grid", 1074, 1), ("run_member", 6443, 6)):
        (ns, body), _, _ = k8s.v1job(rule, mp, tmp)
        c = body.spec.template.spec.containers[0]
        assert c.resources.requests["ephemeral-storage"] == f"{mb}M", rule
        assert c.resources.limits["ephemeral-storage"] == f"{mb}M", rule
        assert k8s_memory_bytes(f"{mb}M") >= gib * 2**30
    assert "disk_mb" not in landed["slurm"].resources("run_member")
    assert "disk_mb" not in landed["local"].resources("run_member")


def check_defaults_timeout(landed, mp, tmp) -> None:
    assert " -t 15 " in landed["slurm"].sbatch("build_grid", mp)


def check_stage_timeout(landed, mp, tmp) -> None:
    assert " -t 240 " in landed["slurm"].sbatch("run_member", mp)
    assert landed["local"].resources("run_member")["runtime"] == 30
    assert limit_seconds(landed["local"].resources("run_member")) == 1800


def check_stage_mpiexec(landed, mp, tmp) -> None:
    assert landed["local"].resources("run_member")["mpi"] == "mpirun"
    assert landed["local"].resources("run_member")["launcher"] == "mpirun"


def check_container_mpiexec(landed, mp, tmp) -> None:
    sb = landed["slurm"].sbatch("run_member", mp)
    assert landed["slurm"].resources("run_member")["mpi"] == "srun --mpi=pmix"
    assert landed["slurm"].resources("run_member")["launcher"] == "srun --mpi=pmix"
    assert "--ntasks=16" in sb and "--cpus-per-task=1" in sb
    assert landed["kubernetes"].resources("run_member")["mpi"] == "mpirun -np 4"
    assert "mpi" not in landed["slurm"].resources("build_grid")


def check_limits(landed, mp, tmp) -> None:
    sr = landed["slurm"].profile["set-resources"]["run_member"]
    assert sr["mem_mb"].endswith("attempt, 32768, 262144)")
    assert sr["runtime"].endswith("attempt, 240, 1440)")
    local = landed["local"].profile["set-resources"]["run_member"]
    assert local["mem_mb"].endswith("attempt, 6144, 16384)")
    assert local["runtime"].endswith("attempt, 30, 120)")
    # Kubernetes: base and cap in decimal MB (the plugin's '<mem_mb>M'), each >= the MiB asked
    k8s = landed["kubernetes"]
    cap_mib = parse_memory(k8s.backend.limits.memory)
    cap = decimal_mb(cap_mib)
    assert cap * 10**6 >= cap_mib * 2**20 > (cap - 1) * 10**6
    assert k8s.profile["set-resources"]["run_member"]["mem_mb"].endswith(f"attempt, 8590, {cap})")


def check_limits_cpu(landed, mp, tmp) -> None:
    """limits.cpu is enforced at validation (tests/backends_bad) and bounds set-threads."""
    for item in landed.values():
        assert max(item.profile["set-threads"].values()) <= item.backend.limits.cpu
    with pytest.raises(Exception, match="above limits.cpu"):
        validate_data({**FULL["local"], "limits": {"cpu": 2}}, "x")


def check_runtime(landed, mp, tmp) -> None:
    assert landed["local"].profile["software-deployment-method"] == ["apptainer"]
    assert "software-deployment-method" not in landed["kubernetes"].profile


def check_image(landed, mp, tmp) -> None:
    local = landed["local"]
    assert local.profile["config"] == {"wavecast_env": local.env, "container_image": IMAGE}


def check_dockerfile(landed, mp, tmp) -> None:
    slurm = landed["slurm"]
    path = built_image_path(slurm.env)
    assert slurm.profile["config"] == {"wavecast_env": slurm.env, "container_image": path}
    docker, apptainer = build_commands(slurm.backend, slurm.env)
    assert docker.startswith("docker build -f docker/Dockerfile --build-arg PYTHON=3.11")
    assert docker.endswith(" docker") and apptainer.startswith(f"apptainer build {path} ")
    assert f"#   {docker}" in slurm.text and f"#   {apptainer}" in slurm.text
    # `wavecast images build` runs these; the image's record holds the same inputs, which the
    # workflow compares at load (tests/test_images.py)
    inputs = build_inputs(slurm.backend, tmp)
    assert (inputs["dockerfile"], inputs["build_context"], inputs["build_args"]) == (
        "docker/Dockerfile",
        "docker",
        {"PYTHON": "3.11"},
    )


def check_volumes_user(landed, mp, tmp) -> None:
    from snakemake.deployment.singularity import shellcmd

    cmd = shellcmd(IMAGE, "true", args=landed["local"].profile["apptainer-args"])
    assert "--bind /data/in:/in:ro --bind /scratch:/scratch:rw" in cmd
    assert "--fakeroot" in cmd


def check_partition_account_qos_constraint_extra(landed, mp, tmp) -> None:
    sb = landed["slurm"].sbatch("build_grid", mp)
    for flag in (" -p science", " -A wavecast", " --qos=high", " -C skylake", "--mail-type=FAIL"):
        assert flag in sb, flag


def check_slurm_settings(landed, mp, tmp) -> None:
    item = landed["slurm"]
    sb = item.sbatch("build_grid", mp)
    s = item.slurm_settings
    assert s.init_seconds_before_status_checks == 9 and s.status_attempts == 7
    assert s.status_command == "squeue" and s.array_jobs == "make_forcing,run_member"
    assert " --requeue" in sb


def check_groups(landed, mp, tmp) -> None:
    """Through Snakemake's own parsers of --groups/--group-components. The SLURM side (backend
    YAML → `wavecast profiles build` → one sbatch per group job, components sharing a job) is
    proven in tests/slurm/test_pipeline_slurm.py (test_backend_groups_become_one_slurm_job_...)."""
    from snakemake.cli import parse_group_components, parse_groups

    args = landed["slurm"].args
    assert parse_groups(args["groups"]) == {
        "summarise_ensemble": "post",
        "extract_stations": "post",
        "plot_maps": "maps",
    }
    assert parse_group_components(args["group-components"]) == {"post": 2}


def check_k8s(landed, mp, tmp) -> None:
    item = landed["kubernetes"]
    (ns, body), _, submitted = item.v1job("run_member", mp, tmp)
    spec = body.spec.template.spec
    c = spec.containers[0]
    assert ns == "wavecast-staging"
    assert c.image == "ghcr.io/wavecast/wavecast:0.1.0"
    # ... and the workflow knows it, for the archive's manifest (tests/test_archive.py)
    assert item.profile["config"]["container_image"] == "docker://" + c.image
    assert spec.service_account_name == "runner"
    assert spec.node_selector == {"node.kubernetes.io/instance-type": "m5.2xlarge"}
    # 4 cores × 0.5, 8 GiB; 6 GiB of disk (check_disk); limits: pod_limits
    disk = {"ephemeral-storage": "6443M"}
    assert c.resources.requests == {"cpu": "2000m", "memory": "8590M", **disk}
    assert c.resources.limits == {"cpu": "4000m", "memory": "8590M", **disk}
    # what `wavecast show` prints is what the plugin set
    (run_member,) = [r for r in resolve(item.backend) if r.rule == "run_member"]
    shown = pod_resources(item.backend, run_member)
    assert shown == {"requests": c.resources.requests, "limits": c.resources.limits}
    assert ("wavecast-data", "/data") in [(m.name, m.mount_path) for m in c.volume_mounts]
    # ... and so is the rest of the pod `wavecast show` prints
    pod = pod_spec(item.backend)
    assert (pod["namespace"], pod["image"], pod["service_account"]) == (
        ns,
        c.image,
        spec.service_account_name,
    )
    assert pod["node_selector"] == spec.node_selector
    mounts = [(m.name, m.mount_path) for m in c.volume_mounts if m.name != "workdir"]
    assert pod["mounts"] == mounts
    assert pod["secret_env"] == sorted(e.name for e in c.env if e.value_from)
    assert item.profile["default-storage-provider"] == "s3"
    assert item.profile["default-storage-prefix"] == "s3://wavecast-staging/runs"
    assert len(submitted) == 1


def check_keep_finished_jobs(landed, mp, tmp) -> None:
    """The plugin's own status check leaves a finished Job and its pod in the cluster (metrics
    read them), succeeded or OOMKilled; without the field the same check deletes both."""
    kept = landed["kubernetes"]
    assert kept.k8s_settings(tmp).omit_job_cleanup is True
    for exit_code in (0, 137):
        assert kept.k8s_finish(exit_code, mp, tmp) == [], exit_code
    cleaned = Landed("kubernetes", keep_finished_jobs=False)
    assert cleaned.k8s_settings(tmp).omit_job_cleanup is False
    for exit_code in (0, 137):
        deleted = cleaned.k8s_finish(exit_code, mp, tmp)
        assert [kind for kind, _ in deleted] == ["pod", "job"], exit_code


LANDING = {
    "type": check_type,
    "cores": check_cores,
    "jobs": check_jobs,
    "retries": check_retries,
    "latency_wait": check_latency,
    "timeout": check_timeout,
    "env_vars": check_env,
    "defaults.cpu": check_cpu,
    "defaults.memory": check_memory,
    "defaults.timeout": check_defaults_timeout,
    "defaults.disk": check_disk,
    **{f"stages.{rule}": _stage_rule for rule in RULE_NAMES},
    "stages.*.cpu": check_cpu,
    "stages.*.memory": check_memory,
    "stages.*.timeout": check_stage_timeout,
    "stages.*.disk": check_disk,
    "stages.*.mpiexec": check_stage_mpiexec,
    "limits.cpu": check_limits_cpu,
    "limits.memory": check_limits,
    "limits.timeout": check_limits,
    "container.runtime": check_runtime,
    "container.image": check_image,
    "container.dockerfile": check_dockerfile,
    "container.build_context": check_dockerfile,
    "container.build_args": check_dockerfile,
    "container.volumes": check_volumes_user,
    "container.user": check_volumes_user,
    "container.mpiexec": check_container_mpiexec,
    "partition": check_partition_account_qos_constraint_extra,
    "account": check_partition_account_qos_constraint_extra,
    "qos": check_partition_account_qos_constraint_extra,
    "constraint": check_partition_account_qos_constraint_extra,
    "extra": check_partition_account_qos_constraint_extra,
    "init_seconds_before_status_checks": check_slurm_settings,
    "status_attempts": check_slurm_settings,
    "status_command": check_slurm_settings,
    "array_jobs": check_slurm_settings,
    "requeue": check_slurm_settings,
    "groups": check_groups,
    "group_components": check_groups,
    "namespace": check_k8s,
    "container_image": check_k8s,
    "service_account": check_k8s,
    "storage.provider": check_k8s,
    "storage.prefix": check_k8s,
    "persistent_volumes": check_k8s,
    "cpu_scalar": check_k8s,
    "machine_type": check_k8s,
    "pod_limits": check_k8s,
    "keep_finished_jobs": check_keep_finished_jobs,
}


def test_field_paths_finds_models_nested_in_containers() -> None:
    """The walk must not stop at a list/dict/Annotated of sub-models (they would escape LANDING)."""
    from typing import Annotated

    from pydantic import Field

    class Leaf(BaseModel):
        a: int = 0

    class Holder(BaseModel):
        items: list[Leaf] = []
        named: dict[str, Leaf] | None = None
        annotated: Annotated[Leaf | None, Field(None)] = None
        plain: int = 0

    assert field_paths(Holder) == {"items.a", "named.a", "annotated.a", "plain"}


def test_every_field_has_a_landing_check() -> None:
    """Adding a model field without a landing check here fails (and so does a stale entry)."""
    paths = set().union(*(field_paths(m) for m in BACKEND_MODELS.values()))
    assert sorted(paths - set(LANDING)) == [], "new fields need a landing check in LANDING"
    assert sorted(set(LANDING) - paths) == [], "LANDING names fields that no longer exist"


@pytest.mark.parametrize("path", sorted(LANDING))
def test_field_lands(path: str, landed, monkeypatch, tmp_path) -> None:
    LANDING[path](landed, monkeypatch, tmp_path)


# --- values that would validate but break where they land ---------------------------------------


def shell_words(command: str) -> list[str]:
    """The words a POSIX shell reads in ``command``, its operators (; & | ...) apart."""
    return list(shlex.shlex(command, posix=True, punctuation_chars=True))


@pytest.mark.parametrize("path", ["images/wavecast 0.1.0.sif", "images/wave;cast.sif"])
def test_a_sif_path_snakemake_cannot_run_is_refused(path: str, tmp_path) -> None:
    """Snakemake refuses an image URL with a space, and puts a local .sif path unquoted into the
    apptainer command line, where the shell splits it or acts on it."""
    from snakemake.deployment.singularity import Image, shellcmd
    from snakemake.exceptions import WorkflowError

    from wavecast.errors import ValidationError

    persistence = types.SimpleNamespace(container_img_path=tmp_path)
    dag = types.SimpleNamespace(workflow=types.SimpleNamespace(persistence=persistence))
    if " " in path:
        with pytest.raises(WorkflowError, match="whitespace"):
            Image(path, dag, False)
    assert path not in shell_words(shellcmd(path, "true"))
    with pytest.raises(ValidationError) as info:
        validate_data({**FULL["local"], "container": {"runtime": "apptainer", "image": path}}, "x")
    assert [p.path for p in info.value.problems] == ["container.image"]
    safe = "images/wavecast-0.1.0.sif"
    Image(safe, dag, False)
    assert safe in shell_words(shellcmd(safe, "true"))
    landed = Landed("local", container={"runtime": "apptainer", "image": safe})
    assert landed.profile["config"]["container_image"] == safe
