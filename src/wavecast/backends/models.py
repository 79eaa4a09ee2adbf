"""Typed backend YAML: one model per executor, discriminated by ``type``.

Every field carries its description: the JSON Schema (``wavecast backends schema``), the commented
template (``wavecast backends create``) and ``wavecast backends list`` are generated from them.
Field-level checks (types, ranges, formats) live here; checks that relate fields to each other or to
what an executor can honour live in :mod:`wavecast.backends.checks`.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from ..errors import as_yaml
from ..rules import RULE_NAMES
from .units import MEMORY_HINT, MEMORY_PATTERN, parse_memory

#: Rules whose command is prefixed by ``{resources.launcher}``; only they may get an MPI launcher.
MPI_RULES: tuple[str, ...] = ("run_member",)

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GROUP_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ENV_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
#: A Kubernetes namespace or volume name (RFC 1123 label): at most 63 characters.
K8S_NAME_PATTERN = r"^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
K8S_NAME_RE = re.compile(K8S_NAME_PATTERN)
K8S_NAME_HINT = (
    "at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
)
#: A Kubernetes service account name (RFC 1123 DNS subdomain, as the API server checks
#: serviceAccountName): at most 253 characters.
K8S_SUBDOMAIN_PATTERN = (
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
#: A Kubernetes label value, as a nodeSelector's value must be: at most 63 characters.
K8S_LABEL_VALUE_PATTERN = r"^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
#: A SLURM feature expression (sbatch -C): feature names joined by & (and), | (or) or ',',
#: with [ ] ( ) and *count; no spaces or quotes, which no feature name has.
SLURM_CONSTRAINT_PATTERN = r"^[A-Za-z0-9_.:+=/@!&|,\[\]()*-]+$"
S3_PREFIX_PATTERN = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"
#: The kubernetes plugin's own volume: an emptyDir named workdir, mounted at the pod's cwd.
K8S_WORKDIR = "/workdir"
#: Marks a secret anywhere in a variable's name (DBPASSWORD, GITHUBTOKEN), but not the TOKEN of
#: text tokenizers (TOKENIZERS_PARALLELISM).
SECRET_TEXT = re.compile(r"TOKEN(?!IZ)|SECRET|PASSWORD|PASSWD|PASSPHRASE")
#: Mark a secret only as a whole ``_``-separated word: as text they are in MONKEY,
#: KEYBOARD_LAYOUT, PATH.
SECRET_WORDS = frozenset({"KEY", "KEYS", "APIKEY", "PAT", "CREDENTIAL", "CREDENTIALS"})
#: The rule in words, for the docs and the schema.
SECRET_RULE = (
    "names containing TOKEN (not TOKENIZ...), SECRET, PASSWORD, PASSWD or PASSPHRASE, or with "
    "a _-separated word KEY, KEYS, APIKEY, PAT, CREDENTIAL or CREDENTIALS, in any case"
)

DOCKER_REF_RE = re.compile(
    r"^(?:docker://)?"
    r"(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$"
)


def is_secret_name(name: str) -> bool:
    """``API_TOKEN``, ``DBPASSWORD``, ``AWS_SECRET_ACCESS_KEY``, ``GITHUB_PAT``: yes;
    ``MONKEY``, ``KEYBOARD_LAYOUT``, ``TOKENIZERS_PARALLELISM``: no (:data:`SECRET_RULE`)."""
    upper = name.upper()
    return bool(SECRET_TEXT.search(upper)) or any(w in SECRET_WORDS for w in upper.split("_"))


def _size(what: str):
    """A validator of sizes with a unit ('2g'), naming ``what`` (memory, disk) in its errors."""

    def check(value: Any) -> Any:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError(f"{as_yaml(value)} is not a {what} size; {MEMORY_HINT}")
        if not isinstance(value, str):
            raise ValueError(
                f"{as_yaml(value)} has no unit; {what} is text with a unit ({MEMORY_HINT}); a bare "
                "number is ambiguous"
            )
        try:
            parse_memory(value)
        except ValueError:
            raise ValueError(f"{as_yaml(value)} is not a {what} size; {MEMORY_HINT}") from None
        return value

    return check


_SIZE_SCHEMA = Field(
    json_schema_extra={"pattern": MEMORY_PATTERN, "examples": ["512m", "2g", "1.5t"]}
)
Memory = Annotated[str, BeforeValidator(_size("memory")), _SIZE_SCHEMA]
Disk = Annotated[str, BeforeValidator(_size("disk")), _SIZE_SCHEMA]
Cpu = Annotated[int, Field(ge=1, le=128)]
Timeout = Annotated[int, Field(ge=60, le=86400)]


#: A reference with a tag and then a digest ('img:1.0@sha256:...'): docker pulls it by the
#: digest, but apptainer's pull parses docker:// references with containers/image, which
#: refuses both at once.
_TAG_AND_DIGEST_RE = re.compile(r"(?P<name>.+):[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?P<digest>@.+)")


#: A reference in a scheme of its own: ``oras://``, ``library://``, ``docker://``.
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def image_tag(reference: str) -> str | None:
    """The tag of a docker reference (``'0.1.0'``), None without one (a digest, a .sif path)."""
    if "@" in reference or reference.endswith(".sif"):
        return None
    name, colon, tag = reference.rpartition(":")
    return tag if colon and "/" not in tag else None


def _lowered_repository(reference: str) -> str:
    """``reference`` with its registry and repository path in lower case, its tag or digest
    as written (only a tag may have upper-case letters)."""
    tag = image_tag(reference)
    name, at, digest = reference.partition("@")
    if tag is not None:
        name = name[: -len(tag) - 1]
    return name.lower() + (f":{tag}" if tag is not None else "") + at + digest


def _other_scheme_problem(value: str) -> str | None:
    """Why container.image refuses an ``oras://`` or ``library://`` reference."""
    scheme = _SCHEME_RE.match(value)
    if scheme and scheme[1] != "docker":
        return (
            f"{as_yaml(value)} is not a docker:// reference: wavecast supports only docker:// "
            f"references and .sif paths, not {scheme[1]}://; pull it to a .sif (apptainer pull "
            f"wavecast.sif {value}) and give that path"
        )
    return None


