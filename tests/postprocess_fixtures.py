"""Small synthetic member files (the ``results/run_member/member_{member}.nc`` contract).

Plain functions, not pytest fixtures, so test modules can build exactly the files they need in
``tmp_path`` (``conftest.py`` belongs to someone else). The data are known numbers so tests can
compare against numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

EARTH_RADIUS_M = 6_371_000.0
ORIGIN_LAT = 12.0
ORIGIN_LON = -62.0
RESOLUTION_M = 5_000.0
LAND_COLUMNS = 3  # the westernmost columns are land
START = np.datetime64("2024-09-01T00:00:00", "ns")


def grid_lat_lon(ny: int, nx: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cell-centre ``x``, ``y`` (m) and 2-D ``lat``, ``lon``: equirectangular about the origin."""
    x = np.arange(nx) * RESOLUTION_M
    y = np.arange(ny) * RESOLUTION_M
    lat1 = ORIGIN_LAT + np.degrees(y / EARTH_RADIUS_M)
    lon1 = ORIGIN_LON + np.degrees(x / (EARTH_RADIUS_M * np.cos(np.radians(ORIGIN_LAT))))
    lon, lat = np.meshgrid(lon1, lat1)
    return x, y, lat, lon


def depth_field(ny: int, nx: int) -> np.ndarray:
    """Depth (m, positive down): land (0) in the west and a small island, deepening eastward."""
    depth = np.tile(np.linspace(0.0, 200.0, nx), (ny, 1))
    depth[:, :LAND_COLUMNS] = 0.0
    depth[ny // 2, nx // 2] = 0.0  # a one-cell island in the middle
    depth[depth > 0] = np.maximum(depth[depth > 0], 5.0)
    return depth


def member_hs(member: int, nt: int, ny: int, nx: int, seed: int = 1234) -> np.ndarray:
    """Known Hs (time, y, x) for one member: seeded random numbers, NaN over land."""
    rng = np.random.default_rng(seed + member)
    hs = rng.uniform(0.2, 3.0, size=(nt, ny, nx)) * (1.0 + 0.25 * member)
    hs[:, depth_field(ny, nx) <= 0] = np.nan
    return hs


def write_member_files(
    directory: Path, n_members: int = 3, nt: int = 6, ny: int = 15, nx: int = 20
) -> list[Path]:
    """Write ``member_000.nc`` ... into ``directory`` and return their paths in member order."""
    directory.mkdir(parents=True, exist_ok=True)
    x, y, lat, lon = grid_lat_lon(ny, nx)
    depth = depth_field(ny, nx)
    time = START + np.arange(nt) * np.timedelta64(1, "h")
    paths = []
    for member in range(n_members):
        hs = member_hs(member, nt, ny, nx)
        tp = np.where(np.isnan(hs), np.nan, 4.0 + 2.0 * hs)
        wspd = np.full((nt, ny, nx), 10.0 + member, dtype=float)
        wdir = np.full((nt, ny, nx), 90.0 + 10 * member, dtype=float)
        ds = xr.Dataset(
            {
                "hs": (("time", "y", "x"), hs, {"units": "m"}),
                "tp": (("time", "y", "x"), tp, {"units": "s"}),
                "wspd": (("time", "y", "x"), wspd, {"units": "m s-1"}),
                "wdir": (("time", "y", "x"), wdir, {"units": "degree"}),
                "depth": (("y", "x"), depth, {"units": "m", "positive": "down"}),
            },
            coords={
                "time": time,
                "y": ("y", y, {"units": "m"}),
                "x": ("x", x, {"units": "m"}),
                "lat": (("y", "x"), lat, {"units": "degrees_north"}),
                "lon": (("y", "x"), lon, {"units": "degrees_east"}),
            },
            attrs={"member": member},
        )
        path = directory / f"member_{member:03d}.nc"
        ds.to_netcdf(path)
        paths.append(path)
    return paths
