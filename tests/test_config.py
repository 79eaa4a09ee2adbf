"""config/config.yaml validation: every problem at once, in `file::path: what; fix` form."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from wavecast.config import (
    DEFAULT_COLORMAP,
    _path_parts,
    apply_defaults,
    bathymetry_in_use,
    load_schema,
    load_workflow_config,
    normalise_numbers,
    science_only,
    unreadable,
    unused_bathymetry_note,
    validate,
    validate_file,
)
from wavecast.errors import ValidationError, dotted
from wavecast.geo import Footprint

from .common import make_workdir, snakemake
from .demo_config import DEMO, demo_config, problems_of

REPO = Path(__file__).resolve().parents[1]


def test_the_demo_config_is_valid_and_complete():
    cfg = validate_file(DEMO)
    assert cfg["ensemble"]["members"] == 8
    assert cfg["grid"]["nx"] == cfg["grid"]["ny"] == 200


def test_every_schema_property_has_description_and_default():
    """Every key has a default, except the keys an entry of a list must give (a station's
    lat/lon/name, a track fix's time/lat/lon, an island's lat/lon/radius_km): a default there
    would place a fix whose lon was forgotten at 0°E without a word."""

    def walk(node, path, item=False):
        for key, sub in node.get("properties", {}).items():
            where = f"{path}.{key}" if path else key
            assert sub.get("description"), f"{where} has no description"
            if item and key in node.get("required", []):
                assert "default" not in sub, f"{where} is required and has a default"
            else:
                assert "default" in sub, f"{where} has no default"
            assert "pattern" not in sub or sub.get("x-pattern-fix"), f"{where}: a fix in words"
            walk(sub, where)
            if isinstance(sub.get("items"), dict):
                walk(sub["items"], where + "[]", item=True)

    walk(load_schema(), "")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '{time: "2026-09-01T00:00:00", lat: 12.4, lon: -57.8}',
            '{time: "2026-09-01T00:00:00", lat: 12.4}',
            "cyclone.track[0].lon: missing required key; add it (Centre longitude (degrees east).)",
        ),
        (
            '{time: "2026-09-01T00:00:00", lat: 12.4, lon: -57.8}',
            "{lat: 12.4, lon: -57.8}",
            "cyclone.track[0].time: missing required key; add it (Time of the fix (ISO 8601, "
            "UTC).)",
        ),
        (
            "{name: Harbour, lat: 13.1, lon: -61.3}",
            "{name: Harbour, lat: 13.1}",
            "stations[0].lon: missing required key; add it (Station longitude (degrees east).)",
        ),
        (
            "{lat: 13.6, lon: -60.9, radius_km: 18.0}",
            "{lat: 13.6, lon: -60.9}",
            "bathymetry.idealised.islands[0].radius_km: missing required key; add it (Island "
            "radius (km).)",
        ),
    ],
)
def test_a_list_entry_missing_a_position_is_an_error_not_0_degrees(old, new, expected):
    """A track fix, station or island written without one of its keys is reported alone; it
    used to get lon 0.0 (a storm starting at 0°E, a station 'outside the grid')."""
    text = DEMO.read_text()
    assert old in text
    with pytest.raises(ValidationError) as err:
        validate(yaml.safe_load(text.replace(old, new, 1)), "config/config.yaml")
    assert err.value.report() == f"config/config.yaml::{expected}"


def test_defaults_fill_missing_keys(demo):
    del demo["model"]
    del demo["plotting"]["cmap"]
    cfg = validate(demo)
    assert cfg["model"] == {
        "boundary_fetch_km": 300.0,
        "duration_limit_hours": 12.0,
        "min_wind_ms": 0.5,
    }
    assert cfg["plotting"]["cmap"] == "viridis"


def test_build_grid_is_given_only_the_bathymetry_its_source_reads(demo):
    idealised = validate(demo)["bathymetry"]
    # the demo's slice is given as it is: runs made before this existed do not rerun
    assert bathymetry_in_use(idealised) == idealised
    assert unused_bathymetry_note(idealised) is None

    demo["bathymetry"]["file"] = "gebco.nc"
    idealised_with_file = validate(demo)["bathymetry"]
    assert bathymetry_in_use(idealised_with_file) == idealised
    assert unused_bathymetry_note(idealised_with_file) == (
        "bathymetry.file is set but not used while bathymetry.source is 'idealised' "
        "(set source: file to use it); changing it reruns only archive_run and report_metrics"
    )

    # with a file, the idealised block is left out: editing the fallback basin reruns nothing
    demo["bathymetry"]["source"] = "file"
    from_file = demo["bathymetry"]
    assert bathymetry_in_use(from_file) == {
        "source": "file",
        "file": "gebco.nc",
        "file_stamp": None,
    }
    assert unused_bathymetry_note(from_file) is None


def test_build_grid_is_given_the_bathymetry_files_size_and_time(demo, tmp_path):
    """A replaced file with an older time than the grid must still rerun it: Snakemake's own
    trigger is an input newer than the output, so the file's size and time are a param."""
    bathy = tmp_path / "gebco.nc"
    bathy.write_bytes(b"x" * 10)
    os.utime(bathy, ns=(0, 1_700_000_000_123_456_789))
    demo["bathymetry"].update(source="file", file=str(bathy))
    assert bathymetry_in_use(demo["bathymetry"])["file_stamp"] == {
        "size": 10,
        "mtime_ns": 1_700_000_000_123_456_789,
    }


def test_all_errors_at_once_with_exact_text(demo):
    bad = copy.deepcopy(demo)
    bad["ensemble"]["membres"] = 3
    bad["cyclone"]["rmax_km"] = -1
    bad["grid"]["nx"] = "big"
    bad["bathymetry"]["source"] = "fiel"
    assert problems_of(bad) == [
        "config/config.yaml::bathymetry.source: 'fiel' is not valid ('idealised' builds a basin "
        "from the settings below; 'file' reads `file`); choose one of: idealised, file",
        "config/config.yaml::cyclone.rmax_km: -1 is not valid (Radius of maximum winds (km)); "
        "use a value > 0",
        "config/config.yaml::ensemble.membres: unknown key; did you mean 'members'?",
        "config/config.yaml::grid.nx: 'big' is not valid (Number of grid cells from west to "
        "east); expected a whole number",
    ]


