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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import DEPLOYMENT_KEYS
from .errors import Problem

#: A command line that may give ``--config``: ``--config``, ``--config=a=1``, ``-C``, or ``-C``
#: at the end of a cluster of short flags (``-nC``). Only a first look: Snakemake's own parser
#: decides, and building it costs 0.1 s, which a run without ``--config`` does not pay.
_MAY_GIVE_CONFIG = re.compile(r"--config(=.*)?|-[A-Za-z]*C.*")


@dataclass
class Replaced:
    """What :func:`replaced_profile_settings` found: problems stop the run, notes warn."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _profile_config(path: Path) -> dict[str, Any] | None:
    """A profile file's ``config:`` as a mapping, None when it has none. Snakemake takes a
    mapping, ``k=v`` lines or one ``k=v`` line, and parses lines with
    :func:`snakemake.cli.parse_config` (so does this)."""
    from snakemake.cli import parse_config

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, Mapping) or "config" not in data:
        return None
    cfg = data["config"]
    if isinstance(cfg, Mapping):
        return dict(cfg)
    lines = [cfg] if isinstance(cfg, str) else cfg if isinstance(cfg, list) else []
    try:
        return parse_config([str(line) for line in lines])
    except ValueError:  # Snakemake itself refuses such a profile
        return {}


def _find_profile(profile: str, start: Path) -> Path | None:
    """The file of a ``--profile`` as Snakemake found it from ``start``, the directory it was
    started in (it changes into ``--directory`` before the workflow loads): a path from
    ``start``, else from the user's or the site's profile directory, each read by Snakemake's
    own :func:`get_profile_dir`."""
    from snakemake.cli import get_appdirs, get_profile_dir

    path = Path(profile).expanduser()
    dirs = get_appdirs()
    places = (start, Path(dirs.user_config_dir), Path(dirs.site_config_dir))
    candidates = [path] if path.is_absolute() else [where / path for where in places]
    for candidate in candidates:
        if candidate.exists() and (found := get_profile_dir(str(candidate))):
            return found[1].absolute()
    return None


def _parsed_command_line(argv: Sequence[str]):
    """``argv`` read by Snakemake's own parser (``$SNAKEMAKE_PROFILE`` included), None when it
    refuses it (Snakemake itself has reported the command line). Building the parser costs
    0.1 s: callers ask only when the answer may matter."""
    from snakemake.cli import get_argument_parser

    try:
        return get_argument_parser().parse_known_args(list(argv))[0]
    except SystemExit:
        return None


def given_profiles(argv: Sequence[str], start: Path) -> list[Path]:
    """The files of the run's ``--profile`` (else ``$SNAKEMAKE_PROFILE``) profiles as
    Snakemake found them from ``start``; a profile this lookup misses is left out."""
    args = _parsed_command_line(argv)
    names = [str(p) for p in (args.profile or [] if args else []) if str(p) != "none"]
    return [path for name in names if (path := _find_profile(name, start)) is not None]


def _workflow_profile(given: str | None, start: Path, snakefile: Path) -> Path | None:
    """The workflow profile Snakemake used: ``--workflow-profile`` (a file, or a directory or
    name looked for as itself, under ``profiles/`` and under the Snakefile's ``profiles/``),
    else ``profiles/default`` the same way; None for ``none`` or when there is none."""
    if given == "none":
        return None
    name = Path(given) if given else Path("default")
    if given and (start / name).is_file():
        return start / name
    candidates = [start / name, start / "profiles" / name, snakefile.parent / "profiles" / name]
    return next((c for c in candidates if c.exists()), None)


def replaced_profile_settings(
    deployment: Mapping[str, Any],
    argv: Sequence[str],
    fallback_env: str,
    start: Path,
    snakefile: Path,
) -> Replaced:
    """The deployment settings the profile sets and a ``--config`` on the command line replaced.

    ``deployment`` is what the run got (:func:`wavecast.config.load_workflow_config`);
    ``fallback_env`` the environment name the workflow uses without one (``$WAVECAST_ENV``, else
    localdev), so localdev's profile with ``--config`` is no problem: nothing changes. A lost
    ``container_image`` always is: it also tells the workflow that its jobs run in pods.
    Profiles are found as Snakemake finds them (``--profile``, ``$SNAKEMAKE_PROFILE``, the
    workflow profile) from ``start``, the directory Snakemake was started in
    (``workflow.rundir``), for the ``snakefile`` it runs; of several, the last with a
    ``config:`` is the one whose keys would count (Snakemake replaces top-level profile keys
    in that order too).
    """
    if all(key in deployment for key in DEPLOYMENT_KEYS):
        return Replaced()
    if not any(_MAY_GIVE_CONFIG.fullmatch(arg) for arg in argv):
        return Replaced()
    args = _parsed_command_line(argv)
    if args is None or args.config is None:
        return Replaced()
    out = Replaced()
    found: list[Path] = []
    for profile in (str(p) for p in args.profile or [] if str(p) != "none"):
        if (path := _find_profile(profile, start)) is not None:
            found.append(path)
        else:  # Snakemake found it, or it would have stopped: a lookup this check lacks
            out.notes.append(
                f"could not find profile {profile!r} from {start} to check whether --config "
                "replaced its config: (container_image, wavecast_env); give science settings "
                "with --configfile"
            )
    wp = args.workflow_profile and str(args.workflow_profile)
    if (path := _workflow_profile(wp, start, snakefile)) and (
        file := _find_profile(str(path), start)
    ):
        found.append(file)
    last: tuple[Path, dict[str, Any]] | None = None
    for path in found:  # a later profile's config:, even an empty one, replaces an earlier's
        if (given := _profile_config(path)) is not None:
            last = (path, given)
    if last is None:
        return out
    path, given = last
    for key in DEPLOYMENT_KEYS:
        if key not in given or key in deployment:
            continue
        if key == "wavecast_env" and given[key] == fallback_env:
            continue
        out.problems.append(
            Problem(
                str(path),
                f"config.{key}",
                f"set to {given[key]!r} here, but --config on the command line replaces "
                "the profile's whole config:, so the run would not use it",
                "give science settings in a file with --configfile FILE instead of "
                f"--config, or add {key}={given[key]} to --config",
            )
        )
    return out
