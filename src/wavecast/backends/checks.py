"""Checks across fields, and what each executor cannot honour (an error, never silently dropped)."""

from __future__ import annotations

import re
import shlex

from ..errors import Problem
from ..rules import RULE_NAMES
from .models import (
    ENV_REF_RE,
    MPI_RULES,
    BackendBase,
    KubernetesBackend,
    LocalBackend,
    SlurmBackend,
    claim_and_path,
    image_tag,
    is_secret_name,
    mount_point,
)
from .units import format_mib, parse_memory


def check_backend(backend: BackendBase, file: str) -> list[Problem]:
    """Every cross-field problem of a backend that passed field validation. Each problem lists
    in ``reads`` the keys its check read besides its own path: validation with invalid keys
    (:mod:`wavecast.backends.load`) holds back those that read one, so a check must list them."""
    problems: list[Problem] = []
    problems += _check_env(backend, file)
    problems += _check_container(backend, file)
    problems += _check_stages(backend, file)
    problems += _check_limits(backend, file)
    problems += _check_disk(backend, file)
    if isinstance(backend, LocalBackend) and backend.jobs is not None:
        problems.append(
            Problem(
                file,
                "jobs",
                "the local executor runs as many jobs as fit in 'cores'",
                "remove jobs and set cores",
            )
        )
    if isinstance(backend, SlurmBackend):
        problems += _check_slurm(backend, file)
    if not isinstance(backend, LocalBackend) and backend.jobs is None:
        problems.append(
            Problem(
                file,
                "jobs",
                f"required for a {backend.type} backend: Snakemake needs the most jobs it may "
                "have queued or running at once",
                "add e.g. jobs: 50",
            )
        )
    if isinstance(backend, KubernetesBackend):
        problems += _check_kubernetes(backend, file)
    return problems


def backend_notes(backend: BackendBase, file: str) -> list[Problem]:
    """Settings of a valid backend that work, but maybe not as meant: warnings, which do not
    fail validation (``wavecast backends validate``, ``wavecast show`` and ``wavecast profiles
    build`` print them)."""
    notes = []
    c = backend.container
    if uses_apptainer(backend) and c is not None and c.image and image_tag(c.image) == "latest":
        notes.append(
            Problem(
                file,
                "container.image",
                "the tag 'latest' names whichever image was pushed last, and Snakemake pulls a "
                "docker:// reference once and reuses the .sif it cached under that name: an image "
                "rebuilt under it is not seen",
                "pin a version tag, e.g. 'docker://ghcr.io/wavecast/wavecast:0.1.0', or a digest",
            )
        )
    # Untagged references are refused by the models, so 'latest' is the one floating tag.
    if isinstance(backend, KubernetesBackend) and image_tag(backend.container_image) == "latest":
        notes.append(
            Problem(
                file,
                "container_image",
                "the tag 'latest' names whichever image was pushed last, and every pod pulls it "
                "again (Kubernetes' imagePullPolicy Always): the jobs of one run may run "
                "different images, and the archive's manifest cannot say which",
                "pin a version tag, e.g. 'ghcr.io/wavecast/wavecast-s3:0.1.0', or a digest",
            )
        )
    return notes


def _check_kubernetes(backend: KubernetesBackend, file: str) -> list[Problem]:
    problems = []
    if backend.storage is None:
        problems.append(
            Problem(
                file,
                "storage",
                "required: Kubernetes pods share no filesystem (each works in its own empty "
                "/workdir; persistent_volumes mount beside it), so Snakemake moves every input "
                "and output through default storage",
                "add storage: {provider: s3, prefix: s3://bucket/path}",
            )
        )
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(backend.persistent_volumes):
        claim, path = claim_and_path(entry)
        keys = [("claim", claim), ("mount path", mount_point(path))]
        clashes = [
            f"the {kind} '{value}' is also in persistent_volumes[{seen[kind, value]}]"
            for kind, value in keys
            if (kind, value) in seen
        ]
        if clashes:
            problems.append(
                Problem(
                    file,
                    f"persistent_volumes[{i}]",
                    " and ".join(clashes) + "; Kubernetes refuses a pod with two volumes of "
                    "one name or two mounts at one path",
                    "list each claim once, at a path of its own",
                )
            )
        for key in keys:
            seen.setdefault(key, i)
    return problems


