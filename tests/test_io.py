"""Atomic writes: nothing half-written, no temp file left, permissions like any new file."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from wavecast.deadline import RuntimeLimitReached
from wavecast.io import open_netcdf, signals_held, write_netcdf_atomic, write_text_atomic

from .common import default_sigint


def test_outputs_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "a.json", "{}")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path):
    """A user's file rewritten in place (`wavecast tune --write`) stays as private as it was."""
    path = tmp_path / "production.yaml"
    path.write_text("old")
    path.chmod(0o600)
    write_text_atomic(path, "new")
    assert (path.read_text(), path.stat().st_mode & 0o777) == ("new", 0o600)


def test_a_failed_write_leaves_neither_output_nor_temp_file(tmp_path):
    ds = xr.Dataset({"v": ("x", np.arange(3.0))})
    target = tmp_path / "out.nc"

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom

    original = xr.Dataset.to_netcdf
    xr.Dataset.to_netcdf = explode
    try:
        with pytest.raises(Boom):
            write_netcdf_atomic(ds, target)
    finally:
        xr.Dataset.to_netcdf = original
    assert list(tmp_path.iterdir()) == []


def test_netcdf_round_trip(tmp_path):
    ds = xr.Dataset({"v": (("y", "x"), np.arange(6.0).reshape(2, 3))})
    with xr.open_dataset(write_netcdf_atomic(ds, tmp_path / "sub" / "o.nc")) as back:
        np.testing.assert_array_equal(back["v"].values, ds["v"].values)


def test_time_fields_are_written_in_tiles(tmp_path):
    """(time, y, x) in blocks of 24 steps x 64 x 64 cells, so a point's series reads a few tiles;
    other leading dimensions one index per chunk; sizes below a block stay whole."""
    rng = np.random.default_rng(7)
    ds = xr.Dataset(
        {
            "hs": (("time", "y", "x"), rng.random((30, 70, 130), dtype=np.float32)),
            "max_hs_member": (("member", "y", "x"), rng.random((3, 70, 130))),
            "depth": (("y", "x"), rng.random((70, 130))),
        }
    )
    with xr.open_dataset(write_netcdf_atomic(ds, tmp_path / "t.nc")) as back:
        assert back["hs"].encoding["chunksizes"] == (24, 64, 64)
        assert back["max_hs_member"].encoding["chunksizes"] == (1, 64, 64)
        assert back["hs"].encoding["zlib"] is True
        for name in ds.data_vars:
            np.testing.assert_array_equal(back[name].values, ds[name].values)
        # a series across the time-block boundary, in the last partial tile
        np.testing.assert_array_equal(back["hs"][:, 69, 129].values, ds["hs"].values[:, 69, 129])
    small = xr.Dataset(
        {
            "hs": (("time", "y", "x"), rng.random((100, 10, 20))),
            "series": (("station", "member", "time"), rng.random((3, 8, 100))),
        }
    )
    with xr.open_dataset(write_netcdf_atomic(small, tmp_path / "s.nc")) as back:
        assert back["hs"].encoding["chunksizes"] == (24, 10, 20)
        assert back["series"].encoding["chunksizes"] == (1, 8, 100)  # not a (y, x) field


def raw_attrs(path, name):
    """A variable's attributes as stored, before xarray decodes ``_FillValue`` away."""
    import netCDF4

    with netCDF4.Dataset(path) as nc:
        return {k: nc[name].getncattr(k) for k in nc[name].ncattrs()}


