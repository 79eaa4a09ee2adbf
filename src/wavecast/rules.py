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