#: What decides whether the container keys apply (apptainer) or have no effect (none).
_RUNTIME = "container.runtime"


def uses_apptainer(backend: BackendBase) -> bool:
    return backend.container is not None and backend.container.runtime == "apptainer"


def _check_env(backend: BackendBase, file: str) -> list[Problem]:
    problems = []
    for name, value in backend.env_vars.items():
        path = f"env_vars.{name}"
        ref = ENV_REF_RE.match(value)
        if ref:
            if ref.group(1) != name:
                problems.append(
                    Problem(
                        file,
                        path,
                        f"'{value}' renames a variable; Snakemake passes variables to jobs by name",
                        f"write '${{{name}}}' and export {name} where snakemake runs",
                    )
                )
            continue
        if "${" in value:
            problems.append(
                Problem(
                    file,
                    path,
                    f"'{value}' mixes text and a ${{...}} reference",
                    f"write exactly '${{{name}}}' and export {name} with the full value",
                )
            )
        elif is_secret_name(name):
            problems.append(
                Problem(
                    file,
                    path,
                    "looks like a secret but has a literal value (it would be written into the "
                    "profile)",
                    f"write '${{{name}}}' and export {name} in the shell that runs snakemake",
                )
            )
        elif not uses_apptainer(backend):
            problems.append(
                Problem(
                    file,
                    path,
                    "a literal value reaches jobs only through apptainer --env, and this backend "
                    "runs no apptainer container (a Snakemake profile cannot set variables)",
                    f"write '${{{name}}}' and export {name} where snakemake runs",
                    reads=(_RUNTIME,),
                )
            )
    return problems


def _check_container(backend: BackendBase, file: str) -> list[Problem]:
    c = backend.container
    if c is None:
        return []
    problems = []
    given = [k for k in ("image", "dockerfile", "build_context", "user") if getattr(c, k)]
    given += [k for k in ("build_args", "volumes") if getattr(c, k)]
    if isinstance(backend, KubernetesBackend):
        if c.runtime == "apptainer":
            problems.append(
                Problem(
                    file,
                    "container.runtime",
                    "the kubernetes executor runs every job in container_image; apptainer inside "
                    "pods is not supported here",
                    "set runtime: none and use container_image",
                )
            )
        reasons = {
            "user": "the kubernetes plugin has no securityContext setting for the user",
            "volumes": "the kubernetes plugin mounts persistent volume claims only",
            "image": "the kubernetes plugin runs jobs in container_image",
            "dockerfile": "the kubernetes plugin runs jobs in a pushed container_image",
            "build_context": "the kubernetes plugin runs jobs in a pushed container_image",
            "build_args": "the kubernetes plugin runs jobs in a pushed container_image",
        }
        fixes = {"volumes": "use persistent_volumes", "user": "remove it"}
        for key in given:
            problems.append(
                Problem(
                    file,
                    f"container.{key}",
                    f"cannot be honoured on kubernetes: {reasons[key]}",
                    fixes.get(key, "use container_image"),
                )
            )
        return problems
    if c.runtime == "none":
        for key in given:
            problems.append(
                Problem(
                    file,
                    f"container.{key}",
                    "has no effect with runtime: none (jobs run on the host)",
                    "set runtime: apptainer or remove it",
                    reads=(_RUNTIME,),
                )
            )
        return problems
    if c.image and c.dockerfile:
        problems.append(
            Problem(
                file,
                "container.image",
                "image and dockerfile are both given",
                "keep one: image to pull, or dockerfile to build",
                reads=(_RUNTIME, "container.dockerfile"),
            )
        )
    if not c.image and not c.dockerfile:
        problems.append(
            Problem(
                file,
                "container.image",
                "runtime apptainer needs an image or a dockerfile",
                "add image: docker://ghcr.io/wavecast/wavecast:0.1.0",
                reads=(_RUNTIME, "container.dockerfile"),
            )
        )
    if not c.dockerfile:
        for key in ("build_context", "build_args"):
            if getattr(c, key):
                problems.append(
                    Problem(
                        file,
                        f"container.{key}",
                        "is only used to build from a dockerfile",
                        "add dockerfile or remove it",
                        reads=(_RUNTIME, "container.dockerfile"),
                    )
                )
    if c.user not in (None, "root"):
        problems.append(
            Problem(
                file,
                "container.user",
                f"apptainer runs jobs as the submitting user and cannot switch to '{c.user}'",
                "remove it, or use 'root' (apptainer --fakeroot)",
                reads=(_RUNTIME,),
            )
        )
    return problems


