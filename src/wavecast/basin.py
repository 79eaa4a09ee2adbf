"""The grid's axes and projection, and the idealised basin on them: numpy only, no xarray.

Config validation builds the idealised basin's land mask at workflow load to refuse a basin
with no water (:func:`all_land_problems`), and must not import xarray there (0.4 s, at every
DAG build); :mod:`wavecast.grid` builds ``grid.nc`` with the same functions, so the check and
build_grid agree cell for cell. Geometry in :mod:`wavecast.grid`'s module docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from wavecast.errors import Problem
from wavecast.geo import EARTH_RADIUS_M, wrap_longitude

#: Shallowest water depth (m) a water cell of the idealised basin gets, so that no water cell
#: has depth 0 (which the contract reserves for land).
MIN_WATER_DEPTH_M = 1.0

#: Default width (km) of the continental slope between the shelf edge and the basin floor.
DEFAULT_SLOPE_WIDTH_KM = 50.0

COAST_SIDES = ("west", "east", "north", "south")


def make_axes(nx: int, ny: int, resolution_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the 1-D ``x`` (nx,) and ``y`` (ny,) axes in metres: ``i * dx`` from the SW corner."""
    if nx < 1 or ny < 1:
        raise ValueError(f"grid needs nx >= 1 and ny >= 1, got nx={nx}, ny={ny}")
    if not resolution_km > 0:
        raise ValueError(f"resolution_km must be > 0, got {resolution_km}")
    dx = float(resolution_km) * 1000.0
    return np.arange(nx, dtype=float) * dx, np.arange(ny, dtype=float) * dx


