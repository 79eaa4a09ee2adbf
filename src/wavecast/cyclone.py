"""Parametric tropical-cyclone wind forcing (``results/make_forcing/member_{member}.nc``).

Science
    * Gradient wind: Holland, G. J. (1980), "An analytic model of the wind and pressure profiles
      in hurricanes", Monthly Weather Review 108, 1212-1218:
      ``V(r) = sqrt((B/rho) (Rmax/r)^B dp exp(-(Rmax/r)^B) + (r f / 2)^2) - r f / 2``.
    * Gradient-to-10 m reduction ``surface_wind_factor`` (default :data:`SURFACE_WIND_FACTOR`
      = 0.8), the usual marine value for parametric cyclone models; see the review of Harper,
      Kepert & Ginger (2010), "Guidelines for converting between various wind averaging periods
      in tropical cyclone conditions", WMO/TD-No. 1555, and Powell, Vickery & Reinhold (2003),
      Nature 422, 279-283, for observed surface/boundary-layer ratios.
    * Inflow (cross-isobar) angle ``inflow_angle_deg`` (default :data:`INFLOW_ANGLE_DEG` = 20 deg),
      close to the observed mean of about 22 deg in Zhang & Uhlhorn (2012), "Hurricane sea surface
      inflow angle and an observation-based parametric model", Monthly Weather Review 140,
      3587-3605. The surface wind is turned from the tangent towards the centre by this angle.
    * Rotation: counter-clockwise in the northern hemisphere, clockwise in the southern (by the
      sign of the centre's latitude). No storm-motion asymmetry is modelled; a uniform
      ``background_wind`` vector is added everywhere.

Config slices read here (the schema documents them for users)::

    cyclone_cfg = {"start": "2026-09-01T00:00:00",   # ISO time (UTC) of the first step
                   "hours": 72,                      # number of hourly steps: start .. start+71 h
                   "track": [{"time": ISO str, "lat": deg, "lon": deg}, ...],  # >= 1 fix
                   "pressure_deficit_hpa": 60.0,     # ambient minus central pressure
                   "rmax_km": 30.0,                  # radius of maximum winds
                   "holland_b": 1.6,                 # Holland B (1 .. 2.5)
                   "air_density": 1.15,              # kg m-3
                   "surface_wind_factor": 0.8,       # gradient -> 10 m wind
                   "inflow_angle_deg": 20.0,
                   "background_wind": {"speed_ms": 5.0, "direction_deg": 90.0}}  # FROM, cw of N
    ensemble_cfg = {"members": 8, "seed": 20261121,
                    "pressure_deficit_spread": 0.1,  # 1-sigma fraction of pressure_deficit_hpa
                    "rmax_spread": 0.15,             # 1-sigma fraction of rmax_km
                    "track_offset_km": 25.0}         # 1-sigma cross-track shift

Output fields are float32 ``wspd`` (m s-1) and ``wdir`` (degree, the direction the wind blows
FROM, clockwise from true north) on (time, y, x).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from wavecast import config
from wavecast.geo import EARTH_RADIUS_M, wrap_longitude

#: Earth's rotation rate (rad s-1), sidereal day.
OMEGA = 7.2921e-5
#: Default gradient-to-10 m wind reduction factor (see module docstring for references).
SURFACE_WIND_FACTOR = 0.8
#: Default surface inflow angle (degrees) towards the centre (Zhang & Uhlhorn 2012).
INFLOW_ANGLE_DEG = 20.0
#: Default air density (kg m-3) in Holland's formula.
AIR_DENSITY = 1.15
#: Standard-normal draws are clipped to +-this many sigma before scaling, and perturbation
#: factors are floored at :data:`MIN_FACTOR`, so no member gets a non-physical storm.
MAX_SIGMA = 3.0
MIN_FACTOR = 0.1

_HOUR = np.timedelta64(1, "h")


def coriolis(lat_deg: np.ndarray | float) -> np.ndarray:
    """Coriolis parameter magnitude ``|f| = 2 Omega |sin(lat)|`` (s-1)."""
    return 2.0 * OMEGA * np.abs(np.sin(np.radians(lat_deg)))


def holland_gradient_wind(
    r_m: np.ndarray | float,
    dp_pa: float,
    rmax_m: float,
    b: float,
    lat_deg: float,
    rho: float = AIR_DENSITY,
) -> np.ndarray:
    """Holland (1980) gradient wind speed (m s-1) at radius ``r_m`` (m) from the centre.

    ``V = sqrt((B/rho)(Rmax/r)^B dp exp(-(Rmax/r)^B) + (r f/2)^2) - r f/2`` with pressure deficit
    ``dp_pa`` (Pa), ``rho`` (kg m-3) and ``f = 2 Omega sin(lat)``. The formula describes cyclonic
    flow in either hemisphere, so ``|f|`` is used (the sense of rotation is applied by the
    caller). ``V(0) = 0`` exactly: ``x exp(-x) -> 0`` as ``x = (Rmax/r)^B -> inf``. Evaluated
    as ``a / (sqrt(a + c^2) + c)`` with ``a`` the pressure term and ``c = r f / 2``, which is
    algebraically identical to Holland's form and keeps full precision at large ``r``.
    """
    r = np.asarray(r_m, dtype=float)
    f = float(coriolis(lat_deg))
    with np.errstate(divide="ignore", over="ignore"):
        x = np.where(r > 0, (rmax_m / np.where(r > 0, r, 1.0)) ** b, np.inf)
    # x exp(-x) underflows to 0 long before x overflows; avoid inf * 0.
    xe = np.where(x < 700.0, x * np.exp(-np.minimum(x, 700.0)), 0.0)
    a = (b / rho) * dp_pa * xe
    half_rf = 0.5 * r * f
    # sqrt(a + c^2) - c == a / (sqrt(a + c^2) + c): the same number without the cancellation
    # of two nearly equal terms far from the centre, and never negative.
    denom = np.sqrt(a + half_rf**2) + half_rf
    return np.divide(a, denom, out=np.zeros_like(denom), where=denom > 0)


def parse_time(value: str | dt.datetime | np.datetime64) -> np.datetime64:
    """ISO string, datetime or datetime64 -> naive UTC ``datetime64[s]``.

    YAML loaders turn unquoted timestamps into ``datetime`` objects; both forms are accepted. A
    time zone, if given, is converted to UTC.
    """
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[s]")
    return np.datetime64(config.parse_time(value), "s")


def forcing_times(cyclone_cfg: Mapping[str, Any]) -> np.ndarray:
    """Hourly ``datetime64[ns]`` times: ``start + k h`` for ``k = 0 .. hours-1``."""
    start = parse_time(cyclone_cfg["start"])
    hours = int(cyclone_cfg["hours"])
    return (start + np.arange(hours) * _HOUR).astype("datetime64[ns]")


def interpolate_track(
    track: Sequence[Mapping[str, Any]], times: np.ndarray | Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Centre latitude and longitude (degrees) at ``times``, linear in time between fixes.

    Fixes may come in any order (they are sorted by time). Longitudes are unwrapped before
    interpolating, so a track crossing the dateline moves the short way; results are wrapped
    back into [-180, 180). Before the first fix and after the last the centre stays at that
    fix (config validation is expected to make the track cover the run).
    """
    if not track:
        raise ValueError("cyclone track needs at least one fix")
    fixes = sorted(track, key=lambda fix: parse_time(fix["time"]))
    tfix = np.array([parse_time(f["time"]) for f in fixes]).astype("datetime64[s]").astype(float)
    lat = np.array([float(f["lat"]) for f in fixes])
    lon = np.unwrap([float(f["lon"]) for f in fixes], period=360.0)
    tq = np.array([parse_time(t) for t in np.atleast_1d(times)]).astype(float)
    qlat = np.interp(tq, tfix, lat)
    qlon = wrap_longitude(np.interp(tq, tfix, lon))
    return qlat, qlon


