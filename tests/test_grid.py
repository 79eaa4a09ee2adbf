"""Model grid geometry, idealised bathymetry and bathymetry read from user NetCDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from wavecast.basin import idealised_land
from wavecast.errors import ValidationError
from wavecast.geo import Footprint
from wavecast.grid import (
    EARTH_RADIUS_M,
    MIN_WATER_DEPTH_M,
    bathymetry_from_file,
    build_grid,
    footprint,
    grid_coordinates,
    idealised_bathymetry,
    latlon,
    make_axes,
    xy_from_latlon,
)


def test_axes_start_at_the_origin_with_the_resolution() -> None:
    x, y = make_axes(4, 3, 2.5)
    np.testing.assert_array_equal(x, [0.0, 2500.0, 5000.0, 7500.0])
    np.testing.assert_array_equal(y, [0.0, 2500.0, 5000.0])


def test_latlon_equirectangular_and_inverse() -> None:
    lat, lon = latlon(np.array([0.0, 111_000.0]), np.array([0.0, 55_000.0]), 20.0, -60.0)
    assert (lat[0], lon[0]) == (20.0, -60.0)
    assert lat[1] == pytest.approx(20.0 + np.degrees(55_000.0 / EARTH_RADIUS_M), rel=1e-12)
    expected_lon = -60.0 + np.degrees(111_000.0 / (EARTH_RADIUS_M * np.cos(np.radians(20.0))))
    assert lon[1] == pytest.approx(expected_lon, rel=1e-12)
    x, y = xy_from_latlon(lat, lon, 20.0, -60.0)
    np.testing.assert_allclose(x, [0.0, 111_000.0], atol=1e-6)
    np.testing.assert_allclose(y, [0.0, 55_000.0], atol=1e-6)


def test_xy_from_latlon_accepts_either_longitude_convention() -> None:
    x1, _ = xy_from_latlon(10.0, 181.0, 10.0, 179.0)
    x2, _ = xy_from_latlon(10.0, -179.0, 10.0, 179.0)
    assert x1 == pytest.approx(x2) and x1 > 0


def test_the_grid_covers_its_cells_half_a_cell_beyond_the_outermost_points(
    grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any]
) -> None:
    """Points are cell centres: the footprint the config checks use is the union of the cells."""
    grid = build_grid(grid_cfg, bathy_cfg)
    assert footprint(grid) == Footprint.from_config(grid_cfg) == Footprint(15.0, -65.0, 40, 30, 1e4)
    x, y = grid["x"].values, grid["y"].values
    half = 5_000.0
    for inside, offset in ((True, 0.98), (False, 1.02)):  # fraction of half a cell beyond
        for qx, qy in (
            (x[0] - offset * half, y[5]),
            (x[-1] + offset * half, y[5]),
            (x[5], y[0] - offset * half),
            (x[5], y[-1] + offset * half),
        ):
            lat, lon = latlon(qx, qy, 15.0, -65.0)
            assert footprint(grid).contains(float(lat), float(lon)) is inside, (qx, qy)
    south, north, west, east = footprint(grid).bounds()
    edge = np.array([-half, half])
    lat, lon = latlon(x[[0, -1]] + edge, y[[0, -1]] + edge, 15.0, -65.0)
    assert (south, north, west, east) == pytest.approx((*lat, *lon), rel=1e-12)


@pytest.mark.parametrize("side", ["west", "east", "north", "south"])
def test_idealised_coast_shelf_and_basin(side: str) -> None:
    x, y = make_axes(60, 50, 5.0)
    shape = {"shelf_width_km": 50.0, "shelf_depth_m": 100.0, "slope_width_km": 50.0}
    depth, land = idealised_bathymetry(
        x, y, 15.0, -65.0, coast_side=side, coast_width_km=20.0, basin_depth_m=2000.0, **shape
    )
    # profile along the offshore direction, starting at the coast side
    profile = {
        "west": depth[25, :],
        "east": depth[25, ::-1],
        "south": depth[:, 30],
        "north": depth[::-1, 30],
    }[side]
    np.testing.assert_array_equal(profile[:4], 0.0)  # 0, 5, 10, 15 km: inside the 20 km strip
    assert profile[4] == MIN_WATER_DEPTH_M  # the coastline itself
    assert profile[6] == pytest.approx(100.0 * 10.0 / 50.0)  # 10 km out on the shelf
    assert profile[14] == pytest.approx(100.0)  # shelf edge at 50 km offshore
    assert profile[19] == pytest.approx(100.0 + 0.5 * 1900.0)  # half way down the slope
    assert profile[-1] == 2000.0
    assert np.all(np.diff(profile) >= 0)
    np.testing.assert_array_equal(land, depth <= 0)


def test_islands_are_land() -> None:
    x, y = make_axes(40, 40, 5.0)
    lat, lon = latlon(100_000.0, 100_000.0, 15.0, -65.0)
    depth, land = idealised_bathymetry(
        x, y, 15.0, -65.0, islands=[{"lat": float(lat), "lon": float(lon), "radius_km": 10.5}]
    )
    assert land[20, 20] and land[20, 22] and land[22, 20]  # centre and 10 km away
    assert not land[20, 23] and not land[23, 20]
    assert depth[20, 20] == 0.0 and land.sum() == 13  # the 13 points within 2.1 cells


@pytest.mark.parametrize("side", ["west", "east", "north", "south"])
def test_the_land_mask_is_every_cell_within_an_island_or_the_strip(side: str) -> None:
    """idealised_land (the mask validation also builds) judges each island only near it; cell
    for cell it is the mask of distances on the full 2-D grid, at edges and overlaps too."""
    x, y = make_axes(37, 23, 7.5)
    islands = [
        {"lat": 15.0, "lon": -65.0, "radius_km": 12.0},  # on the south-west corner point
        {"lat": 15.9, "lon": -64.0, "radius_km": 22.5},  # radius exactly three cells
        {"lat": 15.95, "lon": -64.1, "radius_km": 30.0},  # overlapping the one before
        {"lat": 40.0, "lon": -65.0, "radius_km": 50.0},  # far off the grid: no cell
        {"lat": 15.5, "lon": -62.0, "radius_km": 900.0},  # the whole grid
    ]
    for chosen, covered in ((islands[:4], False), (islands, True)):
        land = idealised_land(
            x, y, 15.0, -65.0, coast_side=side, coast_width_km=20.0, islands=chosen
        )
        x2, y2 = np.meshgrid(x, y)
        offshore = {"west": x2, "east": x2.max() - x2, "south": y2, "north": y2.max() - y2}[side]
        expected = offshore - 20_000.0 < 0
        for island in chosen:
            ix, iy = xy_from_latlon(island["lat"], island["lon"], 15.0, -65.0)
            expected |= np.hypot(x2 - ix, y2 - iy) <= island["radius_km"] * 1000.0
        np.testing.assert_array_equal(land, expected)
        assert land.shape == (23, 37) and land.dtype == bool
        assert bool(land.all()) is covered


def test_build_grid_contract_and_cf_attributes(
    grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any]
) -> None:
    ds = build_grid(grid_cfg, bathy_cfg)
    assert ds["depth"].dims == ds["land"].dims == ("y", "x")
    assert ds["depth"].shape == (30, 40)
    assert ds["land"].dtype == np.int8
    assert ds["lat"].dims == ds["lon"].dims == ("y", "x")
    np.testing.assert_array_equal(ds["land"].values == 1, ds["depth"].values <= 0)
    assert ds["depth"].attrs["units"] == "m"
    assert ds["depth"].attrs["standard_name"] == "sea_floor_depth_below_sea_surface"
    assert ds["depth"].attrs["positive"] == "down"
    assert ds["x"].attrs["units"] == ds["y"].attrs["units"] == "m"
    assert ds["lat"].attrs["standard_name"] == "latitude"
    assert ds["lon"].attrs["units"] == "degrees_east"
    assert ds.attrs["Conventions"] == "CF-1.8"
    assert (ds.attrs["origin_lat"], ds.attrs["origin_lon"]) == (15.0, -65.0)
    assert ds.attrs["resolution_km"] == 10.0
    assert float(ds["lat"][0, 0]) == 15.0 and float(ds["lon"][0, 0]) == -65.0
    assert ds["land"].values[:, :5].all() and not ds["land"].values[:, 6:].all()
    assert ds["land"].values.sum() > 30 * 5  # the coast strip plus the island


def test_the_config_alone_gives_grid_nc_coordinates(
    tmp_path: Path, grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any]
) -> None:
    """make_forcing's coordinates (from config) are grid.nc's, for both bathymetry sources."""
    coords = grid_coordinates(grid_cfg)
    idealised = build_grid(grid_cfg, bathy_cfg)
    path = tmp_path / "bathy.nc"
    write_latlon_file(path, idealised)
    from_file = build_grid(grid_cfg, {"source": "file", "file": str(path)})
    assert list(coords.coords) == ["x", "y", "lat", "lon"] and not coords.data_vars
    for grid in (idealised, from_file):
        assert list(grid.coords) == list(coords.coords)
        for name in coords.coords:
            xr.testing.assert_identical(coords[name], grid[name])
    assert coords["lon"].values[0, -1] == pytest.approx(-65.0 + 39 * 10.0 / 111.19 / 0.9659, 1e-3)


def write_latlon_file(path: Path, grid: xr.Dataset, names=("lat", "lon"), descending=False):
    """Depth linear in lat and lon (bilinear interpolation reproduces it exactly)."""
    lat = np.linspace(float(grid["lat"].min()) - 0.2, float(grid["lat"].max()) + 0.2, 23)
    lon = np.linspace(float(grid["lon"].min()) - 0.2, float(grid["lon"].max()) + 0.2, 31)
    if descending:
        lat = lat[::-1]
    depth = 100.0 * (lon[None, :] - lon.min()) + 50.0 * (lat[:, None] - lat.min()) - 60.0
    xr.Dataset(
        {"depth": ((names[0], names[1]), depth)}, coords={names[0]: lat, names[1]: lon}
    ).to_netcdf(path)
    return lambda la, lo: 100.0 * (lo - lon.min()) + 50.0 * (la - lat.min()) - 60.0


@pytest.mark.parametrize(
    ("names", "descending"),
    [(("lat", "lon"), False), (("latitude", "longitude"), True)],
)
def test_bathymetry_from_latlon_file(
    tmp_path: Path, grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any], names, descending
) -> None:
    base = build_grid(grid_cfg, bathy_cfg)
    path = tmp_path / "bathy.nc"
    truth = write_latlon_file(path, base, names, descending)
    ds = build_grid(grid_cfg, {"source": "file", "file": str(path)})
    expected = truth(base["lat"].values, base["lon"].values)
    water = expected > 0
    assert water.any() and (~water).any()
    np.testing.assert_allclose(ds["depth"].values[water], expected[water], rtol=1e-9)
    np.testing.assert_array_equal(ds["land"].values == 1, ~water)
    assert ds["depth"].values[~water].max() == 0.0
    assert ds.attrs["bathymetry_source"] == "file"


def test_a_file_of_elevations_negative_at_sea_is_refused(
    tmp_path: Path, grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any]
) -> None:
    """GEBCO's convention (positive up) would make every cell land and every member NaN."""
    base = build_grid(grid_cfg, bathy_cfg)
    path = tmp_path / "elevation.nc"
    lat = np.linspace(float(base["lat"].min()) - 0.2, float(base["lat"].max()) + 0.2, 23)
    lon = np.linspace(float(base["lon"].min()) - 0.2, float(base["lon"].max()) + 0.2, 31)
    xr.Dataset(
        {"depth": (("lat", "lon"), np.full((lat.size, lon.size), -3000.0))},
        coords={"lat": lat, "lon": lon},
    ).to_netcdf(path)
    with pytest.raises(ValidationError) as err:
        build_grid(grid_cfg, {"source": "file", "file": str(path)})
    assert [str(p) for p in err.value.problems] == [
        f"config/config.yaml::bathymetry.file: bathymetry file '{path}': no cell of the grid is "
        "water (every value there is 0 or negative, as elevations are); depth must be positive "
        "down; for a file of elevations (GEBCO, ETOPO: negative at sea) write depth = -elevation, "
        "or check that the grid lies over the sea"
    ]


