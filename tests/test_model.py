"""The reference model (forcing + grid -> Hs, Tp) and the atomic writers its outputs go through."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from tests.test_growth import reference_yv
from wavecast.cyclone import make_forcing
from wavecast.grid import build_grid, grid_coordinates, grid_dataset, make_axes
from wavecast.io import write_bytes_atomic, write_netcdf_atomic, write_text_atomic
from wavecast.model import run_member

DX = 5_000.0
NT, NY, NX = 3, 8, 12


def box_grid(depth_m: float = 40.0) -> xr.Dataset:
    """Open water everywhere except a land column in the west."""
    x, y = make_axes(NX, NY, DX / 1000.0)
    depth = np.full((NY, NX), depth_m)
    depth[:, 0] = 0.0
    ds = grid_dataset(x, y, depth, depth <= 0, 15.0, -65.0, {"resolution_km": DX / 1000.0})
    return ds


def uniform_forcing(grid: xr.Dataset, speed: float, direction: float) -> xr.Dataset:
    time = np.datetime64("2026-09-01T00:00", "ns") + np.arange(NT) * np.timedelta64(1, "h")
    shape = (NT, *grid["depth"].shape)
    return xr.Dataset(
        {
            "wspd": (("time", "y", "x"), np.full(shape, speed, dtype=np.float32)),
            "wdir": (("time", "y", "x"), np.full(shape, direction, dtype=np.float32)),
        },
        coords={"time": time, "x": grid["x"], "y": grid["y"]},
        attrs={"member": 4, "pressure_deficit_hpa": 55.0},
    )


def test_west_wind_matches_growth_curve_with_fetch_from_the_coast() -> None:
    grid = box_grid()
    cfg = {"boundary_fetch_km": 300.0, "duration_limit_hours": None}
    out = run_member(grid, uniform_forcing(grid, 15.0, 270.0), cfg)
    fetch = (np.arange(NX) - 0.5) * DX  # shoreline at the edge of the land column
    hs, tp = np.array([reference_yv(15.0, f, 40.0) for f in fetch[1:]]).T
    expected = np.broadcast_to(hs, (NT, NY, NX - 1))
    np.testing.assert_allclose(out["hs"].values[:, :, 1:], expected, rtol=1e-6)
    np.testing.assert_allclose(out["tp"].values[1, 3, 1:], tp, rtol=1e-6)


def test_east_wind_adds_boundary_fetch() -> None:
    grid = box_grid()
    cfg = {"boundary_fetch_km": 100.0, "duration_limit_hours": 0}
    out = run_member(grid, uniform_forcing(grid, 10.0, 90.0), cfg)
    fetch = (NX - np.arange(NX) - 0.5) * DX + 100_000.0
    hs = [reference_yv(10.0, f, 40.0)[0] for f in fetch[1:]]
    np.testing.assert_allclose(out["hs"].values[0, 0, 1:], hs, rtol=1e-6)


@pytest.mark.parametrize("boundary_km", [0.0, 250.0])
def test_diagonal_wind_reaches_the_coast_or_the_open_boundary(boundary_km: float) -> None:
    """From the south-west (225): cell (j, i) meets the land column after i diagonal steps if
    i <= j, else leaves the grid's south edge after j + 1; the shoreline or the edge is half a
    step (dx sqrt 2 / 2) short of the last step, and the edge adds the boundary fetch."""
    grid = box_grid()
    cfg = {"boundary_fetch_km": boundary_km, "duration_limit_hours": None}
    out = run_member(grid, uniform_forcing(grid, 25.0, 225.0), cfg)
    step = DX * math.sqrt(2.0)
    for j in range(NY):
        for i in range(1, NX):
            fetch = (i - 0.5) * step if i <= j else (j + 0.5) * step + boundary_km * 1000.0
            hs, tp = reference_yv(25.0, fetch, 40.0)
            assert out["hs"].values[0, j, i] == pytest.approx(hs, rel=1e-6), (j, i)
            assert out["tp"].values[0, j, i] == pytest.approx(tp, rel=1e-6), (j, i)


def test_duration_limit_reduces_hs() -> None:
    grid = box_grid(depth_m=500.0)
    forcing = uniform_forcing(grid, 20.0, 90.0)
    free = run_member(grid, forcing, {"boundary_fetch_km": 500.0, "duration_limit_hours": None})
    short = run_member(grid, forcing, {"boundary_fetch_km": 500.0, "duration_limit_hours": 2.0})
    water = grid["land"].values == 0
    assert np.all(short["hs"].values[:, water] < free["hs"].values[:, water])
    # CEM (2002) Eq. II-2-35, t = 77.23 F^0.67 / (U^0.34 g^0.33), solved for F: 12.25 km
    fetch_2h = (2 * 3600.0 * 20.0**0.34 * 9.81**0.33 / 77.23) ** (1 / 0.67)
    expected, _ = reference_yv(20.0, fetch_2h, 500.0)
    np.testing.assert_allclose(short["hs"].values[:, water], expected, rtol=1e-6)


def test_duration_limit_caps_only_fetches_longer_than_the_duration_fetch() -> None:
    """West wind, 20 m/s for 2 h: F_t = 12.25 km (CEM Eq. II-2-35). Cells 1 and 2 (fetch 2.5
    and 7.5 km) grow as without the limit; from cell 3 (12.5 km) on, Hs stays at F_t's."""
    grid = box_grid(depth_m=60.0)
    cfg = {"boundary_fetch_km": 0.0, "duration_limit_hours": 2}
    out = run_member(grid, uniform_forcing(grid, 20.0, 270.0), cfg)
    fetch_2h = (2 * 3600.0 * 20.0**0.34 * 9.81**0.33 / 77.23) ** (1 / 0.67)
    fetch = np.minimum((np.arange(1, NX) - 0.5) * DX, fetch_2h)
    assert fetch[1] == 7_500.0 and fetch[2] == fetch_2h
    expected = [reference_yv(20.0, f, 60.0) for f in fetch]
    np.testing.assert_allclose(out["hs"].values[0, 4, 1:], [e[0] for e in expected], rtol=1e-6)
    np.testing.assert_allclose(out["tp"].values[0, 4, 1:], [e[1] for e in expected], rtol=1e-6)


