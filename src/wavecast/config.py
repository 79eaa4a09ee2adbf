"""Validate the science configuration (config/config.yaml) before any job runs.

Three passes, every problem reported at once as ``config/config.yaml::path: what; fix``, naming
the file that set the key when Snakemake read several (``--configfile``), or ``--config``:

1. the file as text (:mod:`wavecast.yamlstrict`): duplicate keys, YAML 1.1 boolean words, tabs;
2. the JSON Schema ``workflow/schemas/config.schema.yaml`` (types, ranges, unknown keys with a
   "did you mean" suggestion), after filling in the schema's defaults;
3. checks a schema cannot express: the track covers the simulated period and crosses the grid,
   a bathymetry file named in the config exists, has a ``depth`` variable in metres on
   coordinates the model understands, covers the grid and, under it, has no undeclared fill value
   and some water (:func:`wavecast.grid.bathymetry_file_problems`, the checks build_grid makes,
   reading only the depth values under the grid), the grid stays south of the North Pole and
   within 180 degrees of longitude, an idealised basin's shelf break is shallower than its
   floor and it has a water cell
   (:func:`wavecast.basin.all_land_problems`, on the land mask build_grid makes), stations and
   island centres lie on the grid, ``plotting.cmap`` is a Matplotlib colour map.
   "On the grid" is :class:`wavecast.geo.Footprint`, the rule the station extraction applies.

A valid config may still not say what the scientist meant; those are notes (warnings), and the
run goes on: a bathymetry file the idealised source ignores (:func:`unused_bathymetry_note`), a
station whose nearest grid cell is land (:func:`station_land_notes`).

The Snakefile calls :func:`load_workflow_config`; tests and ``wavecast`` call :func:`validate`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import math
import os
import re
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from . import yamlstrict
from .errors import (
    Problem,
    ValidationError,
    as_yaml,
    closest,
    did_you_mean,
    dotted,
    invisible_note,
    merge,
    unquote_fix,
)
from .geo import EARTH_RADIUS_M as EARTH_RADIUS_M  # re-exported, as before geo.py
from .geo import Footprint, grid_longitude, wrap_longitude
from .io import file_stamp

if TYPE_CHECKING:
    from .cells import StationCell

#: The config schema, relative to a checkout of the workflow.
SCHEMA_FILE = Path("workflow/schemas/config.schema.yaml")

#: The schema in a source checkout; the Snakefile passes its own copy's path explicitly, so an
#: installed (non-editable) package works too.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / SCHEMA_FILE
DEFAULT_CONFIG_FILE = "config/config.yaml"

#: Keys a deployment (the rendered profile) may inject with ``--config``; never science, so
#: they are taken out before validation and must not be written in config/config.yaml.
#: Each with how to set it instead.
DEPLOYMENT_KEYS = {
    "container_image": "set container.image in config/backends/<env>.yaml and run "
    "`wavecast profiles build`",
    "wavecast_env": "the profile of each environment sets it; run with --profile profiles/<env>",
}

#: ``plotting.cmap``'s default in the schema; always a Matplotlib colour map.
DEFAULT_COLORMAP = "viridis"

#: The file label of a value that came from ``snakemake --config key=value``, not from a file.
COMMAND_LINE = "--config"


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    # The C loader when PyYAML has it: this runs at every DAG build, also inside each job.
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yamlstrict.FAST_LOADER)  # noqa: S506 - a safe loader


def apply_defaults(schema: Mapping, data: Any) -> Any:
    """Return a copy of ``data`` with every missing object property set to its schema default."""
    if not isinstance(data, dict) or schema.get("type") != "object":
        if isinstance(data, list) and isinstance(schema.get("items"), Mapping):
            return [apply_defaults(schema["items"], item) for item in data]
        return data
    out = dict(data)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if key in out:
            out[key] = apply_defaults(sub, out[key])
    return out


def normalise_numbers(schema: Mapping, data: Any, floats: bool = True) -> Any:
    """Return a copy of valid ``data`` with each number in the one spelling its schema type
    gives it: ``60`` as ``60.0`` where the key is a number, ``200.0`` as ``200`` where it is a
    whole number. Rules receive their config through ``params``, which Snakemake compares as
    written, so without this ``rmax_km: 30`` → ``30.0`` would rerun every member.
    ``floats=False`` makes only the whole numbers whole (``range(72.0)`` fails), and leaves
    ``13`` as written for messages that quote it."""
    if isinstance(data, dict):
        props = schema.get("properties", {})
        return {k: normalise_numbers(props.get(k, {}), v, floats) for k, v in data.items()}
    if isinstance(data, list):
        items = schema.get("items")
        sub = items if isinstance(items, Mapping) else {}
        return [normalise_numbers(sub, v, floats) for v in data]
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        return data
    types = _type_names(schema.get("type", []))
    if "integer" in types:
        return int(data) if isinstance(data, float) and data.is_integer() else data
    if floats and "number" in types and isinstance(data, int) and abs(data) <= sys.float_info.max:
        return float(data)
    return data


def bathymetry_in_use(bathymetry: Mapping) -> dict:
    """The bathymetry slice build_grid is given: what its source reads. ``file`` is left out
    (null, its default) for an idealised basin and the ``idealised`` block for a file, so
    editing the one the source ignores reruns nothing (a kept fallback basin, a file named for
    later). Results made on a file before the block was left out rerun once.

    With a file, its :func:`file_stamp` is part of the slice: Snakemake reruns a job whose
    input is *newer* than its output, so a replacement that keeps an older time (``cp -p``,
    ``rsync -t``, ``tar x``, ``mv`` of a download) would otherwise rerun nothing. Results made
    on a file before the stamp was given rerun once."""
    if bathymetry["source"] == "file":
        in_use = {k: v for k, v in bathymetry.items() if k != "idealised"}
        return {**in_use, "file_stamp": file_stamp(bathymetry["file"])}
    return {**bathymetry, "file": None}


def member_ensemble(ensemble: Mapping, member: int) -> dict:
    """The ensemble slice make_forcing is given for one member: none for the unperturbed
    control (member 0), so a seed or spread edit leaves it; the rest without ``members``, so
    adding members leaves the existing ones."""
    if member == 0:
        return {}
    return {k: v for k, v in ensemble.items() if k != "members"}


#: The ``plotting`` settings the station plot reads (``plotting.plot_station_series``; the
#: colour map and Hs scale are the maps').
STATION_PLOT_SETTINGS: tuple[str, ...] = ("dpi",)


def station_plotting(plotting: Mapping) -> dict:
    """The plotting slice the plot_stations rule is given: editing another setting redraws
    only the maps."""
    return {k: plotting[k] for k in STATION_PLOT_SETTINGS}


def unused_bathymetry_note(bathymetry: Mapping) -> str | None:
    """A warning when the config names a bathymetry file that ``source: idealised`` ignores."""
    if bathymetry["source"] == "file" or not bathymetry.get("file"):
        return None
    return (
        "bathymetry.file is set but not used while bathymetry.source is 'idealised' "
        "(set source: file to use it); changing it reruns only archive_run and report_metrics"
    )


#: East-west scale error above which the load warns (:func:`projection_note`). Deep-water
#: fetch-limited Hs grows as fetch^0.5, so 5 % off in distance is about 2.5 % off in Hs.
SCALE_ERROR_NOTE = 0.05


def projection_note(grid: Mapping) -> str | None:
    """A warning when the flat grid's east-west distances are more than
    :data:`SCALE_ERROR_NOTE` off the Earth's on some row (:meth:`Footprint.east_west_scale`):
    fetch, storm size and the places of the track, stations and coast are off by as much there.
    """
    footprint = Footprint.from_config(grid)
    lat, factor = footprint.east_west_scale()
    if abs(factor - 1.0) <= SCALE_ERROR_NOTE:
        return None
    ny_ok = _rows_within_scale(footprint)
    how = "too long" if factor > 1.0 else "too short"
    row = "the equator" if lat == 0.0 else "the north row"
    return (
        "the model grid is flat: its east-west distances are true at the origin's latitude "
        f"({footprint.origin_lat:g}) and {abs(factor - 1.0):.1%} {how} at {row} "
        f"(lat {lat:.2f}), and so are fetches, storm sizes and the places of coast, track "
        f"and stations there. To stay within {SCALE_ERROR_NOTE:.0%}, keep grid.ny <= {ny_ok} "
        "at this origin, or split the domain"
    )


def _rows_within_scale(footprint: Footprint) -> int:
    """The largest ``ny`` at ``footprint``'s origin, nx and resolution whose east-west scale
    stays within :data:`SCALE_ERROR_NOTE` (at least 1)."""
    lo, hi = 1, footprint.ny
    while lo < hi:  # the error grows with ny: bisect
        mid = (lo + hi + 1) // 2
        _, factor = dataclasses.replace(footprint, ny=mid).east_west_scale()
        lo, hi = (mid, hi) if abs(factor - 1.0) <= SCALE_ERROR_NOTE else (lo, mid - 1)
    return lo


def station_cells(cfg: Mapping, base_dir: Path | None = None) -> list[StationCell]:
    """The grid cell each station's series will come from (:class:`wavecast.cells.StationCell`),
    the one extract_stations picks (:func:`wavecast.cells.locate_stations`, one rule for both)
    on the bathymetry build_grid makes: the idealised basin (numpy only), or the file's depth
    that validation has just read (:func:`wavecast.grid.bathymetry_file_depth` keeps it; a
    relative path starts at ``base_dir``, by default the working directory, as in
    :func:`validate`).

    ``cfg`` is a config :func:`validate` accepted (it reports a station off the grid, or a grid
    without water). Builds the depth field and a distance to every cell for each station (a
    2000 x 2000 idealised grid with four stations: about 0.15 s and 100 MB), so the Snakefile
    calls it only in the Snakemake the user started, not in every job.
    """
    import numpy as np

    from .basin import grid_axes, idealised_bathymetry, idealised_settings, row_col_latlon
    from .cells import locate_stations

    if not cfg["stations"]:
        return []
    x, y, origin_lat, origin_lon = grid_axes(cfg["grid"])
    bathy = cfg["bathymetry"]
    if bathy["source"] == "file":
        from .grid import bathymetry_file_depth  # xarray: validation imported it already

        depth = bathymetry_file_depth(bathy["file"], cfg["grid"], base_dir=base_dir or Path.cwd())
    else:
        settings = idealised_settings(bathy["idealised"])
        depth, _ = idealised_bathymetry(x, y, origin_lat, origin_lon, **settings)
    # latitude by row, longitude by column: the values of grid.nc's 2-D lat and lon
    lat, lon = row_col_latlon(x, y, origin_lat, origin_lon)
    return locate_stations(
        Footprint.from_config(cfg["grid"]),
        lat[:, np.newaxis],
        lon[np.newaxis, :],
        depth,
        cfg["stations"],
    )


def station_land_notes(cfg: Mapping, base_dir: Path | None = None) -> list[str]:
    """A warning for each station whose nearest grid cell is land: extract_stations takes its
    series from the nearest water cell instead (:func:`station_cells`), named with how far away
    it is, its longitude written as the station's is: as the grid writes it, for a ``cfg`` from
    :func:`validate` (-61.4 on a grid at -62, 298.6 on one at 298)."""
    return [
        f"stations[{i}] {as_yaml(cell.name)} (lat {cell.lat:g}, lon {cell.lon:g}) lies on land "
        "in the model grid; its series will come from the nearest water cell, "
        f"{cell.distance_km:.1f} km away (lat {_rounded(cell.cell_lat, 3)}, lon "
        f"{_rounded(cell.lon + wrap_longitude(cell.cell_lon - cell.lon), 3)}, depth "
        f"{_rounded(cell.cell_depth, 1)} m); move the station onto water to choose the cell "
        "yourself"
        for i, cell in enumerate(station_cells(cfg, base_dir))
        if cell.moved_to_water
    ]


def _rounded(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places without trailing zeros: 16.213, 12, 2.5."""
    return f"{round(value, decimals) + 0.0:g}"


