from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import wavecast
from wavecast import stages
from wavecast.archive import archive_run, container_record, verify_manifest
from wavecast.config import config_files_as_read

CREATED = dt.datetime(2024, 9, 2, 6, 30, 15, tzinfo=dt.UTC)
CONFIG_TEXT = "scenario: tc-demo\nensemble:\n  members: 3\nstart: 2024-09-01\n"
EXTRA_TEXT = "plotting:\n  dpi: 80\n"
IMAGE = "ghcr.io/wavecast/wavecast:0.1.0"
SIF = "/home/u/.snakemake/singularity/1f3a.simg"


@pytest.fixture
def run(tmp_path: Path) -> dict[str, Path | list[Path]]:
    """A results/ tree with a few product files (binary and text) and a config file."""
    results = tmp_path / "results"
    files = {
        "summarise_ensemble/ensemble.nc": bytes(range(256)) * 40,
        "summarise_ensemble/summary.json": b'{"n_members": 3}\n',
        "extract_stations/stations.csv": b"station,member,time,hs_m\nA,000,2024,1.0\n",
        "plot_maps/max_hs_map.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 500,
    }
    products = []
    for rel, data in files.items():
        path = results / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        products.append(path)
    config = tmp_path / "config" / "config.yaml"
    config.parent.mkdir()
    config.write_text(CONFIG_TEXT)
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_TEXT)
    return {"results": results, "products": products, "config": config, "extra": extra}


def make_archive(run: dict, out_dir: Path, products: list[Path] | None = None) -> dict:
    return archive_run(
        products=list(reversed(products or run["products"])),
        base_dir=run["results"],
        config_files=config_files_as_read([run["config"], run["extra"]]),
        config_slice={"scenario": "tc-demo", "ensemble": {"members": 3}},
        container=container_record(IMAGE, {"APPTAINER_CONTAINER": SIF}, "apptainer"),
        out_tar=out_dir / "wavecast_products.tar.gz",
        out_manifest=out_dir / "manifest.json",
        created=CREATED,
    )


def job_params(read, runtime="", command_line=None, science=None) -> dict[str, str]:
    """archive_run's params as the rule passes them; ``read``: config_files_as_read's records."""
    return {
        "config_files": json.dumps(read),
        "command_line": json.dumps(command_line or {}),
        "science": json.dumps(science or {}),
        "image": IMAGE,
        "container_runtime": runtime,
    }