def test_land_is_nan_and_calm_water_is_zero() -> None:
    grid = box_grid()
    out = run_member(grid, uniform_forcing(grid, 0.3, 0.0), {"min_wind_ms": 0.5})
    land = grid["land"].values == 1
    assert np.isnan(out["hs"].values[:, land]).all() and np.isnan(out["tp"].values[:, land]).all()
    np.testing.assert_array_equal(out["hs"].values[:, ~land], 0.0)
    np.testing.assert_array_equal(out["tp"].values[:, ~land], 0.0)


def test_output_contract_and_cf_attributes() -> None:
    grid = box_grid()
    forcing = uniform_forcing(grid, 12.0, 200.0)
    out = run_member(grid, forcing, {})
    for name in ("hs", "tp", "wspd", "wdir"):
        assert out[name].dims == ("time", "y", "x")
        assert out[name].dtype == np.float32
    assert out["depth"].dims == ("y", "x")
    expected = {
        "hs": ("m", "sea_surface_wave_significant_height"),
        "tp": ("s", "sea_surface_wave_period_at_variance_spectral_density_maximum"),
        "wspd": ("m s-1", "wind_speed"),
        "wdir": ("degree", "wind_from_direction"),
        "depth": ("m", "sea_floor_depth_below_sea_surface"),
    }
    for name, (units, standard_name) in expected.items():
        assert out[name].attrs["units"] == units
        assert out[name].attrs["standard_name"] == standard_name
        assert out[name].attrs["long_name"]
    assert out.attrs["Conventions"] == "CF-1.8"
    assert out.attrs["member"] == 4 and out.attrs["pressure_deficit_hpa"] == 55.0
    assert out.attrs["boundary_fetch_km"] == 300.0 and out.attrs["duration_limit_hours"] == 12.0
    np.testing.assert_array_equal(out["time"].values, forcing["time"].values)
    np.testing.assert_array_equal(out["wspd"].values, forcing["wspd"].values)
    assert "lat" in out.coords and "lon" in out.coords


def test_mismatched_forcing_is_refused() -> None:
    grid = box_grid()
    forcing = uniform_forcing(grid, 10.0, 0.0).isel(x=slice(0, 5))
    with pytest.raises(ValueError, match=r"forcing \(y, x\) shape \(8, 5\) differs from grid"):
        run_member(grid, forcing, {})


def test_forcing_made_for_another_grid_origin_is_refused(
    grid_cfg: dict[str, Any],
    bathy_cfg: dict[str, Any],
    cyclone_cfg: dict[str, Any],
    ensemble_cfg: dict[str, Any],
) -> None:
    """Same shape, other place: the forcing's lat/lon must be the grid's."""
    moved = {**grid_cfg, "origin": {**grid_cfg["origin"], "lon": grid_cfg["origin"]["lon"] + 0.5}}
    forcing = make_forcing(grid_coordinates(moved), cyclone_cfg, ensemble_cfg, 0)
    with pytest.raises(ValueError, match="forcing lon differs from the grid's"):
        run_member(build_grid(grid_cfg, bathy_cfg), forcing, {})


def test_cyclone_member_end_to_end_through_files(
    tmp_path: Path,
    grid_cfg: dict[str, Any],
    bathy_cfg: dict[str, Any],
    cyclone_cfg: dict[str, Any],
    ensemble_cfg: dict[str, Any],
    model_cfg: dict[str, Any],
) -> None:
    """As the stages do it: the forcing on the config's grid coordinates, the member on grid.nc."""
    grid_path = write_netcdf_atomic(build_grid(grid_cfg, bathy_cfg), tmp_path / "grid.nc")
    forcing_path = write_netcdf_atomic(
        make_forcing(grid_coordinates(grid_cfg), cyclone_cfg, ensemble_cfg, 1),
        tmp_path / "member_001_f.nc",
    )
    with xr.open_dataset(grid_path) as grid, xr.open_dataset(forcing_path) as forcing:
        out = run_member(grid, forcing, model_cfg)
    path = write_netcdf_atomic(out, tmp_path / "member_001.nc")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "grid.nc",
        "member_001.nc",
        "member_001_f.nc",
    ]
    with xr.open_dataset(path) as back:
        land = back["depth"].values <= 0
        hs = back["hs"].values
        assert np.isnan(hs[:, land]).all()
        assert np.isfinite(hs[:, ~land]).all() and (hs[:, ~land] >= 0).all()
        assert 1.0 < np.nanmax(hs) < 0.2413 * float(back["wspd"].max()) ** 2 / 9.81
        assert back["hs"].encoding["zlib"] is True
        assert back["hs"].encoding["chunksizes"] == (12, *land.shape)  # 12 h, < one 64-cell tile


def test_text_and_bytes_writes_replace_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "summary.json"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    write_bytes_atomic(tmp_path / "blob", b"\x00\x01")
    assert (tmp_path / "blob").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["blob", "sub", "summary.json"]


def test_failed_netcdf_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.nc"
    write_text_atomic(target, "old")
    bad = xr.Dataset({"v": ("x", np.array([object(), object()]))})
    with pytest.raises(Exception):  # noqa: B017 - any encoder failure
        write_netcdf_atomic(bad, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]
