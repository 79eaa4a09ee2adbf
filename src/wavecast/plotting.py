"""Figures for a talk: maximum-Hs maps and station time series (``results/plot_*/*.png``).

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas, never through pyplot:
no display is needed, no global figure registry grows, and a figure is freed as soon as the
function returns. PNGs are rendered to memory and written atomically.

``cfg`` is the ``plotting`` config slice ``{"dpi": 150, "cmap": "viridis", "hs_max_m": None}``,
optionally with ``"scenario"`` (shown in titles). Every function takes a keyword-only ``figsize``
(inches); the PNG is exactly ``figsize * dpi`` pixels (no tight bounding box).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.patheffects as pe
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .io import write_bytes_atomic
from .summarise import ordinal

HS_LABEL = "Max. significant wave height $H_s$ (m)"
LAND_COLOUR = "#d8ccb4"
COAST_COLOUR = "#3a3a3a"
DEFAULTS: dict[str, Any] = {"dpi": 150, "cmap": "viridis", "hs_max_m": None}
_STROKE = [pe.withStroke(linewidth=3, foreground="white")]
#: Slightly larger text than matplotlib's default 10 pt, for slides.
TALK_RC: dict[str, Any] = {"font.size": 11}


def literal(text: str) -> str:
    """``text`` drawn as written: Matplotlib reads text between two ``$`` as mathematics, so
    ``Pier $5-$6`` would lose its dollars and ``Quai $\\b$`` break the figure."""
    return text.replace("$", r"\$")


def _talk_style(func: Callable[..., Path]) -> Callable[..., Path]:
    """Build the figure under :data:`TALK_RC` without touching the caller's rcParams."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Path:
        with matplotlib.rc_context(TALK_RC):
            return func(*args, **kwargs)

    return wrapper