def test_checks_across_keys_run_beside_schema_errors_in_other_sections(demo):
    """One pass: a station outside the grid and an unknown colour map are reported with an
    unknown key elsewhere; checks that read an invalid section are left out (a station
    cannot be judged against a grid whose size is 'big'), the rest of that section's still run."""
    bad = copy.deepcopy(demo)
    bad["ensemble"]["membres"] = 3
    bad["stations"][0]["lat"] = 40.0
    bad["plotting"]["cmap"] = "viridus"
    assert problems_of(bad) == [
        "config/config.yaml::ensemble.membres: unknown key; did you mean 'members'?",
        "config/config.yaml::plotting.cmap: 'viridus' is not a Matplotlib colour map; did you "
        "mean 'viridis'?",
        f"config/config.yaml::stations[0]: station '{bad['stations'][0]['name']}' at (40.0, "
        f"{bad['stations'][0]['lon']}) is outside the grid (lat 11.99..16.49, lon "
        "-62.01..-57.41); move the station or enlarge the grid",
    ]
    bad["grid"]["nx"] = "big"
    bad["stations"].append(dict(bad["stations"][1]))
    problems = problems_of(bad)
    assert not any("outside the grid" in p for p in problems)
    assert any("stations[" in p and "is used twice" in p for p in problems)


def test_unknown_top_level_key_lists_suggestion(demo):
    demo["stations_list"] = []
    assert problems_of(demo) == [
        "config/config.yaml::stations_list: unknown key; did you mean 'stations'?"
    ]


def test_a_key_in_other_letter_case_is_suggested_in_its_own(demo):
    """Keys are lower case; RMAX_KM is too unlike rmax_km for a spelling match, and got the
    whole list of allowed keys instead of the one meant."""
    demo["cyclone"]["RMAX_KM"] = demo["cyclone"].pop("rmax_km")
    assert problems_of(demo) == [
        "config/config.yaml::cyclone.RMAX_KM: unknown key; did you mean 'rmax_km'?"
    ]


def test_negative_rmax_is_refused(demo):
    demo["cyclone"]["rmax_km"] = -30
    assert problems_of(demo)[0].startswith("config/config.yaml::cyclone.rmax_km: -30 is not valid")


def test_track_outside_the_grid(demo):
    for fix in demo["cyclone"]["track"]:
        fix["lat"] = 40.0
    assert problems_of(demo) == [
        "config/config.yaml::cyclone.track: the cyclone centre never enters the grid "
        "(lat 11.99..16.49, lon -62.01..-57.41) during the run; check the track's lat/lon, "
        "or move grid.origin"
    ]


def test_track_must_cover_the_run(demo):
    demo["cyclone"]["hours"] = 200
    (msg,) = problems_of(demo)
    assert msg.startswith("config/config.yaml::cyclone.track: the track covers 2026-09-01")
    assert msg.endswith("add fixes, or change cyclone.start / cyclone.hours")


def test_missing_bathymetry_file(demo, tmp_path):
    demo["bathymetry"] = {"source": "file", "file": "data/nowhere.nc"}
    assert problems_of(demo, base_dir=tmp_path) == [
        "config/config.yaml::bathymetry.file: bathymetry file 'data/nowhere.nc' does not "
        f"exist (looked in {tmp_path}); check the path; relative paths start where snakemake runs"
    ]


def test_a_colour_map_matplotlib_does_not_have_is_caught_before_any_job(demo):
    demo["plotting"]["cmap"] = "virdis"
    assert problems_of(demo) == [
        "config/config.yaml::plotting.cmap: 'virdis' is not a Matplotlib colour map; did you "
        "mean 'viridis'?"
    ]
    demo["plotting"]["cmap"] = "Blues_r"
    assert problems_of(demo) == []


def test_the_default_colour_map_is_the_schemas_and_a_real_one():
    """validate() skips the matplotlib import for the default (the demo config imports no
    matplotlib: test_the_checks_that_load_libraries_run_only_where_the_run_started), so the
    default must be the schema's and one of Matplotlib's."""
    import matplotlib

    schema = load_schema()
    assert schema["properties"]["plotting"]["properties"]["cmap"]["default"] == DEFAULT_COLORMAP
    assert DEFAULT_COLORMAP in matplotlib.colormaps


