"""A grid that leaves the Earth stops the run at config validation, before any job.

The grid extends ``ny`` cells north and ``nx`` cells east of ``grid.origin``
(:class:`wavecast.geo.Footprint`); its cells must end at or below the North Pole and span at
most 180 degrees of longitude. Past them the jobs computed latitudes above 90, and places more
than 180 degrees east of the origin were put west of it (longitudes are compared the short way
round): a station on such a grid was called outside it, a cyclone placed off the grid.
"""

from __future__ import annotations

import math

import pytest

from wavecast.config import config_notes, projection_note
from wavecast.geo import Footprint

from .demo_config import problems_of


@pytest.fixture()
def coarse(demo) -> dict:
    """The demo at 100 km, 40 cells wide and 20 high: a cell is 0.8993 degrees high, 0.9194
    wide at latitude 12."""
    demo["grid"].update(resolution_km=100.0, nx=40, ny=20)
    return demo


def test_a_grid_past_the_north_pole_is_refused_at_ny(coarse):
    coarse["grid"]["ny"] = 88
    assert problems_of(coarse) == [
        "config/config.yaml::grid.ny: the grid's cells reach latitude 90.69, past the North "
        "Pole; use grid.ny <= 87 at this grid.origin.lat and grid.resolution_km, or move "
        "grid.origin.lat south"
    ]
    coarse["grid"]["ny"] = 87  # what the fix says: the north edge at 89.79
    assert problems_of(coarse) == []
    assert Footprint.from_config(coarse["grid"]).bounds()[1] == pytest.approx(89.7913, abs=1e-4)


def test_a_grid_more_than_half_way_around_the_earth_is_refused_at_nx(coarse):
    coarse["grid"]["nx"] = 196
    assert problems_of(coarse) == [
        "config/config.yaml::grid.nx: the grid spans 180.20 degrees of longitude, more than "
        "half way around the Earth: places are put east or west of grid.origin the short way "
        "round (a cell is 0.9194 degrees wide at latitude 12); use grid.nx <= 195 at this "
        "grid.origin.lat and grid.resolution_km"
    ]
    coarse["grid"]["nx"] = 195  # what the fix says: 179.28 degrees


def test_a_place_at_the_east_edge_of_the_widest_grid_is_on_it(coarse):
    """Why 180: on the widest grid the fix allows, a station 178.8 degrees east of the origin
    is on the grid, where it is on a map; one degree further it would wrap to the west."""
    coarse["grid"]["nx"] = 195
    lon = coarse["grid"]["origin"]["lon"] + 178.8
    coarse["stations"] = [{"name": "Far east", "lat": 12.0, "lon": lon}]
    assert problems_of(coarse) == []
    assert Footprint.from_config(coarse["grid"]).contains(12.0, lon)


def test_an_edge_just_past_the_pole_shows_enough_decimals(demo):
    """1335 cells of 2.5 km north of 60 N end 0.004 degrees past the pole."""
    demo["grid"]["origin"]["lat"] = 60.0
    demo["grid"]["ny"] = 1335
    (problem,) = problems_of(demo)
    assert problem.startswith(
        "config/config.yaml::grid.ny: the grid's cells reach latitude 90.004, past the North "
        "Pole; use grid.ny <= 1334 "
    )


def test_both_limits_at_once_and_nothing_judged_on_such_a_grid(demo):
    """The demo's track, stations and islands lie far south of this grid; they are not judged
    against a grid that is not on the Earth (the fix may move it anywhere)."""
    demo["grid"].update(origin={"lat": 60.0, "lon": -62.0}, nx=4000, ny=4000, resolution_km=10)
    assert problems_of(demo) == [
        "config/config.yaml::grid.nx: the grid spans 719.46 degrees of longitude, more than "
        "half way around the Earth: places are put east or west of grid.origin the short way "
        "round (a cell is 0.1799 degrees wide at latitude 60); use grid.nx <= 1000 at this "
        "grid.origin.lat and grid.resolution_km",
        "config/config.yaml::grid.ny: the grid's cells reach latitude 419.68, past the North "
        "Pole; use grid.ny <= 334 at this grid.origin.lat and grid.resolution_km, or move "
        "grid.origin.lat south",
    ]


def test_a_grid_across_the_dateline_under_180_degrees_is_valid(coarse):
    """From 178 E, 195 cells span 179.3 degrees, across 180."""
    coarse["grid"]["origin"]["lon"] = 178.0
    coarse["grid"]["nx"] = 195
    assert problems_of(coarse) == []
    coarse["grid"]["nx"] = 196
    assert [p.split(": ")[0] for p in problems_of(coarse)] == ["config/config.yaml::grid.nx"]


def test_the_east_west_scale_is_worst_on_the_north_row_or_the_equator():
    """A flat grid's row at ``lat`` is cos(lat0) / cos(lat) times its true length."""
    grid = Footprint(origin_lat=40.0, origin_lon=0.0, nx=10, ny=400, dx_m=2500.0)
    north = 40.0 + 399 * 2500.0 / 6_371_000.0 * 180.0 / math.pi
    lat, factor = grid.east_west_scale()
    assert lat == pytest.approx(north)
    assert factor == pytest.approx(math.cos(math.radians(40.0)) / math.cos(math.radians(north)))
    assert factor == pytest.approx(1.1670, abs=1e-4)
    # from 40 S across the equator: the equator row is the farthest off, not the north row
    across = Footprint(origin_lat=-40.0, origin_lon=0.0, nx=10, ny=3300, dx_m=2500.0)
    assert across.east_west_scale() == (0.0, pytest.approx(math.cos(math.radians(40.0))))


def test_a_grid_tall_enough_to_distort_distances_is_noted_with_the_ny_that_fits(coarse):
    coarse["grid"].update(origin={"lat": 40.0, "lon": 0.0}, resolution_km=2.5, nx=100, ny=400)
    assert projection_note(coarse["grid"]) == (
        "the model grid is flat: its east-west distances are true at the origin's latitude (40) "
        "and 16.7% too long at the north row (lat 48.97), and so are fetches, storm sizes and "
        "the places of coast, track and stations there. To stay within 5%, keep grid.ny <= 141 "
        "at this origin, or split the domain"
    )
    coarse["grid"]["ny"] = 141  # what the note says
    assert projection_note(coarse["grid"]) is None
    coarse["grid"]["ny"] = 142
    assert projection_note(coarse["grid"]) is not None


def test_the_demo_grid_is_not_noted(demo):
    assert projection_note(demo["grid"]) is None
    assert config_notes(demo) == []
