"""An idealised basin with no water cell stops the run at config validation, before any job.

Without the check every member ran and summarise_ensemble failed with "hs is NaN everywhere".
Validation builds the land mask build_grid builds (:func:`wavecast.basin.idealised_land`), so
the two agree: a basin validation refuses is all land in grid.nc, one it accepts has water.
"""

from __future__ import annotations

import pytest

from wavecast.config import apply_defaults, load_schema
from wavecast.grid import build_grid

from .common import make_workdir, snakemake
from .demo_config import problems_of

# The demo grid: 200 x 200 cells of 2.5 km, 497.5 km between the outermost cell centres.
STRIP_TOO_WIDE = (
    "config/config.yaml::bathymetry.idealised.coast_width_km: the 600.0 km land strip along the "
    "{side} edge covers the whole grid, 497.5 km from {direction} (first to last cell centre), "
    "so no cell is water; make coast_width_km smaller than 497.5 km, or enlarge the grid "
    "({key}, grid.resolution_km)"
)


def water_cells(cfg: dict) -> int:
    """Water cells of the grid build_grid makes from ``cfg`` (with the schema's defaults)."""
    filled = apply_defaults(load_schema(), cfg)
    grid = build_grid(filled["grid"], filled["bathymetry"])
    return int((grid["land"] == 0).sum())


@pytest.mark.parametrize(
    ("side", "direction", "key"),
    [
        ("west", "west to east", "grid.nx"),
        ("east", "east to west", "grid.nx"),
        ("south", "south to north", "grid.ny"),
        ("north", "north to south", "grid.ny"),
    ],
)
def test_a_land_strip_wider_than_the_grid_is_refused_at_coast_width(demo, side, direction, key):
    ideal = demo["bathymetry"]["idealised"]
    ideal["coast_side"] = side
    ideal["coast_width_km"] = 600.0
    ideal["islands"] = []
    assert problems_of(demo) == [STRIP_TOO_WIDE.format(side=side, direction=direction, key=key)]
    assert water_cells(demo) == 0


def test_the_strip_alone_is_named_even_with_islands(demo):
    """The demo's islands change nothing: narrowing the strip is what makes water."""
    demo["bathymetry"]["idealised"]["coast_width_km"] = 600.0
    assert problems_of(demo) == [
        STRIP_TOO_WIDE.format(side="west", direction="west to east", key="grid.nx")
    ]


@pytest.mark.parametrize(("width", "water"), [(497.5, 200), (497.6, 0)])
def test_validation_and_build_grid_agree_at_the_last_column(demo, width, water):
    """A strip reaching exactly the last cell centres leaves that column water (depth 1 m)."""
    demo["bathymetry"]["idealised"].update(coast_width_km=width, islands=[])
    assert water_cells(demo) == water
    assert bool(problems_of(demo)) is (water == 0)


def test_an_island_that_alone_covers_the_grid_is_named_at_its_radius(demo):
    islands = demo["bathymetry"]["idealised"]["islands"]
    islands[1]["radius_km"] = 900.0
    islands.append({"lat": 14.0, "lon": -60.0, "radius_km": 800})
    assert problems_of(demo) == [
        "config/config.yaml::bathymetry.idealised.islands[1].radius_km: the island (radius "
        "900.0 km) covers every cell the coast leaves as water, so no cell is water; make "
        "radius_km smaller or move the island",
        "config/config.yaml::bathymetry.idealised.islands[2].radius_km: the island (radius "
        "800 km) covers every cell the coast leaves as water, so no cell is water; make "
        "radius_km smaller or move the island",
    ]
    assert water_cells(demo) == 0


def test_islands_that_cover_the_grid_only_together(demo):
    """Two islands of 285 km, each over one half of the grid (250 x 500 km, half-diagonal
    279.5 km): neither alone, both together leave no water."""
    demo["bathymetry"]["idealised"]["islands"] = [
        {"lat": 14.237, "lon": -60.85, "radius_km": 285.0},
        {"lat": 14.237, "lon": -58.552, "radius_km": 285.0},
    ]
    assert problems_of(demo) == [
        "config/config.yaml::bathymetry.idealised.islands: the islands together cover every "
        "cell the coast leaves as water, so no cell is water; make some radius_km smaller, or "
        "remove or move an island"
    ]
    assert water_cells(demo) == 0
    demo["bathymetry"]["idealised"]["islands"][1]["radius_km"] = 270.0
    assert problems_of(demo) == []
    assert water_cells(demo) > 0


def test_the_check_waits_for_valid_keys_and_an_idealised_source(demo, tmp_path):
    """A schema problem in the basin's keys or the grid is reported alone (the mask cannot be
    built from them); a file source ignores the idealised block; a cluster job reloading the
    workflow (deep=False) leaves the check to the Snakemake that submitted it."""
    ideal = demo["bathymetry"]["idealised"]
    ideal["coast_width_km"] = 600.0
    ideal["shelf_depth_m"] = -1.0
    assert [p.split(":")[2] for p in problems_of(demo)] == ["bathymetry.idealised.shelf_depth_m"]
    ideal["shelf_depth_m"] = 60.0
    demo["grid"]["resolution_km"] = "fine"
    assert [p.split(":")[2] for p in problems_of(demo)] == ["grid.resolution_km"]
    demo["grid"]["resolution_km"] = 2.5
    assert problems_of(demo, deep=False) == []
    demo["bathymetry"].update(source="file", file="bathy.nc")
    (problem,) = problems_of(demo, base_dir=tmp_path)
    assert problem.startswith("config/config.yaml::bathymetry.file: bathymetry file 'bathy.nc' ")