def test_the_checks_that_load_libraries_run_only_where_the_run_started(demo, tmp_path):
    """A cluster job reloads the workflow (deep=False): the bathymetry file and the colour map
    were checked by the Snakemake that submitted it. Neither matplotlib nor xarray is imported
    for the demo config."""
    demo["plotting"]["cmap"] = "virdis"
    demo["bathymetry"] = {"source": "file", "file": "bathy.nc"}
    (tmp_path / "bathy.nc").write_text("not NetCDF")
    assert len(problems_of(demo, base_dir=tmp_path)) == 2
    assert problems_of(demo, base_dir=tmp_path, deep=False) == []
    code = (
        "import sys; from wavecast.config import validate_file; "
        f"validate_file({str(REPO / 'config' / 'config.yaml')!r}); "
        "print(sorted(m for m in ('matplotlib', 'xarray', 'netCDF4') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_station_outside_grid_and_duplicate_names(demo):
    demo["stations"].append({"name": "Far", "lat": 40.0, "lon": 0.0})
    demo["stations"].append({"name": "Harbour", "lat": 13.0, "lon": -61.0})
    assert problems_of(demo) == [
        "config/config.yaml::stations[3]: station 'Far' at (40.0, 0.0) is outside the grid "
        "(lat 11.99..16.49, lon -62.01..-57.41); move the station or enlarge the grid",
        "config/config.yaml::stations[4].name: station name 'Harbour' is used twice; give each "
        "station its own name",
    ]


def test_island_centres_may_lie_anywhere_in_the_grid_cells(demo):
    """Grid points are cell centres (origin = centre of the south-west cell): the cells reach
    half a cell (1.25 km, 0.0112 degrees here) beyond the outermost points on every side."""
    islands = demo["bathymetry"]["idealised"]["islands"]
    islands[0].update(lat=11.990, lon=-62.010)  # 1.1 km south and west of the origin
    islands[1].update(lat=16.484, lon=-57.415)  # 1.1 km north, 1.2 km east of the NE point
    validate(demo)
    islands[0].update(lat=11.987)  # 1.45 km south of the origin
    islands[1].update(lon=-57.413)  # 1.41 km east of the last column
    assert problems_of(demo) == [
        f"config/config.yaml::bathymetry.idealised.islands[{i}]: centre {place} is outside the "
        "grid (lat 11.99..16.49, lon -62.01..-57.41); move the island or enlarge the grid"
        for i, place in enumerate(["(11.987, -62.01)", "(16.484, -57.413)"])
    ]


def test_unquoted_timestamps_are_accepted(demo):
    import datetime as dt

    demo["cyclone"]["start"] = dt.datetime(2026, 9, 1)
    assert validate(demo)["cyclone"]["start"] == "2026-09-01T00:00:00"


def test_times_outside_the_calendar_are_problems_not_tracebacks(demo):
    """Year 1 with an offset is in year 0 in UTC, and a run may end after 9999: both raised
    OverflowError out of the validator (config check and the workflow printed a traceback)."""
    early = yaml.safe_load("t: 0001-01-01T00:00:00+05:00")["t"]  # unquoted: a datetime
    demo["cyclone"]["start"] = early
    demo["cyclone"]["track"][1]["time"] = "0001-01-01T02:00:00+05:00"
    assert problems_of(demo) == [
        "config/config.yaml::cyclone.start: '0001-01-01T00:00:00+05:00' is not an ISO 8601 time "
        "in the years 1 to 9999 (UTC); write it like 2026-09-01T00:00:00",
        "config/config.yaml::cyclone.track[1].time: '0001-01-01T02:00:00+05:00' is not an ISO "
        "8601 time in the years 1 to 9999 (UTC); write it like 2026-09-01T00:00:00",
    ]
    demo["cyclone"]["start"] = "9999-12-31T00:00:00"
    for i, fix in enumerate(demo["cyclone"]["track"]):
        fix["time"] = f"9999-12-31T0{i}:00:00"
    assert problems_of(demo) == [
        "config/config.yaml::cyclone.hours: a run of 72 h from 9999-12-31 00:00:00 would end "
        "after the year 9999; start earlier (cyclone.start) or shorten the run"
    ]


def test_time_offsets_become_utc_in_validation_and_forcing(demo):
    """An offset is converted, never dropped: config checks and forcing see the same UTC time."""
    from wavecast.cyclone import parse_time

    aware = yaml.safe_load("t: 2026-09-01T02:00:00+02:00")["t"]  # YAML gives an aware datetime
    demo["cyclone"]["start"] = aware
    demo["cyclone"]["track"][0]["time"] = "2026-09-01T03:00:00+03:00"
    cfg = validate(demo)
    assert cfg["cyclone"]["start"] == "2026-09-01T00:00:00"
    assert parse_time(aware) == parse_time(cfg["cyclone"]["start"])
    assert parse_time(cfg["cyclone"]["track"][0]["time"]) == parse_time("2026-09-01T00:00:00")
    demo["cyclone"]["start"] = "2026-09-01T00:00:00-01:00"  # 01:00 UTC
    demo["cyclone"]["track"][0]["time"] = "2026-09-01T01:30:00Z"  # starts after the run
    (msg,) = problems_of(demo)
    assert msg.startswith(
        "config/config.yaml::cyclone.track: the track covers 2026-09-01 01:30:00 to "
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


#: A YAML 1.1 boolean where the schema has choices: the choices, not "quote it".
COAST_NO = (
    "bathymetry.idealised.coast_side: 'no' is read as a boolean by YAML 1.1 parsers "
    "(Snakemake's among them); choose one of: west, east, north, south"
)


def test_yaml_traps_duplicates_and_schema_errors_reported_together(tmp_path, monkeypatch):
    text = DEMO.read_text()
    text = text.replace("coast_side: west", "coast_side: no")
    text = text.replace("scenario: tc-demo", "scenario: tc-demo\nscenario: other")
    text = text.replace("  members: 8", "  membres: 8")
    path = write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    config = yaml.safe_load(text)
    with pytest.raises(ValidationError) as info:
        load_workflow_config(config, [str(path)])
    assert [str(p) for p in info.value.problems] == [
        "config.yaml::scenario: duplicate key (first at line 5, again at line 6); keep one of "
        "them; YAML would silently use the last",
        f"config.yaml::{COAST_NO}",
        "config.yaml::ensemble.membres: unknown key; did you mean 'members'?",
    ]


def test_a_boolean_word_where_a_number_goes_says_what_to_write(tmp_path):
    """`seed: on` is True to Snakemake; "quote it" would still be wrong for a number."""
    text = DEMO.read_text().replace("  seed: 20261121", "  seed: on")
    path = write(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(text), [str(path)])
    assert [str(p).partition("::")[2] for p in info.value.problems] == [
        "ensemble.seed: 'on' is read as a boolean by YAML 1.1 parsers (Snakemake's among "
        "them); expected a whole number"
    ]


def test_yaml11_key_is_caught(tmp_path):
    """Snakemake's parse turns the key into True, which the schema calls unknown: the
    problem is the key as written, reported once."""
    path = write(
        tmp_path, DEMO.read_text().replace("  rmax_km:", "  off: 1\n  rmax_km:") + "on: 3\n"
    )
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(path.read_text()), [str(path)])
    assert [str(p).partition("::")[2] for p in info.value.problems] == [
        "cyclone.off: the key 'off' is read as a boolean by YAML 1.1 parsers; quote it: \"off\"",
        "on: the key 'on' is read as a boolean by YAML 1.1 parsers; quote it: \"on\"",
    ]


def test_numbers_yaml11_reads_in_another_base_are_caught(tmp_path):
    """Snakemake's parser reads `members: 010` as 8 and `hours: 1:12` as 72 (minutes), both
    valid: without this the run would silently use them. Hex is a notation, not a trap."""
    text = DEMO.read_text().replace("  members: 8", "  members: 010")
    text = text.replace("  hours: 72", "  hours: 1:12").replace("dpi: 150", "dpi: 0x96")
    path = write(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(text), [str(path)])
    assert [str(p).partition("::")[2] for p in info.value.problems] == [
        "cyclone.hours: '1:12' is read as 72 by YAML 1.1 parsers (base 60, like a clock time); "
        'write the number, or quote it ("1:12") for text',
        "ensemble.members: '010' is read as 8 by YAML 1.1 parsers (octal, for its leading "
        'zero); write 10, or quote it ("010") for text',
    ]


@pytest.mark.parametrize("text", ["0:30", "00:30", "-0:30", "!!str 010", '"010"', "0x10", "0"])
def test_what_yaml11_reads_as_written_is_no_trap(text):
    """`0:30` is text to YAML 1.1 (base 60 needs a leading 1-9); a tag or quotes say text."""
    from wavecast.yamlstrict import load_text

    assert load_text(f"a: {text}\n", "f.yaml")[1] == []


def test_a_yaml_trap_does_not_hide_the_files_other_mistakes(tmp_path):
    """validate_file (``wavecast``'s path): the text's traps and the values' mistakes at once."""
    text = DEMO.read_text().replace("coast_side: west", "coast_side: no")
    path = write(tmp_path, text.replace("  members: 8", "  members: 0"))
    with pytest.raises(ValidationError) as info:
        validate_file(path)
    assert [p.path for p in info.value.problems] == [
        "bathymetry.idealised.coast_side",
        "ensemble.members",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "container_image: docker://x/y:1",
            "::container_image: a deployment setting in the science config; set container.image "
            "in config/backends/<env>.yaml and run `wavecast profiles build`",
        ),
        (
            "wavecast_env: production",
            "::wavecast_env: a deployment setting in the science config; the profile of each "
            "environment sets it; run with --profile profiles/<env>",
        ),
    ],
)
def test_deployment_key_is_not_science(tmp_path, line, message):
    path = write(tmp_path, DEMO.read_text() + line + "\n")
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(path.read_text()), [str(path)])
    assert str(info.value.problems[0]).endswith(message)