def _upper_case_problem(value: str) -> str | None:
    """Why a docker reference with upper case in its repository path is refused."""
    lowered = _lowered_repository(value)
    if lowered != value and DOCKER_REF_RE.fullmatch(lowered):
        return (
            f"{as_yaml(value)} has upper-case letters in its repository path, which docker "
            f"refuses (only the tag may have them); write '{lowered}'"
        )
    return None


def _image(value: Any) -> Any:
    if isinstance(value, str) and value.endswith(".sif"):
        if shlex.quote(value) != value:
            raise ValueError(
                f"the .sif path {as_yaml(value)} has a space or a character the shell acts on: "
                "Snakemake refuses an image path with a space, and puts the path unquoted into the "
                "apptainer command line; rename or move the file to a path of letters, digits "
                "and _ - . / only"
            )
        return value
    if isinstance(value, str) and DOCKER_REF_RE.fullmatch(value):
        return value
    if isinstance(value, str) and (
        problem := _other_scheme_problem(value) or _upper_case_problem(value)
    ):
        raise ValueError(problem)
    both = _TAG_AND_DIGEST_RE.fullmatch(value) if isinstance(value, str) else None
    if both and DOCKER_REF_RE.fullmatch(digest_only := both["name"] + both["digest"]):
        raise ValueError(
            f"{as_yaml(value)} has both a tag and a digest, which apptainer refuses (its "
            "docker:// pull reads references with containers/image: 'Docker references with "
            f"both a tag and digest are currently not supported'); keep the digest: '{digest_only}'"
        )
    raise ValueError(
        f"{as_yaml(value)} is neither a docker reference with a tag or digest nor a .sif path; "
        "write e.g. 'docker://ghcr.io/wavecast/wavecast:0.1.0' or 'images/wavecast.sif' (pin a tag)"
    )


def _docker_image(value: Any) -> Any:
    if (
        isinstance(value, str)
        and DOCKER_REF_RE.fullmatch(value)
        and not value.startswith("docker://")
    ):
        return value
    no_prefix = isinstance(value, str) and not value.startswith("docker://")
    if no_prefix and (problem := _upper_case_problem(value)):
        raise ValueError(problem)
    raise ValueError(
        f"{as_yaml(value)} is not a docker reference with a tag or digest; write e.g. "
        "'ghcr.io/wavecast/wavecast:0.1.0' (no docker:// prefix, pin a tag)"
    )


