"""``wavecast config check``: the workflow's config checks without Snakemake, in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wavecast.cli.main import main

from .common import make_workdir, snakemake
from .demo_config import DEMO

RMAX = "cyclone.rmax_km: -5.0 is not valid (Radius of maximum winds (km)); use a value > 0"


@pytest.fixture()
def work(tmp_path, monkeypatch) -> Path:
    """A directory to run from, holding config/config.yaml (the demo)."""
    (tmp_path / "config").mkdir()
    shutil.copy(DEMO, tmp_path / "config" / "config.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys, *files: str) -> tuple[int, list[str], list[str]]:
    status = main(["config", "check", *files])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_the_demo_config_is_ok_and_its_size_is_shown(work, capsys):
    assert check(capsys) == (
        0,
        ["config/config.yaml: ok (tc-demo: 200 x 200 cells, 72 h, 8 member(s))"],
        [],
    )


def test_files_are_merged_over_config_yaml_as_snakemake_merges_them(work, capsys):
    (work / "b.yaml").write_text("ensemble: {members: 3}\ngrid: {nx: 160}\n")
    (work / "c.yaml").write_text("ensemble: {members: 5}\n")
    assert check(capsys, "b.yaml", "c.yaml") == (
        0,
        ["config/config.yaml + b.yaml + c.yaml: ok (tc-demo: 160 x 200 cells, 72 h, 5 member(s))"],
        [],
    )
    # naming config/config.yaml itself does not read it twice
    assert check(capsys, "config/config.yaml")[1] == [
        "config/config.yaml: ok (tc-demo: 200 x 200 cells, 72 h, 8 member(s))"
    ]


def test_every_problem_of_every_file_names_its_file(work, capsys):
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  members: 8", "  membres: 8"))
    (work / "extra.yaml").write_text("cyclone:\n  rmax_km: -5.0\ncontainer_image: docker://x\n")
    status, out, err = check(capsys, "extra.yaml")
    assert (status, out) == (1, [])
    assert err == [
        "config/config.yaml::ensemble.membres: unknown key; did you mean 'members'?",
        "extra.yaml::container_image: a deployment setting in the science config; set "
        "container.image in config/backends/<env>.yaml and run `wavecast profiles build`",
        f"extra.yaml::{RMAX}",
    ]


COAST = (
    "config/config.yaml::bathymetry.idealised.coast_sid: unknown key; did you mean 'coast_side'?"
)
MEMBRES = "config/config.yaml::ensemble.membres: unknown key; did you mean 'members'?"
IMAGE = (
    "extra.yaml::container_image: a deployment setting in the science config; set "
    "container.image in config/backends/<env>.yaml and run `wavecast profiles build`"
)


def spoil(work: Path) -> None:
    """config/config.yaml with problems at keys before and after extra.yaml's (cyclone)."""
    main_file = work / "config" / "config.yaml"
    text = main_file.read_text().replace("    coast_side:", "    coast_sid:")
    main_file.write_text(text.replace("  members: ", "  membres: "))
    (work / "extra.yaml").write_text("cyclone:\n  rmax_km: -5.0\ncontainer_image: docker://x\n")


def test_problems_are_grouped_by_file_in_the_order_the_files_are_read(work, capsys):
    """config/config.yaml's problems first (read first), each file's in key order, then
    --config's; not interleaved by key across files."""
    spoil(work)
    status, out, err = check(capsys, "extra.yaml")
    assert (status, out) == (1, [])
    assert err == [COAST, MEMBRES, IMAGE, f"extra.yaml::{RMAX}"]
    # named after extra.yaml, config/config.yaml is layered last: its problems come last
    # (and its rmax_km wins over extra.yaml's)
    assert check(capsys, "extra.yaml", "config/config.yaml")[2] == [IMAGE, COAST, MEMBRES]


def test_the_workflow_groups_problems_by_file_as_the_check_does(work, capsys):
    """`snakemake --configfile extra.yaml` (which lists config/config.yaml after extra.yaml)
    prints the same lines in the same order as `wavecast config check extra.yaml`, and with
    --config a value's problem comes last."""
    spoil(work)
    proc = snakemake(
        work,
        "-n",
        "--cores",
        "1",
        "--configfile",
        "extra.yaml",
        "--config",
        "grid={nx: 0}",
        check=False,
    )
    assert proc.returncode != 0
    from_snakemake = [line for line in (proc.stdout + proc.stderr).splitlines() if "::" in line]
    assert from_snakemake == [
        COAST,
        MEMBRES,
        IMAGE,
        f"extra.yaml::{RMAX}",
        from_snakemake[-1],
    ]
    assert from_snakemake[-1].startswith("--config::grid"), from_snakemake[-1]
    assert check(capsys, "extra.yaml")[2] == from_snakemake[:-1]


