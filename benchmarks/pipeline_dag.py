"""The demo pipeline's rule graph, shared by the benchmarks that reason about its DAG.

``DEPENDS`` is what the rule files say; :func:`rule_graph` asks Snakemake for the real graph, so
a benchmark can refuse to run (or report the difference) when the workflow has moved on.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from wavecast.rules import DEPENDS as RULE_DEPENDS
from wavecast.rules import LOCAL_RULES
from wavecast.rules import MEMBER_RULES as RULE_MEMBER_RULES

#: Rule -> rules it depends on, and the rules with a member wildcard (linked member to member,
#: every other edge all-to-all): the package's own, which group job sizes use too.
DEPENDS: dict[str, set[str]] = {rule: set(up) for rule, up in RULE_DEPENDS.items()}
MEMBER_RULES = set(RULE_MEMBER_RULES)

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
