"""The demo pipeline's rule graph, shared by the benchmarks that reason about its DAG.

``DEPENDS`` is what the rule files say; :func:`rule_graph` asks Snakemake for the real graph, so
a benchmark can refuse to run (or report the difference) when the workflow has moved on.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from wavecast.rules import LOCAL_RULES

#: Rule -> rules it depends on (workflow/rules/*.smk), ``all`` left out.
DEPENDS: dict[str, set[str]] = {
    "build_grid": set(),
    "make_forcing": set(),
    "run_member": {"build_grid", "make_forcing"},
    "summarise_ensemble": {"run_member"},
    "extract_stations": {"run_member"},
    "plot_maps": {"build_grid", "summarise_ensemble"},
    "plot_stations": {"extract_stations"},
    "archive_run": {
        "build_grid",
        "summarise_ensemble",
        "extract_stations",
        "plot_maps",
        "plot_stations",
    },
    "report_metrics": {"archive_run"},
}

#: Rules with a ``member`` wildcard: linked member to member, every other edge is all-to-all.
MEMBER_RULES = {"make_forcing", "run_member"}

#: Rules Snakemake runs on the submitting machine (never a cluster job).
LOCAL = set(LOCAL_RULES)


def parse_rulegraph(dot: str) -> dict[str, set[str]]:
    """Rule -> upstream rules, from the dot text ``snakemake --rulegraph`` prints."""
    names = dict(re.findall(r'^\s*(\d+)\[label = "([^"]+)"', dot, re.M))
    deps: dict[str, set[str]] = {n: set() for n in names.values()}
    for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.M):
        deps[names[b]].add(names[a])
    return deps


def rule_graph(
    snakemake: list[str], snakefile: Path, work: Path, env: dict[str, str] | None = None
) -> dict[str, set[str]]:
    """Rule -> upstream rules, from ``snakemake --rulegraph`` (dot) run in ``work``."""
    cmd = [*snakemake, "--rulegraph", "--cores", "1", "-s", str(snakefile), "-d", str(work)]
    out = subprocess.run(
        cmd, capture_output=True, text=True, env=env or dict(os.environ), check=True
    ).stdout
    return parse_rulegraph(out)