def _cfg(cfg: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(DEFAULTS)
    out.update({k: v for k, v in (cfg or {}).items() if v is not None or k == "hs_max_m"})
    return out


def _save(fig: Figure, out_png: str | Path, dpi: int) -> Path:
    """Render ``fig`` to PNG in memory, then write it atomically; the figure is released."""
    FigureCanvasAgg(fig)
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    fig.clear()
    return write_bytes_atomic(out_png, buf.getvalue())


def _nice_ceiling(value: float) -> float:
    """Round up to a readable colour-scale end: 0.5 m steps below 5 m, 1 m above."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    step = 0.5 if value <= 5 else 1.0
    return math.ceil(value / step) * step


def _grid_fields(
    ensemble_ds: xr.Dataset, grid: xr.Dataset | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    src = grid if grid is not None and "depth" in grid else ensemble_ds
    lat = np.asarray(src["lat"].values if "lat" in src else ensemble_ds["lat"].values)
    lon = np.asarray(src["lon"].values if "lon" in src else ensemble_ds["lon"].values)
    land = np.asarray(src["depth"].values) <= 0
    return lat, lon, land


def _percentile_var(ensemble_ds: xr.Dataset) -> str | None:
    names = sorted(str(v) for v in ensemble_ds.data_vars if str(v).startswith("max_hs_p"))
    return names[0] if names else None


def _period(start: object, end: object) -> str:
    """``2026-09-01 00:00 to 2026-09-03 23:00 UTC`` from ISO times (text or datetime64)."""
    fmt = lambda t: str(t).replace("T", " ")[:16]  # noqa: E731
    return f"{fmt(start)} to {fmt(end)} UTC"


def _time_span(ds: xr.Dataset) -> str:
    """The period a dataset's ``time_coverage_*`` attributes give; empty without them."""
    start, end = ds.attrs.get("time_coverage_start"), ds.attrs.get("time_coverage_end")
    return _period(start, end) if start and end else ""


def _series_span(time: np.ndarray) -> str:
    """The period of a time axis, as :func:`_time_span` words it; empty for no times."""
    return _period(np.datetime64(time[0], "m"), np.datetime64(time[-1], "m")) if time.size else ""


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, singular for one: "1 member", "3 members"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _suptitle(fig: Figure, what: str, cfg: Mapping[str, Any], detail: str) -> None:
    scenario = cfg.get("scenario")
    head = f"{scenario}: {what}" if scenario else what[:1].upper() + what[1:]
    fig.suptitle(f"{head}\n{detail}" if detail else head, fontsize="large")


def _height_per_width(lat: np.ndarray, lon: np.ndarray) -> float:
    """Height/width of a map panel drawn with equal distances along both axes."""
    lat_span = float(np.ptp(lat)) or 1.0
    lon_span = float(np.ptp(lon)) or 1.0
    return lat_span / (lon_span * math.cos(math.radians(float(np.nanmean(lat)))))


def _even_edges(centres: np.ndarray) -> tuple[float, float] | None:
    """Outer cell edges of evenly spaced, increasing centres; None if they are not."""
    if centres.size < 2:
        return None
    step = np.diff(centres)
    if not (step > 0).all() or np.ptp(step) > 1e-6 * abs(float(step[0])):
        return None
    half = float(step[0]) / 2
    return float(centres[0]) - half, float(centres[-1]) + half


def _field(ax: Axes, lat: np.ndarray, lon: np.ndarray, data: np.ndarray, **kwargs: Any) -> Any:
    """Draw cell values as ``pcolormesh(shading="auto")`` would, as an image where it can.

    wavecast's grids have lat constant along rows and lon along columns, evenly spaced: then
    the same cells are drawn as one image (``pcolorfast``), whose cost does not grow with the
    number of cells (``pcolormesh`` draws every cell as a quadrilateral: ~0.1 s a panel at
    400^2). Any other grid (a dateline jump, a curvilinear grid) keeps ``pcolormesh``.
    """
    rectilinear = (lat == lat[:, :1]).all() and (lon == lon[:1, :]).all()
    xs = _even_edges(lon[0]) if rectilinear else None
    ys = _even_edges(lat[:, 0]) if rectilinear else None
    if xs is None or ys is None:
        return ax.pcolormesh(lon, lat, data, shading="auto", **kwargs)
    return ax.pcolorfast(xs, ys, data, **kwargs)


def _map_axes(ax: Axes, lat: np.ndarray, lon: np.ndarray, land: np.ndarray) -> None:
    """Land shading, coastline and lat/lon axes with equal distances along both axes."""
    land_cmap = ListedColormap([LAND_COLOUR])
    _field(ax, lat, lon, np.ma.masked_where(~land, land), cmap=land_cmap, zorder=0)
    if land.any() and (~land).any():
        ax.contour(lon, lat, land.astype(float), levels=[0.5], colors=COAST_COLOUR, linewidths=0.9)
    ax.set_aspect(1.0 / math.cos(math.radians(float(np.nanmean(lat)))))
    ax.set_xlabel("Longitude (°E)")
    ax.set_ylabel("Latitude (°N)")


def _stations(ax: Axes, stations: Sequence[Mapping[str, Any]]) -> None:
    for st in stations:
        ax.plot(
            float(st["lon"]),
            float(st["lat"]),
            marker="o",
            markersize=6,
            markerfacecolor="white",
            markeredgecolor="black",
            linestyle="none",
            zorder=5,
        )
        ax.annotate(
            literal(str(st["name"])),
            (float(st["lon"]), float(st["lat"])),
            xytext=(5, 5),
            textcoords="offset points",
            fontsize="medium",
            fontweight="bold",
            path_effects=_STROKE,
            zorder=6,
        )


@_talk_style
def plot_max_hs_map(
    ensemble_ds: xr.Dataset,
    grid: xr.Dataset | None,
    stations: Sequence[Mapping[str, Any]],
    out_png: str | Path,
    cfg: Mapping[str, Any] | None = None,
    *,
    figsize: tuple[float, float] | None = None,
) -> Path:
    """Ensemble-mean maximum Hs beside its percentile map, land shaded, stations labelled.

    ``grid`` supplies ``depth``/``lat``/``lon`` (``grid.nc``); ``None`` uses ``ensemble_ds``'s.
    Default size: 12 in wide, height from the domain's shape plus room for titles and the colour
    bar.
    """
    c = _cfg(cfg)
    lat, lon, land = _grid_fields(ensemble_ds, grid)
    if figsize is None:
        height = 5.4 * _height_per_width(lat, lon) + 2.6
        figsize = (12.0, round(min(max(height, 4.0), 14.0), 1))
    panels = [("max_hs_mean", "Ensemble mean")]
    pvar = _percentile_var(ensemble_ds)
    if pvar:
        panels.append((pvar, f"{ordinal(int(pvar.removeprefix('max_hs_p')))} percentile"))
    top = max(float(np.nanmax(ensemble_ds[v].values)) for v, _ in panels)
    vmax = float(c["hs_max_m"]) if c["hs_max_m"] else _nice_ceiling(top)

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(panels), sharex=True, sharey=True, squeeze=False)[0]
    mesh = None
    for ax, (var, label) in zip(axes, panels, strict=True):
        _map_axes(ax, lat, lon, land)
        data = np.asarray(ensemble_ds[var].values)
        mesh = _field(ax, lat, lon, data, cmap=c["cmap"], vmin=0.0, vmax=vmax, zorder=1)
        _stations(ax, stations)
        ax.set_title(f"{label} (peak {np.nanmax(data):.1f} m)")
    for ax in axes[1:]:
        ax.set_ylabel("")
    assert mesh is not None
    fig.colorbar(
        mesh,
        ax=list(axes),
        label=HS_LABEL,
        extend="max" if top > vmax else "neither",
        location="bottom",
        shrink=0.6,
        aspect=40,
    )
    n = ensemble_ds.sizes.get("member", 0)
    detail = ", ".join(s for s in (_count(n, "member") if n else "", _time_span(ensemble_ds)) if s)
    _suptitle(fig, "maximum significant wave height", c, detail)
    return _save(fig, out_png, int(c["dpi"]))


