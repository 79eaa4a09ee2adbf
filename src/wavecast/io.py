"""Atomic file writes: no half-written output survives a killed job.

Every writer puts the bytes into a temporary file *in the destination directory* (same
filesystem, so the final step is a rename, not a copy), flushes it, then moves it into place with
:func:`os.replace`, which is atomic on POSIX. A job killed mid-write (out of memory, time limit,
pre-emption) leaves at most a ``.<name>.*.tmp`` file behind, never a truncated ``<name>`` that
Snakemake or a later stage could mistake for a finished output; the next write of ``<name>``
removes it.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # xarray costs ~0.3 s to import; the byte/text writers (archive) skip it
    import xarray as xr

#: zlib level for float variables. Level 1 gets most of the size reduction of level 9 on smooth
#: model fields at a fraction of the CPU time, which is what a per-member job wants.
DEFAULT_COMPLEVEL = 1
#: Chunk shape of gridded fields with a time axis, e.g. ``hs (time, y, x)``: up to a day of
#: steps by up to 64 x 64 cells. A time series at one cell (station extraction) then decompresses
#: a few tiles instead of the whole variable (the demo at 400 x 400 cells, 72 h, 8 members:
#: extract_stations 4.5-5.2 s -> 1.0-1.2 s, benchmarks/results/
#: demo_walltime_grid400_ab_postprocess.json), while a map at one time still reads a third of a
#: 72-h variable. One member file measured once: 104.0 -> 101.3 MB, write 2.6 -> 2.4 s.
TIME_CHUNK = 24
TILE_CELLS = 64


#: Signals whose Python handlers raise an exception: Ctrl-C (KeyboardInterrupt) and the job's
#: own runtime limit (SIGALRM, :mod:`wavecast.deadline`).
HELD_SIGNALS = (signal.SIGINT, signal.SIGALRM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and the runtime limit while a NetCDF file is open; deliver them after.

    xarray wraps every HDF5 call in locks that are not re-entrant. An exception raised while
    one is being taken or given back (in the lock's own ``__enter__``/``__exit__``) leaves it
    taken, and closing the file in a ``finally`` then waits for it for good: a Ctrl-C or the
    runtime limit during a write hung the job until its hard stop (an hour on localdev).
    Held, the signal's handler runs as the block ends, with the file closed, and raises there
    as it would have (a temporary file is then removed as usual). Outside the main thread,
    where no handler runs, nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        # the first handler's exception ends the delivery: Ctrl-C first, as the user's stop
        # (a runtime limit after it would record the job as timed out)
        for signum in sorted(set(pending), key=lambda n: n != signal.SIGINT):
            signal.raise_signal(signum)


@contextlib.contextmanager
def open_netcdf(path: str | os.PathLike[str]) -> Iterator[xr.Dataset]:
    """Open a NetCDF file with xarray, Ctrl-C and the runtime limit held until it is closed
    (:func:`signals_held`). Load what the job needs inside the block, and compute or plot after
    it, so that a stop waits for file I/O only."""
    import xarray as xr

    with signals_held(), xr.open_dataset(path) as ds:
        yield ds


def file_stamp(path: str | os.PathLike[str]) -> dict | None:
    """A file's size and modification time (ns), or None when it cannot be read: what tells a
    replaced file from the one a result was made from, whichever time the new one carries
    (build_grid's rerun param, :func:`wavecast.config.bathymetry_in_use`, and the file depth
    kept at load, :func:`wavecast.grid.bathymetry_file_depth`)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_stale_temps(path: Path) -> None:
    """Remove the temporary files of earlier writes of ``path`` that were killed (SIGKILL,
    out of memory, a lost node): one job writes an output at a time, so any left is stale."""
    # mkstemp's names: '.<name>.' + 8 random characters + '.tmp', not another file's
    # ('.<name>.json.<8>.tmp')
    own = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if own.fullmatch(stale.name):
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def temp_path_next_to(path: Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path``; remove it unless it was moved into place,
    and first the ones killed writers of ``path`` left."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # name the file the caller wants, not the temp file
        raise OSError(exc.errno, f"cannot write here ({exc.strerror})", str(path)) from exc
    tmp_path = Path(tmp)
    try:
        os.close(fd)
        # mkstemp creates 0600; products on a shared cluster must be readable like any new file,
        # and a file being replaced (a backend YAML edited by `wavecast tune --write`) keeps its
        # mode.
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_current_umask()
        os.chmod(tmp, mode)
        yield tmp_path
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, check: Callable[[Path], object] | None = None
) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, then rename).

    ``check(temp_path)`` runs on the complete temp file before the rename; if it raises, ``path``
    is left as it was (``wavecast tune --write`` validates the edited backend YAML this way).
    """
    target = Path(path)
    with temp_path_next_to(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    return target


def write_text_atomic(
    path: str | os.PathLike[str],
    text: str,
    encoding: str = "utf-8",
    check: Callable[[Path], object] | None = None,
) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode(encoding), check)


def netcdf_encoding(
    ds: xr.Dataset, complevel: int = DEFAULT_COMPLEVEL
) -> dict[str, dict[str, Any]]:
    """Per-variable encoding: zlib for floating-point data variables, tiled chunks, and no
    ``_FillValue`` on floating-point coordinates.

    Fields with three or more dimensions, e.g. ``hs (time, y, x)``, are chunked by
    :func:`chunk_shape`; 2-D fields keep the library's default. An encoding already set on a
    data variable (``var.encoding``) wins over these defaults.

    xarray gives every float variable ``_FillValue = NaN``; CF checkers flag it on coordinates
    (``x``, ``y``, ``lat``, ``lon``, a station's position), which have no missing values. It is
    left off them even when they carry it from the file they were read from (run_member copies
    the grid's); their stored type is kept.
    """
    import numpy as np

    encoding: dict[str, dict[str, Any]] = {}
    for name, var in ds.coords.items():
        if np.issubdtype(var.dtype, np.floating):
            kept = {k: var.encoding[k] for k in ("dtype",) if k in var.encoding}
            encoding[str(name)] = {**kept, "_FillValue": None}
    for name, var in ds.data_vars.items():
        if not np.issubdtype(var.dtype, np.floating):
            continue
        enc: dict[str, Any] = {"zlib": complevel > 0, "complevel": complevel}
        if var.ndim >= 3 and var.size > 0:
            enc["chunksizes"] = chunk_shape(var.dims, var.shape)
        for key in ("zlib", "complevel", "_FillValue", "dtype"):
            if key in var.encoding:
                enc[key] = var.encoding[key]
        encoding[str(name)] = enc
    return encoding


def chunk_shape(dims: tuple[Any, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Chunk sizes for a variable of three or more dimensions.

    A gridded field (last two dimensions ``y``, ``x``): (y, x) in tiles of up to ``TILE_CELLS``
    a side, a ``time`` dimension in blocks of up to ``TIME_CHUNK`` steps, any other leading
    dimension (e.g. ``member``) one index per chunk. Anything else, e.g. station series on
    (station, member, time): one chunk per leading index, the last two dimensions whole.
    """
    if tuple(dims[-2:]) != ("y", "x"):
        return (1,) * (len(shape) - 2) + tuple(shape[-2:])
    leading = tuple(
        min(size, TIME_CHUNK) if dim == "time" else 1
        for dim, size in zip(dims[:-2], shape[:-2], strict=True)
    )
    return leading + tuple(min(size, TILE_CELLS) for size in shape[-2:])


def write_netcdf_atomic(
    ds: xr.Dataset, path: str | os.PathLike[str], complevel: int = DEFAULT_COMPLEVEL
) -> Path:
    """Write ``ds`` as NetCDF-4 (netCDF4 engine) to ``path`` atomically.

    Float data variables are zlib-compressed at ``complevel`` (0 disables compression); NaN is
    the ``_FillValue`` xarray writes for them, so land masked as NaN reads back as missing.
    Coordinates get no ``_FillValue`` (:func:`netcdf_encoding`).
    """
    target = Path(path)
    encoding = netcdf_encoding(ds, complevel)
    try:
        with temp_path_next_to(target) as tmp:
            with signals_held():
                ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
            _fsync_file(tmp)
            os.replace(tmp, target)
    except (RuntimeError, OSError) as exc:
        # HDF5 says only "NetCDF: HDF error" when the disk fills up; other errors say more
        hdf = isinstance(exc, RuntimeError) and "HDF error" in str(exc)
        full = _no_space(target, ds.nbytes) if hdf else None
        if full is None:
            raise
        raise full from exc
    return target


def _size(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _no_space(target: Path, needed: int) -> OSError | None:
    """HDF5 reports a full file system as ``NetCDF: HDF error``: name it, and the file, when
    less room is left than the data take before compression (the temporary file is gone)."""
    try:
        free = shutil.disk_usage(target.parent).free
    except OSError:
        return None
    if free >= needed:
        return None
    return OSError(
        errno.ENOSPC,
        f"no space left to write it: {_size(free)} free on its file system, and the data "
        f"take up to {_size(needed)} (less once compressed); free space or move results/ to a "
        "larger disk",
        str(target),
    )