def _volume(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            f"{as_yaml(value)} is not text; write 'host:container:mode', e.g. '/data:/data:ro'"
        )
    if "," in value:
        raise ValueError(
            f"'{value}' has a comma, which apptainer --bind reads as the start of another bind; "
            "write one entry per bind (a path with a comma in it cannot be bound: rename it)"
        )
    parts = value.split(":")
    if len(parts) == 2:
        raise ValueError(
            f"'{value}' has no mode; append ':ro' (read-only, recommended for inputs) or ':rw'"
        )
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise ValueError(f"'{value}' is not 'host:container:mode'; write e.g. '/data:/data:ro'")
    if not parts[1].startswith("/"):
        raise ValueError(
            f"the container path '{parts[1]}' in '{value}' is not absolute; start it with '/'"
        )
    if parts[2] not in ("ro", "rw"):
        raise ValueError(f"the mode '{parts[2]}' in '{value}' is not ro or rw; use ':ro' or ':rw'")
    return value


def mount_point(path: str) -> str:
    """Where a container path is mounted: ``posixpath.normpath``, which keeps a leading ``//``
    (POSIX leaves its meaning to the system), with that ``//`` read as Linux reads it, ``/``."""
    normal = posixpath.normpath(path)
    return "/" + normal.lstrip("/") if normal.startswith("//") else normal


def claim_and_path(entry: str) -> tuple[str, str]:
    """A persistent_volumes entry 'claim-name:/mount/path' as (claim name, mount path)."""
    name, _, path = entry.partition(":")
    return name, path


def _persistent_volume(value: Any) -> Any:
    if not isinstance(value, str) or ":" not in value:
        raise ValueError(
            f"{as_yaml(value)} is not 'claim-name:/mount/path'; write e.g. 'wavecast-data:/data'"
        )
    name, path = claim_and_path(value)
    if not K8S_NAME_RE.fullmatch(name):
        raise ValueError(
            f"the claim name '{name}' in '{value}' is not a Kubernetes volume name (the plugin "
            f"names the pod's volume after the claim); use {K8S_NAME_HINT}"
        )
    if name == K8S_WORKDIR.strip("/"):
        raise ValueError(
            f"'{name}' is the name of the pod's own working volume (the kubernetes plugin's "
            "emptyDir); use a claim with another name"
        )
    if not path.startswith("/") or ":" in path:
        raise ValueError(
            f"the mount path '{path}' in '{value}' is not an absolute path; write e.g. "
            f"'{name}:/data'"
        )
    if mount_point(path) == K8S_WORKDIR:
        raise ValueError(
            f"'{path}' is the pod's working directory, where Snakemake stages every input and "
            f"output; mount the claim elsewhere, e.g. '{name}:/data'"
        )
    return value


