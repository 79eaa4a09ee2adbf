"""``wavecast backends`` and ``wavecast profiles install``, in-process with capsys."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from wavecast.backends.load import load_backend, validate_data
from wavecast.backends.models import REQUIRED_BY_CHECKS
from wavecast.backends.template import EXAMPLES
from wavecast.backends.units import parse_memory, runtime_minutes
from wavecast.cli.main import main
from wavecast.cli.profiles import install_dir
from wavecast.errors import ValidationError

ROOT = Path(__file__).parents[1]
BACKENDS = sorted((ROOT / "config" / "backends").glob("*.yaml"))


def test_validate_ok_per_file(capsys) -> None:
    assert main(["backends", "validate", *map(str, BACKENDS)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{p}: ok" for p in BACKENDS]
    assert captured.err == "", "the shipped backends pin their images: no warning"


def test_validate_reports_every_bad_file_and_still_ok_for_good_ones(capsys) -> None:
    bad = ROOT / "tests" / "backends_bad"
    files = [str(BACKENDS[0]), str(bad / "unknown_type.yaml"), str(bad / "unknown_key.yaml")]
    assert main(["backends", "validate", *files]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{BACKENDS[0]}: ok"]
    assert len(captured.err.splitlines()) == 2


LATEST_WARNING = (
    "container.image: the tag 'latest' names whichever image was pushed last, and Snakemake "
    "pulls a docker:// reference once and reuses the .sif it cached under that name: an image "
    "rebuilt under it is not seen; pin a version tag, e.g. "
    "'docker://ghcr.io/wavecast/wavecast:0.1.0', or a digest"
)


@pytest.mark.parametrize(
    "image", ["docker://ghcr.io/wavecast/wavecast:latest", "ghcr.io/wavecast/wavecast:latest"]
)
def test_validate_warns_about_the_latest_tag_and_still_says_ok(image, tmp_path, capsys) -> None:
    path = tmp_path / "hpc.yaml"
    container = {"runtime": "apptainer", "image": image}
    path.write_text(yaml.safe_dump({"type": "local", "container": container}))
    assert main(["backends", "validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{path}: ok"]
    assert captured.err.splitlines() == [f"warning: {path}::{LATEST_WARNING}"]


@pytest.mark.parametrize(
    ("image", "warns"),
    [
        ("ghcr.io/wavecast/wavecast-s3:latest", True),
        ("ghcr.io/wavecast/wavecast-s3:0.1.0", False),
        ("ghcr.io/wavecast/wavecast-s3@sha256:" + "a" * 64, False),
    ],
)
def test_validate_warns_about_a_floating_kubernetes_image(image, warns, tmp_path, capsys) -> None:
    """Kubernetes pulls ':latest' for every pod: one run's jobs may run different images."""
    data = yaml.safe_load((ROOT / "config" / "backends" / "staging.yaml").read_text())
    data["container_image"] = image
    path = tmp_path / "staging.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["backends", "validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{path}: ok"]
    expected = (
        f"warning: {path}::container_image: the tag 'latest' names whichever image was pushed "
        "last, and every pod pulls it again (Kubernetes' imagePullPolicy Always): the jobs of one "
        "run may run different images, and the archive's manifest cannot say which; pin a version "
        "tag, e.g. 'ghcr.io/wavecast/wavecast-s3:0.1.0', or a digest"
    )
    assert captured.err.splitlines() == ([expected] if warns else [])


