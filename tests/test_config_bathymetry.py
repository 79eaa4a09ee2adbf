"""A bad bathymetry file stops the run at config validation, before any job.

Config validation opens the file named by ``bathymetry.file`` and makes the checks build_grid
makes (:func:`wavecast.grid.bathymetry_file_problems`): a ``depth`` variable, coordinates the
model understands, a 2-D layout, coverage of the whole grid. The two must agree: every file
build_grid rejects, validation rejects with the same words, and a file build_grid accepts
passes validation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from wavecast.grid import build_grid

from .common import make_workdir, snakemake
from .demo_config import problems_in, problems_of

# The demo grid spans lat 12..16.49, lon -62..-57.4 (cell centres).
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


BAD: dict[str, Callable[[Path], None]] = {
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


@pytest.mark.parametrize("write", [covering, covering_0_360], ids=["lat_lon", "0_360"])
def test_a_file_build_grid_accepts_passes_validation(write, demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bathy.nc")
    cfg = with_file(demo, "bathy.nc")
    assert build_grid_problems(cfg) == []
    assert problems_of(cfg, base_dir=tmp_path) == []


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