def _name_matching(pattern: re.Pattern[str], what: str, how: str) -> Callable[[Any], Any]:
    """A validator accepting strings that match ``pattern``: "'x' is not <what>; use <how>"."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        raise ValueError(f"{as_yaml(value)} is not {what}; use {how}")

    return check


_group_name = _name_matching(
    GROUP_NAME_RE,
    "a group name",
    "lower-case letters, digits and '_' (starting with a letter), e.g. 'member'",
)
_k8s_name = _name_matching(
    K8S_NAME_RE, "a Kubernetes namespace", K8S_NAME_HINT + ", e.g. 'wavecast-staging'"
)
_k8s_service_account = _name_matching(
    re.compile(K8S_SUBDOMAIN_PATTERN),
    "a Kubernetes service account name",
    "at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter "
    "or digit, e.g. 'wavecast-runner'",
)
_s3_prefix = _name_matching(
    re.compile(S3_PREFIX_PATTERN),
    "an S3 bucket and path",
    "'s3://<bucket>/<path>' with a bucket of 3-63 lower-case letters, digits, '.' and '-', "
    "e.g. 's3://wavecast-staging/runs'",
)
_k8s_label_value = _name_matching(
    re.compile(K8S_LABEL_VALUE_PATTERN),
    "a Kubernetes label value (the plugin puts it in the pods' nodeSelector "
    "node.kubernetes.io/instance-type)",
    "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, "
    "e.g. 'm5.2xlarge'",
)
_slurm_constraint = _name_matching(
    re.compile(SLURM_CONSTRAINT_PATTERN),
    "a SLURM feature expression",
    "feature names joined by & (and), | (or) or ',' with optional [ ] ( ) and *count, without "
    "spaces or quotes, e.g. 'skylake&ib'",
)
#: One SLURM name: no list (',') and no space.
_ONE_SLURM_NAME_RE = re.compile(r"[^\s,]+")
_slurm_account = _name_matching(
    _ONE_SLURM_NAME_RE,
    "one SLURM account",
    "a single account name, without spaces or commas (the SLURM plugin submits with the "
    "first of a list and drops the rest)",
)
_slurm_partition = _name_matching(
    re.compile(r"\S+"),
    "a SLURM partition",
    "a name without spaces (a list of partitions is written 'a,b')",
)
_slurm_qos = _name_matching(
    _ONE_SLURM_NAME_RE, "one quality of service", "a single name, without spaces or commas"
)
_env_name = _name_matching(
    ENV_NAME_RE,
    "an environment variable name",
    "letters, digits and '_' (not starting with a digit)",
)


class StrictModel(BaseModel):
    """Unknown keys are errors, and nothing is coerced ("4" is not 4)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Resources(StrictModel):
    """What one job gets unless its stage says otherwise."""

    cpu: Cpu = Field(1, description="CPU cores per job (1-128): cpus_per_task and threads.")
    memory: Memory = Field(
        "2g", description="memory per job, with a unit: '512m', '2g', '1.5t' (→ mem_mb in MiB)."
    )
    timeout: Timeout | None = Field(
        None,
        description="wall-time per job in seconds (60-86400; → runtime in minutes, rounded up); "
        "default: the top-level timeout.",
    )
    disk: Disk | None = Field(
        None,
        description="Kubernetes only: ephemeral storage per pod, with a unit, e.g. '4g' (→ "
        "disk_mb; the pod's ephemeral-storage request, and limit with pod_limits); default: "
        "Snakemake's, max(2 × input size, 1000 MB), and 50000 MB for a rule without input files.",
    )


class StageOverride(StrictModel):
    """Resources of one rule that differ from ``defaults``."""

    cpu: Cpu | None = Field(None, description="CPU cores for this rule (1-128).")
    memory: Memory | None = Field(None, description="memory for this rule, e.g. '32g'.")
    timeout: Timeout | None = Field(None, description="wall-time for this rule in seconds.")
    disk: Disk | None = Field(
        None, description="Kubernetes only: ephemeral storage of this rule's pods, e.g. '8g'."
    )
    mpiexec: str | None = Field(
        None,
        min_length=1,
        description="MPI launcher prefix for this rule, e.g. 'mpirun -np 16' (→ resources mpi and "
        "launcher; only rules whose command starts with {resources.launcher}: "
        + ", ".join(MPI_RULES)
        + ").",
    )


Stages = create_model(  # type: ignore[call-overload]
    "Stages",
    __base__=StrictModel,
    __doc__="Per-rule overrides, keyed by the workflow's rule names.",
    **{
        name: (
            StageOverride | None,
            Field(None, description=f"overrides for rule {name}."),
        )
        for name in RULE_NAMES
    },
)


class Limits(StrictModel):
    """The largest job this environment allows; defaults, overrides and retries stay within."""

    cpu: Cpu = Field(128, description="most CPU cores one job may get (1-128).")
    memory: Memory = Field("1t", description="most memory one job may get, also on retries.")
    timeout: Timeout = Field(86400, description="longest wall-time one job may get, in seconds.")


class Container(StrictModel):
    """How jobs run in a container (Snakemake's apptainer deployment)."""

    runtime: Literal["apptainer", "none"] = Field(
        "none", description="'apptainer' runs every rule in the image; 'none' runs on the host."
    )
    image: Annotated[str | None, BeforeValidator(lambda v: v if v is None else _image(v))] = Field(
        None,
        description="the image: a docker reference with tag or digest (docker://ghcr.io/x/y:1.0) "
        "or a .sif path; XOR dockerfile. Reaches rules as config container_image.",
    )
    dockerfile: str | None = Field(
        None,
        min_length=1,
        description="build the image from this Dockerfile instead of image (docker build, then "
        "apptainer build to .wavecast/images/<env>.sif).",
    )
    build_context: str | None = Field(
        None, min_length=1, description="docker build context directory (default '.')."
    )
    build_args: dict[str, str] = Field(
        default_factory=dict, description="docker build --build-arg NAME=VALUE pairs."
    )
    volumes: list[Annotated[str, BeforeValidator(_volume)]] = Field(
        default_factory=list,
        description="bind mounts 'host:container:mode', mode ro or rw (ro recommended for "
        "inputs) → apptainer --bind.",
    )
    user: str | None = Field(
        None,
        description="user inside the container; apptainer always runs as the submitting user, so "
        "only 'root' (→ --fakeroot) is accepted.",
    )
    mpiexec: str | None = Field(
        None,
        min_length=1,
        description="default MPI launcher prefix for the MPI rules (" + ", ".join(MPI_RULES) + ").",
    )


