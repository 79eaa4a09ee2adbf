"""Config checks near the dateline agree with the model (grid.xy_from_latlon wraps longitudes).

The demo config moved 240 degrees east: grid.origin lon 178, so the grid spans 178 .. 182.6
east, written -177.4 in the -180..180 convention scientists use in the Pacific.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from wavecast.config import EARTH_RADIUS_M, validate
from wavecast.errors import ValidationError
from wavecast.geo import Footprint

from .demo_config import demo_config, problems_of

SHIFT = 240.0  # -62 (the demo's origin) + 240 = 178


def east(lon: float) -> float:
    """``lon`` moved SHIFT degrees east, written in -180..180."""
    return (lon + SHIFT + 180.0) % 360.0 - 180.0


@pytest.fixture()
def pacific(demo) -> dict:
    cfg = demo
    cfg["grid"]["origin"]["lon"] = east(cfg["grid"]["origin"]["lon"])
    for place in (
        cfg["bathymetry"]["idealised"]["islands"] + cfg["cyclone"]["track"] + cfg["stations"]
    ):
        place["lon"] = round(east(place["lon"]), 6)
    return cfg


def test_the_demo_moved_across_the_dateline_is_valid(pacific):
    assert pacific["grid"]["origin"]["lon"] == 178.0
    # an island, a station and the first track fixes sit east of 180, at negative longitudes
    assert pacific["bathymetry"]["idealised"]["islands"][1]["lon"] == pytest.approx(-179.8)
    assert pacific["stations"][2]["lon"] == pytest.approx(-179.0)
    assert [f["lon"] for f in pacific["cyclone"]["track"]] == pytest.approx([-177.8, -179.6, 179])
    validate(pacific)


def test_longitudes_east_of_the_origin_in_either_convention(pacific):
    """181 and -179 are the same place; the schema allows both."""
    pacific["stations"][2]["lon"] = 181.0
    pacific["bathymetry"]["idealised"]["islands"][1]["lon"] = 180.2
    validate(pacific)


def test_a_station_beyond_the_dateline_grid_is_still_outside(pacific):
    pacific["stations"].append({"name": "Far", "lat": 13.0, "lon": -170.0})
    pacific["stations"].append({"name": "West", "lat": 13.0, "lon": 177.0})
    assert problems_of(pacific) == [
        "config/config.yaml::stations[3]: station 'Far' at (13.0, -170.0) is outside the grid "
        "(lat 11.99..16.49, lon 177.99..-177.41); move the station or enlarge the grid",
        "config/config.yaml::stations[4]: station 'West' at (13.0, 177.0) is outside the grid "
        "(lat 11.99..16.49, lon 177.99..-177.41); move the station or enlarge the grid",
    ]


def test_the_station_job_quotes_the_same_dateline_bounds_as_config(pacific):
    """locate_stations (extract_stations' job, with the footprint it reads from a member file)
    and validation describe the grid alike; the job printed the east edge unwrapped (lon 177.99
    to 182.59)."""
    from wavecast.grid import footprint, grid_coordinates
    from wavecast.stations import locate_stations

    coords = grid_coordinates(pacific["grid"])
    far = {"name": "Far", "lat": 13.0, "lon": -170.0}
    with pytest.raises(ValidationError) as info:
        locate_stations(
            footprint(coords),
            coords["lat"].values,
            coords["lon"].values,
            np.ones(coords["lat"].shape),
            [*pacific["stations"], far],
        )
    assert "(lat 11.99..16.49, lon 177.99..-177.41)" in str(info.value)


def test_an_island_beyond_the_dateline_grid_is_still_outside(pacific):
    pacific["bathymetry"]["idealised"]["islands"][0]["lon"] = -175.0
    assert problems_of(pacific) == [
        "config/config.yaml::bathymetry.idealised.islands[0]: centre (13.6, -175.0) is outside "
        "the grid (lat 11.99..16.49, lon 177.99..-177.41); move the island or enlarge the grid"
    ]


def test_a_track_that_enters_the_grid_only_across_the_dateline(pacific):
    """Fixes at 175 and -175 are outside the grid, but the storm passes 180 on its way."""
    track = pacific["cyclone"]["track"]
    track[0].update(lat=14.0, lon=175.0)
    track[1].update(lat=14.0, lon=-175.0)
    track[2].update(lat=14.0, lon=-170.0)
    validate(pacific)


def test_a_track_wholly_outside_a_dateline_grid_is_refused(pacific):
    for fix, lon in zip(pacific["cyclone"]["track"], (170.0, 172.0, 174.0), strict=True):
        fix["lon"] = lon
    assert problems_of(pacific) == [
        "config/config.yaml::cyclone.track: the cyclone centre never enters the grid "
        "(lat 11.99..16.49, lon 177.99..-177.41) during the run; check the track's lat/lon, "
        "or move grid.origin"
    ]


def test_grid_bounds_edges_in_the_origins_convention():
    """The edges of the cells: half a cell (2.5 km) west of the origin, 99.5 cells east of it,
    both written in the origin's convention."""
    grid = {"origin": {"lat": 0.0, "lon": 178.0}, "nx": 100, "ny": 100, "resolution_km": 5.0}
    cell = math.degrees(5_000.0 / EARTH_RADIUS_M)
    west, east = 178.0 - cell / 2, 178.0 + 99.5 * cell
    assert Footprint.from_config(grid).bounds()[2:] == pytest.approx(
        (west, east - 360.0), rel=1e-12
    )
    grid["origin"]["lon"] = 200.0  # a 0..360 origin keeps 0..360
    assert Footprint.from_config(grid).bounds()[2:] == pytest.approx(
        (west + 22.0, east + 22.0), rel=1e-12
    )
    grid["origin"]["lon"] = -180.0  # the west edge wraps too: 179.98 .. -175.59
    assert Footprint.from_config(grid).bounds()[2:] == pytest.approx(
        (180.0 - cell / 2, -180.0 + 99.5 * cell)
    )
    grid["origin"]["lon"] = 0.0  # an origin below 180 writes -180..180: west of 0 is negative
    assert Footprint.from_config(grid).bounds()[2] == pytest.approx(-cell / 2)


def test_one_wrap_for_floats_and_arrays():
    """config, the grid's projection (basin), cyclone and the stations' cells share
    geo.wrap_longitude; numpy arrays go through."""
    from wavecast import basin, cells, config, cyclone, geo

    assert config.wrap_longitude is basin.wrap_longitude is geo.wrap_longitude
    assert cyclone.wrap_longitude is cells.wrap_longitude is geo.wrap_longitude
    lons = np.array([-540.0, -180.0, -179.5, 179.5, 180.0, 181.0, 540.0])
    wrapped = geo.wrap_longitude(lons)
    assert isinstance(wrapped, np.ndarray)
    np.testing.assert_array_equal(wrapped, [-180.0, -180.0, -179.5, 179.5, -180.0, -179.0, -180.0])
    assert [geo.wrap_longitude(float(v)) for v in lons] == wrapped.tolist()


def test_a_longitude_east_of_180_is_the_grids_spelling_for_the_rules(demo):
    """298.7 is -61.3 on the demo's grid at -62: stations, islands and track fixes reach the
    rules as the grid's own lon writes them, so spelling one either way reruns nothing."""
    as_written = validate(copy.deepcopy(demo))
    for place in (
        demo["bathymetry"]["idealised"]["islands"] + demo["cyclone"]["track"] + demo["stations"]
    ):
        place["lon"] += 360.0
    respelt = validate(demo)
    assert respelt == as_written
    assert respelt["stations"][0]["lon"] == -61.3
    assert [f["lon"] for f in respelt["cyclone"]["track"]] == [-57.8, -59.6, -61.0]


def test_a_longitude_takes_the_side_of_the_grids_origin(pacific):
    """On a grid from 178 east, -179 is 181 (grid.nc's lon runs 178 .. 182.6); on the demo's
    grid with its origin written 298, the stations' -61.3 is 298.7."""
    assert validate(pacific)["stations"][2]["lon"] == 181.0
    demo = demo_config()
    demo["grid"]["origin"]["lon"] = 298.0
    assert validate(demo)["stations"][0]["lon"] == 298.7