def test_bathymetry_from_xy_file_round_trips(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    x = np.linspace(-20_000.0, 420_000.0, 45)
    y = np.linspace(-10_000.0, 300_000.0, 32)
    depth = 2.0e-3 * x[None, :] + 1.0e-3 * y[:, None] + 5.0
    depth[:, :3] = np.nan  # missing values in the west are land
    path = tmp_path / "bathy_xy.nc"
    xr.Dataset({"depth": (("y", "x"), depth)}, coords={"x": x, "y": y}).to_netcdf(path)
    ds = build_grid(grid_cfg, {"source": "file", "file": str(path)})
    gx, gy = np.meshgrid(ds["x"].values, ds["y"].values)
    expected = 2.0e-3 * gx + 1.0e-3 * gy + 5.0
    near_nan = gx < x[3]  # bilinear stencil touches a NaN column
    np.testing.assert_allclose(ds["depth"].values[~near_nan], expected[~near_nan], rtol=1e-9)
    assert ds["land"].values[near_nan].all()


def test_bathymetry_file_in_0_360_longitudes(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    base = build_grid(grid_cfg, {"source": "idealised", "idealised": {}})
    lat = np.linspace(14.0, 18.5, 10)
    lon = np.linspace(290.0, 300.0, 12)  # -70 .. -60
    path = tmp_path / "b.nc"
    depth = np.full((10, 12), 42.0)
    xr.Dataset({"depth": (("lat", "lon"), depth)}, coords={"lat": lat, "lon": lon}).to_netcdf(path)
    got, land = bathymetry_from_file(path, base)
    np.testing.assert_allclose(got, 42.0)
    assert not land.any()


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_missing_depth_variable(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    path = tmp_path / "nodepth.nc"
    xr.Dataset(
        {"elevation": (("lat", "lon"), np.zeros((2, 2)))}, coords={"lat": [0, 1], "lon": [0, 1]}
    ).to_netcdf(path)
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": str(path)})
    assert errors_of(exc) == [
        f"config/config.yaml::bathymetry.file: bathymetry file '{path}' has no variable 'depth' "
        "(variables: elevation); name the depth variable 'depth' (metres, positive down)"
    ]


def test_unrecognised_coordinates(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    path = tmp_path / "odd.nc"
    xr.Dataset({"depth": (("row", "col"), np.ones((2, 2)))}).to_netcdf(path)
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": str(path)})
    assert errors_of(exc) == [
        f"config/config.yaml::bathymetry.file: bathymetry file '{path}': coordinates of 'depth' "
        "('row', 'col') not recognised; use 1-D 'lat'/'lon' (or 'latitude'/'longitude') in "
        "degrees, or 1-D 'x'/'y' in metres east/north of grid.origin"
    ]


def test_file_not_covering_the_grid(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    path = tmp_path / "small.nc"
    lat, lon = np.array([15.0, 16.0]), np.array([-65.0, -64.0])
    xr.Dataset(
        {"depth": (("lat", "lon"), np.ones((2, 2)))}, coords={"lat": lat, "lon": lon}
    ).to_netcdf(path)
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": str(path)})
    (message,) = errors_of(exc)
    assert message.startswith(
        f"config/config.yaml::bathymetry.file: bathymetry file '{path}' covers lat 15..16, "
        "lon -65..-64 (degrees) but the model grid spans lat 15..17.6"
    )
    assert message.endswith(
        "grid points lie outside; extend the file or shrink/move the grid "
        "(grid.origin, grid.nx, grid.ny)"
    )


def test_missing_file_and_missing_path(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": str(tmp_path / "nope.nc")})
    assert errors_of(exc) == [
        f"config/config.yaml::bathymetry.file: bathymetry file '{tmp_path / 'nope.nc'}' does "
        "not exist; check the path; relative paths start where snakemake runs"
    ]
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": None})
    assert errors_of(exc) == [
        "config/config.yaml::bathymetry.file: bathymetry.source is 'file' but no file is "
        "given; set bathymetry.file to a NetCDF path, or use source: idealised"
    ]


def test_unreadable_file(tmp_path: Path, grid_cfg: dict[str, Any]) -> None:
    path = tmp_path / "text.nc"
    path.write_text("not netcdf")
    with pytest.raises(ValidationError) as exc:
        build_grid(grid_cfg, {"source": "file", "file": str(path)})
    assert errors_of(exc)[0].startswith(
        f"config/config.yaml::bathymetry.file: cannot read bathymetry file '{path}' as NetCDF"
    )