def test_deployment_key_from_profile_is_split_off():
    config = demo_config()
    config["container_image"] = "docker://example/wavecast:9"
    science, deployment = load_workflow_config(config, [str(DEMO)])
    assert deployment == {"container_image": "docker://example/wavecast:9"}
    assert "container_image" not in science


# --- several config files: each problem names the file that set the key ---------------------


def snakemake_config(*files: Path, command_line: dict | None = None) -> dict:
    """The config Snakemake builds: files merged in order, then ``--config`` on top."""
    config: dict = {}
    for path in files:
        update_config(config, yaml.safe_load(path.read_text()))
    update_config(config, command_line or {})
    return config


def problems_of_files(config: dict, files: list) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_workflow_config(config, files)
    return [str(p) for p in info.value.problems]


@pytest.fixture()
def two_files(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """config.yaml (the demo, one unknown key) and extra.yaml overriding rmax_km badly."""
    monkeypatch.chdir(tmp_path)
    main = tmp_path / "config.yaml"
    main.write_text(DEMO.read_text().replace("  members: 8", "  membres: 8"))
    extra = tmp_path / "extra.yaml"
    extra.write_text("cyclone:\n  rmax_km: -5.0\nstations:\n  - {name: Quay, lat: 13, lon: 0}\n")
    return main, extra


RMAX = "cyclone.rmax_km: -5.0 is not valid (Radius of maximum winds (km)); use a value > 0"
MEMBRES = "ensemble.membres: unknown key; did you mean 'members'?"
QUAY = (
    "stations[0]: station 'Quay' at (13, 0) is outside the grid (lat 11.99..16.49, "
    "lon -62.01..-57.41); move the station or enlarge the grid"
)


def test_each_problem_names_the_file_that_set_the_key(two_files):
    main, extra = two_files
    config = snakemake_config(main, extra)
    assert problems_of_files(config, [str(main), str(extra)]) == [
        f"config.yaml::{MEMBRES}",
        f"extra.yaml::{RMAX}",
        f"extra.yaml::{QUAY}",
    ]


def test_the_last_file_that_sets_a_key_is_named(two_files):
    main, extra = two_files
    main.write_text(DEMO.read_text().replace("rmax_km: 30.0", "rmax_km: -5.0"))
    extra.write_text("cyclone:\n  rmax_km: -5.0\n")
    assert problems_of_files(snakemake_config(main, extra), [str(main), str(extra)]) == [
        f"extra.yaml::{RMAX}"
    ]


def test_a_problem_after_all_schema_checks_names_its_file(two_files):
    """Cross-key checks (here a station off the grid) are labelled the same way."""
    main, extra = two_files
    main.write_text(DEMO.read_text())
    extra.write_text("stations:\n  - {name: Quay, lat: 13, lon: 0}\n")
    assert problems_of_files(snakemake_config(main, extra), [str(main), str(extra)]) == [
        "extra.yaml::stations[0]: station 'Quay' at (13, 0) is outside the grid (lat "
        "11.99..16.49, lon -62.01..-57.41); move the station or enlarge the grid"
    ]


def test_a_key_written_with_a_dot_is_quoted_and_names_its_file(two_files):
    """`grid.nx: 300` in extra.yaml is one key named 'grid.nx', not grid -> nx: the problem
    must not point at config.yaml's valid grid.nx (it did, "did you mean 'grid'?")."""
    main, extra = two_files
    main.write_text(DEMO.read_text())
    extra.write_text("grid.nx: 300\ncyclone:\n  holland.b: 1.5\n")
    assert problems_of_files(snakemake_config(main, extra), [str(main), str(extra)]) == [
        "extra.yaml::'grid.nx': unknown key; write it nested: grid: {nx: ...} (YAML does not "
        "split keys at dots)",
        "extra.yaml::cyclone.'holland.b': unknown key; did you mean 'holland_b'?",
    ]


@pytest.mark.parametrize(
    "parts",
    [["stations", 2, "name"], ["grid.nx"], ["cyclone", "a.b", "c"], ["x", "it's"], [""], ["b[1]"]],
)
def test_config_locations_read_back_into_their_keys(parts):
    """The file labels come from parsing a problem's location back into keys."""
    assert _path_parts(dotted(parts)) == parts


def test_a_value_given_with_snakemake_config_is_labelled_config(two_files):
    main, extra = two_files
    main.write_text(DEMO.read_text())
    extra.write_text("plotting: {dpi: 300}\n")
    # snakemake --config 'ensemble={seed: -1}' 'scenario=bad/name' (keys also in config.yaml),
    # 'extra_key=1' (a key in no file)
    command_line = {"ensemble": {"seed": -1}, "scenario": "bad/name", "extra_key": 1}
    config = snakemake_config(main, extra, command_line=command_line)
    found = problems_of_files(config, [str(main), str(extra)])
    assert [p.split(" (")[0].split(";")[0] for p in found] == [
        "--config::ensemble.seed: -1 is not valid",
        "--config::extra_key: unknown key",
        "--config::scenario: 'bad/name' is not valid",
    ]


def test_a_number_nested_in_snakemake_config_is_text_and_the_fix_says_so(two_files):
    """Snakemake parses `--config` values inside {...} and [...] with YAML's base loader: all
    text. `'4'` then fails a number's type; the fix names the cause and --configfile."""
    from snakemake.cli import parse_config

    main, extra = two_files
    main.write_text(DEMO.read_text())
    extra.write_text("plotting: {dpi: 300}\n")
    command_line = parse_config(["ensemble={members: 4}", "stations=[{name: A, lon: 1, lat: x}]"])
    config = snakemake_config(main, extra, command_line=command_line)
    found = problems_of_files(config, [str(main), str(extra)])
    text = "Snakemake's --config reads values inside {...} and [...] as text"
    assert [p.split(" (")[0] for p in found] == [
        "--config::ensemble.members: '4' is not valid",
        "--config::stations[0].lat: 'x' is not valid",
        "--config::stations[0].lon: '1' is not valid",
    ]
    assert all(text in p and p.endswith("--configfile FILE") for p in found)
    # nobody wrote quotes there: no advice to remove them
    assert not any("without quotes" in p for p in found)
    # the same text in a file is the file's mistake: no such note, but to remove the quotes
    extra.write_text("ensemble: {members: '4'}\n")
    found = problems_of_files(snakemake_config(main, extra), [str(main), str(extra)])
    assert found and not any(text in p for p in found)
    assert found[0].endswith("expected a whole number; write 4 without quotes")


def test_files_in_snakemakes_order(two_files):
    """`snakemake --configfile config.yaml extra.yaml` lists the command-line files (absolute
    paths), then the Snakefile's `configfile:` again; that one is read first and the command-line
    files override it. Values decide, so the list's order does not mislabel, and a file read
    twice has its YAML traps reported once."""
    main, extra = two_files
    main.write_text(DEMO.read_text().replace("coast_side: west", "coast_side: no"))
    config = snakemake_config(main, extra)
    files = [main.absolute(), extra.absolute(), "config.yaml"]
    assert problems_of_files(config, files) == [
        f"config.yaml::{COAST_NO}",
        f"extra.yaml::{RMAX}",
        f"extra.yaml::{QUAY}",
    ]
    # `snakemake --configfile extra.yaml`: extra.yaml first in the list, but it wins
    main.write_text(DEMO.read_text())
    assert problems_of_files(snakemake_config(main, extra), [extra.absolute(), "config.yaml"]) == [
        f"extra.yaml::{RMAX}",
        f"extra.yaml::{QUAY}",
    ]


@pytest.mark.parametrize("given", [["extra.yaml"], ["config/config.yaml", "extra.yaml"]])
def test_snakemake_configfile_problems_name_their_files(tmp_path, given):
    """The real `snakemake --configfile ...`: each problem names the file it is in."""
    work = make_workdir("small", tmp_path)
    main = work / "config" / "config.yaml"
    main.write_text(main.read_text().replace("  members: 2", "  membres: 2"))
    (work / "extra.yaml").write_text("cyclone:\n  rmax_km: -5.0\n")
    files = [str(work / name) for name in given]
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", *files, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    # grouped by file, in the order Snakemake layers them: config/config.yaml first
    assert f"\nconfig/config.yaml::{MEMBRES}\nextra.yaml::{RMAX}\n" in output


def test_grid_bounds_match_resolution():
    lat0, lat1, lon0, lon1 = Footprint.from_config(
        {"origin": {"lat": 0.0, "lon": 0.0}, "nx": 100, "ny": 100, "resolution_km": 1.0}
    ).bounds()
    # 100 km north at the equator is 100/111.195 degrees
    assert lat1 - lat0 == pytest.approx(0.899321606, rel=1e-9)
    assert lon1 - lon0 == pytest.approx(0.899321606, rel=1e-9)


def test_apply_defaults_does_not_touch_lists_of_scalars():
    schema = {"type": "object", "properties": {"a": {"type": "array", "default": [1]}}}
    assert apply_defaults(schema, {}) == {"a": [1]}
    assert apply_defaults(schema, {"a": [2, 3]}) == {"a": [2, 3]}


# --- a file YAML cannot read: its line, column and a likely fix -------------------------------

INDENT = "config/config.yaml::line 10: not valid YAML: mapping values are not allowed here "


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  nx: 200",
            "  nx: 200\n   ny2: 3",
            INDENT + "(column 7); check this line's indentation against the lines above (keys "
            "of one block start in the same column) and the space after ':' on the line above; "
            "quote a value that contains ': '",
        ),
        (
            "  members: 8",
            "  members:8",
            INDENT.replace("line 10", "line 43") + "(column 7); check this line's indentation "
            "against the lines above (keys of one block start in the same column) and the space "
            "after ':' on the line above; quote a value that contains ': '",
        ),
        (
            "  nx: 200\n",
            "  nx:200\n",
            "config/config.yaml::line 9: not valid YAML: could not find expected ':' (column 3; "
            "noticed at line 10); write each setting as 'key: value', with a space after the "
            "colon",
        ),
        (
            "  rmax_km: 30.0",
            "  rmax_km 30.0",
            "config/config.yaml::line 34: not valid YAML: could not find expected ':' (column 3; "
            "noticed at line 35); write each setting as 'key: value', with a space after the "
            "colon",
        ),
        (
            "{lat: 12.0, lon: -62.0}",
            "{lat: 12.0, lon: -62.0",
            "config/config.yaml::line 9: not valid YAML: expected ',' or '}', but got '<scalar>' "
            "(column 3; while parsing a flow mapping from line 8); close the { } with a comma "
            "between its items",
        ),
        (
            "hs_max_m: null",
            'hs_max_m: "3',
            "config/config.yaml::line 65: not valid YAML: found unexpected end of stream "
            "(column 1; while scanning a quoted scalar from line 64); close the quote",
        ),
        # libyaml (the fast first look) takes these tabs; Snakemake's loader does not
        (
            "  nx: 200",
            "  nx:\t200",
            "config/config.yaml::line 9: not valid YAML: found character '\\t' that cannot start "
            "any token (column 6; while scanning for the next token); replace the tab with a "
            "space (YAML allows tabs only in quotes)",
        ),
        (
            "  nx: 200",
            "  nx: 200\t# cells",
            "config/config.yaml::line 9: not valid YAML: found character '\\t' that cannot start "
            "any token (column 10; while scanning for the next token); replace the tab with a "
            "space (YAML allows tabs only in quotes)",
        ),
        # tags and list keys fail as values are built, after the syntax is read: a traceback
        (
            "  members: 8",
            "  members: !!python/int 8",
            "config/config.yaml::line 42: not valid YAML: could not determine a constructor for "
            "the tag 'tag:yaml.org,2002:python/int' (column 12); remove the tag: settings are "
            "plain YAML values (no !include, no !!python/...)",
        ),
        (
            "scenario: tc-demo",
            "scenario: tc-demo\n? [a, b]\n: c",
            "config/config.yaml::line 6: not valid YAML: found unhashable key (column 3; while "
            "constructing a mapping from line 5); write the key as plain text, not a list or a "
            "mapping",
        ),
    ],
)
def test_a_syntax_error_names_its_line_column_and_a_fix(tmp_path, monkeypatch, old, new, expected):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(DEMO.read_text().replace(old, new, 1))
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in unreadable()] == [expected]


