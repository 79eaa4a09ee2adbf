"""``wavecast profiles``: render profiles from backend YAML, check them, install them."""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
from pathlib import Path

from ..backends.checks import backend_notes
from ..backends.load import load_env_backend, missing_env
from ..backends.render import render_profile, source_path
from ..errors import Problem, ValidationError
from ..io import write_text_atomic
from ..profilesync import (
    GENERATED_MARK,
    profile_path,
    regenerate_command,
    shadowing_files,
    shadowing_message,
)
from .common import command_group, subcommand


def register(sub) -> None:
    inner = command_group(
        sub,
        "profiles",
        "render Snakemake profiles from backend YAML, check them, install them",
        "  wavecast profiles build production\n"
        "  wavecast profiles build --all\n"
        "  wavecast profiles check\n"
        "  wavecast profiles install --user\n",
    )

    p = subcommand(
        inner,
        "build",
        "render profiles/ENV/profile.yaml from config/backends/ENV.yaml (nothing is written "
        "when any backend YAML named, or with --all any at all, is invalid)",
        "  wavecast profiles build production staging\n  wavecast profiles build --all\n",
    )
    p.add_argument("envs", nargs="*", metavar="ENV", help="environment names")
    p.add_argument("--all", action="store_true", help="every config/backends/*.yaml")
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_build)

    p = subcommand(
        inner,
        "check",
        "fail (exit 1) with a diff when a committed profile differs from its backend YAML",
        "  wavecast profiles check\n",
    )
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_check)

    p = subcommand(
        inner,
        "install",
        "copy profiles where `snakemake --profile ENV` finds them by name",
        "  wavecast profiles install            # ~/.config/snakemake/ENV ($XDG_CONFIG_HOME)\n"
        "  wavecast profiles install --site     # /etc/xdg/snakemake/ENV (as root)\n",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--user", action="store_true", help="$XDG_CONFIG_HOME/snakemake, ~/.config/snakemake"
    )
    where.add_argument(
        "--site", action="store_true", help="first of $XDG_CONFIG_DIRS + /snakemake, /etc/xdg/..."
    )
    p.add_argument("envs", nargs="*", metavar="ENV", help="environments (default: all)")
    p.add_argument("--root", default=".", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_install)


def all_envs(root: Path) -> list[str]:
    """Every environment with a backend YAML; none at all is an error, never a silent success,
    and so is a backend YAML under another spelling (:func:`misnamed_backends`)."""
    misnamed = misnamed_backends(root)
    if misnamed:
        raise ValidationError(misnamed)
    envs = _yaml_envs(root)
    if not envs:
        raise ValidationError(
            [
                Problem(
                    "config/backends",
                    "",
                    f"no backend YAML files (looked in {root / 'config' / 'backends'})",
                    "run wavecast from the repository root, or create one with "
                    "`wavecast backends create --type local -o config/backends/localdev.yaml`",
                )
            ]
        )
    return envs


def _yaml_envs(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "config" / "backends").glob("*.yaml"))


def misnamed_backends(root: Path) -> list[Problem]:
    """``config/backends/ENV.yml`` (or ``.YAML``): build, check, install, show and the workflow
    know an environment only as ``config/backends/ENV.yaml``, so such a file would be left out
    without a word, its profile never built nor checked."""
    problems = []
    for path in sorted((root / "config" / "backends").glob("*")):
        if path.suffix == ".yaml" or path.suffix.lower() not in (".yaml", ".yml"):
            continue
        wanted = f"config/backends/{path.stem}.yaml"
        problems.append(
            Problem(
                f"config/backends/{path.name}",
                "",
                "not read: wavecast knows an environment's backend YAML only as "
                "config/backends/ENV.yaml",
                f"merge it into {wanted} and delete it"
                if (root / wanted).exists()
                else f"rename it to {wanted}",
            )
        )
    return problems