def _check_stages(backend: BackendBase, file: str) -> list[Problem]:
    problems = []
    for rule in RULE_NAMES:
        stage = getattr(backend.stages, rule)
        if stage is None or stage.mpiexec is None:
            continue
        if rule not in MPI_RULES:
            problems.append(
                Problem(
                    file,
                    f"stages.{rule}.mpiexec",
                    f"rule {rule} does not use an MPI launcher",
                    "only " + ", ".join(MPI_RULES) + " can have mpiexec",
                )
            )
    if isinstance(backend, SlurmBackend):
        from .resolve import resolve

        for res in resolve(backend):
            if res.mpi and res.cpu < 2:
                stage = getattr(backend.stages, res.rule)
                falls_back = {  # what resolve() read where the stage gives none
                    "defaults.cpu": not (stage and stage.cpu),
                    "container.mpiexec": not (stage and stage.mpiexec),
                }
                problems.append(
                    Problem(
                        file,
                        f"stages.{res.rule}.cpu",
                        "an MPI job on SLURM runs cpu tasks and needs at least 2",
                        "set cpu: 2 or more, or remove mpiexec",
                        reads=(f"stages.{res.rule}", *(k for k, v in falls_back.items() if v)),
                    )
                )
    return problems


def _check_limits(backend: BackendBase, file: str) -> list[Problem]:
    problems = []
    lim = backend.limits
    lim_mem = parse_memory(lim.memory)

    def over(
        path: str,
        cpu: int | None,
        memory: str | None,
        timeout: int | None,
        written: set[str],
        default_reads: tuple[str, ...] = (),
    ) -> None:
        """``default_reads``: what decides whether an unwritten default is used at all."""

        def add(key: str, value: str, limit: str) -> None:
            # A default the file does not write cannot be lowered, only written lower.
            reads = (f"limits.{key}",)
            if key in written:
                what, fix = value, f"lower it or raise limits.{key}"
            else:
                what = f"the default {value}"
                fix = f"write {path}{key}: {limit} or less, or raise limits.{key}"
                reads += default_reads
            problems.append(
                Problem(
                    file,
                    f"{path}{key}",
                    f"{what} is above limits.{key} {limit_text[key]}",
                    fix,
                    reads=reads,
                )
            )

        if cpu is not None and cpu > lim.cpu:
            add("cpu", str(cpu), str(lim.cpu))
        if memory is not None and parse_memory(memory) > lim_mem:
            add("memory", f"{memory} ({parse_memory(memory)} MiB)", lim.memory)
        if timeout is not None and timeout > lim.timeout:
            add("timeout", f"{timeout} s", str(lim.timeout))

    limit_text = {
        "cpu": str(lim.cpu),
        "memory": format_mib(lim_mem),
        "timeout": f"{lim.timeout} s",
    }

    if "timeout" in backend.model_fields_set and backend.defaults.timeout is not None:
        problems.append(
            Problem(
                file,
                "defaults.timeout",
                "the default timeout is given twice (timeout and defaults.timeout)",
                "keep one of them",
                reads=("timeout",),
            )
        )
    if "timeout" in backend.model_fields_set or backend.defaults.timeout is None:
        # unwritten, the top-level timeout is no job's when defaults.timeout is given
        over("", None, None, backend.timeout, backend.model_fields_set, ("defaults.timeout",))
    d = backend.defaults
    over("defaults.", d.cpu, d.memory, d.timeout, d.model_fields_set)
    for rule in RULE_NAMES:
        stage = getattr(backend.stages, rule)
        if stage is not None:
            over(f"stages.{rule}.", stage.cpu, stage.memory, stage.timeout, stage.model_fields_set)
    return problems


