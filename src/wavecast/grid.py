"""The model grid and its bathymetry (``results/build_grid/grid.nc``).

Geometry (docs/architecture.md): a local Cartesian grid, ``x`` east and ``y`` north in metres.
Grid point ``(j, i)`` sits at ``x = i * dx``, ``y = j * dx`` (``dx = resolution_km * 1000``), so
the first point is the south-west corner ``grid.origin``; each point is the centre of a square
``dx`` cell, so the grid covers half a cell beyond its outermost points (:func:`footprint`, the
:class:`wavecast.geo.Footprint` config validation checks stations against). 2-D auxiliary
``lat``/``lon`` come from an equirectangular projection about the origin (:func:`latlon`,
inverse :func:`xy_from_latlon`) on a sphere of radius :data:`EARTH_RADIUS_M`; at the ~1000 km
scale of a regional hindcast its distortion (the ``cos(lat)`` scale is fixed at the origin
latitude) is a few per cent at most. The axes, the projection and the idealised basin live in
:mod:`wavecast.basin` (numpy only, so config validation builds the same basin without xarray)
and are imported here.

Config slices read here (the schema in ``workflow/schemas`` documents them for users)::

    grid_cfg  = {"origin": {"lat": float, "lon": float}, "nx": int, "ny": int,
                 "resolution_km": float}
    bathy_cfg = {"source": "idealised" | "file",
                 "file": str | None,                      # NetCDF path, source == "file"
                 "idealised": {"coast_side": "west" | "east" | "north" | "south",
                               "coast_width_km": float,   # land strip along that side
                               "shelf_width_km": float,   # shelf: 0 m -> shelf_depth_m
                               "shelf_depth_m": float,
                               "slope_width_km": float,   # optional, default 50 km
                               "basin_depth_m": float,
                               "islands": [{"lat": float, "lon": float, "radius_km": float}]}}

Depth is positive down in metres and exactly 0 on land; ``land`` is int8 1 on land, 0 on water,
and ``land == (depth <= 0)`` always holds.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from wavecast.basin import COAST_SIDES as COAST_SIDES
from wavecast.basin import DEFAULT_SLOPE_WIDTH_KM as DEFAULT_SLOPE_WIDTH_KM
from wavecast.basin import MIN_WATER_DEPTH_M as MIN_WATER_DEPTH_M
from wavecast.basin import (
    grid_axes,
    idealised_bathymetry,
    idealised_settings,
    latlon,
    row_col_latlon,
)
from wavecast.basin import make_axes as make_axes
from wavecast.basin import xy_from_latlon as xy_from_latlon
from wavecast.errors import Problem, ValidationError
from wavecast.geo import EARTH_RADIUS_M as EARTH_RADIUS_M
from wavecast.geo import Footprint, wrap_longitude
from wavecast.io import file_stamp, signals_held

#: The depths (m, positive down) a bathymetry file may hold: no sea is deeper than 11,000 m
#: (Challenger Deep, ~10,935 m) and no land higher than 8,900 m (Everest, 8,849 m: a depth of
#: -8,849 m). A value outside is a fill value the file does not declare (1e20, 9.96921e36,
#: -32767, 99999, and -9999, the commonest of all, which a symmetric bound let through).
DEEPEST_SEA_M = 11_000.0
HIGHEST_LAND_M = 8_900.0

#: ``units`` of a bathymetry file's depth read as metres (UDUNITS/CF spellings, any case); a
#: depth without ``units`` is taken to be in metres too.
METRE_UNITS = frozenset({"m", "metre", "metres", "meter", "meters"})

#: Rows (columns) of a bathymetry file between two the grid needs that are read rather than
#: skipped: fewer, larger reads (a 15" file under a 5 km grid needs every 11th row).
_READ_GAP = 256

#: How far (a fraction of the file's longitude step, plus the rounding of a longitude stored as
#: float32) a step of a global file may differ from the regular one, the step across its seam
#: included: a file one column short of the circle has a seam step of two, far outside it.
_SEAM_STEP_RTOL = 0.01
_SEAM_STEP_ATOL = 1e-4

_LAT_NAMES = ("lat", "latitude")
_LON_NAMES = ("lon", "longitude")

CONFIG_FILE = "config/config.yaml"


def footprint(grid: xr.Dataset) -> Footprint:
    """The area a grid (or a forcing or member file on it) covers, from its ``x``/``lat``/``lon``.

    The same :class:`~wavecast.geo.Footprint` the config checks build from the ``grid`` slice:
    origin at the first point (``x = y = 0``), spacing the ``x`` step.
    """
    x = np.asarray(grid["x"].values, dtype=float)
    first = {"y": 0, "x": 0}
    lat0, lon0 = float(grid["lat"].isel(first)), float(grid["lon"].isel(first))
    return Footprint(lat0, lon0, x.size, grid.sizes["y"], float(x[1] - x[0]))


def _problem(message: str, fix: str, config_file: str, config_path: str) -> ValidationError:
    return ValidationError([Problem(config_file, config_path, message, fix)])


def _first_present(names: Sequence[str], available: Sequence[str]) -> str | None:
    for name in names:
        if name in available:
            return name
    return None


def _axis_weights(axis: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower index, upper index and upper weight of ``q`` on ascending ``axis`` (linear)."""
    if axis.size == 1:
        zeros = np.zeros(q.shape, dtype=int)
        return zeros, zeros, np.zeros(q.shape)
    hi = np.clip(np.searchsorted(axis, q, side="right"), 1, axis.size - 1)
    lo = hi - 1
    w = (q - axis[lo]) / (axis[hi] - axis[lo])
    return lo, hi, np.clip(w, 0.0, 1.0)