def config_notes(science: Mapping, base_dir: Path | None = None) -> list[str]:
    """Warnings on a valid config: settings that run, but maybe not as the scientist meant.
    The workflow logs them when it loads, in the Snakemake the user started only (the
    station notes build the land mask); ``wavecast config check`` prints them."""
    notes = [unused_bathymetry_note(science["bathymetry"]), projection_note(science["grid"])]
    return [note for note in notes if note] + station_land_notes(science, base_dir)


def _normalise_times(data: Any) -> Any:
    """YAML turns unquoted ISO timestamps into datetimes; the schema wants strings."""
    if isinstance(data, dict):
        return {k: _normalise_times(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalise_times(v) for v in data]
    if isinstance(data, dt.date):  # datetime or date; an offset is converted to UTC
        try:
            return parse_time(data).isoformat()
        except ValueError:  # out of range in UTC: the time check reports it
            return data.isoformat()
    return data


def _schema_problem(error: jsonschema.ValidationError, file: str) -> list[Problem]:
    path = list(error.absolute_path)
    where = dotted(path)
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {}).keys()
        extra = [k for k in error.instance if k not in allowed]
        return [_unknown_key(file, path, key, allowed) for key in extra]
    if error.validator == "required":
        missing = error.message.split("'")[1]
        allowed = error.schema.get("properties", {}).keys()
        if any(closest(str(k), allowed) == missing for k in error.instance if k not in allowed):
            return []  # `lta:` for lat: its unknown-key problem says "did you mean 'lat'?"
        return [
            Problem(
                file,
                dotted(path + [missing]),
                "missing required key",
                f"add it ({error.schema['properties'][missing].get('description', '')})".strip(),
            )
        ]
    described = error.schema.get("description", "")
    hint = _hint(str(error.validator), error.validator_value)
    if error.validator == "pattern":
        hint = error.schema.get("x-pattern-fix", hint)
    if error.validator == "type" and (
        advice := _yaml11_text_number(error.instance, error.validator_value)
        or unquote_fix(error.instance, _type_names(error.validator_value))
    ):
        hint += "; " + advice
    elif (
        error.validator == "type"
        and error.validator_value == "string"
        and _is_number(error.instance)
    ):
        hint += f' (a number to YAML); quote it: "{as_yaml(error.instance)}"'
    value = as_yaml(error.instance) if not isinstance(error.instance, (dict, list)) else ""
    what = f"{value} is not valid" if value else "not valid"
    if described:
        what += f" ({described.rstrip('.')})"
    if isinstance(error.instance, str) and (hidden := invisible_note(error.instance)):
        what, hint = f"{what}: {hidden}", f"{hint}; retype the value"
    return [Problem(file, where, what, hint)]