def test_coordinates_have_no_fill_value_and_data_keep_nan(tmp_path):
    """CF checkers flag ``_FillValue`` on coordinates; xarray adds NaN to every float variable.
    Coordinates read back from a file (run_member copies the grid's) lose it as well; data
    variables keep NaN as missing (land)."""
    x, y = np.arange(3) * 5e3, np.arange(2) * 5e3
    hs = np.array([[np.nan, 1.0, 2.0], [np.nan, 3.0, 4.0]], dtype=np.float32)
    ds = xr.Dataset(
        {"hs": (("y", "x"), hs)},
        coords={
            "x": ("x", x),
            "y": ("y", y),
            "lat": (("y", "x"), 12.0 + np.zeros((2, 3))),
            "lon": (("y", "x"), -62.0 + np.zeros((2, 3))),
            "time": np.array(["2024-09-01T00"], dtype="datetime64[ns]"),
        },
    )
    first = write_netcdf_atomic(ds, tmp_path / "first.nc")
    with xr.open_dataset(first) as back:
        again = write_netcdf_atomic(back.load(), tmp_path / "again.nc")
    plain = tmp_path / "plain.nc"
    ds.to_netcdf(plain)  # xarray's default, for contrast
    assert "_FillValue" in raw_attrs(plain, "lat")
    for path in (first, again):
        for name in ("x", "y", "lat", "lon", "time"):
            assert "_FillValue" not in raw_attrs(path, name), (path.name, name)
        assert np.isnan(raw_attrs(path, "hs")["_FillValue"])
        with xr.open_dataset(path) as back:
            np.testing.assert_array_equal(back["hs"].values, hs)
            assert back["lat"].dtype == np.float64


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt, as in a terminal: a shell that starts the tests in the
    background (``bash .ci/run &``, ``setsid``) sets SIGINT to "ignore", and they inherit it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_ignored_ctrl_c_stays_ignored():
    """A process that ignores SIGINT (started with '&' or nohup) still ignores it when it
    arrives during a write."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with signals_held():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_held_signals_arrive_after_the_block(tmp_path):
    """Ctrl-C inside :func:`signals_held` raises as the block ends, not inside it, and the
    handler is the one before."""
    before = signal.getsignal(signal.SIGINT)
    finished = False
    with pytest.raises(KeyboardInterrupt), signals_held():
        signal.raise_signal(signal.SIGINT)
        finished = True
    assert finished
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.usefixtures("ctrl_c_raises")
def test_reads_finish_before_ctrl_c(tmp_path):
    """The stages read through :func:`open_netcdf`, two files at once in run_member and
    plot_maps: a Ctrl-C during the reads raises once, after both are loaded and closed, and
    Ctrl-C's handler is the one before."""
    paths = [tmp_path / "grid.nc", tmp_path / "forcing.nc"]
    for i, path in enumerate(paths):
        write_netcdf_atomic(xr.Dataset({"v": ("x", np.arange(3.0) + i)}), path)
    before = signal.getsignal(signal.SIGINT)
    loaded = []
    with pytest.raises(KeyboardInterrupt), open_netcdf(paths[0]) as a, open_netcdf(paths[1]) as b:
        signal.raise_signal(signal.SIGINT)
        loaded += [a.load(), b.load()]
    assert [ds["v"].values.tolist() for ds in loaded] == [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_held_with_the_runtime_limit_comes_first(monkeypatch):
    """Both arrive during a write: the job stops as the user asked, not as a timeout (which
    the retry would read as "needs more time")."""

    def limit(signum, frame):
        raise RuntimeLimitReached("runtime limit reached")

    previous = signal.signal(signal.SIGALRM, limit)
    try:
        with pytest.raises(KeyboardInterrupt), signals_held():
            signal.raise_signal(signal.SIGALRM)
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("signum", "raised"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGALRM, RuntimeLimitReached)],
    ids=["ctrl-c", "runtime-limit"],
)
@pytest.mark.usefixtures("ctrl_c_raises")
def test_a_signal_during_a_netcdf_write_lands_after_the_file_is_closed(
    tmp_path, monkeypatch, signum, raised
):
    """A Ctrl-C or the runtime limit inside xarray's HDF5 lock handling left the lock taken,
    and the file's close then waited for it for good (the job hung until its hard stop).
    Held, the exception comes once the write is whole and closed; the temporary file goes and
    no output appears."""
    ds = xr.Dataset({"v": ("x", np.arange(3.0))})
    target = tmp_path / "out.nc"
    real = xr.Dataset.to_netcdf
    closed = []

    def interrupted(self, path, *args, **kwargs):
        signal.raise_signal(signum)  # arrives in the middle of the write
        real(self, path, *args, **kwargs)
        closed.append(path)

    def limit(signum, frame):
        raise RuntimeLimitReached("runtime limit reached")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", interrupted)
    previous = signal.signal(signal.SIGALRM, limit)
    try:
        with pytest.raises(raised):
            write_netcdf_atomic(ds, target)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert closed, "the signal stopped the write inside the HDF5 library"
    assert list(tmp_path.iterdir()) == []


