"""A grid that leaves the Earth stops the run at config validation, before any job.

The grid extends ``ny`` cells north and ``nx`` cells east of ``grid.origin``
(:class:`wavecast.geo.Footprint`); its cells must end at or below the North Pole and span at
most 360 degrees of longitude. Past them the jobs computed latitudes above 90 and longitudes
that wrap onto cells already on the grid.
"""

from __future__ import annotations

import pytest

from wavecast.geo import Footprint

from .demo_config import problems_of


@pytest.fixture()
def coarse(demo) -> dict:
    """The demo at 100 km, 20 cells high: a cell is 0.8993 degrees high, 0.9194 wide at
    latitude 12."""
    demo["grid"].update(resolution_km=100.0, ny=20)
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


def test_a_grid_around_the_earth_more_than_once_is_refused_at_nx(coarse):
    coarse["grid"]["nx"] = 392
    assert problems_of(coarse) == [
        "config/config.yaml::grid.nx: the grid spans 360.41 degrees of longitude, more than "
        "once around the Earth (a cell is 0.9194 degrees wide at latitude 12); use grid.nx <= "
        "391 at this grid.origin.lat and grid.resolution_km"
    ]
    coarse["grid"]["nx"] = 391  # 359.49 degrees
    assert problems_of(coarse) == []


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
        "once around the Earth (a cell is 0.1799 degrees wide at latitude 60); use grid.nx <= "
        "2001 at this grid.origin.lat and grid.resolution_km",
        "config/config.yaml::grid.ny: the grid's cells reach latitude 419.68, past the North "
        "Pole; use grid.ny <= 334 at this grid.origin.lat and grid.resolution_km, or move "
        "grid.origin.lat south",
    ]


def test_a_grid_across_the_dateline_under_360_degrees_is_valid(coarse):
    """From 178 E, 391 cells span 359.5 degrees: nearly all the way round, across 180."""
    coarse["grid"]["origin"]["lon"] = 178.0
    coarse["grid"]["nx"] = 391
    assert problems_of(coarse) == []
    coarse["grid"]["nx"] = 392
    assert [p.split(": ")[0] for p in problems_of(coarse)] == ["config/config.yaml::grid.nx"]