def _unknown_key(file: str, path: list, key: Any, allowed: Iterable[str]) -> Problem:
    """An unknown key's problem; one with an invisible character (a zero-width space pasted
    with it) says where, and to retype it, before the suggestion."""
    what, fix = "unknown key", _unknown_key_fix(str(key), allowed)
    if hidden := invisible_note(str(key)):
        what, fix = f"{what}: {hidden}", f"retype the key; {fix}"
    return Problem(file, dotted([*path, key]), what, fix)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _yaml11_text_number(value: Any, types: Any) -> str | None:
    """What to write instead of ``3e1`` or ``2.5e0``: numbers to a reader, text to YAML 1.1,
    whose floats need a dot and a signed exponent. None for anything else."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"([-+]?)(\d+\.?\d*|\.\d+)[eE]([-+]?)(\d+)", value.strip())
    if not match:
        return None
    lead, digits, sign, exponent = match.groups()
    number = float(value)
    if not math.isfinite(number):
        return None
    said = f"Snakemake's YAML reads {value} as text, not a number: write"
    if "integer" in _type_names(types):
        return f"{said} {int(number)}" if number.is_integer() else None
    digits = "0" + digits if digits.startswith(".") else digits  # YAML 1.1: no sign before '.5'
    mantissa = lead + (digits if "." in digits else digits + ".0")
    return f"{said} {number!r} or {mantissa}e{sign or '+'}{exponent} (a dot and a signed exponent)"


def _unknown_key_fix(key: str, allowed: Iterable[str]) -> str:
    """``grid.nx`` written as one key: show the nesting; otherwise the closest allowed key."""
    head, dot, rest = key.partition(".")
    if dot and head in allowed:
        return f"write it nested: {head}: {{{rest}: ...}} (YAML does not split keys at dots)"
    return did_you_mean(key, allowed)


#: How an enum's problem begins its fix.
_CHOOSE = "choose one of: "


def _hint(validator: str, limit: Any) -> str:
    """What to do about a failed schema keyword."""
    if validator == "type":
        return f"expected {_types(limit)}"
    if validator == "enum":
        return _CHOOSE + ", ".join(map(str, limit))
    bounds = {
        "minimum": ">=",
        "maximum": "<=",
        "exclusiveMinimum": ">",
        "exclusiveMaximum": "<",
    }
    if validator in bounds:
        return f"use a value {bounds[validator]} {limit}"
    if validator == "pattern":  # the schema's x-pattern-fix says it in words where it can
        return f"match the pattern {limit}"
    if validator == "minItems":
        return f"give at least {limit} entries"
    return "see workflow/schemas/config.schema.yaml"


def _types(value: Any) -> str:
    names = {
        "number": "a number",
        "integer": "a whole number",
        "string": "text",
        "null": "null",
        "object": "a mapping",
        "array": "a list",
        "boolean": "true or false",
    }
    return " or ".join(names.get(v, v) for v in _type_names(value))


def _type_names(value: Any) -> list:
    """A schema ``type``, one name or a list of them, as a list."""
    return value if isinstance(value, list) else [value]


def parse_time(value: str | dt.date) -> dt.datetime:
    """ISO 8601 text, a date or a datetime -> naive UTC datetime; an offset is converted to UTC.

    The one time parser of config and forcing (:func:`wavecast.cyclone.parse_time` wraps it), so
    validation and the forcing agree on every time. Raises ``ValueError``/``TypeError``.
    """
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if not isinstance(value, dt.date):
        raise TypeError(f"{value!r} is not a time")
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+05:00 is in the year 0 in UTC
            raise ValueError(f"{value} is outside the years 1 to 9999 in UTC") from None
    return value


def _parse_time(value: str) -> dt.datetime | None:
    try:
        return parse_time(value)
    except (TypeError, ValueError):
        return None


#: The mapping sections the checks across keys read (``stations`` is a list).
SECTIONS = ("grid", "bathymetry", "cyclone", "plotting")


#: Lists whose items the checks across keys judge one by one: a schema error in one item
#: skips that item only, not the whole section (the other items are still checked).
ITEM_LISTS = (("stations",), ("bathymetry", "idealised", "islands"))

#: Sections whose checks across keys read only some of their keys: a schema error at another key
#: skips nothing (a negative Rmax leaves the track checked against the run and the grid, a
#: negative basin depth the islands and the bathymetry file, a bad dpi the colour map).
KEYED_SECTIONS = ("cyclone", "bathymetry", "plotting")

#: Blocks inside a :data:`KEYED_SECTIONS` section whose keys are places of their own: a bad
#: ``coast_side`` leaves the basin's depths checked against each other.
KEYED_BLOCKS = (("bathymetry", "idealised"),)

#: What the track checks read: a schema error at any of these skips them.
TRACK_PLACES = ("cyclone", "cyclone.start", "cyclone.hours", "cyclone.track")


def _invalid_places(errors: Iterable[jsonschema.ValidationError], given: Any) -> set[str]:
    """Where the schema errors are: an item of an :data:`ITEM_LISTS` list (``stations[1]``),
    a key of a :data:`KEYED_SECTIONS` section (``cyclone.rmax_km``), else the top-level
    section. An unknown key marks the place of the key it most likely misspells when ``given``
    (the config as written, before defaults) lacks that key: a default stands in for what the
    user wrote there (``lta: 13.1``), and judging it would report a problem nobody made. An
    unknown key like no known one marks the places of the known keys there that are missing as
    written (``spacing: 2.5`` for resolution_km): which default it stands for cannot be told."""
    places = set()
    for error in errors:
        path = list(error.path)
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            written = _get(given, path)
            missing = [k for k in known if not (isinstance(written, Mapping) and k in written)]
            for key in (k for k in error.instance if k not in known):
                meant = closest(str(key), known)
                if meant in missing:
                    places.add(_place([*path, meant]))
                elif meant is None:  # each key a default stands in for, any of them meant
                    places.update(_place([*path, m]) for m in missing)
        elif path:
            places.add(_place(path))
    return places


def _non_finite(data: Any, path: list) -> Iterator[tuple[list, str]]:
    """(path, what is wrong) of every NaN or infinity (``.nan``, ``.inf``) in ``data``, and of
    every whole number too large for a float (``10**400`` written out): the model computes in
    floats, so such a number passed the schema and stopped a job with OverflowError."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _non_finite(value, [*path, key])
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _non_finite(value, [*path, i])
    elif isinstance(data, float) and not math.isfinite(data):
        yield path, f"{as_yaml(data)} is not a finite number"
    elif isinstance(data, int) and not isinstance(data, bool) and abs(data) > sys.float_info.max:
        digits, largest = len(str(abs(data))), f"{sys.float_info.max:.1e}"
        beyond = f"is beyond the largest the model computes with ({largest})"
        yield path, f"a number of {digits} digits {beyond}"