def _track_heading(track: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    """Unit vector (east, north) from the first to the last fix; (1, 0) if the storm is still."""
    fixes = sorted(track, key=lambda fix: parse_time(fix["time"]))
    lat0, lon0 = float(fixes[0]["lat"]), float(fixes[0]["lon"])
    lat1, lon1 = float(fixes[-1]["lat"]), float(fixes[-1]["lon"])
    dlon = wrap_longitude(lon1 - lon0)
    de = dlon * np.cos(np.radians(0.5 * (lat0 + lat1)))
    dn = lat1 - lat0
    norm = float(np.hypot(de, dn))
    if norm == 0.0:
        return 1.0, 0.0
    return float(de / norm), float(dn / norm)


def member_parameters(
    cyclone_cfg: Mapping[str, Any], ensemble_cfg: Mapping[str, Any], member: int
) -> dict[str, Any]:
    """Storm parameters of one ensemble member, reproducible from ``ensemble_cfg["seed"]``.

    Member 0 is the unperturbed control. Member ``m > 0`` draws three standard normals
    ``z`` from ``numpy.random.default_rng([seed, m])`` (clipped to +-:data:`MAX_SIGMA`) and sets

    * ``pressure_deficit_hpa = dp * max(1 + pressure_deficit_spread * z0, MIN_FACTOR)``
    * ``rmax_km = rmax * max(1 + rmax_spread * z1, MIN_FACTOR)``
    * a constant cross-track shift ``track_offset_km * z2`` (km, positive to the right of the
      motion from the first to the last track fix; east if the track does not move).

    Holland B, air density and the surface-wind parameters are not perturbed.
    The control reads no ensemble setting and records no seed (the make_forcing rule gives it
    none: see :func:`wavecast.config.member_ensemble`), so a seed or spread edit leaves it.
    """
    n_members = int(ensemble_cfg.get("members", member + 1))
    if not 0 <= member < n_members:
        raise ValueError(f"member {member} is outside 0..{n_members - 1}")
    if member == 0:
        z, drawn = np.zeros(3), {}
    else:
        seed = int(ensemble_cfg["seed"])
        z = np.clip(np.random.default_rng([seed, member]).standard_normal(3), -MAX_SIGMA, MAX_SIGMA)
        drawn = {"seed": seed}
    z0, z1, z2 = (float(v) for v in z)
    dp_factor = max(1.0 + float(ensemble_cfg.get("pressure_deficit_spread", 0.0)) * z0, MIN_FACTOR)
    rmax_factor = max(1.0 + float(ensemble_cfg.get("rmax_spread", 0.0)) * z1, MIN_FACTOR)
    cross_km = float(ensemble_cfg.get("track_offset_km", 0.0)) * z2
    he, hn = _track_heading(cyclone_cfg["track"])
    # right of the heading: rotate (he, hn) clockwise by 90 degrees -> (hn, -he)
    east_km, north_km = cross_km * hn, -cross_km * he
    return {
        "member": int(member),
        **drawn,
        "pressure_deficit_hpa": float(cyclone_cfg["pressure_deficit_hpa"]) * dp_factor,
        "rmax_km": float(cyclone_cfg["rmax_km"]) * rmax_factor,
        "holland_b": float(cyclone_cfg["holland_b"]),
        "pressure_deficit_factor": float(dp_factor),
        "rmax_factor": float(rmax_factor),
        "track_offset_cross_km": cross_km,
        "track_offset_east_km": float(east_km) + 0.0,
        "track_offset_north_km": float(north_km) + 0.0,
    }


def wind_uv(
    lat: np.ndarray,
    lon: np.ndarray,
    center_lat: float,
    center_lon: float,
    dp_pa: float,
    rmax_m: float,
    b: float,
    rho: float = AIR_DENSITY,
    surface_wind_factor: float = SURFACE_WIND_FACTOR,
    inflow_angle_deg: float = INFLOW_ANGLE_DEG,
) -> tuple[np.ndarray, np.ndarray]:
    """Surface (10 m) cyclone wind components ``u`` (east), ``v`` (north) in m s-1.

    Distance from the centre uses a local equirectangular frame about the centre
    (``east = R dlon cos(center_lat)``, ``north = R dlat``). The speed is
    ``surface_wind_factor * holland_gradient_wind(r)`` and the direction is the cyclonic tangent
    turned ``inflow_angle_deg`` towards the centre. ``u = v = 0`` at the centre itself.
    """
    dlon = wrap_longitude(np.asarray(lon, dtype=float) - center_lon)
    de = np.radians(dlon) * (EARTH_RADIUS_M * np.cos(np.radians(center_lat)))
    dn = np.radians(np.asarray(lat, dtype=float) - center_lat) * EARTH_RADIUS_M
    r = np.hypot(de, dn)
    speed = surface_wind_factor * holland_gradient_wind(r, dp_pa, rmax_m, b, center_lat, rho)
    inv_r = np.divide(1.0, r, out=np.zeros_like(r), where=r > 0)
    ee, en = de * inv_r, dn * inv_r  # outward unit vector (0 at the centre)
    sense = 1.0 if center_lat >= 0 else -1.0  # +1: counter-clockwise (northern hemisphere)
    te, tn = -sense * en, sense * ee  # tangent in the sense of rotation
    a = np.radians(inflow_angle_deg)
    ca, sa = np.cos(a), np.sin(a)
    u = speed * (ca * te - sa * ee)
    v = speed * (ca * tn - sa * en)
    return u, v


def from_direction(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Direction (degrees in [0, 360)) the wind blows FROM, clockwise from north; 0 when calm."""
    d = np.degrees(np.arctan2(-u, -v)) % 360.0
    # A wind from a hair west of north (arctan2 -> -1e-17 degrees, e.g. a background wind
    # "from 360", whose sin(2 pi) is not 0) gives -1e-17 % 360 == 360.0 in floating point.
    d = np.where(d >= 360.0, 0.0, d)
    return np.where((u == 0) & (v == 0), 0.0, d)


def background_uv(background: Mapping[str, Any] | None) -> tuple[float, float]:
    """``(u, v)`` of ``{"speed_ms", "direction_deg"}`` (direction the wind blows FROM)."""
    if not background:
        return 0.0, 0.0
    speed = float(background.get("speed_ms", 0.0))
    theta = np.radians(float(background.get("direction_deg", 0.0)))
    return float(-speed * np.sin(theta)), float(-speed * np.cos(theta))


def make_forcing(
    grid: xr.Dataset,
    cyclone_cfg: Mapping[str, Any],
    ensemble_cfg: Mapping[str, Any],
    member: int,
) -> xr.Dataset:
    """Hourly 10 m wind ``wspd``, ``wdir`` (time, y, x) for one member on ``grid``.

    ``grid`` needs 2-D ``lat``/``lon`` (as :func:`wavecast.grid.grid_coordinates` gives them, and
    ``grid.nc`` has). One time
    step is computed at a time (a few (y, x) float64 temporaries), results stored as float32.
    The member's parameters (:func:`member_parameters`) become dataset attributes, and the
    centre track ``center_lat``/``center_lon`` (time) is included for plots.
    """
    params = member_parameters(cyclone_cfg, ensemble_cfg, member)
    times = forcing_times(cyclone_cfg)
    clat, clon = interpolate_track(cyclone_cfg["track"], times)
    # shift the whole track by the member's offset (km east/north)
    clat = clat + np.degrees(params["track_offset_north_km"] * 1000.0 / EARTH_RADIUS_M)
    clon = clon + np.degrees(
        params["track_offset_east_km"] * 1000.0 / (EARTH_RADIUS_M * np.cos(np.radians(clat)))
    )
    clon = wrap_longitude(clon)

    rho = float(cyclone_cfg.get("air_density", AIR_DENSITY))
    factor = float(cyclone_cfg.get("surface_wind_factor", SURFACE_WIND_FACTOR))
    inflow = float(cyclone_cfg.get("inflow_angle_deg", INFLOW_ANGLE_DEG))
    background = cyclone_cfg.get("background_wind") or {}
    bu, bv = background_uv(background)

    lat = np.asarray(grid["lat"].transpose("y", "x").values, dtype=float)
    lon = np.asarray(grid["lon"].transpose("y", "x").values, dtype=float)
    nt, (ny, nx) = times.size, lat.shape
    wspd = np.empty((nt, ny, nx), dtype=np.float32)
    wdir = np.empty((nt, ny, nx), dtype=np.float32)
    for k in range(nt):
        u, v = wind_uv(
            lat,
            lon,
            float(clat[k]),
            float(clon[k]),
            params["pressure_deficit_hpa"] * 100.0,
            params["rmax_km"] * 1000.0,
            params["holland_b"],
            rho,
            factor,
            inflow,
        )
        u += bu
        v += bv
        wspd[k] = np.hypot(u, v)
        wdir[k] = from_direction(u, v)
        # float32 rounds the last ~1.5e-5 degrees below 360 up to 360.0: that is north, 0
        wdir[k][wdir[k] >= 360.0] = 0.0

    attrs: dict[str, Any] = {
        "Conventions": "CF-1.8",
        "title": "wavecast parametric cyclone wind forcing",
        "references": "Holland (1980) Mon. Wea. Rev. 108; Zhang & Uhlhorn (2012) Mon. Wea. Rev. "
        "140; Harper, Kepert & Ginger (2010) WMO/TD-1555",
        **params,
        "air_density": rho,
        "surface_wind_factor": factor,
        "inflow_angle_deg": inflow,
        "background_speed_ms": float(background.get("speed_ms", 0.0)),
        "background_direction_deg": float(background.get("direction_deg", 0.0)),
    }
    coords: dict[str, Any] = {"time": ("time", times, {"standard_name": "time", "axis": "T"})}
    for name in ("x", "y", "lat", "lon"):
        if name in grid.variables:
            coords[name] = grid[name].variable.copy()
    return xr.Dataset(
        {
            "wspd": (
                ("time", "y", "x"),
                wspd,
                {
                    "units": "m s-1",
                    "long_name": "10 m wind speed",
                    "standard_name": "wind_speed",
                    "coordinates": "lat lon",
                },
            ),
            "wdir": (
                ("time", "y", "x"),
                wdir,
                {
                    "units": "degree",
                    "long_name": "10 m wind direction (from which the wind blows, clockwise "
                    "from north)",
                    "standard_name": "wind_from_direction",
                    "coordinates": "lat lon",
                },
            ),
            "center_lat": (
                "time",
                clat,
                {"units": "degrees_north", "long_name": "cyclone centre latitude"},
            ),
            "center_lon": (
                "time",
                clon,
                {"units": "degrees_east", "long_name": "cyclone centre longitude"},
            ),
        },
        coords=coords,
        attrs=attrs,
    )
