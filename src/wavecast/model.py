"""The reference wave model: wind forcing + grid -> Hs, Tp per member.

For every hour and water cell (a parametric, locally stationary model with no propagation):

1. fetch ``F`` upwind to land or to the grid edge plus ``boundary_fetch_km``
   (:mod:`wavecast.fetch`, exact for the 8 compass directions, ~1 cell otherwise);
2. duration limit ``F_eff = min(F, F_t(U, duration_limit_hours))`` (CEM 2002, see
   :mod:`wavecast.growth`);
3. ``Hs``, ``Tp`` from Young & Verhagen (1996) with the cell's depth.

Config slice read here (the schema documents it for users)::

    model_cfg = {"boundary_fetch_km": 300.0,     # open sea assumed beyond the grid edge
                 "duration_limit_hours": 12.0,   # None or 0 disables the duration limit
                 "min_wind_ms": 0.5}             # weaker winds count as calm: Hs = Tp = 0

Output (``results/run_member/member_{member}.nc``): ``hs``, ``tp``, ``wspd``, ``wdir``
(time, y, x) float32 and ``depth`` (y, x), CF-1.8 attributes. ``hs`` and ``tp`` are **NaN over
land** (written as ``_FillValue``, so plots leave land blank); calm water is 0. ``wspd``/``wdir``
are the forcing, everywhere. ``depth`` is copied from the grid (0 on land, as in ``grid.nc``).
Memory: the four (time, y, x) float32 fields (the wind ones shared with the forcing when it is
already in memory) plus the fetch table (2 bytes x 72 sectors per cell) plus a few (y, x)
float64 temporaries; one time step is computed at a time. See benchmarks/model_throughput.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

import wavecast
from wavecast.fetch import DEFAULT_SECTORS, fetch_table
from wavecast.growth import G, duration_limited_fetch, young_verhagen

DEFAULTS: dict[str, Any] = {
    "boundary_fetch_km": 300.0,
    "duration_limit_hours": 12.0,
    "min_wind_ms": 0.5,
}

#: CF attributes of the output variables, also those of the station series
#: (:mod:`wavecast.stations`), so the two products describe a variable alike.
VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    "hs": {
        "units": "m",
        "long_name": "significant wave height",
        "standard_name": "sea_surface_wave_significant_height",
    },
    "tp": {
        "units": "s",
        "long_name": "peak wave period",
        "standard_name": "sea_surface_wave_period_at_variance_spectral_density_maximum",
    },
    "wspd": {"units": "m s-1", "long_name": "10 m wind speed", "standard_name": "wind_speed"},
    "wdir": {
        "units": "degree",
        "long_name": "10 m wind direction (from which the wind blows, clockwise from north)",
        "standard_name": "wind_from_direction",
    },
    "depth": {
        "units": "m",
        "long_name": "water depth (0 on land)",
        "standard_name": "sea_floor_depth_below_sea_surface",
        "positive": "down",
    },
}


def grid_spacing_m(grid: xr.Dataset) -> float:
    """Grid spacing (m): the ``resolution_km`` attribute, else the ``x`` step."""
    if "resolution_km" in grid.attrs:
        return float(grid.attrs["resolution_km"]) * 1000.0
    x = np.asarray(grid["x"].values, dtype=float)
    if x.size < 2:
        raise ValueError("grid has one column and no resolution_km attribute")
    return float(x[1] - x[0])


def _settings(model_cfg: Mapping[str, Any]) -> tuple[float, float | None, float]:
    """``(boundary fetch m, duration s or None, min wind m s-1)``; missing keys take
    :data:`DEFAULTS`, an explicit ``duration_limit_hours`` of None or 0 disables the limit."""
    boundary_km = model_cfg.get("boundary_fetch_km")
    min_wind = model_cfg.get("min_wind_ms")
    hours = model_cfg.get("duration_limit_hours", DEFAULTS["duration_limit_hours"])
    boundary_m = float(DEFAULTS["boundary_fetch_km"] if boundary_km is None else boundary_km) * 1e3
    duration_s = float(hours) * 3600.0 if hours else None
    return boundary_m, duration_s, float(DEFAULTS["min_wind_ms"] if min_wind is None else min_wind)


def run_member(grid: xr.Dataset, forcing: xr.Dataset, model_cfg: Mapping[str, Any]) -> xr.Dataset:
    """Hs and Tp (time, y, x) for one member's ``forcing`` on ``grid`` (see module docstring).

    ``grid`` needs ``depth``, ``land`` (y, x) and ``x`` (or a ``resolution_km`` attribute);
    ``forcing`` needs ``wspd``, ``wdir`` (time, y, x) on the same (y, x) shape, and the same
    ``lat``/``lon`` where both carry them; it may be a lazily opened file (its wind is loaded
    once, since the output carries it as well).
    """
    boundary_m, duration_s, min_wind = _settings(model_cfg)
    land = np.asarray(grid["land"].transpose("y", "x").values).astype(bool)
    depth = np.asarray(grid["depth"].transpose("y", "x").values, dtype=float)
    # The output carries the forcing wind too: load it once as float32 and share the arrays
    # (no copy when the forcing is already in memory as float32).
    wspd = np.asarray(forcing["wspd"].transpose("time", "y", "x").values, dtype=np.float32)
    wdir = np.asarray(forcing["wdir"].transpose("time", "y", "x").values, dtype=np.float32)
    nt, ny, nx = wspd.shape
    if (ny, nx) != land.shape:
        raise ValueError(f"forcing (y, x) shape {(ny, nx)} differs from grid {land.shape}")
    for name in ("lat", "lon"):
        if name in grid.variables and name in forcing.variables:
            here = grid[name].transpose("y", "x").values
            there = forcing[name].transpose("y", "x").values
            if not np.allclose(here, there, rtol=0.0, atol=1e-9):
                worst = float(np.max(np.abs(here - there)))
                raise ValueError(
                    f"forcing {name} differs from the grid's (by up to {worst:.3g} degrees): the "
                    "forcing was made for another grid configuration; make it again "
                    "(snakemake --forcerun make_forcing)"
                )
    table = fetch_table(land, grid_spacing_m(grid), boundary_m, DEFAULT_SECTORS)

    hs = np.empty((nt, ny, nx), dtype=np.float32)
    tp = np.empty((nt, ny, nx), dtype=np.float32)
    for k in range(nt):
        u = wspd[k].astype(float)
        d = wdir[k].astype(float)
        fetch = table.lookup(d)
        if duration_s is not None:
            fetch = np.minimum(fetch, duration_limited_fetch(u, duration_s, G))
        u_eff = np.where(u >= min_wind, u, 0.0)
        h, t = young_verhagen(u_eff, fetch, depth, G)
        h[land] = np.nan
        t[land] = np.nan
        hs[k], tp[k] = h, t

    dims = ("time", "y", "x")
    coords: dict[str, Any] = {"time": forcing["time"].variable.copy()}
    for name in ("x", "y", "lat", "lon"):
        source = grid if name in grid.variables else forcing
        if name in source.variables:
            coords[name] = source[name].variable.copy()
    cf = "lat lon" if "lat" in coords and "lon" in coords else None

    def attrs(name: str) -> dict[str, str]:
        return {**VARIABLE_ATTRS[name], **({"coordinates": cf} if cf else {})}

    member_attrs = {
        k: v
        for k, v in forcing.attrs.items()
        if k not in ("Conventions", "title", "references", "history")
    }
    return xr.Dataset(
        {
            "hs": (dims, hs, attrs("hs")),
            "tp": (dims, tp, attrs("tp")),
            "wspd": (dims, wspd, attrs("wspd")),
            "wdir": (dims, wdir, attrs("wdir")),
            "depth": (("y", "x"), depth, attrs("depth")),
        },
        coords=coords,
        attrs={
            "Conventions": "CF-1.8",
            "title": "wavecast reference model: fetch- and depth-limited wind waves",
            "source": f"wavecast {wavecast.__version__} reference model",
            "references": "Young & Verhagen (1996) Coastal Eng. 29, 47-78; USACE (2002) "
            "Coastal Engineering Manual EM 1110-2-1100 Part II Ch. 2 (fetch-duration)",
            **member_attrs,
            "boundary_fetch_km": boundary_m / 1000.0,
            "duration_limit_hours": duration_s / 3600.0 if duration_s else 0.0,
            "min_wind_ms": min_wind,
            "fetch_sectors": DEFAULT_SECTORS,
        },
    )