EnvName = Annotated[str, BeforeValidator(_env_name)]
GroupName = Annotated[str, BeforeValidator(_group_name)]


class BackendBase(StrictModel):
    """What every environment shares."""

    jobs: int | None = Field(
        None, ge=1, le=100000, description="most jobs submitted at once (cluster backends)."
    )
    retries: int = Field(
        2,
        ge=0,
        le=10,
        description="times a failed job is retried (on SLURM with more memory/time after "
        "out-of-memory/timeout failures, on the local executor with more time after a "
        "timeout, up to limits; otherwise with the same resources).",
    )
    timeout: Timeout = Field(
        3600,
        description="default wall-time per job in seconds (60-86400) unless defaults.timeout; "
        "SLURM enforces it; elsewhere each job stops itself at it (wavecast.deadline).",
    )
    env_vars: dict[EnvName, str] = Field(
        default_factory=dict,
        description="environment for jobs: '${NAME}' passes the operator's NAME through (never "
        f"written to the profile; required for {SECRET_RULE}); a literal value needs "
        "container.runtime apptainer (→ apptainer --env).",
    )
    defaults: Resources = Field(
        default_factory=Resources, description="resources of every rule unless overridden."
    )
    stages: Stages = Field(  # type: ignore[valid-type]
        default_factory=Stages, description="per-rule overrides keyed by rule name."
    )
    limits: Limits = Field(default_factory=Limits, description="the largest job allowed.")
    container: Container | None = Field(None, description="container settings; none: host.")
    latency_wait: int = Field(
        60, ge=0, le=3600, description="seconds to wait for output files on shared storage."
    )


class LocalBackend(BackendBase):
    """Run every job on this machine (Snakemake's local executor)."""

    type: Literal["local"] = Field(description="executor: local.")
    cores: Annotated[int, Field(ge=1)] | Literal["all"] = Field(
        "all", description="cores Snakemake may use on this machine: a number (1 or more) or 'all'."
    )


class SlurmBackend(BackendBase):
    """Submit every job to SLURM with sbatch (snakemake-executor-plugin-slurm)."""

    type: Literal["slurm"] = Field(description="executor: slurm.")
    partition: Annotated[str, BeforeValidator(_slurm_partition)] = Field(
        min_length=1, description="SLURM partition (sbatch -p)."
    )
    account: Annotated[str, BeforeValidator(_slurm_account)] | None = Field(
        None, min_length=1, description="SLURM account (sbatch -A)."
    )
    qos: Annotated[str, BeforeValidator(_slurm_qos)] | None = Field(
        None, min_length=1, description="quality of service (sbatch --qos)."
    )
    constraint: Annotated[str, BeforeValidator(_slurm_constraint)] | None = Field(
        None,
        min_length=1,
        json_schema_extra={"pattern": SLURM_CONSTRAINT_PATTERN},
        description="node features (sbatch -C), e.g. 'skylake&ib' or '[rack1|rack2]'.",
    )
    extra: str | None = Field(
        None,
        min_length=1,
        description="more sbatch arguments, e.g. '--mail-type=FAIL'; options the plugin manages "
        "(partition, memory, time, ...) are refused.",
    )
    init_seconds_before_status_checks: int = Field(
        40, ge=1, le=3600, description="seconds before the first status check after submission."
    )
    status_attempts: int = Field(
        5, ge=1, le=100, description="failed status queries tolerated before giving up."
    )
    status_command: Literal["sacct", "squeue"] | None = Field(
        None, description="status query command; default: sacct when available."
    )
    array_jobs: list[str] | Literal["all"] | None = Field(
        None, description="rules submitted as SLURM job arrays: a list of rule names or 'all'."
    )
    requeue: bool | None = Field(
        None, description="true: sbatch --requeue; false: --no-requeue; unset: cluster default."
    )
    groups: dict[GroupName, Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=dict,
        description="rules that run together in one SLURM job (Snakemake group jobs): group name "
        "→ rule names, e.g. {member: [make_forcing, run_member]}. Saves one submission, job "
        "start and status-polling round per grouped rule (→ profile groups). Only rules connected "
        "through the group's own rules share a job: each connected part is a job of its own.",
    )
    group_components: dict[GroupName, Annotated[int, Field(ge=1, le=10000)]] = Field(
        default_factory=dict,
        description="how many unconnected instances of a group share one SLURM job, e.g. "
        "{member: 4} runs four members per job; default 1 (→ profile group-components).",
    )

    @property
    def group_of(self) -> dict[str, str]:
        """Rule → its group (Snakemake's ``--groups`` form)."""
        return {rule: group for group, rules in self.groups.items() for rule in rules}