def grid_axes(grid_cfg: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``x``, ``y`` (:func:`make_axes`), ``origin_lat`` and ``origin_lon`` of the ``grid``
    config slice."""
    x, y = make_axes(int(grid_cfg["nx"]), int(grid_cfg["ny"]), float(grid_cfg["resolution_km"]))
    return x, y, float(grid_cfg["origin"]["lat"]), float(grid_cfg["origin"]["lon"])


def latlon(
    x: np.ndarray | float, y: np.ndarray | float, origin_lat: float, origin_lon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (degrees) of points ``x``, ``y`` (m east/north of the origin).

    Equirectangular about the origin: ``lat = lat0 + y / R``, ``lon = lon0 + x / (R cos lat0)``
    (radians converted to degrees). ``x`` and ``y`` broadcast against each other; pass
    ``np.meshgrid(x, y)`` for a 2-D (y, x) field.
    """
    x_arr, y_arr = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    coslat0 = np.cos(np.radians(origin_lat))
    lat = origin_lat + np.degrees(y_arr / EARTH_RADIUS_M)
    lon = origin_lon + np.degrees(x_arr / (EARTH_RADIUS_M * coslat0))
    return lat, lon


def row_col_latlon(
    x: np.ndarray, y: np.ndarray, origin_lat: float, origin_lon: float
) -> tuple[np.ndarray, np.ndarray]:
    """The latitude of each row (ny,) and longitude of each column (nx,): on the
    equirectangular grid (:func:`latlon`) latitude depends on the row only and longitude on the
    column only, so these are every value of the grid's 2-D ``lat`` and ``lon``."""
    lat, _ = latlon(0.0, y, origin_lat, origin_lon)
    _, lon = latlon(x, 0.0, origin_lat, origin_lon)
    return lat, lon


def xy_from_latlon(
    lat: np.ndarray | float, lon: np.ndarray | float, origin_lat: float, origin_lon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`latlon`: ``x``, ``y`` (m) of points given in degrees.

    Longitude differences are wrapped into [-180, 180) (:func:`wavecast.geo.wrap_longitude`) so
    a grid near the dateline works with either longitude convention.
    """
    lat_arr, lon_arr = np.broadcast_arrays(
        np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    )
    dlon = wrap_longitude(lon_arr - origin_lon)
    coslat0 = np.cos(np.radians(origin_lat))
    x = np.radians(dlon) * EARTH_RADIUS_M * coslat0
    y = np.radians(lat_arr - origin_lat) * EARTH_RADIUS_M
    return x, y


def _offshore(x: np.ndarray, y: np.ndarray, side: str, coast_width_km: float) -> np.ndarray:
    """Distance (m) offshore of the coastline, the line ``coast_width_km`` in from the grid
    edge on ``side`` (negative on land): a (1, nx) row or a (ny, 1) column, since it varies
    along one axis only; it broadcasts to the (y, x) grid."""
    width = coast_width_km * 1000.0
    if side == "west":
        return (x - x.min() - width)[None, :]
    if side == "east":
        return (x.max() - x - width)[None, :]
    if side == "south":
        return (y - y.min() - width)[:, None]
    if side == "north":
        return (y.max() - y - width)[:, None]
    raise ValueError(f"coast_side must be one of {', '.join(COAST_SIDES)}, got {side!r}")


def idealised_land(
    x: np.ndarray,
    y: np.ndarray,
    origin_lat: float,
    origin_lon: float,
    *,
    coast_side: str = "west",
    coast_width_km: float = 0.0,
    islands: Sequence[Mapping[str, float]] = (),
) -> np.ndarray:
    """Land mask (bool, (y, x)) of the idealised basin: the coast's land strip and the islands.

    :func:`idealised_bathymetry`'s mask. Built without 2-D coordinate arrays (each island is
    judged only in the rows and columns within its radius), so a 4000 x 4000 grid costs one
    boolean array, not the bathymetry's gigabyte.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    land = np.broadcast_to(_offshore(x, y, coast_side, coast_width_km) < 0, (y.size, x.size))
    land = land.copy()
    for island in islands:
        ix, iy = xy_from_latlon(island["lat"], island["lon"], origin_lat, origin_lon)
        radius = float(island["radius_km"]) * 1000.0
        # hypot(a, b) >= |a| and >= |b|: no cell outside these rows and columns is within reach
        rows = np.flatnonzero(np.abs(y - iy) <= radius)
        cols = np.flatnonzero(np.abs(x - ix) <= radius)
        near = np.hypot(x[cols][None, :] - ix, y[rows][:, None] - iy) <= radius
        land[np.ix_(rows, cols)] |= near
    return land


def idealised_bathymetry(
    x: np.ndarray,
    y: np.ndarray,
    origin_lat: float,
    origin_lon: float,
    *,
    coast_side: str = "west",
    coast_width_km: float = 0.0,
    shelf_width_km: float = 50.0,
    shelf_depth_m: float = 100.0,
    basin_depth_m: float = 3000.0,
    slope_width_km: float = DEFAULT_SLOPE_WIDTH_KM,
    islands: Sequence[Mapping[str, float]] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Depth (m, positive down) and land mask (bool) of an idealised basin on the (y, x) grid.

    Profile with distance ``s`` offshore of the coastline (the line ``coast_width_km`` in from
    the ``coast_side`` edge; points with ``s < 0`` are land):

    * shelf, ``0 <= s < shelf_width``: linear from 0 to ``shelf_depth_m``;
    * slope, the next ``slope_width_km``: linear from ``shelf_depth_m`` to ``basin_depth_m``;
    * basin floor beyond: ``basin_depth_m``.

    Water depths are at least :data:`MIN_WATER_DEPTH_M`. Each island ``{lat, lon, radius_km}``
    makes every point within ``radius_km`` of its centre land. Land has depth 0.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    land = idealised_land(
        x,
        y,
        origin_lat,
        origin_lon,
        coast_side=coast_side,
        coast_width_km=coast_width_km,
        islands=islands,
    )
    s = _offshore(x, y, coast_side, coast_width_km)
    shelf_w = shelf_width_km * 1000.0
    slope_w = slope_width_km * 1000.0
    shelf = np.clip(s / shelf_w, 0.0, 1.0) * shelf_depth_m if shelf_w > 0 else shelf_depth_m
    beyond = np.clip((s - shelf_w) / slope_w, 0.0, 1.0) if slope_w > 0 else (s >= shelf_w) * 1.0
    depth = shelf + beyond * (basin_depth_m - shelf_depth_m)
    depth = np.maximum(depth, MIN_WATER_DEPTH_M)
    depth = np.where(land, 0.0, depth)
    return depth, land


def idealised_settings(ideal: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`idealised_bathymetry`'s keyword arguments from the ``bathymetry.idealised`` slice."""
    return {
        "coast_side": str(ideal.get("coast_side", "west")),
        "coast_width_km": float(ideal.get("coast_width_km", 0.0)),
        "shelf_width_km": float(ideal.get("shelf_width_km", 50.0)),
        "shelf_depth_m": float(ideal.get("shelf_depth_m", 100.0)),
        "basin_depth_m": float(ideal.get("basin_depth_m", 3000.0)),
        "slope_width_km": float(ideal.get("slope_width_km", DEFAULT_SLOPE_WIDTH_KM)),
        "islands": list(ideal.get("islands") or []),
    }


#: Across the coast: the grid's axis, its key and the words for its two ends.
_ACROSS = {
    "west": ("x", "grid.nx", "west to east"),
    "east": ("x", "grid.nx", "east to west"),
    "south": ("y", "grid.ny", "south to north"),
    "north": ("y", "grid.ny", "north to south"),
}


def all_land_problems(
    grid_cfg: Mapping[str, Any], ideal: Mapping[str, Any], file: str
) -> list[Problem]:
    """An idealised basin build_grid would make without a water cell (then every member runs
    and summarise_ensemble finds Hs NaN everywhere), at the key to change: ``coast_width_km``
    when the coast's land strip alone covers the grid, else each island that with the strip
    covers it alone (its ``radius_km``), else the islands together. [] when some cell is water.
    """
    x, y, origin_lat, origin_lon = grid_axes(grid_cfg)
    settings = idealised_settings(ideal)
    side, islands = settings["coast_side"], settings["islands"]

    def land(with_islands: Sequence[Mapping[str, float]]) -> np.ndarray:
        return idealised_land(
            x,
            y,
            origin_lat,
            origin_lon,
            coast_side=side,
            coast_width_km=settings["coast_width_km"],
            islands=with_islands,
        )

    if not land(islands).all():
        return []
    where = "bathymetry.idealised"
    if land([]).all():
        axis, key, direction = _ACROSS[side]
        span = f"{float((x if axis == 'x' else y)[-1]) / 1000.0:.3f}".rstrip("0").rstrip(".")
        return [
            Problem(
                file,
                f"{where}.coast_width_km",
                f"the {ideal['coast_width_km']} km land strip along the {side} edge covers the "
                f"whole grid, {span} km from {direction} (first to last cell centre), so no "
                "cell is water",
                f"make coast_width_km smaller than {span} km, or enlarge the grid "
                f"({key}, grid.resolution_km)",
            )
        ]
    alone = [i for i, island in enumerate(islands) if land([island]).all()]
    if alone:
        return [
            Problem(
                file,
                f"{where}.islands[{i}].radius_km",
                f"the island (radius {islands[i]['radius_km']} km) covers every cell the coast "
                "leaves as water, so no cell is water",
                "make radius_km smaller or move the island",
            )
            for i in alone
        ]
    return [
        Problem(
            file,
            f"{where}.islands",
            "the islands together cover every cell the coast leaves as water, so no cell is water",
            "make some radius_km smaller, or remove or move an island",
        )
    ]
