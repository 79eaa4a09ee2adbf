"""What one SLURM group job asks for, as Snakemake sizes it from its rules' resources.

Snakemake 9 (``GroupResources.basic_layered``) sorts a group's jobs into levels, each needing
only jobs of earlier levels. Jobs of a level run side by side: their CPUs and memory add up,
and the level lasts as long as its longest job. Levels run one after the other: the group job
gets the largest level's CPUs and memory and the sum of the levels' runtimes. (Snakemake splits
a level further only under ``--resources`` limits, which the rendered profiles do not set.)
``group_components: {member: k}`` puts k members' instances of a group in one job, side by side.

So production's ``member: [make_forcing, run_member]`` asks for run_member's memory and the two
runtimes added up, and a postprocess group asks for plot_maps' and plot_stations' memory added
up: more than any one rule, and possibly more than ``limits``, which :func:`group_problems`
reports before any job is submitted. ``tests/slurm`` compares these figures with sacct's.

A group job holds one *connected part* of the group: Snakemake (``DAG.update_groups``) starts
from each grouped job and follows its dependencies while they stay in the group, so rules that
do not read from one another, directly or through other rules of the group, run in separate
jobs (``groups: {plots: [plot_maps, plot_stations]}`` is two jobs, one per rule). Only
``group_components: {group: k}`` puts k such instances, of any of the group's parts, in one job.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from ..errors import Problem
from ..rules import DEPENDS, MEMBER_RULES
from .models import SlurmBackend
from .resolve import resolve
from .units import format_mib, parse_memory, runtime_minutes

#: A group job's rules by level (rules of a level run side by side).
Levels = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class GroupSize:
    """The first attempt of one group job: what its sbatch call asks for."""

    group: str
    cpus: int  # cpus_per_task × tasks
    mem_mb: int
    runtime: int  # minutes
    #: The levels of each connected part of the group whose instances the job holds (one part,
    #: unless group_components joins unconnected parts), and how many instances share the job.
    parts: tuple[Levels, ...]
    copies: int

    @property
    def levels(self) -> Levels:
        """The job's levels, for a job of one part."""
        (levels,) = self.parts
        return levels

    def describe(self) -> str:
        sizes = f"{self.cpus} CPU(s), {format_mib(self.mem_mb)}, {self.runtime} min"
        orders = [" then ".join(" + ".join(level) for level in part) for part in self.parts]
        if len(orders) > 1:  # which instances share a job is Snakemake's choice: the largest
            return (
                f"up to {sizes} (up to {self.copies} instances side by side, each one of: "
                f"{'; '.join(orders)})"
            )
        if self.copies > 1:  # a run's last job may hold fewer members, as may a small ensemble
            return f"up to {sizes} ({orders[0]}, {self.copies} members side by side)"
        return f"{sizes} ({orders[0]})"


def group_parts(rules: list[str]) -> list[list[str]]:
    """``rules`` split into the parts Snakemake runs as separate group jobs: rules connected
    by the rule graph through rules of the group only (either direction), in ``rules``' order."""
    part_of = {rule: {rule} for rule in rules}
    for rule in rules:
        for up in DEPENDS[rule]:
            if up in part_of and part_of[up] is not part_of[rule]:
                joined = part_of[up] | part_of[rule]
                part_of.update((r, joined) for r in joined)
    parts: list[list[str]] = []
    for rule in rules:
        if not any(rule in part for part in parts):
            parts.append([r for r in rules if r in part_of[rule]])
    return parts


def group_jobs(backend: SlurmBackend, group: str) -> list[tuple[tuple[str, ...], GroupSize | None]]:
    """``group``'s kinds of job: the rules one may hold and the size of one instance, or None
    when that depends on the ensemble (a part of member and non-member rules holds every
    member's jobs). One per connected part, or one for the whole group when group_components
    joins several parts' instances in a job."""
    parts = group_parts(backend.groups[group])
    wanted = {r.rule: r.snakemake_resources(backend) for r in resolve(backend)}
    k = backend.group_components.get(group, 1)
    if k == 1 or len(parts) == 1:
        return [(tuple(part), _size(group, [part], k, wanted)) for part in parts]
    return [(tuple(backend.groups[group]), _size(group, parts, k, wanted))]


