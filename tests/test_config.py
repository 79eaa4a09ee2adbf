"""config/config.yaml validation: every problem at once, in `file::path: what; fix` form."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from wavecast.config import (
    apply_defaults,
    grid_bounds,
    load_schema,
    load_workflow_config,
    validate,
    validate_file,
)
from wavecast.errors import ValidationError

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "config" / "config.yaml"


@pytest.fixture()
def demo() -> dict:
    return yaml.safe_load(DEMO.read_text())


def problems_of(data, **kw) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate(data, **kw)
    return [str(p) for p in info.value.problems]


def test_the_demo_config_is_valid_and_complete():
    cfg = validate_file(DEMO)
    assert cfg["ensemble"]["members"] == 8
    assert cfg["grid"]["nx"] == cfg["grid"]["ny"] == 200


def test_every_schema_property_has_description_and_default():
    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            where = f"{path}.{key}" if path else key
            assert sub.get("description"), f"{where} has no description"
            assert "default" in sub, f"{where} has no default"
            walk(sub, where)
            if isinstance(sub.get("items"), dict):
                walk(sub["items"], where + "[]")

    walk(load_schema(), "")


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


def test_unknown_top_level_key_lists_suggestion(demo):
    demo["stations_list"] = []
    assert problems_of(demo) == [
        "config/config.yaml::stations_list: unknown key; did you mean 'stations'?"
    ]


def test_negative_rmax_is_refused(demo):
    demo["cyclone"]["rmax_km"] = -30
    assert problems_of(demo)[0].startswith("config/config.yaml::cyclone.rmax_km: -30 is not valid")


def test_track_outside_the_grid(demo):
    for fix in demo["cyclone"]["track"]:
        fix["lat"] = 40.0
    assert problems_of(demo) == [
        "config/config.yaml::cyclone.track: the cyclone centre never enters the grid "
        "(lat 12.00..16.50, lon -62.00..-57.40) during the run; check the track's lat/lon, "
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
        "config/config.yaml::bathymetry.file: file 'data/nowhere.nc' does not exist "
        f"(looked in {tmp_path}); check the path; relative paths start where snakemake runs"
    ]


def test_station_outside_grid_and_duplicate_names(demo):
    demo["stations"].append({"name": "Far", "lat": 40.0, "lon": 0.0})
    demo["stations"].append({"name": "Harbour", "lat": 13.0, "lon": -61.0})
    assert problems_of(demo) == [
        "config/config.yaml::stations[3]: station 'Far' at (40.0, 0.0) is outside the grid "
        "(lat 12.00..16.50, lon -62.00..-57.40); move the station or enlarge the grid",
        "config/config.yaml::stations[4].name: station name 'Harbour' is used twice; give each "
        "station its own name",
    ]


def test_unquoted_timestamps_are_accepted(demo):
    import datetime as dt

    demo["cyclone"]["start"] = dt.datetime(2026, 9, 1)
    assert validate(demo)["cyclone"]["start"] == "2026-09-01T00:00:00"


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
        "config.yaml::bathymetry.idealised.coast_side: 'no' is read as a boolean by YAML 1.1 "
        'parsers (Snakemake\'s among them); write true/false for a switch, or quote it ("no") '
        "for a string",
        "config.yaml::ensemble.membres: unknown key; did you mean 'members'?",
    ]


def test_yaml11_key_is_caught(tmp_path):
    path = write(tmp_path, DEMO.read_text() + "on: 3\n")
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(path.read_text()), [str(path)])
    assert str(info.value.problems[0]).endswith(
        "::on: the key 'on' is read as a boolean by YAML 1.1 parsers; quote it: \"on\""
    )


def test_deployment_key_is_not_science(tmp_path):
    path = write(tmp_path, DEMO.read_text() + "container_image: docker://x/y:1\n")
    with pytest.raises(ValidationError) as info:
        load_workflow_config(yaml.safe_load(path.read_text()), [str(path)])
    assert str(info.value.problems[0]).endswith(
        "::container_image: a deployment setting in the science config; set container.image "
        "in config/backends/<env>.yaml and run `wavecast profiles build`"
    )


def test_deployment_key_from_profile_is_split_off():
    config = yaml.safe_load(DEMO.read_text())
    config["container_image"] = "docker://example/wavecast:9"
    science, deployment = load_workflow_config(config, [str(DEMO)])
    assert deployment == {"container_image": "docker://example/wavecast:9"}
    assert "container_image" not in science


def test_grid_bounds_match_resolution():
    lat0, lat1, lon0, lon1 = grid_bounds(
        {"origin": {"lat": 0.0, "lon": 0.0}, "nx": 100, "ny": 100, "resolution_km": 1.0}
    )
    # 100 km north at the equator is 100/111.195 degrees
    assert lat1 - lat0 == pytest.approx(0.899321606, rel=1e-9)
    assert lon1 - lon0 == pytest.approx(0.899321606, rel=1e-9)


def test_apply_defaults_does_not_touch_lists_of_scalars():
    schema = {"type": "object", "properties": {"a": {"type": "array", "default": [1]}}}
    assert apply_defaults(schema, {}) == {"a": [1]}
    assert apply_defaults(schema, {"a": [2, 3]}) == {"a": [2, 3]}
