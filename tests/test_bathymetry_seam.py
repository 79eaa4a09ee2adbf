"""A global bathymetry file interpolates across its longitude seam.

A file whose longitudes go round the whole circle (-180..179 or 0..359 at 1 degree: one step
from the last column to the first + 360) covers a grid across its seam, the dateline or
Greenwich: the grid's points between the last column and the first + 360 are interpolated
between those two columns, at config validation and in build_grid alike, reading only the
columns the interpolation uses. A file one column short of the circle is refused as before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import wavecast.grid
from wavecast.errors import ValidationError
from wavecast.grid import bathymetry_file_problems, build_grid

LAT = np.arange(-30.0, 1.0)  # -30..0, 1 degree

# 50 km cells from 175 E across the dateline to about 184.5 (-175.5)
DATELINE = {"origin": {"lat": -20.0, "lon": 175.0}, "nx": 20, "ny": 10, "resolution_km": 50.0}
# from 5 W across Greenwich to about 4 E
GREENWICH = {"origin": {"lat": -20.0, "lon": -5.0}, "nx": 20, "ny": 10, "resolution_km": 50.0}


def random_depth(lon: np.ndarray) -> np.ndarray:
    """Depth 50..4000 m, different at every point, so each neighbour's weight shows."""
    return np.random.default_rng(7).uniform(50.0, 4000.0, (LAT.size, lon.size))


def write(path: Path, lon: np.ndarray, depth: np.ndarray) -> None:
    xr.Dataset(
        {"depth": (("lat", "lon"), depth, {"units": "m"})}, coords={"lat": LAT, "lon": lon}
    ).to_netcdf(path)


def expected_depth(lon: np.ndarray, depth: np.ndarray, qlat: float, qlon: float) -> float:
    """Bilinear depth at (qlat, qlon) from the file's four neighbours, written out by hand: the
    columns either side of ``qlon`` on the 1-degree circle (the last and the first across the
    seam) and the rows either side of ``qlat``."""
    west = np.floor(qlon) % 360.0
    east = (west + 1.0) % 360.0
    col = {c: int(np.flatnonzero(np.isclose(lon % 360.0, c))[0]) for c in (west, east)}
    wx = qlon - np.floor(qlon)
    south = int(np.floor(qlat - LAT[0]))
    wy = qlat - LAT[south]
    return float(
        (1 - wy) * (1 - wx) * depth[south, col[west]]
        + (1 - wy) * wx * depth[south, col[east]]
        + wy * (1 - wx) * depth[south + 1, col[west]]
        + wy * wx * depth[south + 1, col[east]]
    )


def assert_interpolated_across_the_seam(
    path: Path, grid_cfg: dict, lon: np.ndarray, depth: np.ndarray, seams: list[float]
) -> None:
    """Validation passes, and build_grid's depth at the grid's column in each of ``seams`` (a
    1-degree band west of which starts, as written in the file's convention) is the bilinear
    value from the file's columns either side."""
    assert bathymetry_file_problems(path.name, grid_cfg, base_dir=path.parent) == []
    ds = build_grid(grid_cfg, {"source": "file", "file": str(path)})
    glat, glon = ds["lat"].values, ds["lon"].values
    for west in seams:
        in_band = ((glon[0] - west) % 360.0) < 1.0
        assert in_band.any(), (west, glon[0])
        i = int(np.flatnonzero(in_band)[0])
        got = ds["depth"].values[:, i]
        want = [expected_depth(lon, depth, glat[j, i], glon[j, i]) for j in range(glat.shape[0])]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_global_file_in_minus_180_180_covers_a_grid_across_the_dateline(tmp_path):
    lon = np.arange(-180.0, 180.0)  # -180..179
    depth = random_depth(lon)
    write(tmp_path / "bathy.nc", lon, depth)
    assert_interpolated_across_the_seam(tmp_path / "bathy.nc", DATELINE, lon, depth, [179, -180])


