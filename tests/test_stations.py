from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from wavecast.config import validate
from wavecast.errors import ValidationError
from wavecast.geo import Footprint
from wavecast.stations import extract_stations, write_stations

from .demo_config import demo_config
from .postprocess_fixtures import (
    EARTH_RADIUS_M,
    LAND_COLUMNS,
    ORIGIN_LAT,
    ORIGIN_LON,
    RESOLUTION_M,
    grid_lat_lon,
    member_hs,
    write_member_files,
)

NT, NY, NX = 6, 15, 20
_, _, LAT, LON = grid_lat_lon(NY, NX)


@pytest.fixture
def member_paths(tmp_path: Path) -> list[Path]:
    return write_member_files(tmp_path / "run_member", n_members=3, nt=NT, ny=NY, nx=NX)


def at(iy: int, ix: int, dy: float = 0.0, dx: float = 0.0) -> tuple[float, float]:
    """Lat/lon of cell (iy, ix) shifted by a fraction of a cell north (dy) and east (dx)."""
    dlat = LAT[1, 0] - LAT[0, 0]
    dlon = LON[0, 1] - LON[0, 0]
    return float(LAT[iy, ix] + dy * dlat), float(LON[iy, ix] + dx * dlon)


def station(name: str, iy: int, ix: int, dy: float = 0.0, dx: float = 0.0) -> dict:
    lat, lon = at(iy, ix, dy, dx)
    return {"name": name, "lat": lat, "lon": lon}


def test_nearest_wet_cell_is_used(member_paths: list[Path]) -> None:
    stations = [station("A", 5, 10, 0.3, -0.4), station("B", 12, 17, -0.45, 0.2)]
    ds = extract_stations(member_paths, stations)

    assert ds["hs"].dims == ("station", "member", "time")
    assert ds["station"].values.tolist() == ["A", "B"]
    assert ds["cell_y_index"].values.tolist() == [5, 12]
    assert ds["cell_x_index"].values.tolist() == [10, 17]
    assert ds["moved_to_water"].values.tolist() == [0, 0]
    assert ds["lat"].values[0] == pytest.approx(LAT[5, 10])
    assert ds["station_lat"].values[0] == pytest.approx(stations[0]["lat"])
    assert ds["cell_depth"].values[0] > 0
    for m in range(3):
        np.testing.assert_allclose(ds["hs"].values[0, m], member_hs(m, NT, NY, NX)[:, 5, 10])
    assert ds["wspd"].values[1, 2, 0] == 12.0
    assert ds["wdir"].values[1, 1, 0] == 100.0


def test_station_on_land_moves_to_nearest_water(member_paths: list[Path]) -> None:
    # column 0 is land; the first water column is LAND_COLUMNS, so 3 cells east.
    # The island at (7, 10): a station just east of its centre moves to (7, 11).
    # (haversine vs the equirectangular grid: distances agree to a few parts per thousand)
    ds = extract_stations(member_paths, [station("Shore", 4, 0), station("Isle", 7, 10, 0, 0.1)])

    assert ds["moved_to_water"].values.tolist() == [1, 1]
    assert ds["cell_y_index"].values.tolist() == [4, 7]
    assert ds["cell_x_index"].values.tolist() == [LAND_COLUMNS, 11]
    expected_km = LAND_COLUMNS * RESOLUTION_M / 1000
    assert ds["cell_distance_km"].values[0] == pytest.approx(expected_km, rel=1e-3)
    assert ds["cell_distance_km"].values[1] == pytest.approx(0.9 * RESOLUTION_M / 1000, rel=5e-3)
    assert np.isfinite(ds["hs"].values).all()


def test_longitude_in_0_to_360_matches(member_paths: list[Path]) -> None:
    s = station("East", 3, 8)
    ds = extract_stations(member_paths, [{**s, "lon": s["lon"] + 360.0}])
    assert ds["cell_x_index"].values.tolist() == [8]


def test_station_outside_grid_names_the_config_entry(member_paths: list[Path]) -> None:
    half_dlat = np.degrees(RESOLUTION_M / 2 / EARTH_RADIUS_M)
    half_dlon = np.degrees(RESOLUTION_M / 2 / (EARTH_RADIUS_M * np.cos(np.radians(12.0))))
    lat_lo, lat_hi = LAT.min() - half_dlat, LAT.max() + half_dlat
    lon_lo, lon_hi = LON.min() - half_dlon, LON.max() + half_dlon
    bounds = f"(lat {lat_lo:.2f}..{lat_hi:.2f}, lon {lon_lo:.2f}..{lon_hi:.2f})"
    fix = "move the station inside the grid or extend the grid (grid.origin, grid.nx, grid.ny)"
    stations = [
        station("Inside", 2, 5),
        {"name": "Far", "lat": 20.5, "lon": -61.9},
        {"name": "West", "lat": 12.2, "lon": -62.5},
    ]

    with pytest.raises(ValidationError) as info:
        extract_stations(member_paths, stations)

    assert str(info.value) == (
        "config/config.yaml::stations[1]: station 'Far' (lat 20.5, lon -61.9) lies outside the "
        f"model grid {bounds}; {fix}\n"
        "config/config.yaml::stations[2]: station 'West' (lat 12.2, lon -62.5) lies outside the "
        f"model grid {bounds}; {fix}"
    )


