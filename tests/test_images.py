"""An environment that builds its image (container.dockerfile): build it, and refuse to run
with a missing image or one built from another dockerfile or other build args.

Neither Docker nor Apptainer runs on this machine. The commands themselves are the profile
header's (tests/test_backends_landing.py); here the missing-tool error is real, and the build
sequence is followed with a stand-in for the two tools (`fake_tools`), which writes what
`apptainer build` would. On a machine with both: `wavecast images build ENV`, then
`wavecast images check ENV` and `snakemake --profile profiles/ENV -n`.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from wavecast.backends.load import load_backend
from wavecast.backends.render import build_commands
from wavecast.cli.main import main
from wavecast.errors import ValidationError
from wavecast.images import (
    build_image,
    build_inputs,
    built_image_path,
    image_problems,
    record_path,
)

from .common import REPO, make_workdir, snakemake

ENV = "hpc"
BACKEND = {
    "type": "slurm",
    "partition": "science",
    "jobs": 10,
    "container": {
        "runtime": "apptainer",
        "dockerfile": "docker/Dockerfile",
        "build_context": "docker",
        "build_args": {"PYTHON": "3.11"},
    },
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A checkout with config/backends/hpc.yaml and its dockerfile."""
    (tmp_path / "config" / "backends").mkdir(parents=True)
    (tmp_path / "config" / "backends" / f"{ENV}.yaml").write_text(yaml.safe_dump(BACKEND))
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    return tmp_path


def backend_of(root: Path):
    return load_backend(root / "config" / "backends" / f"{ENV}.yaml")


def fake_tools(fail: str | None = None):
    """Stand-in for docker and apptainer (neither runs here): records the argument lists and
    writes the image where `apptainer build` was told to."""
    calls: list[list[str]] = []

    def run(argv, cwd):
        calls.append(list(argv))
        if argv[0] == fail:
            return subprocess.CompletedProcess(argv, 1)
        if argv[0] == "apptainer":
            Path(argv[3]).write_bytes(b"SIF image built from " + argv[4].encode())
        return subprocess.CompletedProcess(argv, 0)

    return run, calls


def build_with_fake_tools(root: Path, monkeypatch, **kw):
    monkeypatch.setattr("shutil.which", lambda tool: f"/usr/bin/{tool}")
    run, calls = fake_tools(**kw)
    return build_image(backend_of(root), ENV, root, run=run), calls


def problems(root: Path) -> list[str]:
    return [str(p) for p in image_problems(backend_of(root), ENV, root)]


def test_a_missing_image_is_a_problem(root):
    assert problems(root) == [
        f"config/backends/{ENV}.yaml::container.dockerfile: the image {root}/.wavecast/images/"
        f"{ENV}.sif is not built; run `wavecast images build {ENV}` (needs Docker and Apptainer) "
        "where it looks, or copy the image there"
    ]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_new_committed_code_in_the_build_context_makes_the_image_stale(root, monkeypatch):
    """The Dockerfile copies the code in its context: the record holds the context's git tree,
    so a commit that changes it asks for a rebuild (same dockerfile, same args)."""
    git(root, "init", "-q")
    (root / "docker" / "model.py").write_text("HS = 1\n")
    git(root, "add", "docker")
    git(root, "commit", "-qm", "v1")
    build_with_fake_tools(root, monkeypatch)
    assert problems(root) == []
    (root / "docker" / "model.py").write_text("HS = 2\n")
    assert problems(root) == [], "uncommitted edits are not seen (documented)"
    git(root, "commit", "-qam", "v2")
    (message,) = problems(root)
    assert message.startswith(
        f"config/backends/{ENV}.yaml::container.build_context: the code in the build context "
        f"changed since .wavecast/images/{ENV}.sif was built (git tree "
    )