def test_snakemake_stops_before_any_job(tmp_path):
    """The real `snakemake`: the dry run fails at workflow load; nothing is planned or run."""
    work = make_workdir("small", tmp_path)
    main = work / "config" / "config.yaml"
    main.write_text(main.read_text().replace("coast_width_km: 40.0", "coast_width_km: 400.0"))
    proc = snakemake(work, "--cores", "1", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (
        "\nconfig/config.yaml::bathymetry.idealised.coast_width_km: the 400.0 km land strip "
        "along the west edge covers the whole grid, 390 km from west to east (first to last "
        "cell centre), so no cell is water; make coast_width_km smaller than 390 km, or enlarge "
        "the grid (grid.nx, grid.resolution_km)\n"
    ) in output, output
    assert "rule build_grid" not in output and "Job stats" not in output
    assert not (work / "results").exists()


def test_a_width_too_large_for_a_float_is_a_problem_not_a_traceback(demo):
    """The schema lets 10**400 by (no maximum): it is reported as too large, and the basin,
    which would take it as infinitely wide, is not judged on it."""
    demo["bathymetry"]["idealised"]["coast_width_km"] = 10**400
    assert problems_of(demo) == [
        "config/config.yaml::bathymetry.idealised.coast_width_km: a number of 401 digits is "
        "beyond the largest the model computes with (1.8e+308); write a number"
    ]


SHELF_NOT_SHALLOWER = (
    "config/config.yaml::bathymetry.idealised.shelf_depth_m: the shelf break ({shelf} m) is not "
    "shallower than the basin floor ({basin} m), so the continental slope would {slope}; make "
    "shelf_depth_m smaller than bathymetry.idealised.basin_depth_m ({basin}), or basin_depth_m "
    "larger"
)


@pytest.mark.parametrize(
    ("shelf", "basin", "slope"),
    [(5000, 3000.0, "rise from the shelf to the basin"), (3000.0, 3000.0, "be flat")],
)
def test_a_shelf_break_no_shallower_than_the_basin_is_refused(demo, shelf, basin, slope):
    """basin.py runs the slope from shelf_depth_m to basin_depth_m: a deeper shelf made a slope
    that rose to the basin, which the config check passed."""
    ideal = demo["bathymetry"]["idealised"]
    ideal.update(shelf_depth_m=shelf, basin_depth_m=basin)
    assert problems_of(demo) == [SHELF_NOT_SHALLOWER.format(shelf=shelf, basin=basin, slope=slope)]
    ideal["shelf_depth_m"] = 2999.0
    assert problems_of(demo) == []


def test_the_default_basin_depth_is_named_when_none_is_written(demo):
    del demo["bathymetry"]["idealised"]["basin_depth_m"]
    demo["bathymetry"]["idealised"]["shelf_depth_m"] = 5000
    assert problems_of(demo, deep=False) == [
        SHELF_NOT_SHALLOWER.format(
            shelf=5000, basin=3000.0, slope="rise from the shelf to the basin"
        )
    ]


def test_the_depth_order_is_checked_beside_another_basin_problem(demo):
    """A bad coast_side does not hide the depths' problem (all problems at once); a bad depth
    is reported alone, and a file source ignores the idealised block."""
    ideal = demo["bathymetry"]["idealised"]
    ideal.update(shelf_depth_m=5000, coast_side="westward")
    assert [p.split(":")[2] for p in problems_of(demo)] == [
        "bathymetry.idealised.coast_side",
        "bathymetry.idealised.shelf_depth_m",
    ]
    ideal.update(coast_side="west", basin_depth_m=-1.0)
    assert [p.split(":")[2] for p in problems_of(demo)] == ["bathymetry.idealised.basin_depth_m"]
    ideal["basin_depth_m"] = 3000.0
    demo["bathymetry"].update(source="file", file="bathy.nc")
    assert problems_of(demo, deep=False) == []


@pytest.mark.parametrize(
    ("key", "slip", "fix"),
    [
        ("shelf_width_km", 80000, "use a value <= 2000"),  # 80 km in metres
        ("slope_width_km", 50000, "use a value <= 1000"),  # 50 km in metres
        ("basin_depth_m", 300000, "use a value <= 11000"),  # 3,000 m in cm
        ("shelf_depth_m", 0.06, "use a value >= 1"),  # 60 m in km
    ],
)
def test_a_basin_length_in_the_wrong_unit_is_refused(demo, key, slip, fix):
    """These passed the check and built a basin that was a 1 m deep shelf across the grid (a
    width in metres), deeper than any sea, or (a depth in km) a 1 m flat shelf."""
    demo["bathymetry"]["idealised"][key] = slip
    (problem,) = problems_of(demo)
    assert problem.startswith(f"config/config.yaml::bathymetry.idealised.{key}: {slip} is not")
    assert problem.endswith(f"); {fix}")


def test_the_schema_bounds_on_depth_are_the_basin_and_file_bounds():
    """shelf_depth_m starts at the depth every water cell gets; basin_depth_m stops where a
    bathymetry file's depth does."""
    from wavecast.basin import MIN_WATER_DEPTH_M
    from wavecast.grid import DEEPEST_SEA_M

    ideal = load_schema()["properties"]["bathymetry"]["properties"]["idealised"]["properties"]
    assert ideal["shelf_depth_m"]["minimum"] == MIN_WATER_DEPTH_M
    assert ideal["basin_depth_m"]["maximum"] == DEEPEST_SEA_M
