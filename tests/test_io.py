"""Atomic writes: nothing half-written, no temp file left, permissions like any new file."""

from __future__ import annotations

import os

import numpy as np
import pytest
import xarray as xr

from wavecast.io import write_netcdf_atomic, write_text_atomic


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