def _check_disk(backend: BackendBase, file: str) -> list[Problem]:
    """disk becomes a pod's ephemeral-storage; no other executor would use it."""
    if isinstance(backend, KubernetesBackend):
        return []
    fix = (
        "remove it (node-local scratch on SLURM: extra: '--tmp=20G')"
        if isinstance(backend, SlurmBackend)
        else "remove it"
    )
    places = [("defaults.", backend.defaults)] + [
        (f"stages.{rule}.", getattr(backend.stages, rule)) for rule in RULE_NAMES
    ]
    return [
        Problem(
            file,
            f"{path}disk",
            f"disk sets a Kubernetes pod's ephemeral storage; the {backend.type} executor has "
            "no disk request",
            fix,
        )
        for path, resources in places
        if resources is not None and resources.disk is not None
    ]


_MANAGED_HINT = "use partition/account/qos/constraint, stages or defaults instead"

#: sbatch options in ``extra`` that the plugin's list lets through but that undo or break
#: what wavecast sets: long name -> (what, how to fix).
_EXTRA_CLASHES = {
    "requeue": ("requeue, which sbatch takes from the last one given", "set requeue: true"),
    "no-requeue": ("requeue, which sbatch takes from the last one given", "set requeue: false"),
    "mem-per-gpu": (
        "memory: sbatch refuses it beside the --mem the plugin sets",
        "set memory per stage or in defaults",
    ),
    "array": ("job arrays: every job would run once per task", "list the rules in array_jobs"),
}
#: Characters the shell acts on: the plugin runs sbatch through a shell with extra unquoted.
_SHELL_CHARACTERS = re.compile(r"[;&|<>`$()\n]")


def _extra_words(extra: str) -> list[str]:
    """``extra`` split as the shell would, or at spaces when its quotes do not close (which
    :func:`_extra_shell_problems` reports), so that the other checks still read it."""
    try:
        return shlex.split(extra)
    except ValueError:
        return extra.split()


#: One word as the shell reads it: unquoted characters, escapes and quoted parts.
_SHELL_WORD = re.compile(r"""(?:[^\s'"\\]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")+""")


def _extra_shell_problems(extra: str, file: str) -> list[Problem]:
    """What the shell the SLURM plugin runs sbatch through does to ``extra`` besides passing
    sbatch its words: act on a character, refuse an unclosed quote, or read a word that starts
    with '#' as a comment, which drops the rest of the sbatch line the plugin appends."""
    problems = []
    if _SHELL_CHARACTERS.search(extra):
        problems.append(
            Problem(
                file,
                "extra",
                "contains a character the shell acts on (; & | < > ` $ ( ) or a line break): "
                "the SLURM plugin passes extra to a shell unquoted",
                "give sbatch options only",
            )
        )
    try:
        shlex.split(extra)
    except ValueError:
        problems.append(
            Problem(
                file,
                "extra",
                "has a quote that is not closed: the SLURM plugin passes extra to a shell, which "
                "refuses every submission ('Unterminated quoted string')",
                "close the quote, e.g. --mail-user='a b'",
            )
        )
    if any(word.startswith("#") for word in _SHELL_WORD.findall(extra)):
        problems.append(
            Problem(
                file,
                "extra",
                "contains a word starting with '#', where the shell the SLURM plugin passes "
                "extra to starts a comment: the rest of the sbatch line would be lost",
                "remove the note from the value (a YAML comment goes after the closing quote)",
            )
        )
    return problems


def _extra_clashes(extra: str) -> list[tuple[str, str]]:
    """(what, fix) for each option of :data:`_EXTRA_CLASHES` in ``extra``, written in full,
    abbreviated (4 letters or more, as sbatch accepts) or as ``-a``."""
    found = []
    for word in _extra_words(extra):
        given = word[2:].split("=", 1)[0] if word.startswith("--") else None
        for name, clash in _EXTRA_CLASHES.items():
            if given == name or (given and len(given) >= 4 and name.startswith(given)):
                found.append(clash)
        if word.startswith("-a") and not word.startswith("--"):
            found.append(_EXTRA_CLASHES["array"])
    return list(dict.fromkeys(found))


