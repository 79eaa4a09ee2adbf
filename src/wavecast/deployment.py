"""The deployment settings a profile hands the workflow, and how a command line loses them.

A generated profile carries the environment's container image and name as
``config: {container_image: ..., wavecast_env: ...}``. Snakemake gives a profile key that is
given again on the command line the command line's value, whole: ``snakemake --profile
profiles/production --config ensemble='{members: 4}'`` runs without the profile's ``config:``,
so every job would use the default image, the archive's manifest would name the wrong container
and the metrics would read localdev's backend YAML. :func:`replaced_profile_settings` finds
that case, so the workflow can stop before any job runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .config import DEPLOYMENT_KEYS
from .errors import Problem

#: Command-line spellings of Snakemake's ``--config`` (argparse also takes ``--config=a=1``).
_CONFIG_FLAGS = ("--config", "-C")


def _gives_config(argv: Sequence[str]) -> bool:
    return any(a in _CONFIG_FLAGS or a.startswith(("--config=", "-C")) for a in argv)


def _profile_config(path: Path) -> dict[str, Any]:
    """A profile file's ``config:`` as a mapping (Snakemake takes a mapping or ``k=v`` lines)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    cfg = data.get("config") if isinstance(data, Mapping) else None
    if isinstance(cfg, Mapping):
        return dict(cfg)
    if isinstance(cfg, list):
        pairs = (str(item).split("=", 1) for item in cfg)
        return {p[0]: yaml.safe_load(p[1]) for p in pairs if len(p) == 2}
    return {}


def replaced_profile_settings(
    deployment: Mapping[str, Any], argv: Sequence[str], fallback_env: str
) -> list[Problem]:
    """The deployment settings the profiles in ``argv`` set and a ``--config`` there replaced.

    ``deployment`` is what the run got (:func:`wavecast.config.load_workflow_config`);
    ``fallback_env`` the environment name the workflow uses without one (``$WAVECAST_ENV``, else
    localdev), so localdev's profile with ``--config`` is no problem: nothing changes. A lost
    ``container_image`` always is: it also tells the workflow that its jobs run in pods.
    Profiles are found as Snakemake finds them (``--profile``, ``$SNAKEMAKE_PROFILE``).
    """
    if all(key in deployment for key in DEPLOYMENT_KEYS) or not _gives_config(argv):
        return []
    from snakemake.cli import get_argument_parser, get_profile_dir

    try:
        args, _ = get_argument_parser().parse_known_args(list(argv))
    except SystemExit:  # Snakemake itself has reported the command line
        return []
    problems = []
    for profile in args.profile or []:
        found = get_profile_dir(str(profile))
        if found is None:
            continue
        given = _profile_config(found[1])
        for key in DEPLOYMENT_KEYS:
            if key not in given or key in deployment:
                continue
            if key == "wavecast_env" and given[key] == fallback_env:
                continue
            problems.append(
                Problem(
                    str(found[1]),
                    f"config.{key}",
                    f"set to {given[key]!r} here, but --config on the command line replaces "
                    "the profile's whole config:, so the run would not use it",
                    "give science settings in a file with --configfile FILE instead of "
                    f"--config, or add {key}={given[key]} to --config",
                )
            )
    return problems