def test_build_warns_about_the_latest_tag_as_validate_does(tmp_path, monkeypatch, capsys) -> None:
    """`profiles build` is where an operator renders the edited YAML: it warns too, and still
    writes the profile."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    production = tmp_path / "config" / "backends" / "production.yaml"
    text = production.read_text()
    pinned = re.search(r"docker://ghcr\.io/wavecast/wavecast:[\w.]+", text)
    assert pinned, "production.yaml pins a docker:// image"
    production.write_text(text.replace(pinned[0], "docker://ghcr.io/wavecast/wavecast:latest"))
    assert main(["profiles", "build", "production", "--root", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["profiles/production/profile.yaml: written"]
    warning = f"warning: config/backends/production.yaml::{LATEST_WARNING}"
    assert captured.err.splitlines() == [warning]


def test_list_comes_from_the_models(capsys) -> None:
    assert main(["backends", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["local", "slurm", "kubernetes"]
    assert "sbatch" in lines[1]


@pytest.mark.parametrize("kind", [None, "local", "slurm", "kubernetes"])
def test_schema(kind, tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.json"
    argv = ["backends", "schema", "-o", str(out)] + (["--type", kind] if kind else [])
    assert main(argv) == 0
    doc = json.loads(out.read_text())
    assert doc["$schema"].endswith("2020-12/schema")
    if kind == "slurm":
        assert doc["properties"]["partition"]["description"] == "SLURM partition (sbatch -p)."


def test_committed_examples_validate_against_the_json_schema() -> None:
    import jsonschema

    schema = json.loads((ROOT / "workflow" / "schemas" / "backend.schema.json").read_text())
    for path in BACKENDS:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize("kind", ["local", "slurm", "kubernetes"])
@pytest.mark.parametrize("examples", [False, True])
def test_create_writes_a_commented_template_that_validates(
    kind: str, examples: bool, tmp_path: Path, capsys
) -> None:
    out = tmp_path / f"{kind}.yaml"
    argv = ["backends", "create", "--type", kind, "-o", str(out)]
    assert main(argv + (["--with-examples"] if examples else [])) == 0
    text = out.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "# retries: 2" in text
    assert load_backend(out).type == kind
    assert main(argv) == 1  # refuses to overwrite
    assert "already exists" in capsys.readouterr().err


def test_help_has_examples_on_every_command(capsys) -> None:
    for argv in (
        ["backends"],
        ["backends", "validate"],
        ["backends", "list"],
        ["backends", "schema"],
        ["backends", "create"],
        ["profiles", "build"],
        ["profiles", "check"],
        ["profiles", "install"],
        ["show"],
    ):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        assert "examples:" in capsys.readouterr().out, argv


@pytest.mark.parametrize("flag", [[], ["--user"]])
def test_install_user_copies_profiles(flag, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)  # the default: ~/.config
    assert main(["profiles", "install", *flag, "--root", str(ROOT)]) == 0
    for env in ("localdev", "staging", "production"):
        installed = tmp_path / "home" / ".config" / "snakemake" / env / "profile.yaml"
        assert installed.read_bytes() == (ROOT / "profiles" / env / "profile.yaml").read_bytes()


def test_install_refuses_stale_profiles(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    (tmp_path / "profiles" / "localdev" / "profile.yaml").write_text("executor: local\n")
    assert main(["profiles", "install", "--root", str(tmp_path)]) == 1
    assert not (tmp_path / "home" / ".config").exists()
    assert not install_dir(site=False).exists()  # $XDG_CONFIG_HOME/snakemake (conftest)


def test_install_env_needs_only_its_own_profile_current(tmp_path: Path, monkeypatch, capsys):
    """Another environment's stale profile, or its broken backend YAML, refused the install of
    production too; now it is a warning, and the stale one is still refused."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    (tmp_path / "profiles" / "localdev" / "profile.yaml").write_text("executor: local\n")
    (tmp_path / "config" / "backends" / "staging.yaml").write_text("type: local\njobs: many\n")
    root = ["--root", str(tmp_path)]
    assert main(["profiles", "install", "production", *root]) == 0
    out, err = capsys.readouterr()
    installed = tmp_path / "xdg" / "snakemake" / "production" / "profile.yaml"
    assert out == f"installed {installed} (snakemake --profile production)\n"
    assert err.splitlines() == [
        "warning: profiles/localdev/profile.yaml: out of date with config/backends/localdev.yaml "
        "(not installed); regenerate with: wavecast profiles build localdev",
        "warning: config/backends/staging.yaml::jobs: expected a whole number, got 'many'; "
        "write e.g. 4",
    ]
    assert installed.read_bytes() == (ROOT / "profiles/production/profile.yaml").read_bytes()
    assert main(["profiles", "install", "localdev", *root]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("--- profiles/localdev/profile.yaml (committed)\n")
    assert err == "profiles are out of date; build them before installing\n"
    assert not (tmp_path / "xdg" / "snakemake" / "localdev").exists()


def test_install_refuses_and_check_warns_about_a_file_read_instead(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """An installed profile directory with a file Snakemake prefers (`config.v8+.yaml`):
    installing beside it would change nothing `snakemake --profile production` does."""
    from snakemake.cli import get_profile_dir

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    root = ["--root", str(ROOT)]
    assert main(["profiles", "install", "production", *root]) == 0
    stray = tmp_path / "xdg" / "snakemake" / "production" / "config.v8+.yaml"
    stray.write_text("executor: local\n")
    assert get_profile_dir("production") == (stray.parent, stray)
    capsys.readouterr()
    message = (
        f"{stray}: Snakemake reads one file of a profile directory, the highest '.vN+' of "
        "profile*.yaml and config*.yaml, so it may read this one and ignore profile.yaml beside "
        "it; delete config.v8+.yaml (give your own settings on the command line)"
    )
    assert main(["profiles", "install", "localdev", "production", *root]) == 1
    assert capsys.readouterr().err.strip() == message
    assert not (tmp_path / "xdg" / "snakemake" / "localdev").exists()  # nothing copied
    assert main(["profiles", "check", *root]) == 0  # the committed profiles are in sync
    assert capsys.readouterr().err.strip() == f"warning: {message}"


def test_site_install_dir(monkeypatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_DIRS", raising=False)
    assert install_dir(site=True) == Path("/etc/xdg/snakemake")


def test_snakemake_finds_the_installed_profile_by_name_under_xdg_config_home(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """Snakemake's own lookup (`--profile production`) is the judge of where to install."""
    from snakemake.cli import get_profile_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)  # not the repository, whose profiles/ is no search directory
    assert main(["profiles", "install", "production", "--root", str(ROOT)]) == 0
    installed = tmp_path / "xdg" / "snakemake" / "production" / "profile.yaml"
    assert get_profile_dir("production") == (installed.parent, installed)
    assert not (tmp_path / "home" / ".config").exists()


def test_check_and_build_warn_about_a_stale_installed_copy(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "site"))
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    root = ["--root", str(tmp_path)]
    assert main(["profiles", "install", "production", *root]) == 0
    assert main(["profiles", "check", *root]) == 0
    assert "warning" not in capsys.readouterr().err
    production = tmp_path / "config" / "backends" / "production.yaml"
    production.write_text(production.read_text().replace("jobs: 200", "jobs: 150"))
    assert main(["profiles", "build", "production", *root]) == 0
    installed = tmp_path / "xdg" / "snakemake" / "production" / "profile.yaml"
    warning = (
        f"warning: {installed}: installed copy differs from profiles/production/profile.yaml, "
        "and `snakemake --profile production` uses it; run wavecast profiles install production"
    )
    assert capsys.readouterr().err.strip() == warning
    assert main(["profiles", "check", *root]) == 0  # the committed profiles are in sync
    assert capsys.readouterr().err.strip() == warning
    assert main(["profiles", "install", "production", *root]) == 0
    assert main(["profiles", "check", *root]) == 0
    assert "warning" not in capsys.readouterr().err


def test_units() -> None:
    assert [parse_memory(t) for t in ("512m", "2g", "1.5t", "1.5G", "0.5m")] == [
        512,
        2048,
        1572864,
        1536,
        1,
    ]
    assert [runtime_minutes(s) for s in (60, 61, 3600, 86400)] == [1, 2, 60, 1440]


SECRET_NAMES = ["API_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "key", "SSH_KEYS"]
#: Found only since TOKEN/SECRET/PASSWORD/PASSWD/PASSPHRASE count inside words and PAT,
#: APIKEY and CREDENTIAL(S) count as words.
SECRET_NAMES_RUN_TOGETHER = [
    "DBPASSWORD",
    "PGPASSWD",
    "GITHUBTOKEN",
    "access_tokens",
    "CLIENTSECRET",
    "GPG_PASSPHRASE",
    "GITHUB_PAT",
    "MAPS_APIKEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "DB_CREDENTIAL",
]
NOT_SECRET_NAMES = [
    "MONKEY",
    "KEYBOARD_LAYOUT",
    "TOKENIZER",
    "TOKENIZERS_PARALLELISM",
    "OMP_PLACES",
    "PATH",
    "PYTHONPATH",
    "PATTERN",
    "KEYRING_BACKEND",
    "HOCKEY_TEAM",
]


def test_secret_names() -> None:
    """Words anywhere for the unmistakable ones; KEY, PAT, ... only as whole words."""
    from wavecast.backends.models import is_secret_name

    assert all(map(is_secret_name, SECRET_NAMES + SECRET_NAMES_RUN_TOGETHER))
    assert not any(map(is_secret_name, NOT_SECRET_NAMES))
    image = {"runtime": "apptainer", "image": "docker://ghcr.io/wavecast/wavecast:0.1.0"}
    literal = dict.fromkeys(NOT_SECRET_NAMES, "x")
    assert validate_data({"type": "local", "container": image, "env_vars": literal}, "env.yaml")


@pytest.mark.parametrize("name", SECRET_NAMES_RUN_TOGETHER)
def test_a_run_together_secret_name_needs_a_reference(name) -> None:
    image = {"runtime": "apptainer", "image": "docker://ghcr.io/wavecast/wavecast:0.1.0"}
    data = {"type": "local", "container": image, "env_vars": {name: "x"}}
    with pytest.raises(ValidationError) as err:
        validate_data(data, "env.yaml")
    assert [str(p) for p in err.value.problems] == [
        f"env.yaml::env_vars.{name}: looks like a secret but has a literal value (it would be "
        f"written into the profile); write '${{{name}}}' and export {name} in the shell that "
        "runs snakemake"
    ]
    assert validate_data({**data, "env_vars": {name: f"${{{name}}}"}}, "env.yaml")


def test_top_level_timeout_is_the_default_and_both_is_an_error() -> None:
    from wavecast.backends.resolve import resolve

    backend = validate_data({"type": "local", "timeout": 120}, "x")
    assert {r.runtime for r in resolve(backend)} == {2}
    with pytest.raises(Exception, match="given twice"):
        validate_data({"type": "local", "timeout": 120, "defaults": {"timeout": 60}}, "x")


def test_an_unwritten_top_level_timeout_under_defaults_timeout_is_not_held_to_limits() -> None:
    """defaults.timeout replaces the top-level default: its 3600 s is no job's, so limits.timeout
    below it is no problem (and writing timeout lower would only be 'given twice')."""
    data = {"type": "local", "defaults": {"timeout": 300}, "limits": {"timeout": 600}}
    assert validate_data(data, "x").defaults.timeout == 300


@pytest.mark.parametrize(
    ("kind", "key"),
    [(kind, key) for kind, keys in REQUIRED_BY_CHECKS.items() for key in keys],
)
def test_keys_the_checks_require_are_required_in_the_schema_too(kind, key, tmp_path, capsys):
    """jobs (cluster backends) and storage (Kubernetes) are optional fields, so that a file
    without them still gets every other check; the checks refuse it, and the schema an
    editor reads says so as well."""
    data = {k: v for k, v in EXAMPLES[kind].items() if k != key}
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["backends", "validate", str(path)]) == 1
    assert f"{path}::{key}: required" in capsys.readouterr().err
    schema = json.loads((ROOT / "workflow" / "schemas" / "backend.schema.json").read_text())
    assert key in schema["$defs"][f"{kind.capitalize()}Backend"]["required"]
    jsonschema.validate(EXAMPLES[kind], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
