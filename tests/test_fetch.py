"""Upwind fetch: exact on a rectangular lake for the 8 compass directions, bounded otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from wavecast.fetch import (
    FetchTable,
    fetch_for_direction,
    fetch_table,
    step_length,
    upwind_fetch,
)

DX = 1_000.0
BOUNDARY = 250_000.0

# A lake of water rows J0..J1 and columns I0..I1 inside a land frame (rows run south -> north).
NY, NX = 14, 19
J0, J1, I0, I1 = 2, 10, 3, 16


def lake() -> np.ndarray:
    land = np.ones((NY, NX), dtype=bool)
    land[J0 : J1 + 1, I0 : I1 + 1] = False
    return land


def distance_to_upwind_shore(direction: int) -> np.ndarray:
    """Distance from each cell centre to the lake shore (cell edge) it looks at upwind."""
    j, i = np.mgrid[0:NY, 0:NX].astype(float)
    north, south = J1 - j + 0.5, j - J0 + 0.5
    east, west = I1 - i + 0.5, i - I0 + 0.5
    cells = {
        0: north,
        90: east,
        180: south,
        270: west,
        45: np.minimum(north, east) * np.sqrt(2),
        135: np.minimum(south, east) * np.sqrt(2),
        225: np.minimum(south, west) * np.sqrt(2),
        315: np.minimum(north, west) * np.sqrt(2),
    }[direction]
    return np.where(lake(), 0.0, cells * DX)


COMPASS = [0, 45, 90, 135, 180, 225, 270, 315]


@pytest.mark.parametrize("direction", COMPASS)
def test_compass_directions_exact_on_rectangular_lake(direction: int) -> None:
    got = upwind_fetch(lake(), DX, np.full((NY, NX), float(direction)), BOUNDARY)
    np.testing.assert_allclose(got, distance_to_upwind_shore(direction), rtol=1e-12, atol=0)


@pytest.mark.parametrize("direction", COMPASS)
def test_single_direction_walk_exact_on_rectangular_lake(direction: int) -> None:
    got = fetch_for_direction(lake(), DX, direction, BOUNDARY)
    np.testing.assert_allclose(got, distance_to_upwind_shore(direction), rtol=1e-12, atol=0)


def test_open_grid_adds_boundary_fetch_at_the_edge() -> None:
    land = np.zeros((5, 8), dtype=bool)
    west_wind = upwind_fetch(land, DX, 270.0, BOUNDARY)
    np.testing.assert_allclose(west_wind[2], (np.arange(8) + 0.5) * DX + BOUNDARY, rtol=1e-12)
    north_wind = upwind_fetch(land, DX, 0.0, BOUNDARY)
    np.testing.assert_allclose(north_wind[:, 3], (4 - np.arange(5) + 0.5) * DX + BOUNDARY)


def test_land_cells_have_zero_fetch_and_islands_shelter() -> None:
    land = np.zeros((9, 9), dtype=bool)
    land[4, 4] = True  # a one-cell island
    fetch = upwind_fetch(land, DX, 270.0, BOUNDARY)
    assert fetch[4, 4] == 0.0
    assert fetch[4, 5] == pytest.approx(0.5 * DX)  # just downwind of the island
    assert fetch[4, 6] == pytest.approx(1.5 * DX)
    assert fetch[3, 5] == pytest.approx(5.5 * DX + BOUNDARY)  # the row beside it is open


@pytest.mark.parametrize("direction", [20.0, 65.0, 110.0, 160.0, 205.0, 250.0, 290.0, 340.0])
def test_other_directions_within_one_step_of_the_straight_ray(direction: float) -> None:
    """On an open box, cells whose straight ray leaves through the edge it meets head-on
    (the major axis: no grazing) are within one walk step of the exact distance."""
    ny, nx = 40, 50
    land = np.zeros((ny, nx), dtype=bool)
    got = upwind_fetch(land, DX, direction, 0.0) / DX
    j, i = np.mgrid[0:ny, 0:nx].astype(float)
    ue, un = np.sin(np.radians(direction)), np.cos(np.radians(direction))
    to_x_edge = np.where(ue > 0, nx - 0.5 - i, i + 0.5) / abs(ue)
    to_y_edge = np.where(un > 0, ny - 0.5 - j, j + 0.5) / abs(un)
    major_is_x = abs(ue) >= abs(un)
    head_on = (to_x_edge < to_y_edge) if major_is_x else (to_y_edge < to_x_edge)
    exact = np.minimum(to_x_edge, to_y_edge)
    step = step_length(DX, direction) / DX
    assert head_on.sum() > 100
    assert np.abs(got - exact)[head_on].max() <= step


def test_between_sectors_interpolates_linearly() -> None:
    land = lake()
    f0 = upwind_fetch(land, DX, 0.0, BOUNDARY)
    f5 = upwind_fetch(land, DX, 5.0, BOUNDARY)
    mid = upwind_fetch(land, DX, 2.5, BOUNDARY)
    np.testing.assert_allclose(mid, 0.5 * (f0 + f5), rtol=1e-12)


def test_directions_wrap_and_nan_propagates() -> None:
    land = lake()
    np.testing.assert_array_equal(
        upwind_fetch(land, DX, 360.0 + 45.0, BOUNDARY), upwind_fetch(land, DX, 45.0, BOUNDARY)
    )
    np.testing.assert_array_equal(
        upwind_fetch(land, DX, -90.0, BOUNDARY), upwind_fetch(land, DX, 270.0, BOUNDARY)
    )
    wdir = np.full((NY, NX), 90.0)
    wdir[5, 5] = np.nan
    assert np.isnan(upwind_fetch(land, DX, wdir, BOUNDARY)[5, 5])


def test_per_cell_directions_and_leading_time_axis() -> None:
    land = lake()
    wdir = np.empty((2, NY, NX))
    wdir[0] = np.where(np.arange(NX) % 2 == 0, 0.0, 90.0)
    wdir[1] = 225.0
    got = upwind_fetch(land, DX, wdir, BOUNDARY)
    assert got.shape == (2, NY, NX)
    even = np.arange(NX) % 2 == 0
    np.testing.assert_array_equal(got[0][:, even], distance_to_upwind_shore(0)[:, even])
    np.testing.assert_array_equal(got[0][:, ~even], distance_to_upwind_shore(90)[:, ~even])
    np.testing.assert_allclose(got[1], distance_to_upwind_shore(225), rtol=1e-12)


def test_table_is_cached_per_land_mask() -> None:
    land = lake()
    first = fetch_table(land, DX, BOUNDARY)
    assert fetch_table(land.copy(), DX, BOUNDARY) is first
    other = land.copy()
    other[5, 5] = True
    assert fetch_table(other, DX, BOUNDARY) is not first


def test_custom_sector_count() -> None:
    table = FetchTable.build(lake(), DX, BOUNDARY, n_sectors=8)
    assert table.n_sectors == 8
    np.testing.assert_allclose(table.lookup(135.0), distance_to_upwind_shore(135), rtol=1e-12)