class KubernetesStorage(StrictModel):
    """Where a Kubernetes run keeps its files (pods share no filesystem)."""

    provider: Literal["s3"] = Field(description="storage plugin: s3.")
    prefix: Annotated[str, BeforeValidator(_s3_prefix)] = Field(
        json_schema_extra={"pattern": S3_PREFIX_PATTERN},
        description="bucket and path, e.g. s3://wavecast-staging/runs.",
    )


class KubernetesBackend(BackendBase):
    """Run every job as a Kubernetes Job (snakemake-executor-plugin-kubernetes)."""

    type: Literal["kubernetes"] = Field(description="executor: kubernetes.")
    namespace: Annotated[str, BeforeValidator(_k8s_name)] = Field(
        json_schema_extra={"pattern": K8S_NAME_PATTERN}, description="namespace of the Jobs."
    )
    container_image: Annotated[str, BeforeValidator(_docker_image)] = Field(
        description="the image every job runs in; must contain Snakemake and wavecast."
    )
    service_account: Annotated[str, BeforeValidator(_k8s_service_account)] | None = Field(
        None,
        json_schema_extra={"pattern": K8S_SUBDOMAIN_PATTERN},
        description="service account of the pods (serviceAccountName).",
    )
    storage: KubernetesStorage | None = Field(
        None, description="default storage provider and prefix for inputs/outputs."
    )
    persistent_volumes: list[Annotated[str, BeforeValidator(_persistent_volume)]] = Field(
        default_factory=list,
        description="persistent volume claims 'claim:/mount/path' mounted in every pod, beside "
        "its working directory /workdir (they are no substitute for storage).",
    )
    cpu_scalar: float = Field(
        0.95, gt=0, le=1, description="CPU request = cores × this (node overhead)."
    )
    machine_type: Annotated[str, BeforeValidator(_k8s_label_value)] | None = Field(
        None,
        min_length=1,
        json_schema_extra={"pattern": K8S_LABEL_VALUE_PATTERN},
        description="node instance type (nodeSelector node.kubernetes.io/instance-type), e.g. "
        "'m5.2xlarge'.",
    )
    pod_limits: bool = Field(
        True, description="set pod limits equal to requests (the plugin's scale=0)."
    )
    keep_finished_jobs: bool = Field(
        False,
        description="keep each Job and its pod after it ends (→ kubernetes-omit-job-cleanup), so "
        "'wavecast metrics collect' can read its status, exit code, OOMKilled and node; nothing "
        "deletes them then: once collected, and with no run active, the operator runs 'kubectl "
        "delete jobs -n <namespace> -l app=snakemake' (their pods go with them). Default false: "
        "the plugin deletes finished Jobs and their pods.",
    )


#: Keys a backend type needs that its model leaves optional: the checks across fields
#: (:mod:`wavecast.backends.checks`) refuse a file without them, so that it still gets every
#: other check; the JSON Schema and the templates mark them required.
REQUIRED_BY_CHECKS: dict[str, tuple[str, ...]] = {
    "slurm": ("jobs",),
    "kubernetes": ("jobs", "storage"),
}

BACKEND_MODELS: dict[str, type[BackendBase]] = {
    "local": LocalBackend,
    "slurm": SlurmBackend,
    "kubernetes": KubernetesBackend,
}

Backend = LocalBackend | SlurmBackend | KubernetesBackend
