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
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Problem
from ..rules import DEPENDS, MEMBER_RULES
from .models import SlurmBackend
from .resolve import resolve
from .units import format_mib, parse_memory, runtime_minutes


@dataclass(frozen=True)
class GroupSize:
    """The first attempt of one group job: what its sbatch call asks for."""

    group: str
    cpus: int  # cpus_per_task × tasks
    mem_mb: int
    runtime: int  # minutes
    #: The group's rules by level (rules of a level run side by side), and how many members'
    #: instances share the job.
    levels: tuple[tuple[str, ...], ...]
    copies: int

    def describe(self) -> str:
        sizes = f"{self.cpus} CPU(s), {format_mib(self.mem_mb)}, {self.runtime} min"
        order = " then ".join(" + ".join(level) for level in self.levels)
        if self.copies > 1:  # a run's last job may hold fewer members, as may a small ensemble
            return f"up to {sizes} ({order}, {self.copies} members side by side)"
        return f"{sizes} ({order})"


def group_size(backend: SlurmBackend, group: str) -> GroupSize | None:
    """The size of one instance of ``group``'s job, or None when it depends on the ensemble
    (a group of member and non-member rules holds every member's jobs)."""
    rules = backend.groups[group]
    members = [r for r in rules if r in MEMBER_RULES]
    if members and len(members) < len(rules):
        return None
    copies = backend.group_components.get(group, 1) if members else 1
    wanted = {r.rule: r.snakemake_resources(backend) for r in resolve(backend)}
    levels = _levels(rules)

    def widest(key: str) -> int:  # a level's jobs side by side; the largest level
        return max(copies * sum(int(wanted[r].get(key) or 0) for r in level) for level in levels)

    return GroupSize(
        group=group,
        cpus=widest("cpus_per_task") * max(1, widest("tasks")),
        mem_mb=widest("mem_mb"),
        runtime=sum(max(int(wanted[r]["runtime"]) for r in level) for level in levels),
        levels=tuple(tuple(level) for level in levels),
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


def group_problems(backend: SlurmBackend, file: str) -> list[Problem]:
    """A group job larger than ``limits`` would be refused by SLURM or never start."""
    problems = []
    limits = backend.limits
    cap_mib, cap_min = parse_memory(limits.memory), runtime_minutes(limits.timeout)
    for group in backend.groups:
        size = group_size(backend, group)
        if size is None:
            continue
        over = []
        if size.cpus > limits.cpu:
            over.append(f"{size.cpus} CPUs > limits.cpu {limits.cpu}")
        if size.mem_mb > cap_mib:
            over.append(f"{size.mem_mb} MiB > limits.memory {format_mib(cap_mib)}")
        if size.runtime > cap_min:
            over.append(f"{size.runtime} min > limits.timeout {cap_min} min")
        if over:
            problems.append(
                Problem(
                    file,
                    f"groups.{group}",
                    f"a {group} group job is larger than limits allow ({'; '.join(over)}): "
                    f"Snakemake sizes it from its rules as {size.describe()}",
                    "lower those stages' resources, raise limits, or group fewer rules"
                    + (
                        f" or fewer members (group_components.{group}; a job holds at most "
                        "as many as the ensemble has)"
                        if size.copies > 1
                        else ""
                    ),
                )
            )
    return problems