WRITER = """
import sys
import numpy as np
import xarray as xr
from wavecast.io import write_netcdf_atomic
rng = np.random.default_rng(0)
shape = (72, 100, 100)
ds = xr.Dataset({v: (("time", "y", "x"), rng.random(shape, dtype="float32")) for v in "abcd"})
print("ready", flush=True)
while True:
    write_netcdf_atomic(ds, sys.argv[1])
"""


@pytest.mark.slow
def test_ctrl_c_stops_a_process_writing_netcdf(tmp_path):
    """A real process writing a member-sized file over and over gets Ctrl-C at six moments.
    Before signals were held, about half of them landed in xarray's lock handling and the
    process hung in the file's close (found by an interruption review: a run_member job that
    would have waited an hour for its hard stop). The 60-s wait only tells a hang from an
    end; each write takes well under a second."""
    for i in range(6):
        out = tmp_path / f"try{i}"
        out.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(out / "member.nc")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_sigint,  # Ctrl-C as in a terminal, not as in a background CI
        )
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.3 + 0.137 * i)  # a different moment of a write each time
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"try {i}: the writer hung after Ctrl-C")
        assert err.rstrip().endswith("KeyboardInterrupt"), err
        assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_a_killed_writers_temp_file_goes_at_the_next_write(tmp_path):
    """SIGKILL (out of memory, a lost node) runs no cleanup: the next write of the same
    output removes what the killed one left, and nothing of other files."""
    stale = tmp_path / ".member_003.nc.k1ll3d_0.tmp"  # mkstemp's 8 random characters
    others = [
        tmp_path / ".member_004.nc.k1ll3d_0.tmp",  # another output's
        tmp_path / ".member_003.nc.json.k1ll3d_0.tmp",  # member_003.nc.json's, say
    ]
    for path in (stale, *others):
        path.write_bytes(b"half")
    write_text_atomic(tmp_path / "member_003.nc", "whole")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*(p.name for p in others), "member_003.nc"])


def test_a_full_disk_is_named_with_the_file(tmp_path, monkeypatch):
    """HDF5 says only 'NetCDF: HDF error' when the disk is full; the job's log names the disk
    and the output instead. Other failures pass through unchanged."""
    ds = xr.Dataset({"v": (("y", "x"), np.zeros((100, 100)))})  # 80 kB
    target = tmp_path / "member_000.nc"

    def hdf_error(*args, **kwargs):
        raise RuntimeError("NetCDF: HDF error")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", hdf_error)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=12_000))
    with pytest.raises(OSError) as err:
        write_netcdf_atomic(ds, target)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(target)
    assert (
        "no space left to write it: 12 kB free on its file system, and the data take up to "
        "80 kB (less once compressed)"
    ) in str(err.value)
    assert isinstance(err.value.__cause__, RuntimeError)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(xr.Dataset, "to_netcdf", denied)
    with pytest.raises(PermissionError):  # not taken for a full disk, however little is free
        write_netcdf_atomic(ds, target)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", hdf_error)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=10**9))
    with pytest.raises(RuntimeError, match="HDF error"):
        write_netcdf_atomic(ds, target)
    assert list(tmp_path.iterdir()) == []
