"""The image of a backend that builds its own: build it, and check it is there and current.

A backend whose ``container`` names a ``dockerfile`` runs every rule in
``.wavecast/images/<env>.sif`` (:func:`wavecast.backends.render.built_image_path`), made by two
commands: ``docker build`` with the build args, then ``apptainer build`` from the Docker
daemon (the profile's header prints them). ``wavecast images build ENV`` runs them and writes
``<env>.sif.json`` beside the image: the dockerfile's sha256, the build context and args.

The workflow calls :func:`image_problems` when it loads with such a profile, so a missing
image, or one built from another dockerfile, other build args or other committed code in the
build context (its git tree), stops the run before any job instead of failing in every job or
running old code. Uncommitted edits are not seen; an image copied in without its ``.json`` is
taken as it is: nothing says what it was built from.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem, ValidationError
from .io import temp_path_next_to, write_text_atomic

if TYPE_CHECKING:  # the workflow imports this module at every load: pydantic models only on use
    from .backends.models import BackendBase

RECORD_SUFFIX = ".json"
TOOLS = ("docker", "apptainer")


def built_image_path(env: str) -> str:
    """Where ``apptainer build`` writes the image of a dockerfile backend (relative to the repo)."""
    return f".wavecast/images/{env}.sif"


def source_path(env: str) -> str:
    return f"config/backends/{env}.yaml"


def builds_its_image(backend: BackendBase) -> bool:
    c = backend.container
    return c is not None and c.runtime == "apptainer" and bool(c.dockerfile)


def build_inputs(backend: BackendBase, root: Path) -> dict[str, Any]:
    """What the image is built from: the dockerfile (path and sha256), the context (path and
    its committed git tree: the code the image copies) and the build args."""
    c = backend.container
    assert c is not None and c.dockerfile
    dockerfile = root / c.dockerfile
    digest = hashlib.sha256(dockerfile.read_bytes()).hexdigest() if dockerfile.is_file() else None
    context = c.build_context or "."
    return {
        "dockerfile": c.dockerfile,
        "dockerfile_sha256": digest,
        "build_context": context,
        "build_context_tree": context_tree(root, context),
        "build_args": dict(sorted(c.build_args.items())),
    }


def context_tree(root: Path, context: str) -> str | None:
    """The git tree id of ``context`` (relative to ``root``) as committed at HEAD, or None
    outside a git checkout. Uncommitted edits are not in it: commit, then rebuild."""
    rel = Path(context)
    if rel.is_absolute() or ".." in rel.parts:
        return None
    spec = "HEAD:./" if rel.as_posix() in (".", "") else f"HEAD:./{rel.as_posix()}"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", spec],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def record_path(image: Path) -> Path:
    return image.with_name(image.name + RECORD_SUFFIX)


def image_problems(
    backend: BackendBase, env: str, root: Path, image_root: Path | None = None
) -> list[Problem]:
    """Why the rules cannot run in this environment's built image: missing, or built from
    other inputs than the backend YAML names now; [] when fine or nothing is built.

    ``root`` holds the dockerfile (the repository); ``image_root`` the image (default ``root``;
    the workflow passes Snakemake's working directory, where it looks for the image).
    """
    if not builds_its_image(backend):
        return []
    source, image = source_path(env), (image_root or root) / built_image_path(env)
    rebuild = f"run `wavecast images build {env}` (needs Docker and Apptainer)"
    if not image.is_file():
        return [
            Problem(
                source,
                "container.dockerfile",
                f"the image {image} is not built",
                rebuild + " where it looks, or copy the image there",
            )
        ]
    record = record_path(image)
    if not record.is_file():
        return []
    try:
        built = json.loads(record.read_text())["inputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return [Problem(str(record), "", "unreadable build record", rebuild)]
    now = build_inputs(backend, root)
    trees = (now["build_context_tree"], built.get("build_context_tree"))
    changed = {
        "dockerfile": ("dockerfile", ("dockerfile", "dockerfile_sha256")),
        "build_context": ("build context", ("build_context",)),
        "build_args": ("build args", ("build_args",)),
    }
    problems = [
        Problem(
            source,
            f"container.{key}",
            f"the image {built_image_path(env)} was built from another {what}",
            rebuild,
        )
        for key, (what, fields) in changed.items()
        if any(now[f] != built.get(f) for f in fields)
    ]
    if not problems and None not in trees and trees[0] != trees[1]:
        problems.append(
            Problem(
                source,
                "container.build_context",
                f"the code in the build context changed since {built_image_path(env)} was built "
                f"(git tree {trees[1][:10]} then, {trees[0][:10]} now)",
                rebuild,
            )
        )
    return problems


def build_image(
    backend: BackendBase,
    env: str,
    root: Path,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> Path:
    """Run docker build and apptainer build; the image replaces the old one only when both
    succeeded, and its build record is written last."""
    if not builds_its_image(backend):
        raise ValidationError(
            [
                Problem(
                    source_path(env),
                    "container",
                    "this environment does not build an image (no container.dockerfile with "
                    "runtime apptainer)",
                    "nothing to build: the profile uses container.image as it is",
                )
            ]
        )
    from .backends.render import build_argvs

    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise ValidationError(
            [
                Problem(
                    source_path(env),
                    "container.dockerfile",
                    f"{' and '.join(missing)} not found on this machine",
                    f"build where Docker and Apptainer are installed, then copy "
                    f"{built_image_path(env)} and its {RECORD_SUFFIX} here",
                )
            ]
        )
    image = root / built_image_path(env)
    inputs = build_inputs(backend, root)
    with temp_path_next_to(image) as tmp:
        docker, apptainer = build_argvs(backend, env, image=str(tmp), force=True)
        for argv in (docker, apptainer):
            done = run(argv, cwd=root)
            if done.returncode != 0:
                raise ValidationError(
                    [
                        Problem(
                            source_path(env),
                            "container.dockerfile",
                            f"`{argv[0]} build` failed (exit {done.returncode}); the old image, "
                            "if any, is kept",
                            "read its output above",
                        )
                    ]
                )
        tmp.replace(image)
    write_text_atomic(record_path(image), json.dumps({"inputs": inputs}, indent=2) + "\n")
    return image


def check_workflow_image(env: str, workdir: Path, basedir: Path) -> None:
    """What the workflow calls at load when its profile points at a built image: raise with
    every problem. The backend YAML and dockerfile are read where ``wavecast images build`` ran:
    Snakemake's working directory if it holds ``config/backends/ENV.yaml``, else the
    repository (``basedir``); the image is looked for in the working directory, as Snakemake
    does."""
    from .backends.load import load_env_backend

    root = workdir if (workdir / source_path(env)).is_file() else basedir
    backend = load_env_backend(env, root)
    problems = image_problems(backend, env, root, workdir)
    if problems:
        raise ValidationError(problems)
