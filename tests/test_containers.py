"""The container definitions, checked as text.

Neither Docker nor Apptainer can run on the machines these tests run on, so the images are not
built here. These checks stop the definitions drifting from the project: they install the
package, pin every dependency through the lock file, and do not run jobs as root. To build and
smoke-test for real (docs/operators.md):

    docker build -f containers/wavecast/Dockerfile -t wavecast:dev . && docker run wavecast:dev
    apptainer build wavecast.sif containers/wavecast/wavecast.def && apptainer test wavecast.sif
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "containers/wavecast/Dockerfile").read_text()
DEFFILE = (REPO / "containers/wavecast/wavecast.def").read_text()
LOCK = REPO / "envs/runtime.lock.txt"


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"envs/runtime.lock.txt: '{line}' is not pinned with =="
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_runtime_dependency_is_pinned_in_the_lock():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = lock_pins()
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, f"{name} is not in the lock"


def test_lock_matches_the_installed_versions_of_key_packages():
    from importlib.metadata import version

    pins = lock_pins()
    for name in ("snakemake", "pydantic", "numpy", "xarray"):
        assert pins[name] == version(name), f"{name}: lock {pins[name]}, installed {version(name)}"


@pytest.mark.parametrize("text", [DOCKERFILE, DEFFILE], ids=["Dockerfile", "wavecast.def"])
def test_base_image_is_pinned_to_a_version(text):
    base = re.search(r"^(?:FROM|From:)\s+(\S+)", text, re.M).group(1)
    name, _, tag = base.partition(":")
    assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), base


@pytest.mark.parametrize("text", [DOCKERFILE, DEFFILE], ids=["Dockerfile", "wavecast.def"])
def test_installs_the_lock_without_resolving_and_then_the_package(text):
    lock_install = text.index("pip install --no-deps -r /opt/wavecast/envs/runtime.lock.txt")
    package_install = text.index("pip install --no-deps /opt/wavecast")
    assert lock_install < package_install
    assert "import wavecast, snakemake" in text  # smoke check inside the build


def test_dockerfile_copies_what_the_package_needs_and_runs_as_non_root():
    assert "COPY src /opt/wavecast/src" in DOCKERFILE
    assert "COPY workflow /opt/wavecast/workflow" in DOCKERFILE
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    # a number, not a name: Kubernetes' runAsNonRoot refuses a container whose user it
    # cannot tell is non-root without reading the image's /etc/passwd
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]), users
    assert re.search(r"useradd .*--uid 1000 .*wavecast", DOCKERFILE)
    assert users[-1].split(":")[0] == "1000"  # the user useradd made


def test_apptainer_definition_has_files_user_and_a_test():
    for part in ("src /opt/wavecast/src", "workflow /opt/wavecast/workflow"):
        assert part in DEFFILE
    assert re.search(r"useradd .*--uid 1000 .*wavecast", DEFFILE)
    assert "%test" in DEFFILE and "wavecast --version" in DEFFILE


def test_the_default_image_tag_is_the_package_version():
    from wavecast import __version__

    common = (REPO / "workflow/rules/common.smk").read_text()
    assert 'f"docker://ghcr.io/wavecast/wavecast:{wavecast.__version__}"' in common
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__
    assert f"ghcr.io/wavecast/wavecast:{__version__}" in DOCKERFILE


def test_built_images_and_run_outputs_stay_out_of_git_and_the_build_context():
    """`wavecast images build` writes .wavecast/images/*.sif (gigabytes): neither committed nor
    sent to the Docker daemon on the next build, with results and environments."""
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", ".wavecast/images/production.sif", "results/x.nc"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == [".wavecast/images/production.sif", "results/x.nc"]
    patterns = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".wavecast", ".venv", ".snakemake", "results", "logs"} <= patterns
    for copied in ("envs/", "src", "workflow", "pyproject.toml"):
        assert copied in DOCKERFILE and copied.rstrip("/") not in patterns


S3_DOCKERFILE = (REPO / "containers/wavecast-s3/Dockerfile").read_text()
S3_LOCK = REPO / "envs/storage-s3.lock.txt"


def test_staging_image_adds_the_pinned_s3_plugin_to_the_runtime_image():
    """The staging image (Kubernetes, S3 default storage) is the runtime image plus the S3
    storage plugin at the lock's versions; it is built and `pip check`ed only where Docker runs
    (docs/operators.md). Resolving the lock against the runtime lock was checked by hand in a
    fresh venv: `pip install --no-deps` of both, then `pip check`."""
    from wavecast import __version__

    base = re.search(r"^ARG BASE=(\S+)", S3_DOCKERFILE, re.M).group(1)
    assert base == f"ghcr.io/wavecast/wavecast:{__version__}"
    assert re.search(r"^FROM \$\{BASE\}$", S3_DOCKERFILE, re.M)
    assert "pip install --no-deps -r /opt/wavecast/envs/storage-s3.lock.txt" in S3_DOCKERFILE
    assert "pip check" in S3_DOCKERFILE and "import snakemake_storage_plugin_s3" in S3_DOCKERFILE
    users = re.findall(r"^USER\s+(\S+)", S3_DOCKERFILE, re.M)
    assert users[-1] == "1000:1000", users  # back to the runtime image's user after installing
    assert f"-t ghcr.io/wavecast/wavecast-s3:{__version__} ." in S3_DOCKERFILE


def test_s3_lock_is_pinned_and_leaves_the_runtime_lock_alone_but_for_dateutil():
    runtime = lock_pins()
    pins = {}
    for line in S3_LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"envs/storage-s3.lock.txt: '{line}' is not pinned with =="
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    assert "snakemake-storage-plugin-s3" in pins and "boto3" in pins
    # botocore needs python-dateutil < 3: the one runtime pin this lock replaces
    assert {name for name in pins if name in runtime} == {"python-dateutil"}
    assert pins["python-dateutil"].startswith("2.")


def test_staging_runs_the_s3_image_and_production_the_plain_one():
    import yaml

    from wavecast import __version__

    backends = REPO / "config/backends"
    staging = yaml.safe_load((backends / "staging.yaml").read_text())
    production = yaml.safe_load((backends / "production.yaml").read_text())
    assert staging["container_image"] == f"ghcr.io/wavecast/wavecast-s3:{__version__}"
    assert production["container"]["image"] == f"docker://ghcr.io/wavecast/wavecast:{__version__}"