NO_TRACK = (
    "cyclone.track: not valid (Cyclone centre positions, in time order; positions between them "
    "are interpolated linearly. The track must cover [start, start + hours - 1] and pass over "
    "the grid); give at least 2 entries"
)


def both_reports(work: Path, capsys, *files: str) -> tuple[list[str], list[str]]:
    """The problem lines of `snakemake -n --configfile FILES` and of `wavecast config check
    FILES`, on the same files."""
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", *files, check=False)
    assert proc.returncode != 0
    from_snakemake = [line for line in (proc.stdout + proc.stderr).splitlines() if "::" in line]
    status, out, err = check(capsys, *files)
    assert (status, out) == (1, [])
    return from_snakemake, err


@pytest.mark.parametrize("files", [["extra.yaml"], ["extra.yaml", "extra.yaml"]])
def test_a_setting_no_file_set_is_named_in_config_yaml_by_both(work, capsys, files):
    """No file has a cyclone section: its default track (none) fails. Snakemake lists
    extra.yaml first, config/config.yaml last; both reports name config/config.yaml, the base
    every run reads, where the section belongs, not the first file Snakemake happens to list."""
    main_file = work / "config" / "config.yaml"
    text = main_file.read_text()
    main_file.write_text(text[: text.index("cyclone:")] + text[text.index("ensemble:") :])
    (work / "extra.yaml").write_text("ensemble: {members: 3}\n")
    from_snakemake, from_check = both_reports(work, capsys, *files)
    assert from_snakemake == from_check == [f"config/config.yaml::{NO_TRACK}"]


def test_a_key_missing_from_a_section_both_files_fill_is_named_in_config_yaml(work, capsys):
    """cyclone in config/config.yaml without its track, and in extra.yaml (hours only): the
    track is added beside its siblings in the base file, by both reports (not in extra.yaml,
    the last file holding the section)."""
    main_file = work / "config" / "config.yaml"
    text = main_file.read_text()
    main_file.write_text(text[: text.index("  track:")] + text[text.index("  pressure_deficit") :])
    (work / "extra.yaml").write_text("cyclone: {hours: 48}\n")
    from_snakemake, from_check = both_reports(work, capsys, "extra.yaml")
    assert from_snakemake == from_check == [f"config/config.yaml::{NO_TRACK}"]


def test_a_key_missing_from_a_section_only_config_gave_is_named_in_config_yaml(work, capsys):
    """No file has a cyclone section; `--config cyclone={hours: 48}` gives one without a track.
    The track is not a value --config set (and --config reads nested values as text): the
    workflow names config/config.yaml, as the check without --config does."""
    main_file = work / "config" / "config.yaml"
    text = main_file.read_text()
    main_file.write_text(text[: text.index("cyclone:")] + text[text.index("ensemble:") :])
    (work / "extra.yaml").write_text("grid: {nx: 0}\n")
    proc = snakemake(
        work,
        "-n",
        "--cores",
        "1",
        "--configfile",
        "extra.yaml",
        "--config",
        "cyclone={hours: 48}",
        check=False,
    )
    assert proc.returncode != 0
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "::" in line]
    from_files = [line for line in lines if not line.startswith("--config::")]
    assert lines[len(from_files) :] == [
        "--config::cyclone.hours: '48' is not valid (Number of hourly forcing and model steps); "
        "expected a whole number; Snakemake's --config reads values inside {...} and [...] as "
        "text: put this setting in a file and give it with --configfile FILE"
    ]
    assert from_files == check(capsys, "extra.yaml")[2]
    assert from_files[0] == f"config/config.yaml::{NO_TRACK}"


def test_a_value_both_files_set_is_named_in_the_file_read_last_by_both(work, capsys):
    """grid.nx: 0 in config/config.yaml and again in extra.yaml: Snakemake's value is
    extra.yaml's (read last), and both reports name it there."""
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  nx: 200", "  nx: 0"))
    (work / "extra.yaml").write_text("grid: {nx: 0}\n")
    nx = "grid.nx: 0 is not valid (Number of grid cells from west to east); use a value >= 4"
    from_snakemake, from_check = both_reports(work, capsys, "extra.yaml")
    assert from_snakemake == from_check == [f"extra.yaml::{nx}"]


def test_files_yaml_cannot_read_are_all_reported(work, capsys):
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  rmax_km: 30.0", "  rmax_km 30.0"))
    (work / "extra.yaml").write_text("grid:\n\tnx: 3\n")
    status, _, err = check(capsys, "extra.yaml")
    assert status == 1
    assert err == [
        "config/config.yaml::line 34: not valid YAML: could not find expected ':' (column 3; "
        "noticed at line 35); write each setting as 'key: value', with a space after the colon",
        "extra.yaml::line 2: a tab is used for indentation; YAML allows spaces only; replace "
        "the tab with spaces",
    ]


