"""Geometry shared by the config checks and the jobs: where a place is on the model grid.

Pure Python on purpose: :mod:`wavecast.config` imports this at every workflow load and in every
job, so it must not pull in numpy or xarray. :func:`wrap_longitude` is plain arithmetic and
works on floats and numpy arrays alike.

The grid (:mod:`wavecast.grid`): point ``(j, i)`` sits at ``x = i * dx``, ``y = j * dx`` metres
east/north of ``grid.origin`` and is the centre of a square ``dx`` cell. The area the grid
covers, its :class:`Footprint`, is the union of those cells: ``-dx/2 <= x <= (nx - 1/2) dx``
and the same for ``y``, half a cell beyond the outermost centres on every side. The config
checks (stations, island centres, the track) and the station extraction both ask it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Sphere radius for the equirectangular projection (m); the value the whole package uses.
EARTH_RADIUS_M = 6_371_000.0


def wrap_longitude(delta: Any) -> Any:
    """A longitude difference (degrees) wrapped into [-180, 180); a float or a numpy array.

    The model's convention (:func:`wavecast.grid.xy_from_latlon`): a place is measured the short
    way from the origin, so longitudes written -180..180 or 0..360 land on the same grid point,
    on either side of the dateline.
    """
    return (delta + 180.0) % 360.0 - 180.0


def grid_longitude(lon: float, origin_lon: float) -> float:
    """``lon`` written as the grid's own ``lon`` writes it: within 180 degrees of the origin's
    longitude as the origin is written (298.7 and -61.3 are -61.3 on a grid at -62, 61.3 is
    298.7 on one at 298), rounded to 10 decimals so that both spellings give one number."""
    return round(origin_lon + wrap_longitude(lon - origin_lon), 10) + 0.0


@dataclass(frozen=True)
class Footprint:
    """The area a model grid covers: its ``nx`` by ``ny`` cells of side ``dx_m`` (module doc)."""

    origin_lat: float
    origin_lon: float
    nx: int
    ny: int
    dx_m: float

    @classmethod
    def from_config(cls, grid: Mapping[str, Any]) -> Footprint:
        """The footprint of the config's ``grid`` slice (origin, nx, ny, resolution_km)."""
        return cls(
            float(grid["origin"]["lat"]),
            float(grid["origin"]["lon"]),
            int(grid["nx"]),
            int(grid["ny"]),
            float(grid["resolution_km"]) * 1000.0,
        )

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """``x``, ``y`` (m east/north of the origin) of a place, as the model computes them."""
        coslat0 = math.cos(math.radians(self.origin_lat))
        x = math.radians(wrap_longitude(lon - self.origin_lon)) * EARTH_RADIUS_M * coslat0
        y = math.radians(lat - self.origin_lat) * EARTH_RADIUS_M
        return x, y

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the place lies in one of the grid's cells (edges included)."""
        x, y = self.xy(lat, lon)
        half = 0.5 * self.dx_m
        return (
            -half <= x <= (self.nx - 0.5) * self.dx_m and -half <= y <= (self.ny - 0.5) * self.dx_m
        )

    def cell_degrees(self) -> tuple[float, float]:
        """A cell's height and width in degrees of latitude and longitude; the width is that
        at the origin's latitude, the projection's scale everywhere on the grid."""
        coslat0 = math.cos(math.radians(self.origin_lat))
        return (
            math.degrees(self.dx_m / EARTH_RADIUS_M),
            math.degrees(self.dx_m / (EARTH_RADIUS_M * coslat0)),
        )

    def bounds(self) -> tuple[float, float, float, float]:
        """(lat south, lat north, lon west, lon east) in degrees of the footprint's edges.

        The longitudes are written in the origin's convention (-180..180 for an origin below
        180, else 0..360), so a grid across the dateline has ``lon west > lon east`` (177.99 ..
        -177.41), as in a GeoJSON bounding box.
        """
        dlat, dlon = self.cell_degrees()

        def written(lon: float) -> float:
            return wrap_longitude(lon) if self.origin_lon < 180.0 else lon % 360.0

        return (
            self.origin_lat - 0.5 * dlat,
            self.origin_lat + (self.ny - 0.5) * dlat,
            written(self.origin_lon - 0.5 * dlon),
            written(self.origin_lon + (self.nx - 0.5) * dlon),
        )

    def describe(self) -> str:
        """The bounds as error messages quote them: ``lat 11.99..13.01, lon -62.01..-60.99``."""
        south, north, west, east = self.bounds()
        return f"lat {south:.2f}..{north:.2f}, lon {west:.2f}..{east:.2f}"

    def east_west_scale(self) -> tuple[float, float]:
        """The row where the projection is farthest from true east-west distances, as
        (its latitude, the model's distance there / the true one).

        The grid is flat (:func:`wavecast.basin.latlon`): a cell is ``dx`` wide on every row,
        true along the origin's row, but a degree of longitude spans ``cos(lat)`` of its
        equatorial length. A row at ``lat`` is therefore ``cos(lat0) / cos(lat)`` times as
        long in the model as on the Earth: more than 1 poleward of the origin, less towards
        the equator. The extreme is on the north row, or on the equator when the grid
        crosses it.
        """
        dlat, _ = self.cell_degrees()
        north = self.origin_lat + (self.ny - 1) * dlat
        rows = [north, 0.0] if self.origin_lat < 0.0 < north else [north]
        coslat0 = math.cos(math.radians(self.origin_lat))

        def factor(lat: float) -> float:
            return coslat0 / max(math.cos(math.radians(lat)), 1e-12)

        worst = max(rows, key=lambda lat: abs(factor(lat) - 1.0))
        return worst, factor(worst)