def bilinear(
    ya: np.ndarray, xa: np.ndarray, values: np.ndarray, qy: np.ndarray, qx: np.ndarray
) -> np.ndarray:
    """Bilinear interpolation of ``values`` (len(ya), len(xa)) on ascending 1-D axes at (qy, qx).

    A NaN in any of the four surrounding source points makes the result NaN.
    """
    y0, y1, wy = _axis_weights(ya, qy)
    x0, x1, wx = _axis_weights(xa, qx)
    return (
        (1 - wy) * (1 - wx) * values[y0, x0]
        + (1 - wy) * wx * values[y0, x1]
        + wy * (1 - wx) * values[y1, x0]
        + wy * wx * values[y1, x1]
    )


@dataclass(frozen=True)
class _BathymetrySource:
    """An open bathymetry file: its axes, ascending, and its depth, not yet read."""

    y_name: str
    x_name: str
    ya: np.ndarray
    xa: np.ndarray
    geographic: bool  # lat/lon in degrees, else x/y in metres in the model's frame
    order_y: np.ndarray  # the file's index of each ``ya`` (the axes may be stored descending)
    order_x: np.ndarray
    depth: xr.DataArray  # (file y, file x), lazy: read only where the grid needs it
    wraps: bool = False  # global in longitude, a regular step short of the circle (_wraps)

    def x_axis(self) -> tuple[np.ndarray, np.ndarray]:
        """The ascending x axis the interpolation runs on and the file's index of each of its
        columns: ``xa``, and for a file that :attr:`wraps` one column more past its seam, the
        first longitude + 360, which is the file's first column again."""
        if not self.wraps:
            return self.xa, self.order_x
        return np.append(self.xa, self.xa[0] + 360.0), np.append(self.order_x, self.order_x[0])


def _wraps(lon: np.ndarray) -> bool:
    """Whether ascending longitudes ``lon`` go round the whole circle but for their seam: a
    regular step, and from the last longitude to the first + 360 that same step (to within
    :data:`_SEAM_STEP_RTOL` of it and :data:`_SEAM_STEP_ATOL`), as -180..179 or 0..359 at 1
    degree. A file that repeats its first longitude at + 360 covers its seam already."""
    if lon.size < 2:
        return False
    step = (lon[-1] - lon[0]) / (lon.size - 1)
    if not step > 0:
        return False
    steps = np.append(np.diff(lon), lon[0] + 360.0 - lon[-1])
    return bool(np.all(np.abs(steps - step) <= _SEAM_STEP_RTOL * step + _SEAM_STEP_ATOL))


def _in_metres(units: Any) -> bool:
    """Whether ``depth``'s ``units`` attribute reads as metres: one of :data:`METRE_UNITS`, or
    none at all (absent or empty), as the schema documents depth in metres."""
    return units is None or str(units).strip().lower() in METRE_UNITS | {""}