def test_only_a_file_that_cannot_be_read_stops_before_snakemake_reads_it(tmp_path):
    """unreadable() leaves the traps in a readable file to the full check, which reports them
    beside the values' problems; a missing file is Snakemake's to report."""
    assert unreadable(DEMO) == []
    assert unreadable(tmp_path / "absent.yaml") == []
    trap = write(tmp_path, DEMO.read_text().replace("coast_side: west", "coast_side: no"))
    assert unreadable(trap) == []
    listed = write(tmp_path, "- a\n- b\n")
    assert [p.message for p in unreadable(listed)] == ["the file is a list, not a mapping"]
    tabbed = write(tmp_path, "grid:\n\tnx: 3\n")
    assert [str(p) for p in unreadable(tabbed)] == [
        f"{tabbed}::line 2: a tab is used for indentation; YAML allows spaces only; "
        "replace the tab with spaces"
    ]


def test_real_snakemake_names_the_line_of_a_config_yaml_it_cannot_read(tmp_path):
    """Without the Snakefile's check, Snakemake's own loader says only "Config file is not
    valid JSON or YAML"."""
    work = make_workdir("small", tmp_path)
    main = work / "config" / "config.yaml"
    main.write_text(main.read_text().replace("  nx: 40", "  nx: 40\n   ny2: 3", 1))
    proc = snakemake(work, "-n", "--cores", "1", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "the configuration is invalid (1 problem(s)); nothing was run:\n" in output
    assert "config/config.yaml::line 6: not valid YAML: mapping values are not allowed" in output
    assert "not valid JSON or YAML" not in output
    assert not (work / "results").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  nx: 40", "  nx:\t40", "line 5: not valid YAML: found character '\\t'"),
        ("  nx: 40", "  nx: !include nx.yaml", "line 5: not valid YAML: could not determine a "),
    ],
    ids=["tab-after-colon", "tag"],
)
def test_real_snakemake_names_the_line_of_a_tab_or_a_tag(tmp_path, old, new, expected):
    """A tab after ':' passed the fast first look and got Snakemake's "not valid JSON or YAML";
    a tag got a ConstructorError traceback."""
    work = make_workdir("small", tmp_path)
    main = work / "config" / "config.yaml"
    main.write_text(main.read_text().replace(old, new, 1))
    proc = snakemake(work, "-n", "--cores", "1", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "the configuration is invalid (1 problem(s)); nothing was run:\n" in output
    assert f"config/config.yaml::{expected}" in output
    assert "not valid JSON or YAML" not in output and "Traceback" not in output
    assert not (work / "results").exists()


def test_each_number_takes_the_spelling_of_its_schema_type(demo):
    """Integer-typed keys become int, number-typed keys float, in lists too; booleans, nulls and
    text stay as they are (params are compared as written: see test_pipeline)."""
    demo["grid"].update(nx=200.0, resolution_km=3)
    demo["cyclone"]["track"][0].update(lat=12, lon=-58)
    demo["cyclone"]["pressure_deficit_hpa"] = 60
    demo["model"]["duration_limit_hours"] = None
    out = validate(demo)
    assert (out["grid"]["nx"], out["grid"]["resolution_km"]) == (200, 3.0)
    assert type(out["grid"]["nx"]) is int and type(out["grid"]["resolution_km"]) is float
    assert [type(out["cyclone"]["track"][0][k]) for k in ("lat", "lon")] == [float, float]
    assert type(out["cyclone"]["pressure_deficit_hpa"]) is float
    assert out["model"]["duration_limit_hours"] is None
    assert type(out["ensemble"]["members"]) is int
    schema = {"type": "object", "properties": {"on": {"type": "number"}, "n": {"type": "integer"}}}
    assert normalise_numbers(schema, {"on": True, "n": 2.5, "x": 1}) == {
        "on": True,
        "n": 2.5,
        "x": 1,
    }


def test_numbers_yaml_11_reads_as_text_are_explained(tmp_path):
    """``3e1`` is 30 to a reader and text to Snakemake's YAML 1.1 (a float needs a dot and a
    signed exponent); a boolean word at a key without choices is told to quote it."""
    text = DEMO.read_text().replace("  rmax_km: 30.0", "  rmax_km: 3e1")
    text = text.replace("  nx: 200", "  nx: 2e2").replace("scenario: tc-demo", "scenario: no")
    path = write(tmp_path, text.replace("resolution_km: 2.5 ", "resolution_km: 2.5E0 "))
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(path.read_text()), [str(path)])
    assert [str(p).partition("::")[2] for p in info.value.problems] == [
        "scenario: 'no' is read as a boolean by YAML 1.1 parsers (Snakemake's among them); "
        'write true/false for a switch, or quote it ("no") for a string',
        "cyclone.rmax_km: '3e1' is not valid (Radius of maximum winds (km)); expected a number; "
        "Snakemake's YAML reads 3e1 as text, not a number: write 30.0 or 3.0e+1 (a dot and a "
        "signed exponent)",
        "grid.nx: '2e2' is not valid (Number of grid cells from west to east); expected a whole "
        "number; Snakemake's YAML reads 2e2 as text, not a number: write 200",
        "grid.resolution_km: '2.5E0' is not valid (Grid spacing (km), the same in x and y); "
        "expected a number; Snakemake's YAML reads 2.5E0 as text, not a number: write 2.5 or "
        "2.5e+0 (a dot and a signed exponent)",
    ]