def render_envs(root: Path, envs: list[str]) -> dict[str, str]:
    """Render every env or raise one ValidationError with every problem of every file."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for env in envs:
        try:
            backend = load_env_backend(env, root)
        except ValidationError as exc:
            problems += exc.problems
            continue
        texts[env] = render_profile(backend, env)
    if problems:
        raise ValidationError(problems)
    return texts


def cmd_build(args: argparse.Namespace) -> int:
    root = Path(args.root)
    envs = all_envs(root) if args.all else args.envs
    if not envs:
        print("name environments (ENV ...) or give --all", file=sys.stderr)
        return 2
    misnamed = [] if args.all else misnamed_backends(root)  # --all: all_envs refused them
    named = [m for m in misnamed if Path(m.file).stem in envs]
    try:
        texts = render_envs(root, envs)  # raises before anything is written
    except ValidationError as exc:  # production.yaml missing: production.yml is why
        raise ValidationError(exc.problems + named) from None
    if named:
        raise ValidationError(named)
    for problem in misnamed:
        print(f"warning: {problem}", file=sys.stderr)
    for env, text in texts.items():
        path = root / profile_path(env)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            path.touch()  # newer than its backend YAML: the workflow's check need not re-read it
            print(f"{profile_path(env)}: unchanged")
            continue
        write_text_atomic(path, text)
        print(f"{profile_path(env)}: written")
    for env in texts:  # as `backends validate` and `show` warn (a :latest image)
        for note in backend_notes(load_env_backend(env, root), source_path(env)):
            print(f"warning: {note}", file=sys.stderr)
    for line in stale_installs(root):
        print(f"warning: {line}", file=sys.stderr)
    return 0


def drift(root: Path) -> list[str]:
    """Unified diffs of committed profiles against freshly rendered ones (empty: in sync)."""
    known = all_envs(root)
    out = env_drift(root, known)
    for path in sorted((root / "profiles").glob("*/profile.yaml")):
        env = path.parent.name
        if env not in known and GENERATED_MARK in path.read_text(encoding="utf-8"):
            out.append(
                f"{profile_path(env)}: generated by wavecast, but {source_path(env)} does not "
                f"exist (renamed or removed?); delete profiles/{env}/ or restore its backend "
                "YAML\n"
            )
    return out


def env_drift(root: Path, envs: list[str]) -> list[str]:
    """:func:`drift` of these environments' profiles: their diffs, then the files in their
    profile directories that Snakemake may read instead."""
    out = []
    for env, text in render_envs(root, envs).items():
        path = root / profile_path(env)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            diff = "".join(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{profile_path(env)} (committed)",
                    tofile=f"{profile_path(env)} (from {source_path(env)})",
                )
            )
            out.append(f"{diff}\nregenerate with: {regenerate_command(env)}\n")
    for env in sorted(envs):
        for stray in shadowing_files(root / "profiles" / env):
            out.append(shadowing_message(stray, f"profiles/{env}/{stray.name}") + "\n")
    return out


def others_out_of_date(root: Path, envs: list[str]) -> list[str]:
    """A line for each other environment whose profile is out of date or whose backend YAML
    is invalid or misnamed: installing ``envs`` needs only theirs current."""
    out = [str(problem) for problem in misnamed_backends(root)]
    for env in _yaml_envs(root):
        if env in envs:
            continue
        try:
            stale = env_drift(root, [env])
        except ValidationError as exc:
            out += [str(problem) for problem in exc.problems]
            continue
        if stale:
            out.append(
                f"{profile_path(env)}: out of date with {source_path(env)} (not installed); "
                f"regenerate with: {regenerate_command(env)}"
            )
    return out


def cmd_check(args: argparse.Namespace) -> int:
    diffs = drift(Path(args.root))
    if diffs:
        sys.stdout.write("".join(diffs))
        return 1
    print("profiles in sync with config/backends")
    for line in stale_installs(Path(args.root)):
        print(f"warning: {line}", file=sys.stderr)
    return 0


def install_dir(site: bool) -> Path:
    """Where ``snakemake --profile NAME`` looks, from Snakemake's own platformdirs: the user's
    ``$XDG_CONFIG_HOME/snakemake`` (default ``~/.config/snakemake``) or the site's first
    ``$XDG_CONFIG_DIRS`` entry + ``/snakemake`` (default ``/etc/xdg/snakemake``)."""
    from snakemake.common import get_appdirs

    dirs = get_appdirs()
    return Path(dirs.site_config_dir if site else dirs.user_config_dir)


def stale_installs(root: Path) -> list[str]:
    """The profile ``snakemake --profile ENV`` would use, where it is a wavecast profile that
    differs from the committed one (Snakemake's own lookup: working directory, then the user's,
    then the site's config directory; a profile of another origin is left alone)."""
    from snakemake.cli import get_profile_dir

    out = []
    for env in _yaml_envs(root):  # a misnamed file is an error of the command, not a warning
        committed = root / profile_path(env)
        found = get_profile_dir(env)
        if not committed.exists() or found is None:
            continue
        installed = found[1]
        if installed.name != "profile.yaml" and (installed.parent / "profile.yaml").is_file():
            out.append(shadowing_message(installed, str(installed)))
            continue
        text = installed.read_text(encoding="utf-8", errors="replace")
        if GENERATED_MARK not in text or installed.samefile(committed):
            continue
        if text != committed.read_text(encoding="utf-8"):
            site = installed.is_relative_to(install_dir(site=True))
            out.append(
                f"{installed}: installed copy differs from {profile_path(env)}, and "
                f"`snakemake --profile {env}` uses it; run wavecast profiles install"
                f"{' --site' if site else ''} {env}"
            )
    return out


def cmd_install(args: argparse.Namespace) -> int:
    root = Path(args.root)
    envs = args.envs or all_envs(root)
    unknown = [missing_env(e, root) for e in envs if not (root / source_path(e)).exists()]
    if unknown:  # not "run wavecast profiles build", which would fail the same way
        raise ValidationError(unknown)
    target = install_dir(args.site)
    # installing ENV needs only ENV's profile current; the others are warned about
    diffs = env_drift(root, envs) if args.envs else drift(root)
    if diffs:
        sys.stdout.write("".join(diffs))
        print("profiles are out of date; build them before installing", file=sys.stderr)
        return 1
    for line in others_out_of_date(root, envs) if args.envs else []:
        print(f"warning: {line}", file=sys.stderr)
    strays = [stray for env in envs for stray in shadowing_files(target / env)]
    if strays:  # before anything is copied
        for stray in strays:
            print(shadowing_message(stray, str(stray)), file=sys.stderr)
        return 1
    for env in envs:
        src = root / profile_path(env)
        if not src.exists():
            print(f"{profile_path(env)}: missing; run {regenerate_command(env)}", file=sys.stderr)
            return 1
        dest = target / env
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest / "profile.yaml")
        print(f"installed {dest / 'profile.yaml'} (snakemake --profile {env})")
    return 0