@contextlib.contextmanager
def _open_bathymetry(
    label: str, base_dir: Path, fail: Callable[[str, str], ValidationError]
) -> Iterator[_BathymetrySource]:
    """Open the bathymetry NetCDF ``label`` (the path as the config gives it; a relative one
    starts at ``base_dir``) and check its layout and units, reading no depth value; the file
    stays open (and Ctrl-C held) for the ``with`` block.

    Every mistake raises ``fail(message, fix)``.
    """
    p = os.fspath(base_dir / label)
    where = "" if Path(label).is_absolute() else f" (looked in {base_dir})"
    if os.path.isdir(p):
        raise fail(
            f"bathymetry file '{label}' is a directory, not a file{where}",
            "give the path of the NetCDF file itself",
        )
    if not os.path.isfile(p):
        raise fail(
            f"bathymetry file '{label}' does not exist{where}",
            "check the path; relative paths start where snakemake runs",
        )
    # signals held as in wavecast.io.open_netcdf, but only the open's own failure is the user's
    # file's fault (open_netcdf would put the checks' errors below under it too)
    with signals_held():  # the open takes xarray's locks too
        try:
            src = xr.open_dataset(p, engine="netcdf4")
        except Exception as exc:  # any reader failure is a problem with the user's file
            raise fail(
                f"cannot read bathymetry file '{label}' as NetCDF ({type(exc).__name__})",
                "give a NetCDF-3/4 file with a 'depth' variable",
            ) from None
        with src:
            if "depth" not in src.variables:
                names = ", ".join(sorted(str(v) for v in src.data_vars)) or "none"
                raise fail(
                    f"bathymetry file '{label}' has no variable 'depth' (variables: {names})",
                    "name the depth variable 'depth' (metres, positive down)",
                )
            if str(src["depth"].attrs.get("positive", "")).strip().lower() == "up":
                raise fail(
                    f"bathymetry file '{label}': 'depth' says positive: up, so its values are "
                    "elevations (negative at sea)",
                    "store depth positive down, in metres below the surface (depth = -elevation), "
                    "with positive: down",
                )
            units = src["depth"].attrs.get("units")
            if not _in_metres(units):
                raise fail(
                    f"bathymetry file '{label}': 'depth' has units '{units}', not metres",
                    "convert depth to metres and set its units to m (or, if the values already "
                    "are metres, set units: m)",
                )
            dims = tuple(str(d) for d in src["depth"].dims)
            names = list(src.variables)
            lat_name = _first_present(_LAT_NAMES, names)
            lon_name = _first_present(_LON_NAMES, names)
            if lat_name and lon_name and src[lat_name].ndim == 1 and src[lon_name].ndim == 1:
                ya_name, xa_name, geographic = lat_name, lon_name, True
            elif "x" in names and "y" in names and src["x"].ndim == 1 and src["y"].ndim == 1:
                ya_name, xa_name, geographic = "y", "x", False
            else:
                raise fail(
                    f"bathymetry file '{label}': coordinates of 'depth' {dims} not recognised",
                    "use 1-D 'lat'/'lon' (or 'latitude'/'longitude') in degrees, "
                    "or 1-D 'x'/'y' in metres east/north of grid.origin",
                )
            depth_var = src["depth"]
            ydim, xdim = src[ya_name].dims[0], src[xa_name].dims[0]
            if set(depth_var.dims) != {ydim, xdim}:
                raise fail(
                    f"bathymetry file '{label}': 'depth' has dims {dims}, "
                    f"expected ({ydim}, {xdim})",
                    "store depth as a 2-D field on the file's coordinate axes",
                )
            ya = np.asarray(src[ya_name].values, dtype=float)
            xa = np.asarray(src[xa_name].values, dtype=float)
            for name, axis in ((ya_name, ya), (xa_name, xa)):
                if axis.size == 0 or not np.isfinite(axis).all():
                    raise fail(
                        f"bathymetry file '{label}': coordinate '{name}' is empty or has missing "
                        "values",
                        "give every coordinate value (at least one, none missing)",
                    )
            _check_axis_units(src, ya_name, xa_name, geographic, ya, label, fail)
            order_y, order_x = np.argsort(ya), np.argsort(xa)
            yield _BathymetrySource(
                ya_name,
                xa_name,
                ya[order_y],
                xa[order_x],
                geographic,
                order_y,
                order_x,
                depth_var.transpose(ydim, xdim),
                wraps=geographic and _wraps(xa[order_x]),
            )