def _size(group: str, parts: list[list[str]], k: int, wanted: dict) -> GroupSize | None:
    """The largest job of up to ``k`` instances of ``parts`` (a part of member rules has one
    instance per member, any other part one): per figure, the largest any such job asks for."""
    members = [[r in MEMBER_RULES for r in part] for part in parts]
    if any(any(m) and not all(m) for m in members):
        return None
    repeats = [all(m) for m in members]
    levels = [_levels(part) for part in parts]
    depth = max(map(len, levels))

    def per_level(part: int, key: str) -> list[int]:
        sums = [sum(int(wanted[r].get(key) or 0) for r in level) for level in levels[part]]
        return sums + [0] * (depth - len(sums))

    def longest(part: int) -> list[int]:
        times = [max(int(wanted[r]["runtime"]) for r in level) for level in levels[part]]
        return times + [0] * (depth - len(times))

    # every set of parts that fits in a job, and the copies it may hold
    chosen = [
        c for n in range(1, min(k, len(parts)) + 1) for c in combinations(range(len(parts)), n)
    ]
    copies = max(len(c) + (k - len(c) if any(repeats[p] for p in c) else 0) for c in chosen)

    def widest(key: str) -> int:  # a level's jobs side by side; the extra copies on the widest
        return max(
            sum(per_level(p, key)[n] for p in c)
            + (k - len(c)) * max([per_level(p, key)[n] for p in c if repeats[p]], default=0)
            for c in chosen
            for n in range(depth)
        )

    runtime = max(sum(max(longest(p)[n] for p in c) for n in range(depth)) for c in chosen)
    return GroupSize(
        group=group,
        cpus=widest("cpus_per_task") * max(1, widest("tasks")),
        mem_mb=widest("mem_mb"),
        runtime=runtime,
        parts=tuple(tuple(tuple(level) for level in part) for part in levels),
        copies=copies,
    )


def _levels(rules: list[str]) -> list[list[str]]:
    """``rules`` by level: a rule comes after every rule of the group it reads from."""
    level: dict[str, int] = {}

    def depth(rule: str) -> int:
        if rule not in level:
            ups = [u for u in DEPENDS[rule] if u in rules]
            level[rule] = 1 + max(map(depth, ups)) if ups else 0
        return level[rule]

    for rule in rules:
        depth(rule)
    return [[r for r in rules if level[r] == n] for n in range(max(level.values()) + 1)]


def outside_paths(rules: list[str]) -> dict[str, list[str]]:
    """Rule of ``rules`` -> the rules outside them on a path of the rule graph that leaves
    ``rules`` and enters again at that rule. Snakemake (``DAG._check_groups``) refuses such a
    group job when the run starts: it would wait for itself. {} for a sound group."""
    inside = set(rules)
    after_group = set().union(*(_after(rule) for rule in rules)) - inside
    return {rule: sorted(between) for rule in rules if (between := _before(rule) & after_group)}


def _before(rule: str) -> set[str]:
    """The rules ``rule`` depends on, directly or not."""
    out: set[str] = set()
    stack = [rule]
    while stack:
        for up in DEPENDS[stack.pop()] - out:
            out.add(up)
            stack.append(up)
    return out


def _after(rule: str) -> set[str]:
    """The rules that depend on ``rule``, directly or not."""
    return {other for other in DEPENDS if rule in _before(other)}


#: What a group job's size is made of, beside its group's stages (:func:`resolve`).
_SIZE_READS = ("defaults", "timeout", "limits", "container.mpiexec")


def group_problems(backend: SlurmBackend, file: str) -> list[Problem]:
    """A group job larger than ``limits`` would be refused by SLURM or never start; a group
    job that depends on itself (:func:`outside_paths`) is refused by Snakemake."""
    problems = []
    for group in backend.groups:
        parts = group_parts(backend.groups[group])
        if backend.group_components.get(group, 1) > 1 and len(parts) > 1:
            parts.append(backend.groups[group])  # a job may join instances of any parts
        for part in parts:
            for rule, between in outside_paths(part).items():
                problems.append(
                    Problem(
                        file,
                        f"groups.{group}",
                        f"{rule} depends on {', '.join(between)} outside the group, which "
                        "depend on the group's own rules: the group job would wait for itself "
                        "(Snakemake refuses it when the run starts)",
                        f"add {', '.join(between)} to groups.{group}, or take {rule} out",
                        reads=(f"group_components.{group}",),
                    )
                )
    if problems:
        return sorted(set(problems), key=lambda p: p.message)
    limits = backend.limits
    cap_mib, cap_min = parse_memory(limits.memory), runtime_minutes(limits.timeout)
    sizes = [size for group in backend.groups for _, size in group_jobs(backend, group)]
    for size in sizes:
        if size is None:
            continue
        group = size.group
        over = []
        if size.cpus > limits.cpu:
            over.append(f"{size.cpus} CPUs > limits.cpu {limits.cpu}")
        if size.mem_mb > cap_mib:
            over.append(f"{size.mem_mb} MiB > limits.memory {format_mib(cap_mib)}")
        if size.runtime > cap_min:
            over.append(f"{size.runtime} min > limits.timeout {cap_min} min")
        if over:
            stages = (f"stages.{rule}" for rule in backend.groups[group])
            problems.append(
                Problem(
                    file,
                    f"groups.{group}",
                    f"a {group} group job is larger than limits allow ({'; '.join(over)}): "
                    f"Snakemake sizes it from its rules as {size.describe()}",
                    "lower those stages' resources, raise limits, or group fewer rules"
                    + _fewer_copies(size),
                    reads=(*_SIZE_READS, f"group_components.{group}", *stages),
                )
            )
    return problems


def _fewer_copies(size: GroupSize) -> str:
    """How to put fewer instances in a job of ``size``, when it holds several."""
    if size.copies == 1:
        return ""
    if len(size.parts) > 1:
        return f" or fewer instances per job (group_components.{size.group})"
    return (
        f" or fewer members (group_components.{size.group}; a job holds at most as many as the "
        "ensemble has)"
    )