@_talk_style
def plot_member_maxima(
    ensemble_ds: xr.Dataset,
    grid: xr.Dataset | None,
    out_png: str | Path,
    cfg: Mapping[str, Any] | None = None,
    *,
    figsize: tuple[float, float] | None = None,
) -> Path:
    """Small multiples of each member's maximum Hs on one shared colour scale.

    Default size: 3.2 in per column (at most 4 columns) plus 1.4 in for the colour bar; rows as
    tall as the domain's shape needs plus 0.9 in for labels, plus 1 in for the title.
    """
    c = _cfg(cfg)
    lat, lon, land = _grid_fields(ensemble_ds, grid)
    stack = ensemble_ds["max_hs_member"]
    members = [int(m) for m in stack["member"].values]
    ncols = min(4, max(1, math.ceil(math.sqrt(len(members)))))
    nrows = max(1, math.ceil(len(members) / ncols))
    if figsize is None:
        row = min(max(2.6 * _height_per_width(lat, lon), 1.5), 8.0) + 0.9
        figsize = (3.2 * ncols + 1.4, round(row * nrows + 1.0, 1))
    top = float(np.nanmax(stack.values))
    vmax = float(c["hs_max_m"]) if c["hs_max_m"] else _nice_ceiling(top)

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    mesh = None
    for k, ax in enumerate(axes.flat):
        if k >= len(members):
            ax.set_visible(False)
            continue
        _map_axes(ax, lat, lon, land)
        data = np.asarray(stack.isel(member=k).values)
        mesh = _field(ax, lat, lon, data, cmap=c["cmap"], vmin=0.0, vmax=vmax, zorder=1)
        ax.set_title(f"member {members[k]:03d}: peak {np.nanmax(data):.1f} m", fontsize="medium")
        bottom = k >= len(members) - ncols  # nothing drawn below this panel
        ax.tick_params(labelleft=k % ncols == 0, labelbottom=bottom)
        if k % ncols:
            ax.set_ylabel("")
        if not bottom:
            ax.set_xlabel("")
    if mesh is not None:
        visible = [ax for ax in axes.flat if ax.get_visible()]
        fig.colorbar(
            mesh,
            ax=visible,
            label=HS_LABEL,
            extend="max" if top > vmax else "neither",
            shrink=min(1.0, 0.5 + 0.2 * nrows),
        )
    _suptitle(fig, "maximum Hs per ensemble member", c, _time_span(ensemble_ds))
    return _save(fig, out_png, int(c["dpi"]))


