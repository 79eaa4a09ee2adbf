"""Which grid cell a station's series comes from: numpy only, no xarray.

Each station takes the nearest wet grid cell (great-circle distance to cell centres); a station
whose nearest cell is land moves to the nearest water cell. extract_stations
(:mod:`wavecast.stations`) takes each station's series from the cell :func:`locate_stations`
picks, and at workflow load :func:`wavecast.config.station_land_notes` names the same cell to
the scientist for a station on land, on the land mask build_grid makes: one rule, so the note
and the job agree cell for cell. numpy only, so the note costs no xarray import on an idealised
basin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import Problem, ValidationError, as_yaml
from .geo import EARTH_RADIUS_M, Footprint, wrap_longitude

CONFIG_FILE = "config/config.yaml"
EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000.0


@dataclass(frozen=True)
class StationCell:
    """Where one station's time series comes from."""

    name: str
    lat: float
    lon: float
    iy: int
    ix: int
    cell_lat: float
    cell_lon: float
    cell_depth: float
    distance_km: float
    moved_to_water: bool


def _haversine_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from one point to ``lat2``/``lon2`` (arrays that broadcast:
    a column and a row make the (y, x) field only at the product). The field's steps are done
    in place, so a large grid holds one array of distances, not five."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2 - lon1)
    a = np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    a += np.sin(dlat / 2) ** 2
    np.clip(a, 0.0, 1.0, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    a *= 2 * EARTH_RADIUS_KM
    return a


def locate_stations(
    grid: Footprint,
    lat: np.ndarray,
    lon: np.ndarray,
    depth: np.ndarray,
    stations: Sequence[Mapping[str, Any]],
) -> list[StationCell]:
    """Pick the grid cell for each station (pure; ``depth`` 2-D on (y, x)).

    ``lat`` and ``lon`` are 2-D on (y, x) (a grid file's), or anything that broadcasts to it:
    on the equirectangular grid latitude varies by row and longitude by column, so a (ny, 1)
    column and a (1, nx) row pick the same cells without the two 2-D arrays. A station is on the
    grid when ``grid.contains`` it: in one of the cells, so up to half a cell beyond the
    outermost centres, as config validation checks. Longitudes are compared modulo 360, so 298.5
    and -61.5 are the same meridian. Raises :class:`ValidationError` listing every station
    outside the grid (and repeated names).
    """
    wet = depth > 0
    if not wet.any():
        raise ValueError("the grid has no water cells (depth > 0) to take station series from")
    lat_2d, lon_2d = np.broadcast_to(lat, wet.shape), np.broadcast_to(lon, wet.shape)
    # the middle of the grid's longitudes: min and max are exact whatever the arrays' shape (a
    # mean of the column and of the 2-D field could differ in the last bit)
    lon_c = 0.5 * (float(np.min(lon)) + float(np.max(lon)))

    problems: list[Problem] = []
    cells: list[StationCell] = []
    seen: dict[str, int] = {}
    for i, station in enumerate(stations):
        name = str(station["name"])
        s_lat, s_lon = float(station["lat"]), float(station["lon"])
        if name in seen:
            problems.append(
                Problem(
                    CONFIG_FILE,
                    f"stations[{i}].name",
                    f"station name {as_yaml(name)} is already used by stations[{seen[name]}]",
                    "give every station its own name",
                )
            )
        seen.setdefault(name, i)
        if not grid.contains(s_lat, s_lon):
            problems.append(
                Problem(
                    CONFIG_FILE,
                    f"stations[{i}]",
                    f"station {as_yaml(name)} (lat {s_lat:g}, lon {s_lon:g}) lies outside the "
                    f"model grid ({grid.describe()})",
                    "move the station inside the grid or extend the grid (grid.origin, grid.nx, "
                    "grid.ny)",
                )
            )
            continue
        lon_near = lon_c + wrap_longitude(s_lon - lon_c)
        # on the arrays as given: a column and a row meet only in the last steps
        dist = np.broadcast_to(_haversine_km(s_lat, lon_near, lat, lon), wet.shape)
        iy, ix = np.unravel_index(int(np.argmin(dist)), dist.shape)
        moved = not bool(wet[iy, ix])
        if moved:
            iy, ix = np.unravel_index(int(np.argmin(np.where(wet, dist, np.inf))), dist.shape)
        cells.append(
            StationCell(
                name=name,
                lat=s_lat,
                lon=s_lon,
                iy=int(iy),
                ix=int(ix),
                cell_lat=float(lat_2d[iy, ix]),
                cell_lon=float(lon_2d[iy, ix]),
                cell_depth=float(depth[iy, ix]),
                distance_km=float(dist[iy, ix]),
                moved_to_water=moved,
            )
        )
    if problems:
        raise ValidationError(problems)
    return cells