def _check_axis_units(
    src: xr.Dataset,
    ya_name: str,
    xa_name: str,
    geographic: bool,
    ya: np.ndarray,
    label: str,
    fail: Callable[[str, str], ValidationError],
) -> None:
    """The file's axes in the units the grid reads them in: ``x``/``y`` in metres (``units``
    absent or a spelling of metres), latitudes and longitudes in degrees (not radians), and
    latitudes within -90..90 (a projected axis in metres named ``lat`` is not one)."""
    if not geographic:
        for name in (xa_name, ya_name):
            units = src[name].attrs.get("units")
            if not _in_metres(units):
                raise fail(
                    f"bathymetry file '{label}': coordinate '{name}' has units '{units}', "
                    "not metres",
                    "write x and y in metres east/north of grid.origin and set their units to m",
                )
        return
    for name in (ya_name, xa_name):
        units = str(src[name].attrs.get("units", "")).strip().lower()
        if units.startswith("rad"):
            raise fail(
                f"bathymetry file '{label}': coordinate '{name}' has units '{units}', not degrees",
                f"convert {name} to degrees and set its units to degrees_"
                f"{'north' if name == ya_name else 'east'}",
            )
    if ya.min() < -90.0 or ya.max() > 90.0:
        raise fail(
            f"bathymetry file '{label}': coordinate '{ya_name}' runs {ya.min():g}..{ya.max():g}, "
            "outside the -90..90 degrees of a latitude",
            "give latitudes in degrees north; for a projected file name its axes x and y, in "
            "metres east/north of grid.origin",
        )


def _model_axes(
    src: _BathymetrySource,
    x: np.ndarray,
    y: np.ndarray,
    lat_rows: np.ndarray,
    lon_cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The grid's rows and columns in the file's coordinates, 1-D: the latitude of each row and
    longitude of each column (brought into the file's convention, 0..360 or -180..180), or the
    model's own ``y``/``x`` in metres. On the equirectangular grid latitude depends on the row
    only and longitude on the column only (:func:`latlon`), so rows x columns are every point."""
    if not src.geographic:
        return np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    lon_lo = np.nanmin(src.xa)
    lat = np.asarray(lat_rows, dtype=float)
    return lat, (np.asarray(lon_cols, dtype=float) - lon_lo) % 360.0 + lon_lo


def _grid_span(src: _BathymetrySource, qy: np.ndarray, qx: np.ndarray, lon_cols: np.ndarray) -> str:
    """The grid's points as the coverage message quotes them: ``lat 12..16.49, lon -62..-57.41``.

    Longitudes run from the grid's west column to its east column, each written as the file
    writes longitudes (-180..180 when it has negative ones, else 0..360), so a grid across the
    file's seam reads ``178..-178`` (west > east, as :meth:`wavecast.geo.Footprint.describe`
    writes a grid across the dateline), never the wrapped ``-59.98..300``.
    """
    if not src.geographic:
        return f"{src.y_name} {qy.min():g}..{qy.max():g}, {src.x_name} {qx.min():g}..{qx.max():g}"
    west, east = float(lon_cols[0]), float(lon_cols[-1])
    if src.xa[0] < 0:
        west, east = wrap_longitude(west), wrap_longitude(east)
    else:
        west, east = west % 360.0, east % 360.0
    return f"{src.y_name} {qy.min():g}..{qy.max():g}, {src.x_name} {west:g}..{east:g}"


def _check_coverage(
    src: _BathymetrySource,
    qy: np.ndarray,
    qx: np.ndarray,
    span: str,
    label: str,
    fail: Callable[[str, str], ValidationError],
) -> None:
    """Every grid point (rows ``qy`` x columns ``qx``) inside the file's axes (past the seam of
    a file that wraps, :meth:`_BathymetrySource.x_axis`), else ``fail``; ``span`` is the grid as
    the message describes it (:func:`_grid_span`), the file's own first and last longitudes."""
    ya, xa = src.ya, src.x_axis()[0]
    tol_y = 1e-6 * max(1.0, float(np.abs(ya).max()))
    tol_x = 1e-6 * max(1.0, float(np.abs(xa).max()))
    rows_in = int(((qy >= ya[0] - tol_y) & (qy <= ya[-1] + tol_y)).sum())
    cols_in = int(((qx >= xa[0] - tol_x) & (qx <= xa[-1] + tol_x)).sum())
    points = qy.size * qx.size
    if rows_in * cols_in < points:
        unit = "degrees" if src.geographic else "m"
        raise fail(
            f"bathymetry file '{label}' covers {src.y_name} {ya[0]:g}..{ya[-1]:g}, "
            f"{src.x_name} {src.xa[0]:g}..{src.xa[-1]:g} ({unit}) but the model grid spans {span}; "
            f"{points - rows_in * cols_in} of {points} grid points lie outside",
            "extend the file or shrink/move the grid (grid.origin, grid.nx, grid.ny)",
        )


