"""Archive a run's products with a provenance manifest (``results/archive_run/``).

``manifest.json`` records the sha256 and size of every product (paths relative to ``base_dir``),
every config file's path, sha256, text as written (comments kept) and parsed content
(``config/config.yaml`` and any ``--configfile``), the effective science config they add up to,
the software versions and the container the jobs ran in (``container``: runtime and image
reference; ``null`` on the host, e.g. localdev). The
``.tar.gz`` holds ``manifest.json`` first, then the products in path order, so it describes itself;
tar entries carry a fixed mtime (the manifest's creation time), uid/gid 0, empty user/group names
and mode 0644, and the gzip header carries no file name, so archiving the same products with the
same ``created`` time gives byte-identical archives.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import platform
import tarfile
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

import wavecast

from .io import temp_path_next_to, write_text_atomic

MANIFEST_NAME = "manifest.json"
#: 2: config.files (every config file) replaces config.path/sha256/content;
#: 3: container ({runtime, image} or null) replaces container_image (named even on the host);
#: 4: config.files[].text, each file as written (its sha256 is of that text), beside its content;
#: 5: config.files as the workflow read them when it loaded (paths in the working directory),
#: and config.command_line, the science values of --config.
MANIFEST_VERSION = 5
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _plain(value: Any) -> Any:
    """``value`` as JSON would read it back (YAML dates become ISO strings)."""
    return json.loads(json.dumps(value, default=_json_default))


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """The manifest as written: indented JSON with sorted keys and a final newline."""
    return json.dumps(manifest, indent=2, sort_keys=True, default=_json_default) + "\n"


def _utc(created: dt.datetime | None) -> dt.datetime:
    if created is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if created.tzinfo is None:
        raise ValueError("created must be timezone-aware (UTC), e.g. datetime(..., tzinfo=UTC)")
    return created.astimezone(dt.UTC).replace(microsecond=0)


def container_record(image: str, environ: Mapping[str, str], runtime: str) -> dict[str, str] | None:
    """The container this process runs in, as the manifest records it, or None on the host.

    ``runtime`` is what the deployment runs jobs in: ``apptainer`` (Snakemake's Apptainer
    deployment), ``kubernetes`` (pods of a profile that names their image) or ``""`` (none).
    The process confirms it from the environment the runtime gives every process: Apptainer
    sets ``APPTAINER_CONTAINER`` (``SINGULARITY_CONTAINER`` before 1.0) to the image file it
    runs; Kubernetes sets ``KUBERNETES_SERVICE_HOST`` in every pod. A run that merely started
    inside some other container or pod (a notebook server, a login-node image) is the host.
    ``image`` is the reference the workflow gives its rules.
    """
    sif = environ.get("APPTAINER_CONTAINER") or environ.get("SINGULARITY_CONTAINER")
    if runtime == "apptainer" and sif:
        return {"runtime": "apptainer", "image": image, "image_file": sif}
    if runtime == "kubernetes" and environ.get("KUBERNETES_SERVICE_HOST"):
        return {"runtime": "kubernetes", "image": image}
    return None


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(base_dir).resolve()).as_posix()
    except ValueError:
        msg = f"product {path} is not inside the archive base directory {base_dir}"
        raise ValueError(msg) from None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def build_manifest(
    products: Sequence[Path],
    base_dir: Path,
    config_files: Sequence[Mapping[str, str]],
    config_slice: Mapping[str, Any] | None,
    container: Mapping[str, str] | None,
    created: dt.datetime,
    command_line: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest dict, JSON-native (hashes every product and config file; writes nothing)."""
    entries: dict[str, Path] = {}
    for product in products:
        entries[_relative(Path(product), base_dir)] = Path(product)
    if MANIFEST_NAME in entries:
        raise ValueError(f"a product named {MANIFEST_NAME} at the top of {base_dir} would clash")
    return {
        "manifest_version": MANIFEST_VERSION,
        "created_utc": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": {
            "wavecast": wavecast.__version__,
            "snakemake": _package_version("snakemake"),
            "python": platform.python_version(),
        },
        "container": None if container is None else dict(container),
        "config": {
            "files": [_config_file(f["path"], f["text"]) for f in config_files],
            "command_line": _plain(dict(command_line or {})),
            "slice": _plain(config_slice),
        },
        "products": [
            {"path": rel, "sha256": sha256_file(path), "size_bytes": path.stat().st_size}
            for rel, path in sorted(entries.items())
        ],
    }


