"""A station whose nearest grid cell is land is named when the workflow loads, before any job.

extract_stations takes such a station's series from the nearest water cell; before, it said so
only in its own log. The note names the cell, from the rule the job applies
(:func:`wavecast.cells.locate_stations`) on the bathymetry build_grid makes, so the cell the
note names is the cell whose series the station files hold. It is a warning: the run goes on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from wavecast import grid as grid_module
from wavecast.config import bathymetry_in_use, station_cells, station_land_notes, validate
from wavecast.grid import build_grid
from wavecast.io import write_netcdf_atomic
from wavecast.stations import extract_stations

from .common import REPO, make_workdir, snakemake

# The demo grid: origin (12, -62), 200 x 200 cells of 2.5 km; the idealised basin's coast is a
# 40 km land strip along the west edge (to lon -61.63), with an island at (13.6, -60.9).
HARBOUR = {"name": "Harbour", "lat": 13.1, "lon": -61.3}  # on the shelf
QUAY = {"name": "Quay", "lat": 13.0, "lon": -61.8}  # in the land strip
COVE = {"name": "Cove", "lat": 13.6, "lon": 298.95}  # on the island, lon written 0..360

QUAY_ON_STRIP = (
    "stations[1] 'Quay' (lat 13, lon -61.8) lies on land in the model grid; its series will "
    "come from the nearest water cell, 18.2 km away (lat 12.989, lon -61.632, depth 1 m); move "
    "the station onto water to choose the cell yourself"
)

# A bathymetry file over the demo grid: land west of lon -61.6, deepening 100 m per degree east.
LAT = np.linspace(11.5, 17.0, 23)
LON = np.linspace(-62.5, -57.0, 45)


def write_bathymetry(path: Path) -> None:
    depth = 100.0 * (LON[None, :] + 61.6) + 0.0 * LAT[:, None]
    xr.Dataset(
        {"depth": (("lat", "lon"), depth, {"units": "m", "positive": "down"})},
        coords={"lat": LAT, "lon": LON},
    ).to_netcdf(path)


def with_file(demo: dict, tmp_path: Path) -> dict:
    write_bathymetry(tmp_path / "bathy.nc")
    demo["bathymetry"].update(source="file", file="bathy.nc")
    return demo


def test_an_idealised_station_on_land_is_named_with_the_water_cell_used(demo):
    """Cove's 298.95 is quoted as the grid (-62 .. -57.4), the rules and stations.nc write it."""
    demo["stations"] = [HARBOUR, QUAY, COVE]
    assert station_land_notes(validate(demo)) == [
        QUAY_ON_STRIP,
        "stations[2] 'Cove' (lat 13.6, lon -61.05) lies on land in the model grid; its series "
        "will come from the nearest water cell, 3.3 km away (lat 13.596, lon -61.081, depth "
        "45 m); move the station onto water to choose the cell yourself",
    ]


def test_stations_on_water_have_no_note(demo):
    cfg = validate(demo)
    assert len(cfg["stations"]) == 3  # the demo's, all at sea
    assert station_land_notes(cfg) == []
    demo["stations"] = []
    assert station_land_notes(validate(demo)) == []


