"""A bad bathymetry file stops the run at config validation, before any job.

Config validation opens the file named by ``bathymetry.file`` and makes the checks build_grid
makes (:func:`wavecast.grid.bathymetry_file_problems`): a ``depth`` variable in metres,
coordinates the model understands, a 2-D layout, coverage of the whole grid, and, from the depth
values under the grid (the only ones it reads), no undeclared fill value and some water. The two
must agree: every file build_grid rejects, validation rejects with the same words, and a file
build_grid accepts passes validation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from wavecast.grid import bathymetry_file_problems, build_grid

from .common import make_workdir, snakemake
from .demo_config import problems_in, problems_of

# The demo grid spans lat 12..16.47, lon -62..-57.43 (cell centres).
LAT = np.linspace(11.5, 17.0, 23)
LON = np.linspace(-62.5, -57.0, 23)


def depth_on(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return 50.0 + 10.0 * (lon[None, :] - lon[0]) + 0.0 * lat[:, None]


def covering(path: Path) -> None:
    xr.Dataset(
        {"depth": (("lat", "lon"), depth_on(LAT, LON))}, coords={"lat": LAT, "lon": LON}
    ).to_netcdf(path)


def covering_0_360(path: Path) -> None:
    lon = LON + 360.0
    xr.Dataset(
        {"depth": (("latitude", "longitude"), depth_on(LAT, lon))},
        coords={"latitude": LAT, "longitude": lon},
    ).to_netcdf(path)


def no_depth(path: Path) -> None:
    xr.Dataset(
        {"elevation": (("lat", "lon"), -depth_on(LAT, LON))}, coords={"lat": LAT, "lon": LON}
    ).to_netcdf(path)


def positive_up(path: Path) -> None:
    """Elevations (GEBCO's sign) in a variable named depth, as CF's positive: up says."""
    depth = xr.Variable(("lat", "lon"), -depth_on(LAT, LON), {"positive": "up", "units": "m"})
    xr.Dataset({"depth": depth}, coords={"lat": LAT, "lon": LON}).to_netcdf(path)


def unknown_coordinates(path: Path) -> None:
    xr.Dataset({"depth": (("row", "col"), depth_on(LAT, LON))}).to_netcdf(path)


def three_dimensional(path: Path) -> None:
    depth = np.repeat(depth_on(LAT, LON)[:, :, None], 2, axis=2)
    xr.Dataset(
        {"depth": (("lat", "lon", "time"), depth)}, coords={"lat": LAT, "lon": LON}
    ).to_netcdf(path)


def too_small(path: Path) -> None:
    lat, lon = LAT[:10], LON[:10]
    xr.Dataset(
        {"depth": (("lat", "lon"), depth_on(lat, lon))}, coords={"lat": lat, "lon": lon}
    ).to_netcdf(path)


def too_small_xy(path: Path) -> None:
    x = np.linspace(-10_000.0, 300_000.0, 20)  # the grid reaches 497.5 km east and north
    y = np.linspace(-10_000.0, 600_000.0, 20)
    xr.Dataset({"depth": (("y", "x"), np.full((20, 20), 30.0))}, coords={"x": x, "y": y}).to_netcdf(
        path
    )


def xy_file(units: str | None, scale: float = 1.0):
    """A writer of an x/y file covering the demo grid (x, y from -10 to 600 km), its axes
    written in ``units`` (``scale`` per metre)."""

    def write(path: Path) -> None:
        axis = np.linspace(-10_000.0, 600_000.0, 30) * scale
        attrs = {} if units is None else {"units": units}
        xr.Dataset(
            {"depth": (("y", "x"), np.full((30, 30), 30.0))},
            coords={"x": ("x", axis, attrs), "y": ("y", axis, attrs)},
        ).to_netcdf(path)

    return write


def lat_lon_file(lat: np.ndarray, lon: np.ndarray, units: tuple[str, str] | None = None):
    """A writer of a lat/lon file on ``lat`` x ``lon`` (as given), with the axes' ``units``."""

    def write(path: Path) -> None:
        lat_attrs, lon_attrs = ({"units": units[0]}, {"units": units[1]}) if units else ({}, {})
        xr.Dataset(
            {"depth": (("lat", "lon"), np.full((lat.size, lon.size), 30.0))},
            coords={"lat": ("lat", lat, lat_attrs), "lon": ("lon", lon, lon_attrs)},
        ).to_netcdf(path)

    return write


def not_netcdf(path: Path) -> None:
    path.write_text("depth,lat,lon\n")


def missing(path: Path) -> None:
    """No file at all."""


def empty_axis(path: Path) -> None:
    xr.Dataset(
        {"depth": (("lat", "lon"), np.zeros((0, LON.size)))}, coords={"lat": [], "lon": LON}
    ).to_netcdf(path)


def missing_coordinate_value(path: Path) -> None:
    lat = LAT.copy()
    lat[3] = np.nan
    xr.Dataset(
        {"depth": (("lat", "lon"), depth_on(LAT, LON))}, coords={"lat": lat, "lon": LON}
    ).to_netcdf(path)


def with_depth(values: np.ndarray, attrs: dict | None = None, **encoding: object):
    """A writer of a covering file whose depth is ``values`` (on LAT x LON)."""

    def write(path: Path) -> None:
        depth = xr.Variable(("lat", "lon"), values, attrs or {}, encoding=encoding)
        xr.Dataset({"depth": depth}, coords={"lat": LAT, "lon": LON}).to_netcdf(path)

    return write


def patched(value: float, dtype: str = "float64") -> np.ndarray:
    """The covering depth with ``value`` at 4 points under the middle of the grid."""
    depth = depth_on(LAT, LON).astype(dtype)
    depth[10:12, 10:12] = value
    return depth


def directory(path: Path) -> None:
    path.mkdir()


BAD: dict[str, Callable[[Path], None]] = {
    "directory": directory,
    "units_cm": with_depth(depth_on(LAT, LON) * 100.0, {"units": "cm"}),
    "units_km": with_depth(depth_on(LAT, LON) / 1000.0, {"units": "km"}),
    "units_ft": with_depth(depth_on(LAT, LON) / 0.3048, {"units": "ft"}),
    "fill_1e20": with_depth(patched(1e20)),
    # netCDF's default fill, left where nothing was written and no _FillValue says so
    "fill_netcdf_default": with_depth(patched(9.96921e36, "float32"), _FillValue=None),
    "fill_int16": with_depth(patched(-32767, "int16")),
    "fill_99999": with_depth(patched(99999.0)),
    "fill_minus_9999": with_depth(patched(-9999.0)),
    "all_land": with_depth(np.zeros((LAT.size, LON.size))),
    "all_elevations": with_depth(-depth_on(LAT, LON)),
    "all_missing": with_depth(np.full((LAT.size, LON.size), np.nan)),
    "no_depth": no_depth,
    "positive_up": positive_up,
    "unknown_coordinates": unknown_coordinates,
    "three_dimensional": three_dimensional,
    "too_small": too_small,
    "too_small_xy": too_small_xy,
    "not_netcdf": not_netcdf,
    "missing": missing,
    "empty_axis": empty_axis,
    "missing_coordinate_value": missing_coordinate_value,
    "xy_in_km": xy_file("km", 1e-3),
    "lat_lon_in_radians": lat_lon_file(np.radians(LAT), np.radians(LON), ("radians", "radians")),
    "lat_projected": lat_lon_file(np.linspace(1.2e6, 1.9e6, 23), LON),
}


def with_file(cfg: dict, name: str) -> dict:
    cfg["bathymetry"]["source"] = "file"
    cfg["bathymetry"]["file"] = name
    return cfg


def build_grid_problems(cfg: dict) -> list[str]:
    return problems_in(build_grid, cfg["grid"], cfg["bathymetry"])


@pytest.mark.parametrize("kind", sorted(BAD))
def test_validation_rejects_what_build_grid_rejects_in_the_same_words(
    kind, demo, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the job runs where snakemake runs: relative paths alike
    BAD[kind](tmp_path / "bathy.nc")
    cfg = with_file(demo, "bathy.nc")
    from_job = build_grid_problems(cfg)
    assert len(from_job) == 1 and from_job[0].startswith("config/config.yaml::bathymetry.file: "), (
        from_job
    )
    assert problems_of(cfg, base_dir=tmp_path) == from_job


def far_fill(path: Path) -> None:
    """1e20 only where the grid does not reach (its south-west corner): never read."""
    depth = depth_on(LAT, LON)
    depth[0, 0] = 1e20
    xr.Dataset({"depth": (("lat", "lon"), depth)}, coords={"lat": LAT, "lon": LON}).to_netcdf(path)


GOOD: dict[str, Callable[[Path], None]] = {
    "lat_lon": covering,
    "0_360": covering_0_360,
    **{
        f"units_{units}": with_depth(depth_on(LAT, LON), {"units": units})
        for units in ("m", "metre", "metres", "meter", "meters", "")
    },
    # declared fill values are masked by xarray: those points are land, the rest water
    "declared_fill_int16": with_depth(patched(-32767, "int16"), _FillValue=np.int16(-32767)),
    "declared_missing_value": with_depth(patched(1e20), {"missing_value": 1e20}),
    "far_fill": far_fill,
    "xy_no_units": xy_file(None),
    "xy_in_metres": xy_file("metres"),
    "lat_lon_cf_units": lat_lon_file(LAT, LON, ("degrees_north", "degrees_east")),
    "lat_lon_short_units": lat_lon_file(LAT, LON, ("degree_N", "degreeE")),
}


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_a_file_build_grid_accepts_passes_validation(kind, demo, tmp_path, monkeypatch):
    write = GOOD[kind]
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bathy.nc")
    cfg = with_file(demo, "bathy.nc")
    assert build_grid_problems(cfg) == []
    assert problems_of(cfg, base_dir=tmp_path) == []


def file_problem(demo: dict, write: Callable[[Path], None], tmp_path: Path) -> str:
    """The one problem validation finds in the file ``write`` makes, as ``bathy.nc``."""
    write(tmp_path / "bathy.nc")
    (message,) = problems_of(with_file(demo, "bathy.nc"), base_dir=tmp_path)
    return message


def test_a_directory_is_named_as_one(demo, tmp_path):
    assert file_problem(demo, directory, tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc' is a directory, not a "
        f"file (looked in {tmp_path}); give the path of the NetCDF file itself"
    )


def test_depth_in_other_units_than_metres_is_refused(demo, tmp_path):
    assert file_problem(demo, BAD["units_cm"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': 'depth' has units "
        "'cm', not metres; convert depth to metres and set its units to m (or, if the values "
        "already are metres, set units: m)"
    )


def test_axes_in_other_units_than_the_grid_reads_are_refused(demo, tmp_path):
    """x/y in km read as metres put the grid a thousand times too far; radians, or metres
    under the name lat, read as degrees: the file is refused, not misplaced."""
    assert file_problem(demo, BAD["xy_in_km"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': coordinate 'x' has "
        "units 'km', not metres; write x and y in metres east/north of grid.origin and set "
        "their units to m"
    )
    assert file_problem(demo, BAD["lat_lon_in_radians"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': coordinate 'lat' has "
        "units 'radians', not degrees; convert lat to degrees and set its units to "
        "degrees_north"
    )
    assert file_problem(demo, BAD["lat_projected"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': coordinate 'lat' runs "
        "1.2e+06..1.9e+06, outside the -90..90 degrees of a latitude; give latitudes in degrees "
        "north; for a projected file name its axes x and y, in metres east/north of grid.origin"
    )


def test_an_undeclared_fill_value_under_the_grid_is_refused(demo, tmp_path):
    """The grid reads 19 x 20 of the file's points (lat 12..16.5, lon -62..-57.25)."""
    assert file_problem(demo, BAD["fill_netcdf_default"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': 'depth' is "
        "9.96921e+36 at 4 of the 380 points the grid is interpolated from, outside -8900..11000 m "
        "(no land is higher than 8900 m, no sea deeper than 11000 m): fill values the file does "
        "not declare; declare the value as "
        "depth's _FillValue (or missing_value) attribute, or write those points as NaN; either "
        "is read as land"
    )


def test_minus_9999_is_a_fill_value_not_a_mountain(demo, tmp_path):
    """-9999 (the commonest undeclared fill value) would be land 9999 m high, above Everest:
    read as land it would have moved the coast. Land up to 8,849 m is a depth, read as land."""
    assert file_problem(demo, BAD["fill_minus_9999"], tmp_path).startswith(
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': 'depth' is -9999 at 4 "
        "of the 380 points the grid is interpolated from, outside -8900..11000 m "
    )
    with_depth(patched(-8849.0))(tmp_path / "everest.nc")
    with_depth(patched(10935.0))(tmp_path / "trench.nc")
    for name in ("everest.nc", "trench.nc"):
        assert problems_of(with_file(demo, name), base_dir=tmp_path) == []


def test_a_grid_over_missing_values_only_is_refused(demo, tmp_path):
    assert file_problem(demo, BAD["all_missing"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': no cell of the grid is "
        "water (every grid point lies next to a missing value, NaN or the _FillValue, which "
        "reads as land); check that the grid lies over the file's data, and that its _FillValue "
        "or missing_value attribute is not a real depth"
    )


def test_a_grid_over_land_only_is_refused(demo, tmp_path):
    assert file_problem(demo, BAD["all_land"], tmp_path) == (
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc': no cell of the grid is "
        "water (the file has no depth > 0 there); depth must be positive down; for a file of "
        "elevations (GEBCO, ETOPO: negative at sea) write depth = -elevation, or check that the "
        "grid lies over the sea"
    )


@pytest.mark.parametrize(
    ("lon", "written"),
    [
        # the file's longitudes start at -60: the grid's western columns wrapped to 298..300
        # and read "-59.98..300" before
        (np.linspace(-60.0, -57.0, 13), "lon -62..-57.4259"),
        (np.linspace(300.0, 303.0, 13), "lon 298..302.574"),  # 0..360: the grid in 0..360
    ],
    ids=["-180_180", "0_360"],
)
def test_the_coverage_message_gives_the_grids_longitudes_west_to_east(lon, written, demo, tmp_path):
    depth = xr.Variable(("lat", "lon"), np.full((LAT.size, lon.size), 50.0))
    write = xr.Dataset({"depth": depth}, coords={"lat": LAT, "lon": lon}).to_netcdf
    message = file_problem(demo, write, tmp_path)
    assert f"but the model grid spans lat 12..16.4741, {written}; " in message, message


def test_a_grid_across_the_dateline_is_written_west_to_east_as_its_footprint_is(tmp_path):
    """A file in -180..180 that stops short of the grid's north, and a grid from 179.5 across
    the dateline: its longitudes read 179.5..-179.129, west > east, as Footprint.describe()
    writes them (wrapped into the file's axis they spanned -180..180)."""
    lat, lon = np.linspace(-20.0, -17.5, 11), np.linspace(-180.0, 180.0, 361)
    xr.Dataset(
        {"depth": (("lat", "lon"), np.full((lat.size, lon.size), 50.0))},
        coords={"lat": lat, "lon": lon},
    ).to_netcdf(tmp_path / "bathy.nc")
    grid = {"origin": {"lat": -18.0, "lon": 179.5}, "nx": 30, "ny": 20, "resolution_km": 5.0}
    (problem,) = bathymetry_file_problems("bathy.nc", grid, base_dir=tmp_path)
    assert problem.message == (
        "bathymetry file 'bathy.nc' covers lat -20..-17.5, lon -180..180 (degrees) but the model "
        "grid spans lat -18..-17.1456, lon 179.5..-179.129; 240 of 600 grid points lie outside"
    )


def test_validation_reads_relative_paths_from_where_snakemake_runs(demo, tmp_path, monkeypatch):
    """base_dir (Snakemake's working directory), not the validating process's cwd, anchors a
    relative path; an absolute path is used as it is."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path)
    too_small(tmp_path / "work" / "bathy.nc")
    (message,) = problems_of(with_file(demo, "bathy.nc"), base_dir=tmp_path / "work")
    assert message.startswith(
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc' covers"
    )
    absolute = str(tmp_path / "work" / "bathy.nc")
    (message,) = problems_of(with_file(demo, absolute), base_dir=tmp_path / "elsewhere")
    assert message.startswith(
        f"config/config.yaml::bathymetry.file: bathymetry file '{absolute}' covers"
    )
    covering(tmp_path / "work" / "bathy.nc")
    assert problems_of(with_file(demo, absolute), base_dir=tmp_path / "elsewhere") == []


def test_a_file_problem_is_reported_with_the_others(demo, tmp_path):
    no_depth(tmp_path / "bathy.nc")
    cfg = with_file(demo, "bathy.nc")
    cfg["stations"].append({"name": "Far", "lat": 40.0, "lon": 0.0})
    assert problems_of(cfg, base_dir=tmp_path) == [
        "config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc' has no variable "
        "'depth' (variables: elevation); name the depth variable 'depth' (metres, positive down)",
        "config/config.yaml::stations[3]: station 'Far' at (40.0, 0.0) is outside the grid "
        "(lat 11.99..16.49, lon -62.01..-57.41); move the station or enlarge the grid",
    ]


def test_snakemake_stops_before_any_job_and_names_the_file_that_set_the_key(tmp_path):
    """The real `snakemake --configfile extra.yaml` (extra.yaml names the file): the dry run
    fails at workflow load, labelled with extra.yaml, and no job is planned or run."""
    work = make_workdir("small", tmp_path)
    too_small(work / "coarse.nc")
    (work / "extra.yaml").write_text("bathymetry: {source: file, file: coarse.nc}\n")
    proc = snakemake(work, "--cores", "1", "--configfile", str(work / "extra.yaml"), check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "\nextra.yaml::bathymetry.file: bathymetry file 'coarse.nc' covers lat 11.5..13.75" in (
        output
    ), output
    assert "extend the file or shrink/move the grid" in output
    assert "rule build_grid" not in output and "Job stats" not in output
    assert not (work / "results").exists()


def test_two_spellings_of_one_bathymetry_file_or_of_no_duration_limit_are_one(demo, tmp_path):
    """``./data/b.nc`` and ``data/b.nc`` name one file, and a duration limit of 0 or null
    both switch the limit off: either edit reran every member for the same science."""
    import copy

    from wavecast.config import validate

    (tmp_path / "data").mkdir()
    covering(tmp_path / "data/b.nc")
    demo["bathymetry"].update(source="file", file="data/b.nc")
    demo["model"]["duration_limit_hours"] = None
    same = copy.deepcopy(demo)
    same["bathymetry"]["file"] = "./data//b.nc"
    same["model"]["duration_limit_hours"] = 0
    assert repr(validate(same, base_dir=tmp_path)) == repr(validate(demo, base_dir=tmp_path))
    assert validate(same, base_dir=tmp_path)["bathymetry"]["file"] == "data/b.nc"