def _config_file(path: str, text: str) -> dict[str, Any]:
    return {
        "path": Path(path).as_posix(),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "text": text,
        "content": _plain(yaml.safe_load(text)),
    }


def _tarinfo(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def write_archive(
    manifest: Mapping[str, Any], base_dir: Path, out_tar: Path, mtime: int | None = None
) -> None:
    """Write ``out_tar`` (gzip) atomically: ``manifest.json`` then each listed product."""
    out_tar = Path(out_tar)
    if mtime is None:
        created = dt.datetime.strptime(manifest["created_utc"], "%Y-%m-%dT%H:%M:%SZ")
        mtime = int(created.replace(tzinfo=dt.UTC).timestamp())
    text = manifest_text(manifest).encode("utf-8")
    with temp_path_next_to(out_tar) as tmp:
        with (
            open(tmp, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as gz,
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            tar.addfile(_tarinfo(MANIFEST_NAME, len(text), mtime), io.BytesIO(text))
            for entry in manifest["products"]:
                path = Path(base_dir) / entry["path"]
                with open(path, "rb") as fh:
                    tar.addfile(_tarinfo(entry["path"], entry["size_bytes"], mtime), fh)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out_tar)


def archive_run(
    products: Sequence[Path],
    base_dir: Path,
    config_files: Sequence[Mapping[str, str]],
    config_slice: Mapping[str, Any] | None,
    container: Mapping[str, str] | None,
    out_tar: Path,
    out_manifest: Path,
    *,
    command_line: Mapping[str, Any] | None = None,
    created: dt.datetime | None = None,
) -> dict[str, Any]:
    """Write the products archive and ``manifest.json``; return the manifest.

    ``products`` must lie under ``base_dir`` (their manifest paths are relative to it);
    ``config_files`` are the config files Snakemake read (``path`` and ``text`` as
    :func:`wavecast.config.config_files_as_read` read them when the workflow loaded), in the
    order it lists them (``--configfile`` files first, the Snakefile's ``configfile`` last,
    although that one is read first and the others override it), each recorded with its
    content; ``command_line`` the ``--config`` values, which override them; and
    ``config_slice`` the effective science config they add up to; ``container`` what
    :func:`container_record` says (None: the jobs ran on the host); ``created`` (timezone-aware)
    defaults to now, whole seconds, UTC.
    """
    out_tar, out_manifest = Path(out_tar), Path(out_manifest)
    for product in products:
        if Path(product).resolve() in (out_tar.resolve(), out_manifest.resolve()):
            raise ValueError(f"{product} is an output of the archive, not a product")
    manifest = build_manifest(
        products, base_dir, config_files, config_slice, container, _utc(created), command_line
    )
    write_archive(manifest, base_dir, out_tar)
    write_text_atomic(out_manifest, manifest_text(manifest))
    return manifest


def verify_manifest(manifest_path: Path, base_dir: Path) -> list[str]:
    """Compare the products listed in a manifest with the files under ``base_dir``.

    Returns one line per mismatch (missing file, size or sha256 differs, unsafe path); an empty
    list means every product is intact. Config files are not checked (they may live elsewhere).
    Works on an extracted archive too: ``verify_manifest(dir / "manifest.json", dir)``.
    """
    manifest_path = Path(manifest_path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = list(manifest["products"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{manifest_path}: cannot read the product list ({exc})"]
    problems: list[str] = []
    for entry in entries:
        rel = str(entry.get("path", ""))
        pure = PurePosixPath(rel)
        if not rel or pure.is_absolute() or ".." in pure.parts:
            problems.append(f"{rel or '<empty>'}: unsafe path in the manifest")
            continue
        path = Path(base_dir) / pure
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        size = path.stat().st_size
        if size != entry.get("size_bytes"):
            problems.append(f"{rel}: size is {size} bytes, manifest says {entry.get('size_bytes')}")
            continue
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            problems.append(f"{rel}: sha256 is {digest}, manifest says {entry.get('sha256')}")
    return problems