def test_a_build_runs_the_header_commands_and_records_its_inputs(root, monkeypatch):
    image, calls = build_with_fake_tools(root, monkeypatch)
    assert image == root / built_image_path(ENV) and image.read_bytes().startswith(b"SIF")
    docker, apptainer = build_commands(backend_of(root), ENV)
    assert calls[0] == docker.split()
    # the same apptainer command, into a temp file beside the image, then renamed
    assert calls[1][:2] == ["apptainer", "build"] and calls[1][2] == "--force"
    assert calls[1][4:] == apptainer.split()[3:]
    recorded = json.loads(record_path(image).read_text())["inputs"]
    assert recorded == build_inputs(backend_of(root), root)
    assert recorded == {
        "dockerfile": "docker/Dockerfile",
        "dockerfile_sha256": hashlib.sha256(b"FROM python:3.11-slim\n").hexdigest(),
        "build_context": "docker",
        "build_context_tree": None,  # tmp_path is no git checkout
        "build_args": {"PYTHON": "3.11"},
    }
    assert problems(root) == []
    assert not list(image.parent.glob("*.tmp")), "no temp file left"


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda root: (root / "docker/Dockerfile").write_text("FROM python:3.12\n"), "dockerfile"),
        (lambda root: _edit_backend(root, build_args={"PYTHON": "3.12"}), "build_args"),
        (lambda root: _edit_backend(root, build_context="."), "build_context"),
    ],
)  # fmt: skip
def test_an_image_built_from_other_inputs_is_stale(root, monkeypatch, edit, key):
    build_with_fake_tools(root, monkeypatch)
    edit(root)
    assert problems(root) == [
        f"config/backends/{ENV}.yaml::container.{key}: the image .wavecast/images/{ENV}.sif was "
        f"built from another {key.replace('_', ' ')}; run `wavecast images build {ENV}` (needs "
        "Docker and Apptainer)"
    ]


def _edit_backend(root: Path, **container) -> None:
    data = {**BACKEND, "container": {**BACKEND["container"], **container}}
    (root / "config" / "backends" / f"{ENV}.yaml").write_text(yaml.safe_dump(data))


def test_a_failed_build_keeps_the_old_image(root, monkeypatch):
    image, _ = build_with_fake_tools(root, monkeypatch)
    before = image.read_bytes()
    (root / "docker/Dockerfile").write_text("FROM broken\n")
    with pytest.raises(ValidationError, match="`apptainer build` failed"):
        build_with_fake_tools(root, monkeypatch, fail="apptainer")
    assert image.read_bytes() == before
    assert [p.split("::")[1].split(":")[0] for p in problems(root)] == ["container.dockerfile"]


def test_without_docker_the_build_says_where_to_build(root, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(root))  # neither tool is installed here anyway
    assert main(["images", "build", ENV, "--root", str(root)]) == 1
    assert capsys.readouterr().err == (
        f"config/backends/{ENV}.yaml::container.dockerfile: docker and apptainer not found on "
        f"this machine; build where Docker and Apptainer are installed, then copy "
        f".wavecast/images/{ENV}.sif and its .json here\n"
    )


def test_cli_prints_the_commands_and_checks(root, capsys):
    assert main(["images", "build", ENV, "--print", "--root", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == build_commands(backend_of(root), ENV)
    assert main(["images", "check", ENV, "--root", str(root)]) == 1
    assert "is not built" in capsys.readouterr().err


def test_the_help_examples_use_no_shipped_environment(capsys):
    """They built `production`, which pulls its image: nothing to build. ENV stands for one
    that names a dockerfile, as in docs/operators.md."""
    assert main(["images", "build", "production", "--print", "--root", str(REPO)]) == 1
    assert capsys.readouterr().err == (
        "config/backends/production.yaml::container: this environment does not build an image "
        "(no container.dockerfile with runtime apptainer); nothing to build: the profile uses "
        "container.image as it is\n"
    )
    with pytest.raises(SystemExit):
        main(["images", "--help"])
    assert capsys.readouterr().out.split("examples:\n")[1] == (
        "  # ENV: an environment whose backend YAML has container.dockerfile (none of the shipped\n"
        "  # ones: production and staging pull their image, localdev uses none)\n"
        "  wavecast images build ENV --print   # the docker build + apptainer build commands\n"
        "  wavecast images build ENV           # runs them; the old image stays till both succeed\n"
        "  wavecast images check ENV           # exit 1: missing, or built from other inputs\n"
    )
    for command in ("build", "check"):
        with pytest.raises(SystemExit):
            main(["images", command, "--help"])
        examples = capsys.readouterr().out.split("examples:\n")[1]
        commands = [line for line in examples.splitlines() if "wavecast images" in line]
        assert commands and all(f"wavecast images {command} ENV" in c for c in commands)


def test_the_workflow_stops_before_any_job_without_the_image(root):
    """The real `snakemake -n` with the deployment keys a rendered profile sets (wavecast_env
    and the built image): it stops at load with the problem, in the working directory that
    holds config/backends/hpc.yaml."""
    work = make_workdir("small", root)
    args = ["--config", f"wavecast_env={ENV}", f"container_image={built_image_path(ENV)}"]
    proc = snakemake(work, "-n", "--cores", "1", *args, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "the container image cannot be used; nothing was run:" in output
    assert f"container.dockerfile: the image {root}/.wavecast/images/{ENV}.sif is not built" in (
        output
    )
    assert "Job stats" not in output
