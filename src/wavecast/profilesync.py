"""Whether a generated profile still says what its backend YAML says, when a run starts.

Snakemake reads only the profile: a backend YAML edited since ``wavecast profiles build`` (a
partition, a memory, a broken value) would be ignored without a word. The workflow calls
:func:`stale_profile_problems` once, in the Snakemake the user started; this module imports
nothing heavy, so that costs nothing when the pair is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .errors import Problem
from .images import source_path

#: The end of a generated profile's first header line after the backend YAML's path.
GENERATED_MARK = "by wavecast; do not edit by hand."
#: The files Snakemake 9 reads a profile directory from (snakemake.cli.get_profile_dir): the one
#: with the highest '.vN+' that N <= its major version allows, and between equals whichever
#: the directory happens to list first.
PROFILE_FILE_RE = re.compile(r"(?:profile|config)(?:\.v\d+\+)?\.yaml")


def profile_path(env: str) -> str:
    return f"profiles/{env}/profile.yaml"


def regenerate_command(env: str) -> str:
    return f"wavecast profiles build {env}"


def shadowing_files(directory: Path) -> list[Path]:
    """Files in a profile directory that Snakemake may read instead of its profile.yaml
    (``config.yaml``, ``profile.v9+.yaml``, ...), so that the generated profile is ignored."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.name != "profile.yaml" and PROFILE_FILE_RE.fullmatch(p.name) and p.is_file()
    )


def shadowing_message(path: Path, shown: str) -> str:
    """Why ``path`` (written as ``shown``) must go, and how."""
    return (
        f"{shown}: Snakemake reads one file of a profile directory, the highest '.vN+' of "
        f"profile*.yaml and config*.yaml, so it may read this one and ignore profile.yaml "
        f"beside it; delete {path.name} (give your own settings on the command line)"
    )


def stale_profile_problems(env: str, root: Path) -> list[Problem]:
    """[] when ``root``'s ``profiles/ENV/profile.yaml`` is what ``config/backends/ENV.yaml``
    renders, or when either is missing or the profile is not wavecast's. The YAML is read only
    when it was modified after the profile was written (a clone writes the profile last), so an
    unchanged pair costs two ``stat`` calls. Raises ValidationError when the YAML is invalid."""
    source, profile = root / source_path(env), root / profile_path(env)
    if not source.is_file() or not profile.is_file():
        return []
    if source.stat().st_mtime <= profile.stat().st_mtime:
        return []
    text = profile.read_text(encoding="utf-8")
    if GENERATED_MARK not in text:
        return []
    from .backends.load import load_env_backend  # pydantic: only when there is an edit
    from .backends.render import render_profile

    if render_profile(load_env_backend(env, root), env) == text:
        return []
    return [
        Problem(
            source_path(env),
            "",
            f"edited since {profile_path(env)} was built from it, and Snakemake reads only "
            "the profile",
            f"run: {regenerate_command(env)} (or undo the edit)",
        )
    ]


def stale_install_problems(env: str, root: Path, argv: Sequence[str], start: Path) -> list[Problem]:
    """The installed copy of ENV's profile (``wavecast profiles install``), when this run read
    it and it differs from ``root``'s ``profiles/ENV/profile.yaml``: a backend YAML edited,
    rebuilt and committed, but not installed again, would otherwise run as it was. Costs a few
    ``stat`` calls unless an installed wavecast copy differs; only then is the command line
    (``argv``, Snakemake started in ``start``) read for the profile the run used."""
    committed = root / profile_path(env)
    if not committed.is_file():
        return []
    from snakemake.common import get_appdirs

    dirs = get_appdirs()
    text = committed.read_text(encoding="utf-8")
    differing = {}
    for where in (dirs.user_config_dir, dirs.site_config_dir):
        installed = Path(where) / env / "profile.yaml"
        if installed.is_file():
            copy = installed.read_text(encoding="utf-8", errors="replace")
            if GENERATED_MARK in copy and copy != text:
                differing[installed.resolve()] = Path(where) == Path(dirs.site_config_dir)
    if not differing:
        return []
    from .deployment import given_profiles

    return [
        Problem(
            str(used),
            "",
            f"this run reads this installed copy, which differs from {profile_path(env)}",
            f"run: wavecast profiles install{' --site' if differing[used] else ''} {env} "
            f"(or run with --profile profiles/{env})",
        )
        for used in dict.fromkeys(p.resolve() for p in given_profiles(argv, start))
        if used in differing
    ]