def _place(path: list) -> str:
    """The place a schema error at ``path`` makes invalid (see :func:`_invalid_places`)."""
    for items in ITEM_LISTS:
        n = len(items)
        if tuple(path[:n]) == items and len(path) > n and isinstance(path[n], int):
            return dotted([*items, path[n]])
    for block in KEYED_BLOCKS:
        n = len(block)
        if tuple(path[:n]) == block and len(path) > n:
            return dotted(path[: n + 1])
    keyed = path[0] in KEYED_SECTIONS and len(path) > 1
    return dotted(path[:2]) if keyed else str(path[0])


def _valid_items(items: list, where: str, invalid: Collection[str]) -> list[tuple[int, Any]]:
    """``(index, item)`` of the items of the list at ``where`` without schema errors."""
    return [(i, item) for i, item in enumerate(items) if f"{where}[{i}]" not in invalid]


def semantic_problems(
    cfg: Mapping, file: str, base_dir: Path, deep: bool = True, invalid: Collection[str] = ()
) -> list[Problem]:
    """Checks across keys. ``deep=False`` skips the checks that open the bathymetry file, build
    the idealised basin or import matplotlib (a cluster job reloading the workflow: the
    Snakemake that submitted it made them). ``invalid`` names the places with schema errors
    (:func:`_invalid_places`): the checks that read them are skipped (they would judge values
    already reported), the others still run, so one pass lists every problem."""
    ok = lambda *sections: not set(sections) & set(invalid)  # noqa: E731
    problems = _grid_problems(cfg["grid"], file) if ok("grid") else []
    # a grid past the pole or around the Earth more than once has no places to judge others by
    on_grid = ok("grid") and not problems
    if ok("bathymetry"):
        problems += _bathymetry_problems(cfg, file, base_dir, deep, invalid, on_grid)
    if ok(*TRACK_PLACES):
        problems += _cyclone_problems(cfg, file, on_grid)
    if ok("stations"):
        problems += _station_problems(cfg, file, on_grid, invalid)
    if ok("plotting", "plotting.cmap") and deep and cfg["plotting"]["cmap"] != DEFAULT_COLORMAP:
        # the default is Matplotlib's own: no import
        problems += colormap_problems(cfg["plotting"]["cmap"], file)
    return problems


def _grid_problems(grid: Mapping, file: str) -> list[Problem]:
    """The grid stays on the Earth: its cells end at or below the North Pole, and span at most
    180 degrees of longitude (positions are placed east or west of ``grid.origin`` the short
    way round, :func:`wavecast.geo.wrap_longitude`: on a wider grid a place more than 180
    degrees east of the origin would be taken for one west of it, and past 360 two cells would
    be one place). The schema's bounds on ``grid.origin.lat`` keep the south edge (half a cell
    below the origin) off the South Pole.
    """
    problems: list[Problem] = []
    footprint = Footprint.from_config(grid)
    dlat, dlon = footprint.cell_degrees()
    north = footprint.bounds()[1]
    if north > 90.0:
        rows = math.floor((90.0 - footprint.origin_lat) / dlat + 0.5)
        while footprint.origin_lat + (rows - 0.5) * dlat > 90.0:  # rounding
            rows -= 1
        problems.append(
            Problem(
                file,
                "grid.ny",
                f"the grid's cells reach latitude {_beyond(north, 90)}, past the North Pole",
                f"use grid.ny <= {rows} at this grid.origin.lat and grid.resolution_km, "
                "or move grid.origin.lat south",
            )
        )
    span = footprint.nx * dlon
    if span > 180.0:
        columns = math.floor(180.0 / dlon)
        while columns * dlon > 180.0:  # rounding
            columns -= 1
        problems.append(
            Problem(
                file,
                "grid.nx",
                f"the grid spans {_beyond(span, 180)} degrees of longitude, more than half way "
                "around the Earth: places are put east or west of grid.origin the short way "
                f"round (a cell is {dlon:.4g} degrees wide at latitude {footprint.origin_lat:g})",
                f"use grid.nx <= {columns} at this grid.origin.lat and grid.resolution_km",
            )
        )
    return problems