@_talk_style
def plot_station_series(
    stations_ds: xr.Dataset,
    out_png: str | Path,
    cfg: Mapping[str, Any] | None = None,
    *,
    figsize: tuple[float, float] | None = None,
) -> Path:
    """Hs at each station: members as thin lines, ensemble mean bold, one shared time axis.

    Of ``cfg`` it reads only :data:`wavecast.config.STATION_PLOT_SETTINGS` (and the scenario):
    the plot_stations rule is given only those, so a colour-map edit redraws no station plot.

    Default size: 10 in wide, 2.4 in per station plus 1 in for the title.
    """
    c = _cfg(cfg)
    names = [str(s) for s in stations_ds["station"].values] if "station" in stations_ds else []
    if figsize is None:
        figsize = (10.0, 2.4 * max(1, len(names)) + 1.0)
    fig = Figure(figsize=figsize, layout="constrained")
    if not names:
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No stations configured", ha="center", va="center", fontsize="large")
        _suptitle(fig, "significant wave height at stations", c, "")
        return _save(fig, out_png, int(c["dpi"]))

    hs = stations_ds["hs"].transpose("station", "member", "time")
    time = stations_ds["time"].values
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for s, (ax, name) in enumerate(zip(axes, names, strict=True)):
        values = np.asarray(hs.isel(station=s).values)
        for m in range(values.shape[0]):
            ax.plot(
                time,
                values[m],
                color="#7a8ca3",
                linewidth=0.8,
                alpha=0.7,
                label="members" if m == 0 else None,
            )
        ax.plot(
            time, np.nanmean(values, axis=0), color="#c0392b", linewidth=2.4, label="ensemble mean"
        )
        where = ""
        if "lat" in stations_ds.coords and "cell_depth" in stations_ds.coords:
            lat = float(stations_ds["lat"].values[s])
            lon = float(stations_ds["lon"].values[s])
            depth = float(stations_ds["cell_depth"].values[s])
            where = f"  ({lat:.2f}°N, {lon:.2f}°E, depth {depth:.0f} m"
            if "moved_to_water" in stations_ds.coords and stations_ds["moved_to_water"].values[s]:
                km = float(stations_ds["cell_distance_km"].values[s])
                where += f"; nearest water cell, {km:.1f} km away"
            where += ")"
        ax.set_title(f"{literal(name)}{where}", loc="left", fontsize="medium", fontweight="bold")
        ax.set_ylabel("$H_s$ (m)")
        ax.set_ylim(bottom=0.0)
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc="upper right", fontsize="small", frameon=False, ncols=2)
    # The axis ends where the data do: with matplotlib's margins it ran to the next midnight,
    # and the formatter's offset (the last tick's date) named a day after the last hour. The
    # offset is left off; the title gives the period, year included.
    locator = mdates.AutoDateLocator()
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    axes[-1].set_xlabel("Time (UTC)")
    if time.size > 1:
        axes[-1].set_xlim(time[0], time[-1])
    n = stations_ds.sizes.get("member", 0)
    detail = ", ".join(s for s in (_count(n, "ensemble member"), _series_span(time)) if s)
    _suptitle(fig, "significant wave height at stations", c, detail)
    return _save(fig, out_png, int(c["dpi"]))