def test_a_bad_list_item_does_not_hide_the_checks_of_the_other_items(demo):
    """A schema error in one station or island skips the checks across keys for that item
    only: the other items are still judged against the grid and each other."""
    demo["stations"][0]["lat"] = 200
    demo["stations"][1]["lat"] = 50
    demo["stations"][2]["name"] = demo["stations"][1]["name"]
    demo["stations"].append({"name": "Harbour", "lat": 13.1, "lon": "west"})
    demo["bathymetry"]["idealised"]["islands"][0]["radius_km"] = -3
    demo["bathymetry"]["idealised"]["islands"][1]["lat"] = 40
    grid = "(lat 11.99..16.49, lon -62.01..-57.41)"
    assert [p.partition("::")[2] for p in problems_of(demo)] == [
        "bathymetry.idealised.islands[0].radius_km: -3 is not valid (Island radius (km)); use a "
        "value > 0",
        f"bathymetry.idealised.islands[1]: centre (40, -59.8) is outside the grid {grid}; move "
        "the island or enlarge the grid",
        "stations[0].lat: 200 is not valid (Station latitude (degrees north)); use a value <= 80",
        f"stations[1]: station 'Shelf Buoy' at (50, -61.0) is outside the grid {grid}; move the "
        "station or enlarge the grid",
        "stations[2].name: station name 'Shelf Buoy' is used twice; give each station its own name",
        "stations[3].lon: 'west' is not valid (Station longitude (degrees east)); expected a "
        "number",
        "stations[3].name: station name 'Harbour' is used twice; give each station its own name",
    ]


def test_a_bad_cyclone_strength_or_an_unknown_key_does_not_hide_the_track_checks(demo):
    """Only errors in what the track checks read (start, hours, track) skip them; an unknown
    key skips no check across keys."""
    demo["cyclone"]["rmax_km"] = -30.0
    demo["cyclone"]["holland_b"] = "steep"
    demo["cyclone"]["start"] = "2026-08-01T00:00:00"
    demo["grid"]["nxx"] = 10
    demo["stations"][0]["lat"] = 50
    found = [p.partition("::")[2].split(";")[0] for p in problems_of(demo)]
    assert found == [
        "cyclone.holland_b: 'steep' is not valid (Holland shape parameter B (dimensionless, "
        "typically 1–2.5))",
        "cyclone.rmax_km: -30.0 is not valid (Radius of maximum winds (km))",
        "cyclone.track: the track covers 2026-09-01 00:00:00 to 2026-09-03 23:00:00 but the run "
        "needs 2026-08-01 00:00:00 to 2026-08-03 23:00:00",
        "grid.nxx: unknown key",
        "stations[0]: station 'Harbour' at (50, -61.3) is outside the grid (lat 11.99..16.49, "
        "lon -62.01..-57.41)",
    ]
    # an error in what they read still skips them: no judging of a value already reported
    demo["cyclone"]["hours"] = 0
    found = [p.partition("::")[2].split(":")[0] for p in problems_of(demo)]
    assert "cyclone.track" not in found and "cyclone.hours" in found