def _beyond(value: float, limit: int) -> str:
    """``value``, a little above ``limit``, with two decimals or as many more as show it above:
    90.0044 as 90.004, not 90.00."""
    digits = 2
    while digits < 12 and float(f"{value:.{digits}f}") <= limit:
        digits += 1
    return f"{value:.{digits}f}"


def _bathymetry_problems(
    cfg: Mapping, file: str, base_dir: Path, deep: bool, invalid: Collection[str], on_grid: bool
) -> list[Problem]:
    """A file named for ``source: file`` (and, ``on_grid``: the grid is valid, that it covers
    the grid); for ``source: idealised`` with valid keys and grid, a basin with water; and each
    valid island inside the grid."""
    problems: list[Problem] = []
    bathy = cfg["bathymetry"]
    file_ok = not {"bathymetry.source", "bathymetry.file"} & set(invalid)
    if file_ok and bathy["source"] == "file":
        if not bathy.get("file"):
            problems.append(
                Problem(
                    file,
                    "bathymetry.file",
                    "source is 'file' but no file is named",
                    "set bathymetry.file to a NetCDF path, or use source: idealised",
                )
            )
        elif deep:
            # Imported here, only when a file is named: xarray adds 0.15 s (measured) to the load
            from .grid import bathymetry_file_problems

            problems.extend(
                bathymetry_file_problems(
                    bathy["file"],
                    cfg["grid"] if on_grid else None,
                    base_dir=base_dir,
                    config_file=file,
                )
            )
    idealised = bathy.get("idealised")
    if file_ok and bathy["source"] == "idealised":
        problems.extend(_basin_depth_problems(idealised, file, invalid))
    ideal_ok = not any(
        p == "bathymetry.idealised" or p.startswith("bathymetry.idealised.") for p in invalid
    )
    if deep and on_grid and file_ok and ideal_ok and bathy["source"] == "idealised":
        # Imported here: numpy (0.1 s). The land mask costs milliseconds even on 4000 x 4000
        from .basin import all_land_problems

        problems.extend(all_land_problems(cfg["grid"], idealised, file))
    islands = idealised.get("islands") if isinstance(idealised, Mapping) else None
    if not on_grid or not isinstance(islands, list):
        return problems
    footprint = Footprint.from_config(cfg["grid"])
    for i, island in _valid_items(islands, "bathymetry.idealised.islands", invalid):
        if not footprint.contains(island["lat"], island["lon"]):
            problems.append(
                Problem(
                    file,
                    f"bathymetry.idealised.islands[{i}]",
                    f"centre ({island['lat']}, {island['lon']}) is outside the grid "
                    f"({footprint.describe()})",
                    "move the island or enlarge the grid",
                )
            )
    return problems


def _basin_depth_problems(ideal: Any, file: str, invalid: Collection[str]) -> list[Problem]:
    """The idealised basin deepens offshore: its shelf break (``shelf_depth_m``) is shallower
    than its floor (``basin_depth_m``). :func:`wavecast.basin.idealised_bathymetry` runs the
    slope from the one to the other, so a deeper shelf would make a slope that rises to the
    basin, and an equal one no slope. [] when either depth has a schema problem."""
    keys = ("shelf_depth_m", "basin_depth_m")
    where = "bathymetry.idealised"
    if not isinstance(ideal, Mapping) or {where, *(f"{where}.{k}" for k in keys)} & set(invalid):
        return []
    shelf, basin = (ideal[k] for k in keys)
    if shelf < basin:
        return []
    slope = "rise from the shelf to the basin" if shelf > basin else "be flat"
    return [
        Problem(
            file,
            f"{where}.shelf_depth_m",
            f"the shelf break ({as_yaml(shelf)} m) is not shallower than the basin floor "
            f"({as_yaml(basin)} m), so the continental slope would {slope}",
            f"make shelf_depth_m smaller than {where}.basin_depth_m ({as_yaml(basin)}), "
            "or basin_depth_m larger",
        )
    ]


def _cyclone_problems(cfg: Mapping, file: str, on_grid: bool) -> list[Problem]:
    """Times parse and increase, the track covers the run, and (``on_grid``: the grid is
    valid) the centre enters the grid."""
    problems: list[Problem] = []
    cyc = cfg["cyclone"]
    start = _parse_time(cyc["start"])
    if start is None:
        problems.append(
            Problem(
                file,
                "cyclone.start",
                f"{as_yaml(cyc['start'])} is not an ISO 8601 time in the years 1 to 9999 (UTC)",
                "write it like 2026-09-01T00:00:00",
            )
        )
    times = []
    for i, fix in enumerate(cyc["track"]):
        t = _parse_time(fix["time"])
        if t is None:
            problems.append(
                Problem(
                    file,
                    f"cyclone.track[{i}].time",
                    f"{as_yaml(fix['time'])} is not an ISO 8601 time in the years 1 to 9999 (UTC)",
                    "write it like 2026-09-01T00:00:00",
                )
            )
        times.append(t)
    if start is not None and None not in times:
        for i in range(1, len(times)):
            if times[i] <= times[i - 1]:
                problems.append(
                    Problem(
                        file,
                        f"cyclone.track[{i}].time",
                        "track times must increase",
                        "sort the fixes by time; remove duplicates",
                    )
                )
        try:
            end = start + dt.timedelta(hours=cyc["hours"] - 1)
        except OverflowError:
            problems.append(
                Problem(
                    file,
                    "cyclone.hours",
                    f"a run of {cyc['hours']} h from {start} would end after the year 9999",
                    "start earlier (cyclone.start) or shorten the run",
                )
            )
            return problems
        if times[0] > start or times[-1] < end:
            problems.append(
                Problem(
                    file,
                    "cyclone.track",
                    f"the track covers {times[0]} to "
                    f"{times[-1]} but the run needs {start} to {end}",
                    "add fixes, or change cyclone.start / cyclone.hours",
                )
            )
        footprint = Footprint.from_config(cfg["grid"]) if on_grid else None
        hours = _hours(start, cyc["hours"])
        if footprint and not any(footprint.contains(*_lerp(cyc["track"], times, t)) for t in hours):
            problems.append(
                Problem(
                    file,
                    "cyclone.track",
                    f"the cyclone centre never enters the grid ({footprint.describe()}) "
                    "during the run",
                    "check the track's lat/lon, or move grid.origin",
                )
            )

    return problems