def test_half_a_cell_beyond_the_last_centre_is_still_inside(member_paths: list[Path]) -> None:
    ds = extract_stations(member_paths, [station("Edge", NY - 1, NX - 1, 0.45, 0.45)])
    assert ds["cell_y_index"].values.tolist() == [NY - 1]


#: (iy, ix, cells north, cells east) per edge: the outermost centre and the way out of the grid.
EDGES = {"east": (7, NX - 1, 0, 1), "west": (7, 0, 0, -1), "north": (NY - 1, 10, 1, 0),
         "south": (0, 10, -1, 0)}  # fmt: skip
BEYOND = (0.3, 0.49, 0.51, 0.8)  # fractions of a cell beyond the outermost centre


def config_for_fixture_grid(stations: list[dict]) -> dict:
    """The demo config on the member files' grid (island and track moved onto it)."""
    cfg = demo_config()
    cfg["grid"] = {
        "origin": {"lat": ORIGIN_LAT, "lon": ORIGIN_LON},
        "nx": NX,
        "ny": NY,
        "resolution_km": RESOLUTION_M / 1000.0,
    }
    cfg["bathymetry"]["idealised"]["islands"] = []
    for fix in cfg["cyclone"]["track"]:
        fix["lat"], fix["lon"] = at(NY // 2, NX // 2)
    cfg["stations"] = stations
    return cfg


def refused(check, stations: list[dict]) -> set[str]:
    """Names of the stations ``check(stations)`` reports as off the grid."""
    try:
        check(stations)
    except ValidationError as exc:
        return {stations[int(p.path[9:-1])]["name"] for p in exc.problems}
    return set()


def test_config_and_extraction_agree_on_the_grid_edges(member_paths: list[Path]) -> None:
    """Grid points are cell centres: both accept up to half a cell beyond the outermost ones.

    Config validation (before any job) and the extract_stations job see the same points as on
    or off the grid, so no station passes validation only to fail inside a job.
    """
    stations = [
        station(f"{edge}{f}", iy, ix, north * f, east * f)
        for edge, (iy, ix, north, east) in EDGES.items()
        for f in BEYOND
    ]
    outside = {f"{edge}{f}" for edge in EDGES for f in BEYOND if f > 0.5}

    def validate_config(stations):
        validate(config_for_fixture_grid(stations))

    def extract(stations):
        extract_stations(member_paths, stations)

    assert refused(validate_config, stations) == outside
    assert refused(extract, stations) == outside


def test_config_names_a_station_past_the_half_cell_beyond_the_east_edge() -> None:
    lat, lon = at(7, NX - 1, 0, 0.6)
    cfg = config_for_fixture_grid(
        [station("Quay", 7, NX - 1, 0, 0.4), station("Off", 7, 0, 0, -0.4)]
    )
    cfg["stations"].append({"name": "Beyond", "lat": lat, "lon": lon})
    south, north, west, east = Footprint.from_config(cfg["grid"]).bounds()
    assert (south, west) == pytest.approx(at(0, 0, -0.5, -0.5), rel=1e-12)
    assert (north, east) == pytest.approx(at(NY - 1, NX - 1, 0.5, 0.5), rel=1e-12)
    with pytest.raises(ValidationError) as info:
        validate(cfg)
    assert str(info.value) == (
        f"config/config.yaml::stations[2]: station 'Beyond' at ({lat}, {lon}) is outside the "
        f"grid (lat {south:.2f}..{north:.2f}, lon {west:.2f}..{east:.2f}); move the station or "
        "enlarge the grid"
    )


def test_repeated_station_names_are_refused(member_paths: list[Path]) -> None:
    with pytest.raises(ValidationError) as info:
        extract_stations(member_paths, [station("A", 2, 5), station("A", 3, 6)])
    assert str(info.value) == (
        "config/config.yaml::stations[1].name: station name 'A' is already used by stations[0]; "
        "give every station its own name"
    )


def test_write_stations_csv_and_netcdf(member_paths: list[Path], tmp_path: Path) -> None:
    ds = extract_stations(member_paths, [station("A", 5, 10), station("B", 12, 17)])
    csv_path, nc_path = tmp_path / "out" / "stations.csv", tmp_path / "out" / "stations.nc"
    write_stations(ds, csv_path, nc_path)

    lines = csv_path.read_text().splitlines()
    assert lines[0] == "station,member,time,hs_m,tp_s,wspd_ms,wdir_deg"
    assert len(lines) == 1 + 2 * 3 * NT
    hs = member_hs(0, NT, NY, NX)[0, 5, 10]
    assert lines[1] == f"A,000,2024-09-01T00:00:00Z,{hs:.3f},{4 + 2 * hs:.2f},10.00,90.0"
    assert lines[2].startswith("A,000,2024-09-01T01:00:00Z,")
    assert lines[1 + NT].startswith("A,001,2024-09-01T00:00:00Z,")
    assert lines[-1].startswith("B,002,2024-09-01T05:00:00Z,")
    assert lines[-1].endswith(",12.00,110.0")

    with xr.open_dataset(nc_path) as back:
        assert back.attrs["featureType"] == "timeSeries"
        assert back["station"].attrs["cf_role"] == "timeseries_id"
        assert back["hs"].attrs["units"] == "m"
        np.testing.assert_allclose(back["hs"].values, ds["hs"].values)
        assert back["station"].values.tolist() == ["A", "B"]
    assert sorted(p.name for p in csv_path.parent.iterdir()) == ["stations.csv", "stations.nc"]


def test_station_netcdf_follows_cf(member_paths: list[Path], tmp_path: Path) -> None:
    """What a CF checker reads in stations.nc: the member files' variable attributes, a time
    axis, and every auxiliary coordinate named in the variables' own ``coordinates`` (CF reads
    no global one), none of them with a ``_FillValue``."""
    import netCDF4

    from wavecast.model import VARIABLE_ATTRS

    ds = extract_stations(member_paths, [station("A", 5, 10), station("B", 9, 1)])  # B on land
    write_stations(ds, tmp_path / "s.csv", tmp_path / "s.nc")
    auxiliary = {
        "lat",
        "lon",
        "station_lat",
        "station_lon",
        "cell_depth",
        "cell_distance_km",
        "moved_to_water",
        "cell_y_index",
        "cell_x_index",
    }
    with netCDF4.Dataset(tmp_path / "s.nc") as nc:
        assert "coordinates" not in nc.ncattrs()
        for var in ("hs", "tp", "wspd", "wdir"):
            attrs = {k: nc[var].getncattr(k) for k in nc[var].ncattrs()}
            assert attrs.items() >= VARIABLE_ATTRS[var].items(), var
            assert attrs["long_name"]
            assert set(attrs["coordinates"].split()) == {"time"} | auxiliary, var
        assert (nc["time"].standard_name, nc["time"].axis) == ("time", "T")
        for name in auxiliary | {"time"}:
            assert "_FillValue" not in nc[name].ncattrs(), name
    with xr.open_dataset(tmp_path / "s.nc") as back:
        assert auxiliary <= set(back.coords)
        assert back["moved_to_water"].values.tolist() == [0, 1]


def test_no_stations_gives_empty_products(member_paths: list[Path], tmp_path: Path) -> None:
    ds = extract_stations(member_paths, [])  # the config default
    assert dict(ds["hs"].sizes) == {"station": 0, "member": 3, "time": NT}
    write_stations(ds, tmp_path / "s.csv", tmp_path / "s.nc")
    assert (tmp_path / "s.csv").read_text() == "station,member,time,hs_m,tp_s,wspd_ms,wdir_deg\n"
    with xr.open_dataset(tmp_path / "s.nc") as back:
        assert back.sizes["station"] == 0


def test_series_from_tiled_member_files_span_chunk_boundaries(tmp_path: Path) -> None:
    """Member files as run_member writes them (24-step x 64 x 64 chunks): series that cross the
    time-block boundary, at cells in different tiles, read back exactly."""
    from wavecast.io import write_netcdf_atomic

    nt, ny, nx = 30, 70, 70
    tiled = []
    for path in write_member_files(tmp_path / "plain", n_members=2, nt=nt, ny=ny, nx=nx):
        with xr.open_dataset(path) as ds:
            tiled.append(write_netcdf_atomic(ds.load(), tmp_path / "tiled" / path.name))
    with xr.open_dataset(tiled[0]) as ds:
        assert ds["hs"].encoding["chunksizes"] == (24, 64, 64)
    _, _, lat, lon = grid_lat_lon(ny, nx)
    cells = [(5, 10), (66, 65), (63, 64), (40, 69)]
    stations = [
        {"name": f"S{i}", "lat": float(lat[iy, ix]), "lon": float(lon[iy, ix])}
        for i, (iy, ix) in enumerate(cells)
    ]
    ds = extract_stations(tiled, stations)
    assert list(zip(ds["cell_y_index"].values, ds["cell_x_index"].values, strict=True)) == cells
    for m in range(2):
        hs = member_hs(m, nt, ny, nx)
        for s, (iy, ix) in enumerate(cells):
            np.testing.assert_array_equal(ds["hs"].values[s, m], hs[:, iy, ix])
            assert (ds["wdir"].values[s, m] == 90.0 + 10 * m).all()