@pytest.mark.parametrize(
    ("misspell", "only"),
    [
        (lambda d: d["stations"][0].update(lta=d["stations"][0].pop("lat")), "stations[0].lta"),
        (
            lambda d: d["cyclone"]["track"][1].update(tme=d["cyclone"]["track"][1].pop("time")),
            "cyclone.track[1].tme",
        ),
        (lambda d: d["grid"].update(nxx=d["grid"].pop("nx")), "grid.nxx"),
        (lambda d: d.update(gird=d.pop("grid")), "gird"),
        # like no known key: which default stands in cannot be told, so the place is skipped
        (lambda d: d["grid"].update(spacing=d["grid"].pop("resolution_km")), "grid.spacing"),
        # a list entry's keys have no default: the missing one is named too
        (
            lambda d: d["stations"][0].update(latitude=d["stations"][0].pop("lat")),
            "stations[0].lat stations[0].latitude",
        ),
        # no default stands in: the checks still judge the place
        (lambda d: d["grid"].update(colour="blue"), "grid.colour"),
    ],
    ids=[
        "station-lat",
        "track-time",
        "grid-nx",
        "grid",
        "grid-spacing",
        "station-latitude",
        "extra",
    ],
)
def test_a_misspelt_key_is_reported_without_judging_the_default_in_its_place(demo, misspell, only):
    """`lta:` for lat leaves lat to its default, or (in a list entry) missing; judging that
    (a station outside the grid, a track time out of order, stations against a default grid)
    would report a problem nobody made. The unknown key is the one problem, with the missing
    key beside it when no close match tells which key it misspells."""
    demo["stations"][1]["lat"] = 50  # outside the grid: reported only when the grid is judged
    misspell(demo)
    found = [p.partition("::")[2].split(":")[0] for p in problems_of(demo)]
    reported = only.split()
    assert found[: len(reported)] == reported
    rest = [] if only in ("grid.nxx", "gird", "grid.spacing") else ["stations[1]"]
    assert found[len(reported) :] == rest


def test_an_extra_key_hides_only_the_checks_of_what_a_default_stands_for(demo):
    """`name: Maria` in cyclone while background_wind is left to its default: the track is
    still judged; an extra key among the basin's settings leaves the islands judged; a
    misspelt grid still lets bathymetry.file be judged where the grid plays no part."""
    demo["cyclone"]["name"] = "Maria"
    demo["cyclone"].pop("background_wind", None)
    demo["cyclone"]["hours"] = 200
    demo["bathymetry"]["idealised"]["comment"] = "x"
    assert "slope_width_km" not in demo["bathymetry"]["idealised"]  # left to its default
    demo["bathymetry"]["idealised"]["islands"][0]["lat"] = 40
    found = [p.partition("::")[2].split(":")[0] for p in problems_of(demo)]
    assert found == [
        "bathymetry.idealised.comment",
        "bathymetry.idealised.islands[0]",
        "cyclone.name",
        "cyclone.track",
    ]
    demo["grd"] = demo.pop("grid")
    demo["bathymetry"]["source"] = "file"
    found = [p.partition("::")[2].split(":")[0] for p in problems_of(demo)]
    assert "bathymetry.file" in found and "bathymetry.idealised.islands[0]" not in found
    demo["bathymetry"]["file"] = "nope.nc"  # its coverage needs the grid, its existence not
    assert any("bathymetry file 'nope.nc' does not exist" in p for p in problems_of(demo))


def test_a_whole_number_written_with_a_point_is_one(demo):
    """The schema counts 72.0 as an integer; the checks across keys and the rules get 72."""
    demo["cyclone"]["hours"] = 72.0
    assert validate(demo)["cyclone"]["hours"] == 72
    assert isinstance(validate(demo)["cyclone"]["hours"], int)


def test_numbers_too_large_for_a_float_are_problems_not_job_failures(demo):
    """The schema let 10**400 through (no maximum on most keys), then build_grid (or, for an
    island, the check itself) stopped with OverflowError. The seed's own maximum says more."""
    from wavecast.config import load_schema, normalise_numbers

    demo["bathymetry"]["idealised"]["basin_depth_m"] = 10**400
    demo["bathymetry"]["idealised"]["islands"][0]["lat"] = -(10**400)
    assert problems_of(demo) == [
        f"config/config.yaml::{key}: a number of 401 digits is beyond the largest the model "
        "computes with (1.8e+308); write a number"
        for key in ("bathymetry.idealised.basin_depth_m", "bathymetry.idealised.islands[0].lat")
    ]
    # normalising leaves it as written (the problem above is what the user sees)
    seed = normalise_numbers(load_schema(), {"ensemble": {"seed": 10**400}})
    assert seed == {"ensemble": {"seed": 10**400}}


@pytest.mark.parametrize(
    ("written", "advice"),
    [
        ("-.5e-3", "write -0.0005 or -0.5e-3 (a dot and a signed exponent)"),
        ("+5E2", "write 500.0 or +5.0e+2 (a dot and a signed exponent)"),
        ("1e400", None),
        ("1.5", None),
    ],
)
def test_the_advice_for_a_number_yaml_11_reads_as_text(demo, written, advice):
    demo["cyclone"]["rmax_km"] = written
    (problem,) = problems_of(demo)
    assert problem.endswith(
        f"expected a number; Snakemake's YAML reads {written} as text, not a number: {advice}"
        if advice
        # '1.5' is a number in quotes, not YAML 1.1's trap
        else "expected a number" + ("; write 1.5 without quotes" if written == "1.5" else "")
    )


def test_the_fast_first_look_passes_only_files_that_read_as_a_mapping(tmp_path):
    """unreadable()'s shortcut on every workflow load: anything else goes to the strict parse,
    which explains it (the cases above)."""
    from wavecast.yamlstrict import reads_as_mapping

    assert reads_as_mapping(DEMO)
    for name, content in [
        ("list.yaml", b"- a\n"),
        ("empty.yaml", b""),
        ("bad.yaml", b"grid:\n  nx: 1\n   ny: 2\n"),
        ("binary.yaml", b"\x00\xff"),
        ("latin1.yaml", "a: \xe9\n".encode("latin-1")),
    ]:
        (tmp_path / name).write_bytes(content)
        assert not reads_as_mapping(tmp_path / name), name
    assert not reads_as_mapping(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "other",
    [{"dpi": "150"}, {"dpy": 3}, {"hs_max_m": -1}],
    ids=["dpi-text", "unknown-key", "bad-range"],
)
def test_another_plotting_mistake_does_not_hide_the_colour_map(demo, other):
    """The colour map check reads only cmap: a bad dpi or an unknown key beside it is reported
    with it, not one fix-and-rerun later."""
    demo["plotting"].update(cmap="viridus", **other)
    found = [p.partition("::")[2].split(":")[0] for p in problems_of(demo)]
    assert "plotting.cmap" in found and len(found) == 2, found