#: sbatch's short forms of the options the SLURM plugin sets or wavecast fields give.
_SHORT_OPTIONS = {
    "J": "job name",
    "o": "output file",
    "e": "error file",
    "D": "working directory",
    "A": "account",
    "p": "partition",
    "n": "number of tasks",
    "c": "CPUs per task",
    "t": "runtime/time limit",
    "C": "node constraints",
    "N": "number of nodes",
    "q": "quality of service",
    "G": "GPU allocation",
    "M": "cluster specification",
}


def _written_otherwise(extra: str, forbidden: dict[str, str]) -> set[str]:
    """Managed options the plugin's own patterns (``-p\\s``, ``--partition[=\\s]``) miss:
    short and glued to their value (``-pother``, ``-t5``), or long and abbreviated, which
    sbatch accepts (``--partit=other``). sbatch takes the last -p, so either would replace the
    partition wavecast sets. ``forbidden`` is the plugin's pattern → what table."""
    long_names = {
        name: what
        for pattern, what in forbidden.items()
        for name in re.findall(r"--([a-z][a-z-]*)\[", pattern)
    }
    found = set()
    for word in _extra_words(extra):
        if word.startswith("--"):
            given = word[2:].split("=", 1)[0]
            if given in long_names:  # written in full: the plugin's patterns see it
                continue
            found |= {what for name, what in long_names.items() if given and name.startswith(given)}
        elif len(word) > 1 and word[0] == "-" and word[1] in _SHORT_OPTIONS:
            found.add(_SHORT_OPTIONS[word[1]])
    return found


def _check_slurm(backend: SlurmBackend, file: str) -> list[Problem]:
    from snakemake_executor_plugin_slurm.validation import get_forbidden_slurm_options

    problems = []
    if backend.extra:
        forbidden = get_forbidden_slurm_options()
        managed = {what for pattern, what in forbidden.items() if re.search(pattern, backend.extra)}
        managed |= _written_otherwise(backend.extra, forbidden)
        problems += [
            Problem(
                file, "extra", f"repeats an option the SLURM plugin manages ({what})", _MANAGED_HINT
            )
            for what in sorted(managed)
        ]
        problems += [
            Problem(file, "extra", f"sets {what}", fix)
            for what, fix in _extra_clashes(backend.extra)
        ]
        problems += _extra_shell_problems(backend.extra, file)
    if isinstance(backend.array_jobs, list):
        for i, rule in enumerate(backend.array_jobs):
            if rule not in RULE_NAMES:
                problems.append(_unknown_rule(file, f"array_jobs[{i}]", rule))
    grouping = _check_groups(backend, file)
    if not grouping:  # sizes only for groups of known rules, each in one group
        from .groups import group_problems

        grouping = group_problems(backend, file)
    return problems + grouping


def _unknown_rule(file: str, path: str, rule: str) -> Problem:
    return Problem(file, path, f"unknown rule '{rule}'", "known rules: " + ", ".join(RULE_NAMES))


def _check_groups(backend: SlurmBackend, file: str) -> list[Problem]:
    """Grouped rules exist, sit in one group each, and are not also array jobs."""
    problems = []
    arrays = set(RULE_NAMES) if backend.array_jobs == "all" else set(backend.array_jobs or [])
    seen: dict[str, str] = {}
    for group, rules in backend.groups.items():
        for i, rule in enumerate(rules):
            path = f"groups.{group}[{i}]"
            if rule not in RULE_NAMES:
                problems.append(_unknown_rule(file, path, rule))
            elif rule in seen:
                problems.append(
                    Problem(
                        file,
                        path,
                        f"'{rule}' is already in group '{seen[rule]}'; a rule runs in one group",
                        f"remove it from '{group}' or from '{seen[rule]}'",
                        reads=("groups",),
                    )
                )
            else:
                seen[rule] = group
                if rule in arrays:
                    problems.append(
                        Problem(
                            file,
                            path,
                            f"'{rule}' is also in array_jobs; a SLURM job array cannot hold "
                            "group jobs",
                            f"remove '{rule}' from array_jobs or from groups.{group}",
                            reads=("groups", "array_jobs"),
                        )
                    )
    for group in backend.group_components:
        if group not in backend.groups:
            problems.append(
                Problem(
                    file,
                    f"group_components.{group}",
                    f"no group '{group}' in groups",
                    "name a group defined under groups: " + (", ".join(backend.groups) or "none"),
                    reads=("groups",),
                )
            )
    return problems