def _station_problems(
    cfg: Mapping, file: str, on_grid: bool, invalid: Collection[str]
) -> list[Problem]:
    problems: list[Problem] = []
    footprint = Footprint.from_config(cfg["grid"]) if on_grid else None
    stations = _valid_items(cfg["stations"], "stations", invalid)
    for i, station in stations:
        if footprint and not footprint.contains(station["lat"], station["lon"]):
            problems.append(
                Problem(
                    file,
                    f"stations[{i}]",
                    f"station {as_yaml(station['name'])} at "
                    f"({station['lat']}, {station['lon']}) is outside the grid "
                    f"({footprint.describe()})",
                    "move the station or enlarge the grid",
                )
            )
    seen: set = set()
    for i, station in enumerate(cfg["stations"]):  # a name is judged whatever else is wrong
        name = station.get("name") if isinstance(station, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            problems.append(
                Problem(
                    file,
                    f"stations[{i}].name",
                    f"station name {as_yaml(name)} is used twice",
                    "give each station its own name",
                )
            )
        seen.add(name)
    return problems


def colormap_problems(name: str, file: str) -> list[Problem]:
    """``plotting.cmap`` must name a Matplotlib colour map (plot_maps would fail after every
    member had run). Imports matplotlib (≈ 0.2 s), so only for a map other than the default."""
    import matplotlib

    names = sorted(matplotlib.colormaps)
    if name in names:
        return []
    close = closest(name, names)
    fix = (
        f"did you mean '{close}'?"
        if close
        else "use a name from matplotlib.colormaps, e.g. viridis, cividis, magma, Blues"
    )
    return [Problem(file, "plotting.cmap", f"{as_yaml(name)} is not a Matplotlib colour map", fix)]


def _hours(start: dt.datetime, hours: int) -> Iterable[dt.datetime]:
    return (start + dt.timedelta(hours=h) for h in range(hours))


def _lerp(track: list, times: list[dt.datetime], t: dt.datetime) -> tuple[float, float]:
    """The track centre at ``t``, linear in time between fixes.

    Longitude moves the short way between two fixes, across the dateline when that is shorter,
    as in :func:`wavecast.cyclone.interpolate_track`.
    """
    if t <= times[0]:
        return track[0]["lat"], track[0]["lon"]
    for i in range(1, len(times)):
        if t <= times[i]:
            w = (t - times[i - 1]) / (times[i] - times[i - 1])
            a, b = track[i - 1], track[i]
            dlon = wrap_longitude(b["lon"] - a["lon"])
            return a["lat"] + w * (b["lat"] - a["lat"]), a["lon"] + w * dlon
    return track[-1]["lat"], track[-1]["lon"]


def validate(
    data: Any,
    file: str = DEFAULT_CONFIG_FILE,
    base_dir: Path | None = None,
    schema_path: Path = SCHEMA_PATH,
    deep: bool = True,
) -> dict:
    """Validate a config mapping; return it with defaults filled, or raise with every problem."""
    if not isinstance(data, Mapping):
        raise ValidationError(
            [Problem(file, "", "the configuration is not a mapping", "write 'key: value' settings")]
        )
    schema = load_schema(schema_path)
    cfg = apply_defaults(schema, _normalise_times(dict(data)))
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    errors = sorted(validator.iter_errors(cfg), key=lambda e: list(map(str, e.path)))
    # JSON Schema's ranges let NaN through (every comparison is false), and catch only one
    # sign of infinity: reported here, once
    non_finite = list(_non_finite(cfg, []))
    for path, message in non_finite:
        problems.append(Problem(file, dotted(path), message, "write a number"))
    reported = {dotted(path) for path, _ in non_finite}
    for error in errors:
        problems.extend(p for p in _schema_problem(error, file) if p.path not in reported)
    invalid = _invalid_places(errors, data) | {_place(path) for path, _ in non_finite}
    invalid |= {section for section in SECTIONS if not isinstance(cfg.get(section), Mapping)}
    if not isinstance(cfg.get("stations"), list):
        invalid.add("stations")
    # `hours: 72.0` is a whole number to the schema, not to range() in the checks across keys
    cfg = normalise_numbers(schema, cfg, floats=False)
    problems += semantic_problems(cfg, file, base_dir or Path.cwd(), deep, invalid)
    if problems:
        raise ValidationError(sorted(set(problems), key=lambda p: (p.path, p.message)))
    return canonical(normalise_numbers(schema, cfg))


def canonical(cfg: Mapping) -> dict:
    """One spelling for one configuration, so that rules' params (which Snakemake compares
    as text) change only when a value does: mappings with their keys sorted at every level
    (reordered keys, or a default written out, rerun nothing), and the cyclone's times as
    ``YYYY-MM-DDTHH:MM:SS`` in UTC (``...T00:00Z`` and ``...T00:00:00`` are one time), the
    bathymetry file's path normalised (``./data/b.nc`` is ``data/b.nc``), a
    ``duration_limit_hours`` of 0 written as null (both switch the limit off), and the
    longitudes of the stations, islands and track fixes written as the grid's own ``lon``
    writes them (:func:`wavecast.geo.grid_longitude`: ``298.7`` is ``-61.3`` on a grid at
    ``-62``). ``grid.origin.lon`` keeps its spelling: it sets that of grid.nc's ``lon``.
    Lists keep their order."""

    def sort(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: sort(value[k]) for k in sorted(value, key=str)}
        if isinstance(value, list):
            return [sort(v) for v in value]
        return value

    out = sort(cfg)
    cyclone = out["cyclone"]
    cyclone["start"] = parse_time(cyclone["start"]).isoformat()
    for fix in cyclone["track"]:
        fix["time"] = parse_time(fix["time"]).isoformat()
    bathymetry = out["bathymetry"]
    if bathymetry.get("file"):
        bathymetry["file"] = os.path.normpath(bathymetry["file"])
    if out["model"].get("duration_limit_hours") == 0:
        out["model"]["duration_limit_hours"] = None
    origin_lon = out["grid"]["origin"]["lon"]
    islands = bathymetry.get("idealised", {}).get("islands", [])
    for place in (*out["stations"], *islands, *cyclone["track"]):
        place["lon"] = grid_longitude(place["lon"], origin_lon)
    return out


def validate_file(path: str | Path, base_dir: Path | None = None) -> dict:
    """Strict-load and validate one config file (what ``wavecast`` and tests use)."""
    return yamlstrict.load_checked(path, lambda data, file: validate(data, file, base_dir))


def distinct_files(configfiles: Iterable[str | Path]) -> list[str]:
    """Snakemake's config files once each, first spelling kept: it lists the Snakefile's
    ``configfile`` again after the ``--configfile`` files, by another path when the user named
    it too."""
    files: dict[Path, str] = {}
    for f in configfiles:
        files.setdefault(Path(f).resolve(), str(f))
    return list(files.values())


def config_files_as_read(configfiles: Iterable[str | Path]) -> list[dict[str, str]]:
    """Each config file's path (as the user would write it) and text, read now: the workflow
    reads them when it loads, so the archive records the files its products were made from,
    not the text an edit made while the run was going."""
    return [
        {"path": _display(f), "text": Path(f).read_bytes().decode("utf-8")}
        for f in distinct_files(configfiles)
    ]


def science_only(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the deployment keys a profile's ``config:`` passes beside the science:
    of Snakemake's merged config, or of the ``--config`` values alone."""
    return {k: v for k, v in values.items() if k not in DEPLOYMENT_KEYS}


def layer_order(configfiles: Iterable[str | Path], command_line: Iterable[str | Path]) -> list[str]:
    """Snakemake's config files in the order it layers them (the workflow's call, with
    ``workflow.configfiles`` and the ``--configfile`` files): the Snakefile's ``configfile:``
    first, which it reads first though it lists it after the ``--configfile`` files, then those
    in their order. A file also named with ``--configfile`` keeps that place, as in
    ``wavecast config check``."""
    given = distinct_files(command_line)
    named = {Path(f).resolve() for f in given}
    return [*(f for f in distinct_files(configfiles) if Path(f).resolve() not in named), *given]


def unreadable(path: str | Path = DEFAULT_CONFIG_FILE) -> list[Problem]:
    """What keeps a config file from being read at all (a YAML syntax error, a tab, an empty
    file, a list), each at its line; [] when it reads as a mapping or does not exist.

    The Snakefile checks config/config.yaml with this before its ``configfile:``, whose loader
    would say only "not valid JSON or YAML"; the other traps wait for
    :func:`load_workflow_config`, which reports them beside the values' problems."""
    if not Path(path).exists() or yamlstrict.reads_as_mapping(path):  # every workflow load
        return []
    data, problems = yamlstrict.load_file(path, yaml11=True)
    return [] if isinstance(data, Mapping) else problems


def refuse_unreadable(path: str | Path = DEFAULT_CONFIG_FILE) -> None:
    """Stop the workflow with :func:`unreadable`'s problems, if any (the Snakefile's call)."""
    if problems := unreadable(path):
        from snakemake.exceptions import WorkflowError

        raise WorkflowError(invalid_config_message(problems))


def invalid_config_message(problems: Iterable[Problem]) -> str:
    """The workflow's one error for a configuration it will not run."""
    problems = list(problems)
    return f"the configuration is invalid ({len(problems)} problem(s)); nothing was run:\n" + (
        ValidationError(problems).report()
    )


def check_files(files: Iterable[str | Path], schema_path: Path = SCHEMA_PATH) -> dict:
    """Validate config files as ``snakemake --configfile`` reads them, before a run: merged
    in order (a later file's keys over an earlier one's, as Snakemake merges), then every check
    of :func:`load_workflow_config`. Return the science config or raise with every problem; a
    file that cannot be read stops before the merge. Each file is read by Snakemake's own
    loader (JSON first, then YAML) and merged by Snakemake's own merge, not copies of them."""
    from snakemake.common.configfile import load_configfile
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import update_config

    files = [str(f) for f in files]
    merged: dict = {}
    problems: list[Problem] = []
    for f in files:
        data, found = yamlstrict.load_file(f, _display(f), yaml11=True)
        if isinstance(data, Mapping):  # its traps are load_workflow_config's to report
            try:
                update_config(merged, load_configfile(f))
                continue
            except WorkflowError as exc:
                found = [Problem(_display(f), "", str(exc).strip(), "fix the file")]
        problems += found
    if problems:
        raise ValidationError(problems)
    return load_workflow_config(merged, files, schema_path)[0]


def load_workflow_config(
    config: Mapping,
    configfiles: Iterable[str | Path],
    schema_path: Path = SCHEMA_PATH,
    deep: bool = True,
    layers: Iterable[str | Path] | None = None,
) -> tuple[dict, dict]:
    """What the Snakefile calls: split deployment keys off, strict-check the files, validate.

    ``config`` is Snakemake's merged config (files + ``--config``); ``configfiles`` the files it
    read; ``layers`` the same files in the order they were merged (:func:`layer_order`; by
    default ``configfiles``' order). Returns ``(science, deployment)``. Each problem names the
    file that set the key (see :func:`_setter`), or ``--config`` for a value given on the
    command line; a key no file set is named in the base file (:func:`_base_file`). The
    problems are grouped by file in ``layers``' order, ``--config`` last, each file's in key
    order. ``wavecast config check`` and the workflow list the same files in different orders
    (Snakemake puts the Snakefile's ``configfile:`` last): only ``layers`` decides, so both
    name the same files.
    """
    shown = [_display(f) for f in distinct_files(layers or configfiles)]
    shown += [f for f in map(_display, distinct_files(configfiles)) if f not in shown]
    shown = shown or [DEFAULT_CONFIG_FILE]
    base = _base_file(shown)
    problems: list[Problem] = []
    sources: list[tuple[str, Any]] = []
    for f in shown:
        data, found = yamlstrict.load_file(f, yaml11=True)  # as Snakemake read it
        problems.extend(found)
        if isinstance(data, Mapping):
            sources.append((f, _as_snakemake_reads(f, data)))
            for key in DEPLOYMENT_KEYS:
                if key in data:
                    problems.append(
                        Problem(
                            f,
                            key,
                            "a deployment setting in the science config",
                            DEPLOYMENT_KEYS[key],
                        )
                    )
    science = science_only(config)
    deployment = {k: config[k] for k in DEPLOYMENT_KEYS if k in config}
    try:
        cfg = validate(science, base, schema_path=schema_path, deep=deep)
    except ValidationError as exc:
        read_as_bool = yamlstrict.boolean_keys_as_yaml11_reads_them(problems)
        where = [
            _command_line_text(
                dataclasses.replace(p, file=_setter(p.path, science, sources, base)), science
            )
            for p in exc.problems
            if p.path not in read_as_bool
        ]
        # `coast_side: no`, `seed: on`: the choices or the type say more than "quote it",
        # which would still be wrong
        choices = {
            p.path: p.fix for p in where if p.fix.startswith(_CHOOSE) or _expects_no_text(p.fix)
        }
        problems = [
            dataclasses.replace(p, fix=choices[p.path])
            if p.path in choices and yamlstrict.is_boolean_value(p)
            else p
            for p in problems
        ]
        problems = merge(problems, where)
    if problems:
        rank = {f: i for i, f in enumerate(shown)}
        # stable: within a file, its text problems first, then its values' in key order
        raise ValidationError(sorted(problems, key=lambda p: rank.get(p.file, len(rank))))
    return cfg, deployment


def _base_file(files: list[str]) -> str:
    """The file a key that no file set belongs in (``files`` displayed, in layer order):
    config/config.yaml when it is read, wherever ``--configfile`` put it, else the first file.

    config/config.yaml is the one file every run reads and the schema's manual describes; a
    ``--configfile`` file holds what one run changes. A setting that is missing altogether
    (a section left out, so its defaults fail a check) is added there, not to whichever extra
    file happened to be named first."""
    home = Path(DEFAULT_CONFIG_FILE).resolve()
    return next((f for f in files if Path(f).resolve() == home), files[0])


def _expects_no_text(fix: str) -> bool:
    """A type error's fix naming only non-text types ("expected a whole number")."""
    return fix.startswith("expected ") and "text" not in fix


def _command_line_text(problem: Problem, config: Mapping) -> Problem:
    """``--config ensemble='{members: 4}'``: Snakemake reads a value nested in ``--config`` as
    text (YAML's base loader), so ``'4'`` fails a number's type however it is written. Say so,
    and where such values go instead."""
    parts = _path_parts(problem.path)
    if problem.file != COMMAND_LINE or len(parts) < 2 or not problem.fix.startswith("expected "):
        return problem
    value = _get(config, parts)
    if not isinstance(value, str):
        return problem
    advice = unquote_fix(value, ("integer", "number", "boolean"))
    fix = problem.fix.removesuffix(f"; {advice}") if advice else problem.fix
    return dataclasses.replace(
        problem,
        fix=f"{fix}; Snakemake's --config reads values inside {{...}} and [...] as "
        "text: put this setting in a file and give it with --configfile FILE",
    )


def _as_snakemake_reads(path: str, yaml_data: Any) -> Any:
    """The file's data as Snakemake read it: JSON first, then YAML
    (``snakemake.common.configfile``). In JSON ``NaN`` is a number and ``3e1`` is 30.0, so a
    problem with such a value is traced to the file that wrote it (:func:`_setter`)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return yaml_data


def _same(a: Any, b: Any) -> bool:
    """``a == b``, except that NaN equals NaN (``.nan`` read twice: a file's and the merge's)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _setter(path: str, config: Mapping, sources: list[tuple[str, Any]], default: str) -> str:
    """The file that set ``path`` (``stations[2].name``) in Snakemake's merged ``config``.

    Snakemake merges mappings key by key and takes anything else (a value, a list) whole from
    the last source that has it; ``--config`` comes last. So: the longest part of ``path`` in
    ``config`` that is a mapping key, and the last file whose own data holds that key with the
    value the merged config has. None has it (the key is in no file, or a file's value was
    overridden): ``--config``. A mapping that several sources filled: the last file holding it.
    ``sources`` are in the order Snakemake layered them (:func:`layer_order`), not the order it
    lists them (the Snakefile's ``configfile:`` after the command-line files, though read
    before them): "last" is the file whose value Snakemake kept. A key no source wrote (its
    default failed, or it is required) belongs beside its siblings in the first file holding
    its section, the base config/config.yaml when that does; a key whose section no file holds
    (none, or only ``--config``) is ``default``'s, the base file.
    """
    key: list[str | int] = []
    node: Any = config
    unset = False  # a key no source wrote: its default, or nothing, was checked
    for part in _path_parts(path):
        if not isinstance(node, Mapping) or part not in node:
            unset = isinstance(node, Mapping)
            break
        key.append(part)
        node = node[part]
    if not key:
        return default
    held = [(file, _get(data, key)) for file, data in sources]
    holders = [file for file, value in held if value is not _MISSING]
    if unset:  # --config has the section but not the key: still a file's to add
        return holders[0] if holders else default
    setters = [file for file, value in held if value is not _MISSING and _same(value, node)]
    if setters:
        return setters[-1]
    if holders and isinstance(node, Mapping):
        return holders[-1]
    return COMMAND_LINE


_MISSING = object()


_PART = re.compile(r"""'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)"|([^.\[\]'"]+)|\[(\d+)\]""")

#: YAML's escapes in double quotes that :func:`wavecast.errors.dotted` writes.
_UNESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_SHORT = {"t": "\t", "n": "\n", "r": "\r"}


def _path_parts(path: str) -> list[str | int]:
    """``stations[2].name`` -> ``["stations", 2, "name"]``, ``'grid.nx'`` -> ``["grid.nx"]``,
    ``"name\\u200b"`` -> ``["name\\u200b"]``: the inverse of :func:`wavecast.errors.dotted`."""
    parts: list[str | int] = []
    for quoted, escaped, plain, index in _PART.findall(path):
        if index:
            parts.append(int(index))
        elif plain:
            parts.append(plain)
        elif escaped:
            parts.append(_UNESCAPE.sub(_unescape, escaped))
        else:
            parts.append(quoted.replace("''", "'"))
    return parts


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _SHORT.get(code, code)


def _get(data: Any, path: list) -> Any:
    """The value at ``path`` (mapping keys and list indices) in ``data``, or ``_MISSING``."""
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_list or isinstance(data, Mapping) and part in data):
            return _MISSING
        data = data[part]
    return data


def _display(path: str | Path) -> str:
    """A config path as the user would write it: relative to the working directory if inside."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