def test_nan_and_infinity_are_not_numbers_here(tmp_path):
    """`.nan` passes every range of JSON Schema (each comparison is false): a NaN basin depth
    built a grid of NaN-depth water where no wave grows. Named in the file it came from."""
    text = DEMO.read_text().replace("pressure_deficit_hpa: 60.0", "pressure_deficit_hpa: .nan")
    text = text.replace("basin_depth_m: 3000.0", "basin_depth_m: -.inf")
    path = write(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(text), [str(path)])
    assert [str(p) for p in info.value.problems] == [
        f"{path}::bathymetry.idealised.basin_depth_m: -.inf is not a finite number; write a number",
        f"{path}::cyclone.pressure_deficit_hpa: .nan is not a finite number; write a number",
    ]


@pytest.mark.parametrize(
    "name", ["Pointe-à-Pitre", "St. John's", "Buoy (NDBC 41043)", "Île d'Yeu, N/E", "Harbour"]
)
def test_station_names_are_any_text_on_one_line(demo, name):
    """Real gauge and buoy names are valid (the CSV writer quotes them, NetCDF stores Unicode;
    tests/test_plotting.py draws one with '$')."""
    demo["stations"][0]["name"] = name
    assert validate(demo)["stations"][0]["name"] == name


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        (" Harbour", "write it on one line, without spaces at either end or invisible characters"),
        (
            "Har\nbour",
            "(U+000A line feed) at position 4; write it on one line, without spaces at either "
            "end or invisible characters; retype the value",
        ),
        ("", "write it on one line, without spaces at either end or invisible characters"),
        (41043, 'expected text (a number to YAML); quote it: "41043"'),
    ],
)
def test_a_station_name_that_is_not_one_line_of_text(demo, name, fix):
    demo["stations"][0]["name"] = name
    (problem,) = problems_of(demo)
    assert problem.startswith("config/config.yaml::stations[0].name: ") and problem.endswith(fix)


def test_one_configuration_has_one_spelling_for_the_rules_params(demo):
    """Snakemake compares params as text (repr), so reordered keys, a default written out, or
    a time spelled another way reran the grid and every member for the same science."""
    import copy

    same = copy.deepcopy(demo)
    same["grid"] = dict(reversed(list(same["grid"].items())))
    same["grid"]["origin"] = {
        "lon": demo["grid"]["origin"]["lon"],
        "lat": demo["grid"]["origin"]["lat"],
    }
    same["bathymetry"]["idealised"]["slope_width_km"] = 50.0  # the default, written out
    same["cyclone"]["start"] = demo["cyclone"]["start"].replace("T00:00:00", "T00:00Z")
    same["cyclone"]["track"][0]["time"] = same["cyclone"]["track"][0]["time"] + "+00:00"
    assert repr(validate(same)) == repr(validate(demo))
    other = copy.deepcopy(demo)
    other["grid"]["nx"] += 1
    assert repr(validate(other)) != repr(validate(demo))


def test_one_letter_yaml11_booleans_are_caught_and_said_to_be_text_to_snakemake(tmp_path):
    """The issue asks for `y` to be caught as a YAML 1.1 trap; Snakemake's own parser (PyYAML,
    through yte) keeps y/n as text, so the message says so instead of blaming Snakemake, and a
    key `y` is reported once, where Snakemake puts it."""
    import yte

    from wavecast.yamlstrict import SNAKEMAKE_BOOL_WORDS, YAML11_BOOL_WORDS

    def snakemake_reads(word: str) -> object:
        return yte.process_yaml(f"k: {word}\n", require_use_yte=True)["k"]

    assert {w for w in YAML11_BOOL_WORDS if isinstance(snakemake_reads(w), bool)} == (
        SNAKEMAKE_BOOL_WORDS
    )
    text = DEMO.read_text().replace("scenario: ", "scenario: y\n_old_scenario: ")
    text = text.replace("  rmax_km:", "  n: 1\n  rmax_km:").replace("_old_scenario", "y")
    path = write(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yte.process_yaml(text, require_use_yte=True), [str(path)])
    assert [str(p).partition("::")[2] for p in info.value.problems] == [
        "scenario: 'y' is read as a boolean by YAML 1.1 parsers (Snakemake's reads it as text, "
        'others do not); write true/false for a switch, or quote it ("y") for a string',
        "y: the key 'y' is read as a boolean by YAML 1.1 parsers; quote it: \"y\"",
        "cyclone.n: the key 'n' is read as a boolean by YAML 1.1 parsers; quote it: \"n\"",
    ]


@pytest.mark.parametrize(
    ("key", "slip", "limit"),
    [
        ("boundary_fetch_km", 300000, 10000),  # 300 km in metres
        ("duration_limit_hours", 720, 240),  # 12 h in minutes
        ("min_wind_ms", 50, 5),  # 0.5 m s-1 in cm s-1
    ],
)
def test_a_model_value_in_the_wrong_unit_is_refused(demo, key, slip, limit):
    """Each had a minimum only: a unit slip passed the check and ran (300,000 km of fetch)."""
    demo["model"][key] = slip
    (problem,) = problems_of(demo)
    assert problem.startswith(f"config/config.yaml::model.{key}: {slip} is not valid (")
    assert problem.endswith(f"); use a value <= {limit}")
    demo["model"][key] = limit
    assert problems_of(demo) == []


def test_a_boundary_fetch_in_metres_is_named_with_its_bound(demo):
    demo["model"]["boundary_fetch_km"] = 300000
    assert problems_of(demo) == [
        "config/config.yaml::model.boundary_fetch_km: 300000 is not valid (Fetch added where the "
        "upwind path leaves the grid over open water (km, at most 10,000: the longest open-ocean "
        "fetches are of that order, so more is metres written as km)); use a value <= 10000"
    ]


def test_an_air_density_in_grams_is_refused(demo):
    """cyclone.air_density had a minimum only: 1150 (g m-3) passed and made a gentle breeze
    of the cyclone (the gradient wind scales as 1 / sqrt(rho))."""
    demo["cyclone"]["air_density"] = 1150
    (problem,) = problems_of(demo)
    assert problem.startswith("config/config.yaml::cyclone.air_density: 1150 is not valid (")
    assert problem.endswith("); use a value <= 1.5")
    demo["cyclone"]["air_density"] = 1.5
    assert problems_of(demo) == []


def test_science_only_leaves_the_profiles_deployment_keys_out():
    """A profile's `config:` reaches Snakemake as --config does; only science is recorded."""
    values = {"scenario": "tc-x", "wavecast_env": "localdev", "container_image": "docker://x:1"}
    assert science_only(values) == {"scenario": "tc-x"}