def _stencil(axis: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The indices of ascending ``axis`` that :func:`bilinear` reads for the points ``q``."""
    lo, hi, _ = _axis_weights(axis, q)
    return np.unique(np.concatenate([lo, hi]))


def _runs(index: np.ndarray) -> list[slice]:
    """Slices covering the ascending unique ``index``: one per stretch whose steps are at most
    :data:`_READ_GAP` (a fine file under a coarse grid is one read, not one per point)."""
    breaks = np.flatnonzero(np.diff(index) > _READ_GAP)
    starts = index[np.concatenate([[0], breaks + 1])]
    stops = index[np.concatenate([breaks, [index.size - 1]])] + 1
    return [slice(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _read_points(depth: xr.DataArray, iy: np.ndarray, ix: np.ndarray) -> np.ndarray:
    """``depth[iy][:, ix]`` (file indices, any order) as floats, reading from the file only the
    blocks of rows and columns around them (:func:`_runs`), not the whole field."""
    rows, cols = _runs(np.unique(iy)), _runs(np.unique(ix))
    block = np.concatenate(
        [
            np.concatenate([np.asarray(depth[r, c].values, dtype=float) for c in cols], axis=1)
            for r in rows
        ],
        axis=0,
    )
    read_y = np.concatenate([np.arange(r.start, r.stop) for r in rows])
    read_x = np.concatenate([np.arange(c.start, c.stop) for c in cols])
    return block[np.ix_(np.searchsorted(read_y, iy), np.searchsorted(read_x, ix))]


def _check_fill_values(
    values: np.ndarray, label: str, fail: Callable[[str, str], ValidationError]
) -> None:
    """No depth below -:data:`HIGHEST_LAND_M` or above :data:`DEEPEST_SEA_M`: such a value is a
    fill value the file does not declare (xarray turns a declared ``_FillValue`` or
    ``missing_value`` into NaN)."""
    bad = (values < -HIGHEST_LAND_M) | (values > DEEPEST_SEA_M)  # NaN compares False
    if not bad.any():
        return
    found = np.unique(values[bad])
    shown = ", ".join(f"{v:g}" for v in found[:3]) + (", ..." if found.size > 3 else "")
    raise fail(
        f"bathymetry file '{label}': 'depth' is {shown} at {int(bad.sum())} of the "
        f"{values.size} points the grid is interpolated from, outside "
        f"{-HIGHEST_LAND_M:.0f}..{DEEPEST_SEA_M:.0f} m (no land is higher than "
        f"{HIGHEST_LAND_M:.0f} m, no sea deeper than {DEEPEST_SEA_M:.0f} m): fill values the file "
        "does not declare",
        "declare the value as depth's _FillValue (or missing_value) attribute, or write those "
        "points as NaN; either is read as land",
    )


def _check_water(
    depth: np.ndarray, label: str, fail: Callable[[str, str], ValidationError]
) -> None:
    """At least one grid point with depth > 0, else ``fail`` with the likely reason."""
    if (depth > 0).any():
        return
    if np.isnan(depth).all():
        raise fail(
            f"bathymetry file '{label}': no cell of the grid is water (every grid point lies "
            "next to a missing value, NaN or the _FillValue, which reads as land)",
            "check that the grid lies over the file's data, and that its _FillValue or "
            "missing_value attribute is not a real depth",
        )
    signs = (
        "every value there is 0 or negative, as elevations are"
        if np.nanmin(depth) < 0
        else "the file has no depth > 0 there"
    )
    raise fail(
        f"bathymetry file '{label}': no cell of the grid is water ({signs}); depth must be "
        "positive down",
        "for a file of elevations (GEBCO, ETOPO: negative at sea) write depth = -elevation, "
        "or check that the grid lies over the sea",
    )


def _depth_on_grid(
    src: _BathymetrySource,
    x: np.ndarray,
    y: np.ndarray,
    lat_rows: np.ndarray,
    lon_cols: np.ndarray,
    label: str,
    fail: Callable[[str, str], ValidationError],
) -> np.ndarray:
    """The file's depth interpolated bilinearly onto the grid's rows x columns, (y, x), NaN
    where a source point is missing, after every check of the values: the file covers the grid,
    has no undeclared fill value and some water under it. Reads only the file's points the
    interpolation uses (:func:`_stencil`), so config validation can afford it; across the seam
    of a global file (:meth:`_BathymetrySource.x_axis`) those are its last and first columns."""
    qy, qx = _model_axes(src, x, y, lat_rows, lon_cols)
    _check_coverage(src, qy, qx, _grid_span(src, qy, qx, lon_cols), label, fail)
    ya, (xa, order_x) = src.ya, src.x_axis()
    qy, qx = np.clip(qy, ya[0], ya[-1]), np.clip(qx, xa[0], xa[-1])
    rows, cols = _stencil(ya, qy), _stencil(xa, qx)
    file_cols = order_x[cols]
    values = _read_points(src.depth, src.order_y[rows], file_cols)
    # each file point counted once: past the seam the first column comes again
    _check_fill_values(values[:, np.unique(file_cols, return_index=True)[1]], label, fail)
    # on the stencil's own axes each point has the same four neighbours as on the file's
    qx2, qy2 = np.meshgrid(qx, qy)
    depth = bilinear(ya[rows], xa[cols], values, qy2, qx2)
    _check_water(depth, label, fail)
    return depth


def bathymetry_from_file(
    path: str | os.PathLike[str],
    grid: xr.Dataset,
    *,
    config_file: str = CONFIG_FILE,
    config_path: str = "bathymetry.file",
) -> tuple[np.ndarray, np.ndarray]:
    """Depth (m, positive down) and land mask of a user NetCDF interpolated onto ``grid``.

    The file needs a ``depth`` variable (positive down, metres: ``units`` absent or a spelling
    of metres) on 1-D coordinates, either ``lat``/``lon`` (or ``latitude``/``longitude``,
    degrees) or ``x``/``y`` in metres in the model's own frame (east/north of ``grid.origin``).
    ``grid`` must carry ``x``, ``y`` and 2-D ``lat``, ``lon``. Interpolation is **bilinear**; a
    model point with a NaN among its four source points (a declared ``_FillValue`` reads as NaN),
    or an interpolated depth <= 0, is land (so coastlines are drawn on the conservative,
    landward-dry side). Longitudes are matched modulo 360. A global file (lat/lon, longitudes
    round the whole circle at a regular step: the step from the last longitude to the first +
    360 is that step, as -180..179 or 0..359 at 1 degree, stored ascending or descending)
    covers a grid across its seam (the dateline, Greenwich): a point between the last longitude
    and the first + 360 is interpolated between those two columns; a file that repeats its
    first longitude at + 360 covers it too. Any other file must cover the grid within its own
    longitudes. Only the points the interpolation uses are read, on either side of the seam.

    Every user mistake raises :class:`~wavecast.errors.ValidationError` located at
    ``config_file::config_path``: missing or unreadable file, no ``depth`` variable, depth
    positive up or not in metres, unrecognised coordinates, a file that does not cover the
    whole model grid, a value outside -:data:`HIGHEST_LAND_M`..:data:`DEEPEST_SEA_M` (an
    undeclared fill value), or no water cell at all (elevations given as depth, or only
    missing values under the grid).
    Config validation makes the same checks (:func:`bathymetry_file_problems`) before any job
    runs.
    """
    label = os.fspath(path)

    def fail(message: str, fix: str) -> ValidationError:
        return _problem(message, fix, config_file, config_path)

    lat, lon = grid["lat"].transpose("y", "x").values, grid["lon"].transpose("y", "x").values
    with _open_bathymetry(label, Path.cwd(), fail) as src:
        depth = _depth_on_grid(
            src, grid["x"].values, grid["y"].values, lat[:, 0], lon[0, :], label, fail
        )
    return _depth_and_land(depth)


def _depth_and_land(depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interpolated depth with land (NaN or <= 0) at 0, and the land mask."""
    land = ~(depth > 0)  # NaN counts as land
    return np.where(land, 0.0, depth), land


#: :func:`bathymetry_file_depth`'s last result: {(file, size, mtime, grid): depth}, one entry.
_last_file_depth: dict[tuple, np.ndarray] = {}


def _file_depth_key(path: str, grid_cfg: Mapping[str, Any]) -> tuple | None:
    """What :func:`bathymetry_file_depth`'s result depends on: the file (its path and
    :func:`~wavecast.io.file_stamp`, the identity build_grid's rerun param uses) and the grid;
    None when the file cannot be looked at (the open says why)."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    return os.path.realpath(path), *stamp.values(), Footprint.from_config(grid_cfg)


def bathymetry_file_depth(
    file: str,
    grid_cfg: Mapping[str, Any],
    *,
    base_dir: Path,
    config_file: str = CONFIG_FILE,
    config_path: str = "bathymetry.file",
) -> np.ndarray:
    """Depth (m, positive down, 0 on land; (y, x), read-only) of ``file`` (as written in the
    config, relative to ``base_dir``) on the grid of ``grid_cfg``, as build_grid makes it, after
    every check of :func:`bathymetry_from_file`: a mistake raises
    :class:`~wavecast.errors.ValidationError`. Reads only the depth values under the grid.

    The last result is kept (keyed on the file's path, size and modification time, and the
    grid): config validation checks the file with this at workflow load, and the note on a
    station on land (:func:`wavecast.config.station_land_notes`) takes the depth from it
    without reading the file again.
    """

    def fail(message: str, fix: str) -> ValidationError:
        return _problem(message, fix, config_file, config_path)

    key = _file_depth_key(os.fspath(base_dir / file), grid_cfg)
    if key is not None and key in _last_file_depth:
        return _last_file_depth[key]
    with _open_bathymetry(file, base_dir, fail) as src:
        x, y, origin_lat, origin_lon = grid_axes(grid_cfg)
        lat, lon = row_col_latlon(x, y, origin_lat, origin_lon)
        depth, _ = _depth_and_land(_depth_on_grid(src, x, y, lat, lon, file, fail))
    depth.setflags(write=False)
    _last_file_depth.clear()
    if key is not None:
        _last_file_depth[key] = depth
    return depth


def bathymetry_file_problems(
    file: str,
    grid_cfg: Mapping[str, Any] | None,
    *,
    base_dir: Path,
    config_file: str = CONFIG_FILE,
    config_path: str = "bathymetry.file",
) -> list[Problem]:
    """What :func:`bathymetry_from_file` would reject in ``file`` (as written in the config,
    relative to ``base_dir``) for the grid of ``grid_cfg``: config validation calls this at
    workflow load, so a bad file stops the run before any job. It reads the file's layout and
    only the depth values under the grid (those the interpolation uses), never the whole field,
    and keeps the depth for the station note (:func:`bathymetry_file_depth`).
    ``grid_cfg`` None (the grid has problems of its own): the file's layout and units alone."""

    def fail(message: str, fix: str) -> ValidationError:
        return _problem(message, fix, config_file, config_path)

    try:
        if grid_cfg is None:
            with _open_bathymetry(file, base_dir, fail):
                return []
        bathymetry_file_depth(
            file, grid_cfg, base_dir=base_dir, config_file=config_file, config_path=config_path
        )
    except ValidationError as exc:
        return exc.problems
    return []


def _coordinates(
    x: np.ndarray, y: np.ndarray, origin_lat: float, origin_lon: float
) -> dict[str, Any]:
    """``x``, ``y`` and 2-D ``lat``/``lon`` of the grid, with their CF attributes."""
    lat, lon = latlon(*np.meshgrid(x, y), origin_lat, origin_lon)
    return {
        "x": (
            "x",
            np.asarray(x, dtype=float),
            {
                "units": "m",
                "long_name": "distance east of the grid origin",
                "standard_name": "projection_x_coordinate",
                "axis": "X",
            },
        ),
        "y": (
            "y",
            np.asarray(y, dtype=float),
            {
                "units": "m",
                "long_name": "distance north of the grid origin",
                "standard_name": "projection_y_coordinate",
                "axis": "Y",
            },
        ),
        "lat": (
            ("y", "x"),
            lat,
            {"units": "degrees_north", "long_name": "latitude", "standard_name": "latitude"},
        ),
        "lon": (
            ("y", "x"),
            lon,
            {"units": "degrees_east", "long_name": "longitude", "standard_name": "longitude"},
        ),
    }


def grid_coordinates(grid_cfg: Mapping[str, Any]) -> xr.Dataset:
    """The model grid's coordinates alone, from the ``grid`` config slice.

    The same ``x``, ``y``, ``lat``, ``lon`` (values and attributes) as ``grid.nc`` has: the grid's
    geometry comes from config only, bathymetry fills it in. ``make_forcing`` builds its wind on
    these, so the forcing neither waits for ``build_grid`` nor reruns when only the bathymetry
    changes.
    """
    return xr.Dataset(coords=_coordinates(*grid_axes(grid_cfg)))


def grid_dataset(
    x: np.ndarray,
    y: np.ndarray,
    depth: np.ndarray,
    land: np.ndarray,
    origin_lat: float,
    origin_lon: float,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Assemble the ``grid.nc`` dataset with CF-1.8 attributes."""
    ds = xr.Dataset(
        {
            "depth": (
                ("y", "x"),
                np.asarray(depth, dtype=float),
                {
                    "units": "m",
                    "long_name": "water depth (0 on land)",
                    "standard_name": "sea_floor_depth_below_sea_surface",
                    "positive": "down",
                    "coordinates": "lat lon",
                },
            ),
            "land": (
                ("y", "x"),
                np.asarray(land, dtype=np.int8),
                {
                    "long_name": "land mask",
                    "flag_values": np.array([0, 1], dtype=np.int8),
                    "flag_meanings": "water land",
                    "coordinates": "lat lon",
                },
            ),
        },
        coords=_coordinates(x, y, origin_lat, origin_lon),
        attrs={
            "Conventions": "CF-1.8",
            "title": "wavecast model grid and bathymetry",
            "origin_lat": float(origin_lat),
            "origin_lon": float(origin_lon),
            "projection": "equirectangular about (origin_lat, origin_lon), R = 6371000 m",
            **(dict(attrs) if attrs else {}),
        },
    )
    return ds


def build_grid(
    grid_cfg: Mapping[str, Any],
    bathy_cfg: Mapping[str, Any],
    *,
    config_file: str = CONFIG_FILE,
) -> xr.Dataset:
    """Build the model grid with bathymetry from the ``grid`` and ``bathymetry`` config slices.

    See the module docstring for the dict shapes. Returns a dataset with ``depth``, ``land``,
    coordinates ``x``, ``y``, ``lat``, ``lon`` and attributes ``origin_lat``, ``origin_lon``,
    ``resolution_km``, ``bathymetry_source``.
    """
    x, y, origin_lat, origin_lon = grid_axes(grid_cfg)
    resolution_km = float(grid_cfg["resolution_km"])
    source = bathy_cfg.get("source", "idealised")
    attrs = {"resolution_km": resolution_km, "bathymetry_source": str(source)}
    if source == "idealised":
        ideal = bathy_cfg.get("idealised") or {}
        depth, land = idealised_bathymetry(
            x, y, origin_lat, origin_lon, **idealised_settings(ideal)
        )
    elif source == "file":
        path = bathy_cfg.get("file")
        if not path:
            raise _problem(
                "bathymetry.source is 'file' but no file is given",
                "set bathymetry.file to a NetCDF path, or use source: idealised",
                config_file,
                "bathymetry.file",
            )
        depth, land = bathymetry_from_file(
            path, grid_coordinates(grid_cfg), config_file=config_file
        )
        attrs["bathymetry_file"] = str(path)
    else:
        raise _problem(
            f"unknown bathymetry source {source!r}",
            "use 'idealised' or 'file'",
            config_file,
            "bathymetry.source",
        )
    return grid_dataset(x, y, depth, land, origin_lat, origin_lon, attrs)
