# ruff: noqa: E501  (exact messages are compared whole; wrapping them would hide what users see)
"""Values and keys in config problems are written as YAML writes them, not as Python prints
them: ``empty (null)``, ``true``, a quoted number's fix "write 200 without quotes", and an
invisible character (a zero-width space pasted with a key) escaped, with its position."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wavecast import errors
from wavecast.config import _path_parts, load_workflow_config, validate_file
from wavecast.errors import ValidationError, dotted

from .demo_config import DEMO, demo_config, problems_of

ZWSP = "\u200b"


def edited(tmp_path: Path, monkeypatch, *edits: tuple[str, str]) -> Path:
    """The demo config with each (old, new) text replaced, as config.yaml in the cwd."""
    monkeypatch.chdir(tmp_path)
    text = DEMO.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = Path("config.yaml")
    path.write_text(text, encoding="utf-8")
    return path


def problems_of_file(path: Path) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate_file(path)
    return [str(p) for p in info.value.problems]


def test_values_written_in_a_file_are_shown_as_yaml_writes_them(tmp_path, monkeypatch):
    """Nothing after the colon is null, not None; true is not True; '200' is text in quotes
    and the fix says to drop them; a key with a zero-width space is shown escaped, where it
    hides, and still gets its suggestion."""
    path = edited(
        tmp_path,
        monkeypatch,
        ("  rmax_km: 30.0", "  rmax_km:"),
        ("  members: 8", "  members: true"),
        ("  nx: 200", "  nx: '200'"),
        ("{name: Harbour,", f"{{name: Harbour, name{ZWSP}: x,"),
        ("{name: Shelf Buoy,", "{name: null,"),
    )
    assert problems_of_file(path) == [
        "config.yaml::cyclone.rmax_km: empty (null) is not valid (Radius of maximum winds (km)); expected a number",
        "config.yaml::ensemble.members: true is not valid (Number of ensemble members (member 000 is unperturbed)); expected a whole number",
        "config.yaml::grid.nx: '200' is not valid (Number of grid cells from west to east); expected a whole number; write 200 without quotes",
        "config.yaml::stations[0].\"name\\u200b\": unknown key: it contains an invisible character (U+200B zero width space) at position 5; retype the key; did you mean 'name'?",
        "config.yaml::stations[1].name: empty (null) is not valid (Station name: text on one line, e.g. Pointe-à-Pitre (used in the station files and plots)); expected text",
    ]


@pytest.mark.parametrize(
    ("key", "written", "fix"),
    [
        ("resolution_km", "'2.5'", "expected a number; write 2.5 without quotes"),
        ("resolution_km", '" 2.5"', "expected a number; write 2.5 without quotes"),
        ("nx", "'2.0'", "expected a whole number; write 2.0 without quotes"),
        # not numbers once unquoted: no such advice
        ("nx", "'2.5'", "expected a whole number"),
        ("nx", "'010'", "expected a whole number"),
        ("nx", "'true'", "expected a whole number"),
    ],
)
def test_a_number_in_quotes_is_text_and_the_fix_says_to_remove_them(
    tmp_path, monkeypatch, key, written, fix
):
    old = {"nx": "  nx: 200", "resolution_km": "  resolution_km: 2.5"}[key]
    path = edited(tmp_path, monkeypatch, (old, f"  {key}: {written}"))
    (problem,) = problems_of_file(path)
    assert problem.startswith(
        f"config.yaml::grid.{key}: {errors.as_yaml(yaml.safe_load(written))} "
    )
    assert problem.endswith(f"; {fix}")


def test_text_with_invisible_characters_is_shown_escaped_with_their_positions():
    demo = demo_config()
    demo["scenario"] = f"base{ZWSP}"
    demo["stations"][2]["name"] = "Anse\u00a0Bertrand\t"
    assert problems_of(demo) == [
        "config/config.yaml::scenario: \"base\\u200b\" is not valid (Short name of the scenario, used in plot titles and the archive manifest): it contains an invisible character (U+200B zero width space) at position 5; use letters, digits, '_', '.', '-'; retype the value",
        'config/config.yaml::stations[2].name: "Anse\\u00a0Bertrand\\t" is not valid (Station name: text on one line, e.g. Pointe-à-Pitre (used in the station files and plots)): it contains invisible characters at positions 5 (U+00A0 no-break space) and 14 (U+0009 tab); write it on one line, without spaces at either end or invisible characters; retype the value',
    ]


def test_a_station_name_with_a_zero_width_character_inside_is_refused():
    """A zero-width space inside a name (pasted from a web page) would make a second station
    name that looks the same in the files and plots; a no-break space is a visible space."""
    demo = demo_config()
    demo["stations"][0]["name"] = f"Har{ZWSP}bour"
    demo["stations"][1]["name"] = "Pointe\u00a0\u00e0\u00a0Pitre"
    assert problems_of(demo) == [
        'config/config.yaml::stations[0].name: "Har\\u200bbour" is not valid (Station name: text on one line, e.g. Pointe-à-Pitre (used in the station files and plots)): it contains an invisible character (U+200B zero width space) at position 4; write it on one line, without spaces at either end or invisible characters; retype the value',
    ]


def test_a_key_with_a_byte_order_mark_is_named_and_still_matched(tmp_path, monkeypatch):
    """A BOM pasted at the start of a nested key: position 1, and the key it stands for."""
    path = edited(tmp_path, monkeypatch, ("  members: 8", "  \ufeffmembers: 8"))
    assert problems_of_file(path) == [
        "config.yaml::ensemble.\"\\ufeffmembers\": unknown key: it contains an invisible character (U+FEFF zero width no-break space) at position 1; retype the key; did you mean 'members'?"
    ]


def test_an_escaped_key_names_the_file_that_has_it(tmp_path, monkeypatch):
    """The file label comes from reading the location back into keys (:func:`_path_parts`):
    the escaped key must read back as the key with its zero-width space, or the problem is
    put on the command line's account."""
    monkeypatch.chdir(tmp_path)
    main, extra = Path("config.yaml"), Path("extra.yaml")
    main.write_text(DEMO.read_text())
    extra.write_text(f"ensemble:\n  seed{ZWSP}: 3\n", encoding="utf-8")
    config = demo_config()
    config["ensemble"][f"seed{ZWSP}"] = 3
    with pytest.raises(ValidationError) as info:
        load_workflow_config(config, [str(main), str(extra)])
    assert [str(p) for p in info.value.problems] == [
        "extra.yaml::ensemble.\"seed\\u200b\": unknown key: it contains an invisible character (U+200B zero width space) at position 5; retype the key; did you mean 'seed'?"
    ]


@pytest.mark.parametrize(
    "parts",
    [
        ["stations", 0, f"name{ZWSP}"],
        ["\ufeff\t"],
        ["x", "it's"],
        ['a"b'],
        ["it's\\"],
        ["a\\u200b"],
    ],
)
def test_escaped_locations_read_back_into_their_keys(parts):
    assert _path_parts(dotted(parts)) == parts


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "empty (null)"),
        (True, "true"),
        (False, "false"),
        (-30.0, "-30.0"),
        (1e20, "1.0e+20"),
        (float("-inf"), "-.inf"),
        ("fiel", "'fiel'"),
        ("St. John's", '"St. John\'s"'),
        (["a", None, True], "['a', null, true]"),
        ({"cpu": None}, "{'cpu': null}"),
    ],
)
def test_values_as_yaml_writes_them(value, shown):
    assert errors.as_yaml(value) == shown
    if isinstance(value, str):  # what YAML reads back is the value
        assert yaml.safe_load(shown) == value