def test_manifest_records_hashes_config_and_provenance(run: dict, tmp_path: Path) -> None:
    out = run["results"] / "archive_run"
    manifest = make_archive(run, out)

    assert json.loads((out / "manifest.json").read_text()) == manifest
    paths = [p["path"] for p in manifest["products"]]
    assert paths == sorted(paths)
    assert set(paths) == {
        "extract_stations/stations.csv",
        "plot_maps/max_hs_map.png",
        "summarise_ensemble/ensemble.nc",
        "summarise_ensemble/summary.json",
    }
    for entry in manifest["products"]:
        data = (run["results"] / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size_bytes"] == len(data)
    first, extra = manifest["config"]["files"]
    assert first["path"] == run["config"].as_posix()
    assert first["sha256"] == hashlib.sha256(CONFIG_TEXT.encode()).hexdigest()
    assert first["content"]["ensemble"] == {"members": 3}
    assert extra["path"] == run["extra"].as_posix()
    assert extra["sha256"] == hashlib.sha256(EXTRA_TEXT.encode()).hexdigest()
    assert extra["content"] == {"plotting": {"dpi": 80}}
    assert manifest["config"]["slice"] == {"scenario": "tc-demo", "ensemble": {"members": 3}}
    assert manifest["software"]["wavecast"] == wavecast.__version__
    assert manifest["software"]["python"] == platform.python_version()
    assert manifest["software"]["snakemake"]
    assert manifest["container"] == {"runtime": "apptainer", "image": IMAGE, "image_file": SIF}
    assert manifest["created_utc"] == "2024-09-02T06:30:15Z"
    assert first["content"]["start"] == "2024-09-01"  # YAML date -> ISO text


def test_the_manifest_records_the_config_the_workflow_read(run: dict, tmp_path, monkeypatch):
    """The archive job takes the config files' text from its params, read when the workflow
    loaded: an edit made while the run goes (the next experiment, prepared meanwhile) does not
    reach the manifest of products made from the text before it. The `--config` values, which
    override the files, are recorded beside them."""
    read = config_files_as_read([run["config"]])
    run["config"].write_text("scenario: the-next-experiment\n")
    monkeypatch.chdir(tmp_path)
    products = {f"p{i}": str(p.relative_to(tmp_path)) for i, p in enumerate(run["products"])}
    out = {"archive": "results/archive_run/a.tar.gz", "manifest": "results/archive_run/m.json"}
    params = job_params(
        read, command_line={"scenario": "tc-x"}, science={"scenario": "tc-x", "members": 3}
    )
    stages.archive_run({**products, "configs": [str(run["config"])]}, out, params)
    manifest = json.loads(Path(out["manifest"]).read_text())
    (config,) = manifest["config"]["files"]
    assert config["text"] == CONFIG_TEXT
    assert config["sha256"] == hashlib.sha256(CONFIG_TEXT.encode()).hexdigest()
    assert config["content"]["scenario"] == "tc-demo"
    assert manifest["config"]["command_line"] == {"scenario": "tc-x"}
    assert manifest["config"]["slice"]["scenario"] == "tc-x"
    assert verify_manifest(Path(out["manifest"]), Path("results")) == []


def test_manifest_keeps_each_config_file_as_written(run: dict, tmp_path: Path) -> None:
    """A comment or the order of keys reruns the archive (docs/scientists.md: "the archive
    keeps the file as written"): the manifest holds the text itself, not only its parsed
    content, so the file can be written back byte for byte and checked against its sha256."""
    written = "# storm B, for the report\nensemble: {members: 3}   # three\nscenario: b\n"
    run["config"].write_text(written)
    manifest = make_archive(run, tmp_path / "out")
    first = manifest["config"]["files"][0]
    assert first["text"] == written
    assert hashlib.sha256(first["text"].encode()).hexdigest() == first["sha256"]
    assert first["content"] == {"ensemble": {"members": 3}, "scenario": "b"}
    with tarfile.open(tmp_path / "out" / "wavecast_products.tar.gz") as tar:
        archived = json.load(tar.extractfile("manifest.json"))
    assert archived["config"]["files"][0]["text"] == written


APPTAINER = {"runtime": "apptainer", "image": IMAGE, "image_file": SIF}


@pytest.mark.parametrize(
    ("runtime", "environ", "expected"),
    [
        ("", {}, None),
        ("", {"HOME": "/home/u", "PATH": "/usr/bin"}, None),
        ("apptainer", {"APPTAINER_CONTAINER": SIF}, APPTAINER),
        # Apptainer < 1.0 and SingularityCE name the variable the old way
        ("apptainer", {"SINGULARITY_CONTAINER": SIF}, APPTAINER),
        (
            "kubernetes",
            {"KUBERNETES_SERVICE_HOST": "10.0.0.1"},
            {"runtime": "kubernetes", "image": IMAGE},
        ),
        # a run that only started inside another container or pod ran on its host
        ("", {"APPTAINER_CONTAINER": SIF}, None),
        ("", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, None),
        ("apptainer", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, None),
        # the deployment asked for a container the process is not in
        ("apptainer", {}, None),
        ("kubernetes", {}, None),
    ],
)
def test_container_record_follows_the_deployment_and_the_environment(
    runtime, environ, expected
) -> None:
    """What the runtimes set in every process they start. Apptainer and a Kubernetes pod cannot
    run here: the variables are given as they would find them (the localdev pipeline test checks
    the host case in a real run)."""
    assert container_record(IMAGE, environ, runtime) == expected


def test_archive_job_reads_its_own_environment(run: dict, tmp_path: Path, monkeypatch) -> None:
    """stages.archive_run hands its process environment and the deployment's runtime to
    container_record."""
    monkeypatch.chdir(tmp_path)  # the job archives results/ of its working directory
    for name in ("APPTAINER_CONTAINER", "SINGULARITY_CONTAINER", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)  # CI may itself run in a container
    inputs = {f"p{i}": str(p) for i, p in enumerate(run["products"])}
    inputs["configs"] = [str(run["config"])]
    outputs = {"archive": str(tmp_path / "a.tar.gz"), "manifest": str(tmp_path / "m.json")}

    def recorded(runtime: str) -> dict | None:
        stages.archive_run(
            inputs, outputs, job_params(config_files_as_read([run["config"]]), runtime=runtime)
        )
        return json.loads(Path(outputs["manifest"]).read_text())["container"]

    assert recorded("kubernetes") is None
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    assert recorded("kubernetes") == {"runtime": "kubernetes", "image": IMAGE}
    assert recorded("") is None


def test_tar_holds_manifest_then_products_normalised(run: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = make_archive(run, out)

    with tarfile.open(out / "wavecast_products.tar.gz") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == ["manifest.json", *[p["path"] for p in manifest["products"]]]
        assert tar.extractfile("manifest.json").read() == (out / "manifest.json").read_bytes()
        for entry in manifest["products"]:
            data = tar.extractfile(entry["path"]).read()
            assert data == (run["results"] / entry["path"]).read_bytes()
        epoch = int(CREATED.timestamp())
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {
            (epoch, 0, 0, "", "", 0o644)
        }
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "wavecast_products.tar.gz"]


def test_extracted_archive_verifies(run: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_archive(run, out)
    extracted = tmp_path / "extracted"
    with tarfile.open(out / "wavecast_products.tar.gz") as tar:
        tar.extractall(extracted, filter="data")
    assert verify_manifest(extracted / "manifest.json", extracted) == []


def test_archive_is_deterministic_for_a_fixed_created_time(run: dict, tmp_path: Path) -> None:
    make_archive(run, tmp_path / "a")
    make_archive(run, tmp_path / "b", products=run["products"][::-1])
    for name in ("wavecast_products.tar.gz", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_archive_and_manifest_are_readable_like_any_new_file(run: dict, tmp_path: Path) -> None:
    """Products on a shared cluster follow the umask (0644 here), not mkstemp's 0600."""
    old = os.umask(0o022)
    try:
        make_archive(run, tmp_path / "out")
    finally:
        os.umask(old)
    for name in ("wavecast_products.tar.gz", "manifest.json"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o644, name


def test_verify_manifest_reports_tampering(run: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_archive(run, out)
    results = run["results"]
    assert verify_manifest(out / "manifest.json", results) == []

    csv = results / "extract_stations/stations.csv"
    csv.write_bytes(csv.read_bytes().replace(b"1.0", b"9.0"))  # same size, other content
    (results / "plot_maps/max_hs_map.png").write_bytes(b"short")
    (results / "summarise_ensemble/summary.json").unlink()
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    manifest = json.loads((out / "manifest.json").read_text())
    recorded = {p["path"]: p for p in manifest["products"]}

    assert verify_manifest(out / "manifest.json", results) == [
        f"extract_stations/stations.csv: sha256 is {digest}, manifest says "
        f"{recorded['extract_stations/stations.csv']['sha256']}",
        "plot_maps/max_hs_map.png: size is 5 bytes, manifest says "
        f"{recorded['plot_maps/max_hs_map.png']['size_bytes']}",
        "summarise_ensemble/summary.json: missing",
    ]


def test_verify_manifest_refuses_paths_leaving_base_dir(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"products": [{"path": "../etc/passwd", "sha256": "x"}]}))
    assert verify_manifest(manifest, tmp_path) == ["../etc/passwd: unsafe path in the manifest"]


def test_product_outside_base_dir_is_refused(run: dict, tmp_path: Path) -> None:
    stray = tmp_path / "stray.txt"
    stray.write_text("x")
    with pytest.raises(ValueError, match="not inside the archive base directory"):
        make_archive(run, tmp_path / "out", products=[*run["products"], stray])
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_created_time_must_be_timezone_aware(run: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        archive_run(
            run["products"],
            run["results"],
            [run["config"]],
            None,
            IMAGE,
            tmp_path / "a.tar.gz",
            tmp_path / "m.json",
            created=dt.datetime(2024, 1, 1),
        )


def test_the_archive_job_does_not_import_xarray() -> None:
    """archive_run's job imports wavecast.stages and wavecast.archive only: no xarray/numpy
    (≈ 0.3 s of a job that sits on the serial tail of every run)."""
    code = (
        "import sys, wavecast.stages, wavecast.archive; "
        "print(sorted(m for m in ('xarray', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