def test_without_a_config_the_missing_file_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert check(capsys) == (
        1,
        [],
        ["config/config.yaml::<top>: the file does not exist; check the path"],
    )


def test_it_reports_what_the_real_snakemake_reports(tmp_path, monkeypatch, capsys):
    """The same files through `snakemake --configfile` and through `wavecast config check`:
    the same problem lines."""
    work = make_workdir("small", tmp_path)
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  members: 2", "  membres: 2"))
    (work / "extra.yaml").write_text(
        "cyclone:\n  rmax_km: -5.0\nstations:\n  - {name: Quay, lat: 13, lon: 0}\n"
    )
    extra = str(work / "extra.yaml")  # snakemake reads it from where it starts
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", extra, check=False)
    assert proc.returncode != 0
    from_snakemake = [line for line in (proc.stdout + proc.stderr).splitlines() if "::" in line]
    monkeypatch.chdir(work)
    status, _, err = check(capsys, "extra.yaml")
    assert status == 1
    assert len(err) == 3
    assert err == from_snakemake


def test_a_json_file_is_read_as_snakemake_reads_it(work, capsys):
    """Snakemake reads a config file as JSON first: 3e1 is a number there, not YAML 1.1 text."""
    (work / "a.json").write_text('{"cyclone": {"rmax_km": 3e1}, "ensemble": {"members": 4}}')
    assert check(capsys, "a.json")[:2] == (
        0,
        ["config/config.yaml + a.json: ok (tc-demo: 200 x 200 cells, 72 h, 4 member(s))"],
    )


def test_a_json_nan_is_traced_to_its_file_not_to_the_command_line(work, capsys):
    """JSON's NaN and Infinity are numbers there (YAML reads them as text): the problem names
    the JSON file, not ``--config``."""
    (work / "a.json").write_text('{"cyclone": {"rmax_km": NaN, "b": Infinity}}')
    assert check(capsys, "a.json") == (
        1,
        [],
        [
            "a.json::cyclone.b: .inf is not a finite number; write a number",
            "a.json::cyclone.rmax_km: .nan is not a finite number; write a number",
        ],
    )


def test_an_unused_bathymetry_file_is_warned_about_as_the_workflow_does(work, capsys):
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  file: null", "  file: gebco.nc"))
    status, _, err = check(capsys)
    assert status == 0
    assert err == [
        "warning: bathymetry.file is set but not used while bathymetry.source is 'idealised' "
        "(set source: file to use it); changing it reruns only archive_run and report_metrics"
    ]


def test_a_distorting_grid_is_noted_by_the_workflow_and_the_check_alike(
    tmp_path, monkeypatch, capsys
):
    """The small case 110 cells high: its north row (lat 21.8) is 5.4 % too long on the flat
    grid. `snakemake -n` logs the note as it loads; `wavecast config check` prints the same."""
    work = make_workdir("small", tmp_path)
    main_file = work / "config" / "config.yaml"
    main_file.write_text(main_file.read_text().replace("  ny: 40", "  ny: 110"))
    proc = snakemake(work, "-n", "--cores", "1")
    logged = [
        line.removeprefix("config: ")
        for line in (proc.stdout + proc.stderr).splitlines()
        if "the model grid is flat" in line
    ]
    monkeypatch.chdir(work)
    status, _, err = check(capsys)
    assert status == 0
    assert logged == [line.removeprefix("warning: ") for line in err]
    assert logged == [
        "the model grid is flat: its east-west distances are true at the origin's latitude (12) "
        "and 5.4% too long at the north row (lat 21.80), and so are fetches, storm sizes and the "
        "places of coast, track and stations there. To stay within 5%, keep grid.ny <= 104 at "
        "this origin, or split the domain"
    ]


def test_a_station_on_land_is_warned_about_as_the_workflow_does(work, capsys):
    main_file = work / "config" / "config.yaml"
    quay = "  - {name: Quay, lat: 13.0, lon: -61.8}\n"
    main_file.write_text(main_file.read_text().replace("\npostprocess:", f"{quay}\npostprocess:"))
    status, out, err = check(capsys)
    assert status == 0
    assert out == ["config/config.yaml: ok (tc-demo: 200 x 200 cells, 72 h, 8 member(s))"]
    assert err == [
        "warning: stations[3] 'Quay' (lat 13, lon -61.8) lies on land in the model grid; its "
        "series will come from the nearest water cell, 18.2 km away (lat 12.989, lon -61.632, "
        "depth 1 m); move the station onto water to choose the cell yourself"
    ]
