"""Time series at named stations (``results/extract_stations/stations.csv`` and ``.nc``).

Each station takes the nearest wet grid cell (great-circle distance to cell centres). A station
whose nearest cell is land moves to the nearest water cell (:func:`wavecast.cells.locate_stations`,
the rule the config note on such a station applies at workflow load); the distance to the cell
actually used is recorded for every station. A station outside the grid
(:class:`wavecast.geo.Footprint`, the rule config validation applies before any job runs) is a
configuration mistake and raises :class:`wavecast.errors.ValidationError`.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping, Sequence
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import wavecast

from .cells import StationCell as StationCell
from .cells import locate_stations
from .grid import footprint
from .io import open_netcdf, write_netcdf_atomic, write_text_atomic
from .model import VARIABLE_ATTRS

log = logging.getLogger(__name__)

VARIABLES = ("hs", "tp", "wspd", "wdir")
#: CSV column, number of decimals for each variable.
CSV_COLUMNS = {
    "hs": ("hs_m", 3),
    "tp": ("tp_s", 2),
    "wspd": ("wspd_ms", 2),
    "wdir": ("wdir_deg", 1),
}


def extract_stations(
    member_paths: Sequence[Path], stations: Sequence[Mapping[str, Any]]
) -> xr.Dataset:
    """Hs, Tp, wind speed and direction on (station, member, time), members in number order.

    ``stations`` is the config list ``[{"name": ..., "lat": ..., "lon": ...}, ...]``. Each member
    file is opened once and only the stations' cells are read, one cell at a time.
    """
    if not member_paths:
        raise ValueError("extract_stations needs at least one member file")
    with open_netcdf(member_paths[0]) as first:
        cells = locate_stations(
            footprint(first),
            first["lat"].values,
            first["lon"].values,
            first["depth"].values,
            stations,
        )
        times = first["time"].values
    for cell in cells:
        if cell.moved_to_water:
            log.warning(
                "station %s: nearest cell is land; using the nearest water cell %.2f km away",
                cell.name,
                cell.distance_km,
            )

    members: list[int] = []
    series: dict[str, list[np.ndarray]] = {v: [] for v in VARIABLES}
    for raw_path in member_paths:
        path = Path(raw_path)
        with open_netcdf(path) as ds:
            if not np.array_equal(ds["time"].values, times):
                raise ValueError(f"{path}: time axis differs from {member_paths[0]}")
            members.append(int(ds.attrs.get("member", len(members))))
            for var in VARIABLES:
                # One cell at a time: a point read touches only the chunks holding that cell
                # (see wavecast.io.chunk_shape); indexing all stations at once reads the
                # bounding rows x columns of every station.
                field = ds[var].transpose("time", "y", "x")
                picked = [field[:, c.iy, c.ix].values for c in cells]
                series[var].append(
                    np.stack(picked) if picked else np.empty((0, times.size), field.dtype)
                )
    order = np.argsort(members)

    def coord(values: Any, attrs: dict[str, Any], dtype: Any = "float64") -> tuple:
        return ("station", np.asarray(values, dtype=dtype), attrs)

    data_vars = {
        var: (
            ("station", "member", "time"),
            np.stack([series[var][i] for i in order], axis=1),
            dict(VARIABLE_ATTRS[var]),
        )
        for var in VARIABLES
    }
    coords = {
        "station": coord(
            [c.name for c in cells],
            {"cf_role": "timeseries_id", "long_name": "station name"},
            dtype=str,
        ),
        "member": (
            "member",
            np.asarray([members[i] for i in order], dtype="int32"),
            {"standard_name": "realization", "long_name": "ensemble member"},
        ),
        "time": ("time", times, {"standard_name": "time", "axis": "T"}),
        "lat": coord(
            [c.cell_lat for c in cells],
            {"standard_name": "latitude", "units": "degrees_north", "long_name": "grid cell used"},
        ),
        "lon": coord(
            [c.cell_lon for c in cells],
            {"standard_name": "longitude", "units": "degrees_east", "long_name": "grid cell used"},
        ),
        "station_lat": coord(
            [c.lat for c in cells], {"units": "degrees_north", "long_name": "requested latitude"}
        ),
        "station_lon": coord(
            [c.lon for c in cells], {"units": "degrees_east", "long_name": "requested longitude"}
        ),
        "cell_depth": coord(
            [c.cell_depth for c in cells],
            {
                "standard_name": "sea_floor_depth_below_sea_surface",
                "units": "m",
                "positive": "down",
            },
        ),
        "cell_distance_km": coord(
            [c.distance_km for c in cells],
            {"units": "km", "long_name": "distance from requested position to cell centre"},
        ),
        "moved_to_water": coord(
            [c.moved_to_water for c in cells],
            {
                "long_name": "nearest cell was land; nearest water cell used",
                "flag_values": np.array([0, 1], dtype="int8"),
                "flag_meanings": "nearest_cell moved_to_nearest_water_cell",
            },
            "int8",
        ),
        "cell_y_index": coord([c.iy for c in cells], {"long_name": "grid row index"}, "int32"),
        "cell_x_index": coord([c.ix for c in cells], {"long_name": "grid column index"}, "int32"),
    }
    ds = xr.Dataset(
        data_vars,
        coords=coords,
        attrs={
            "Conventions": "CF-1.8",
            "featureType": "timeSeries",
            "title": "wavecast station time series",
            "source": f"wavecast {wavecast.__version__}",
        },
    )
    # CF links auxiliary coordinates through each variable's own attribute; those no variable
    # names would go to a global "coordinates" attribute, which CF does not read.
    auxiliary = " ".join(str(name) for name in coords if name not in ("station", "member"))
    for var in VARIABLES:
        ds[var].attrs["coordinates"] = auxiliary
    return ds


def _iso_times(times: np.ndarray) -> list[str]:
    return [s + "Z" for s in np.datetime_as_string(times.astype("datetime64[s]"), unit="s")]


def stations_csv(ds: xr.Dataset) -> str:
    """Long-format CSV text: ``station,member,time,hs_m,tp_s,wspd_ms,wdir_deg``.

    Rows in dataset order (station, then member, then time); ISO 8601 UTC times; empty field for
    a missing value.
    """
    buf = StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["station", "member", "time", *(col for col, _ in CSV_COLUMNS.values())])
    times = _iso_times(ds["time"].values)
    members = [f"{int(m):03d}" for m in ds["member"].values]
    arrays = {v: ds[v].transpose("station", "member", "time").values for v in CSV_COLUMNS}
    for s, name in enumerate(ds["station"].values):
        for m, member in enumerate(members):
            for t, time in enumerate(times):
                row = [str(name), member, time]
                for var, (_, decimals) in CSV_COLUMNS.items():
                    value = arrays[var][s, m, t]
                    row.append("" if np.isnan(value) else f"{value:.{decimals}f}")
                writer.writerow(row)
    return buf.getvalue()


def write_stations(ds: xr.Dataset, csv_path: Path, nc_path: Path) -> None:
    """Write the long-format CSV and the CF ``timeSeries`` NetCDF, each atomically."""
    text = stations_csv(ds)
    write_text_atomic(csv_path, text)
    write_netcdf_atomic(ds, nc_path)