def test_a_global_file_in_0_360_covers_a_grid_across_greenwich(tmp_path):
    lon = np.arange(0.0, 360.0)  # 0..359
    depth = random_depth(lon)
    write(tmp_path / "bathy.nc", lon, depth)
    assert_interpolated_across_the_seam(tmp_path / "bathy.nc", GREENWICH, lon, depth, [359, 0])


def test_a_global_file_stored_with_descending_longitudes_wraps_too(tmp_path):
    lon = np.arange(179.0, -181.0, -1.0)  # 179..-180
    depth = random_depth(lon)
    write(tmp_path / "bathy.nc", lon, depth)
    assert_interpolated_across_the_seam(tmp_path / "bathy.nc", DATELINE, lon, depth, [179, -180])


def test_a_file_one_column_short_of_the_circle_is_refused_as_before(tmp_path):
    """-180..178: two degrees from 178 to 180, not the file's one-degree step, so the file is
    not global and the grid's columns between 178 and 180 lie outside it."""
    lon = np.arange(-180.0, 179.0)
    write(tmp_path / "bathy.nc", lon, random_depth(lon))
    message = (
        "bathymetry file 'bathy.nc' covers lat -30..0, lon -180..178 (degrees) but the model "
        "grid spans lat -20..-15.9531, lon 175..-175.908; 40 of 200 grid points lie outside; "
        "extend the file or shrink/move the grid (grid.origin, grid.nx, grid.ny)"
    )
    problems = bathymetry_file_problems("bathy.nc", DATELINE, base_dir=tmp_path)
    assert [str(p) for p in problems] == [f"config/config.yaml::bathymetry.file: {message}"]
    path = str(tmp_path / "bathy.nc")
    with pytest.raises(ValidationError) as err:
        build_grid(DATELINE, {"source": "file", "file": path})
    assert [str(p) for p in err.value.problems] == [
        f"config/config.yaml::bathymetry.file: {message.replace('bathy.nc', path)}"
    ]


def test_a_fine_global_file_is_read_only_around_the_grid(tmp_path, monkeypatch):
    """A 0.1-degree global file (3600 columns) under a grid whose first column lies between the
    file's last (179.9) and 180: validation reads the columns under the grid on either side of
    the seam, not the whole circle."""
    lon = np.round(np.arange(-1800, 1800) * 0.1, 1)
    write(tmp_path / "bathy.nc", lon, np.full((LAT.size, lon.size), 100.0))
    columns: list[np.ndarray] = []
    read_points = wavecast.grid._read_points

    def spy(depth, iy, ix):
        columns.append(np.unique(ix))
        return read_points(depth, iy, ix)

    monkeypatch.setattr(wavecast.grid, "_read_points", spy)
    grid_cfg = {**DATELINE, "origin": {"lat": -20.0, "lon": 179.95}}
    assert bathymetry_file_problems("bathy.nc", grid_cfg, base_dir=tmp_path) == []
    (read,) = columns
    read_lon = lon[read]
    assert ((read_lon >= 179.9) | (read_lon <= -170.85)).all(), read_lon
    assert 0 in read and lon.size - 1 in read  # the columns either side of the seam
    assert sum(r.stop - r.start for r in wavecast.grid._runs(read)) < 200


def test_a_fill_value_in_the_first_column_is_counted_once(tmp_path):
    """Under a grid across Greenwich the file's first column (0) is read for the grid's points
    east of 0 and again, past the seam, for those west of it: the message counts it once."""
    lon = np.arange(0.0, 360.0)
    depth = np.full((LAT.size, lon.size), 100.0)
    depth[:, 0] = 1e20
    write(tmp_path / "bathy.nc", lon, depth)
    (problem,) = bathymetry_file_problems("bathy.nc", GREENWICH, base_dir=tmp_path)
    # rows -20..-15 (6), columns 355..359 and 0..5 (11)
    assert problem.message == (
        "bathymetry file 'bathy.nc': 'depth' is 1e+20 at 6 of the 66 points the grid is "
        "interpolated from, outside -8900..11000 m (no land is higher than 8900 m, no sea "
        "deeper than 11000 m): fill values the file does not declare"
    )
