"""The workflow's submitted rule names, for code that must know them without parsing the Snakefile.

Backend YAML ``stages:`` keys are checked against this tuple; ``tests/test_workflow_static.py``
proves it equals ``snakemake --list-rules`` so the two cannot drift apart.
"""

RULE_NAMES: tuple[str, ...] = (
    "build_grid",
    "make_forcing",
    "run_member",
    "summarise_ensemble",
    "extract_stations",
    "plot_maps",
    "plot_stations",
    "archive_run",
)

#: Rules that run on the machine that runs Snakemake, never submitted to a cluster (so backend
#: YAML has no resources for them).
LOCAL_RULES: tuple[str, ...] = ("all", "report_metrics")

#: The wildcards of each submitted rule that has any (the SLURM plugin names a job's log
#: directory and ``--comment`` after their values; ``wavecast show`` prints them as placeholders).
WILDCARDS: dict[str, tuple[str, ...]] = {
    "make_forcing": ("member",),
    "run_member": ("member",),
}

#: Rule -> the rules whose outputs it reads (workflow/rules/*.smk; ``all`` left out). A rule
#: with a ``member`` wildcard reads its own member's files of the other member rule; every
#: other edge is all-to-all. tests/test_workflow_static.py proves it equals Snakemake's
#: ``--rulegraph``; group job sizes (backends.groups) and the benchmarks' critical paths use it.
DEPENDS: dict[str, frozenset[str]] = {
    "build_grid": frozenset(),
    "make_forcing": frozenset(),
    "run_member": frozenset({"build_grid", "make_forcing"}),
    "summarise_ensemble": frozenset({"run_member"}),
    "extract_stations": frozenset({"run_member"}),
    "plot_maps": frozenset({"build_grid", "summarise_ensemble"}),
    "plot_stations": frozenset({"extract_stations"}),
    "archive_run": frozenset(
        {"build_grid", "summarise_ensemble", "extract_stations", "plot_maps", "plot_stations"}
    ),
    "report_metrics": frozenset({"archive_run"}),
}

#: Rules with a ``member`` wildcard: one job per ensemble member.
MEMBER_RULES: frozenset[str] = frozenset(r for r, names in WILDCARDS.items() if "member" in names)