def test_the_note_on_an_idealised_basin_imports_no_xarray():
    """Main-process load cost: the note builds the basin with numpy only (xarray: 0.4 s)."""
    code = (
        "import sys; from wavecast.config import validate_file, station_land_notes; "
        f"station_land_notes(validate_file({str(REPO / 'config' / 'config.yaml')!r})); "
        "print(sorted(m for m in ('matplotlib', 'xarray', 'netCDF4') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_station_on_land_in_a_bathymetry_file_is_named_from_one_read(demo, tmp_path, monkeypatch):
    """The depth validation interpolated from the file is kept for the note, not read again."""
    opened = []
    real_open = grid_module._open_bathymetry

    def counting_open(label, base_dir, fail):
        opened.append(label)
        return real_open(label, base_dir, fail)

    monkeypatch.setattr(grid_module, "_open_bathymetry", counting_open)
    demo["stations"] = [HARBOUR, QUAY]
    cfg = validate(with_file(demo, tmp_path), base_dir=tmp_path)
    assert station_land_notes(cfg, base_dir=tmp_path) == [
        "stations[1] 'Quay' (lat 13, lon -61.8) lies on land in the model grid; its series will "
        "come from the nearest water cell, 23.2 km away (lat 12.989, lon -61.586, depth 1.4 m); "
        "move the station onto water to choose the cell yourself"
    ]
    assert opened == ["bathy.nc"]


def test_a_changed_bathymetry_file_is_read_again(demo, tmp_path):
    demo["stations"] = [QUAY]
    cfg = validate(with_file(demo, tmp_path), base_dir=tmp_path)
    assert station_land_notes(cfg, base_dir=tmp_path)
    xr.Dataset(
        {"depth": (("lat", "lon"), np.full((LAT.size, LON.size), 50.0))},
        coords={"lat": LAT, "lon": LON},
    ).to_netcdf(tmp_path / "bathy.nc")
    assert station_land_notes(cfg, base_dir=tmp_path) == []


@pytest.mark.parametrize("source", ["idealised", "file"])
def test_the_note_names_the_cell_extract_stations_uses(source, demo, tmp_path, monkeypatch):
    """build_grid's grid.nc, a member file on it, and the real extract_stations: every station's
    cell, distance and depth equal to what the workflow computed at load."""
    monkeypatch.chdir(tmp_path)  # build_grid reads a relative bathymetry path from here
    demo["stations"] = [HARBOUR, QUAY, COVE]
    cfg = validate(with_file(demo, tmp_path) if source == "file" else demo)
    at_load = station_cells(cfg)
    assert [c.moved_to_water for c in at_load] == [False, True, source == "idealised"]

    write_netcdf_atomic(build_grid(cfg["grid"], bathymetry_in_use(cfg["bathymetry"])), "grid.nc")
    with xr.open_dataset("grid.nc") as grid:
        shape = (1, grid.sizes["y"], grid.sizes["x"])
        fields = {v: (("time", "y", "x"), np.ones(shape)) for v in ("hs", "tp", "wspd", "wdir")}
        member = grid.assign(fields).assign_coords(time=[np.datetime64("2026-09-01", "ns")])
        write_netcdf_atomic(member, "member_000.nc")
    ds = extract_stations([Path("member_000.nc")], cfg["stations"])

    assert ds["cell_y_index"].values.tolist() == [c.iy for c in at_load]
    assert ds["cell_x_index"].values.tolist() == [c.ix for c in at_load]
    assert ds["lat"].values.tolist() == [c.cell_lat for c in at_load]
    assert ds["lon"].values.tolist() == [c.cell_lon for c in at_load]
    assert ds["cell_depth"].values.tolist() == [c.cell_depth for c in at_load]
    assert ds["cell_distance_km"].values.tolist() == [c.distance_km for c in at_load]
    assert ds["moved_to_water"].values.tolist() == [c.moved_to_water for c in at_load]


def test_snakemake_warns_at_load_before_any_job(tmp_path):
    """The real `snakemake -n`: the note once, before the jobs it plans; the run goes on. (A
    dry run logs to stdout: Snakemake's --dry-run sends its log there, a real run to stderr.)"""
    work = make_workdir("small", tmp_path)
    main = work / "config" / "config.yaml"
    offshore = "  - {name: Offshore, lat: 14.5, lon: -59.0}\n"
    quay = "  - {name: Quay, lat: 13.0, lon: -61.8}\n"
    main.write_text(main.read_text().replace(offshore, offshore + quay))
    proc = snakemake(work, "-n", "--cores", "1")
    note = (
        "config: stations[2] 'Quay' (lat 13, lon -61.8) lies on land in the model grid; its "
        "series will come from the nearest water cell, 18.2 km away (lat 12.989, lon -61.632, "
        "depth 1 m); move the station onto water to choose the cell yourself\n"
    )
    output = proc.stdout + proc.stderr
    assert output.count(note) == 1, output
    assert proc.stdout.index(note) < proc.stdout.index("rule build_grid"), output
