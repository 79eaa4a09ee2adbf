"""The pipeline end to end on a small case, with the real snakemake binary.

One full run (module fixture) then dry runs after edits prove that only the affected stages
rerun: (a) nothing after a finished run; (b) a plot or postprocess setting reruns no member;
(c) a cyclone intensity change reruns forcing onwards but not the grid; (d) replacing the
bathymetry file reruns everything that depends on it: the grid, the members and what follows,
not the wind forcing (which only needs the grid's coordinates, from config). Dry-run job lists
are what Snakemake would execute.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from wavecast.archive import verify_manifest
from wavecast.rules import RULE_NAMES

from .common import (
    SNAKEFILE,
    default_sigint,
    make_workdir,
    planned_jobs,
    press_ctrl_c,
    snakemake,
    venv_env,
)

pytestmark = pytest.mark.slow

#: The jobs that follow any science edit: re-archive, re-report, and the target rule.
ARCHIVE_TAIL = {"archive_run": 1, "report_metrics": 1, "all": 1}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    work = make_workdir("small", tmp_path_factory.mktemp("small"))
    snakemake(work, "--cores", "2")
    return work


@contextlib.contextmanager
def edited(config: Path, old: str, new: str):
    """Edit the config for the duration of a check, then restore its text and mtime."""
    text = config.read_text()
    assert old in text, old
    stat = config.stat()
    config.write_text(text.replace(old, new))
    try:
        yield
    finally:
        config.write_text(text)
        os.utime(config, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_products_are_complete(finished):
    results = finished / "results"
    with xr.open_dataset(results / "run_member/member_001.nc") as ds:
        assert set(ds.data_vars) >= {"hs", "tp", "wspd", "wdir", "depth"}
        assert ds["hs"].dims == ("time", "y", "x")
        assert ds["hs"].attrs["units"] == "m"
        assert ds["tp"].attrs["units"] == "s"
        assert ds.sizes["time"] == 8
        assert float(ds["hs"].max()) > 0.5
    summary = json.loads((results / "summarise_ensemble/summary.json").read_text())
    assert summary["members"] == ["000", "001"]
    stations = (results / "extract_stations/stations.csv").read_text().splitlines()
    assert stations[0].split(",")[:2] == ["station", "member"]
    assert len(stations) == 1 + 2 * 2 * 8  # stations x members x hours
    for png in ("plot_maps/max_hs_map", "plot_maps/member_max_hs", "plot_stations/station_series"):
        assert (results / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert verify_manifest(results / "archive_run/manifest.json", results) == []
    manifest = json.loads((results / "archive_run/manifest.json").read_text())
    assert manifest["manifest_version"] == 5
    # localdev runs no container: the manifest must not name the default image as if it had
    assert manifest["container"] is None
    (config,) = manifest["config"]["files"]
    assert config["path"] == "config/config.yaml"
    assert config["content"]["ensemble"]["members"] == 2
    assert config["text"] == (finished / "config/config.yaml").read_text()


def test_the_archive_records_every_config_file(finished, tmp_path):
    """`snakemake --configfile extra.yaml --config ...`: the manifest holds config/config.yaml
    and the overlay (Snakemake lists the overlay first; it used to be the only file recorded),
    each by its path in the working directory, the command line's values, and the effective
    config they add up to."""
    work = tmp_path / "work"
    shutil.copytree(finished, work, symlinks=True)
    (work / "extra.yaml").write_text("plotting:\n  dpi: 61\n")
    extra = ("--configfile", str(work / "extra.yaml"), "--config", "scenario=tc-x")
    snakemake(work, "--cores", "1", *extra)
    manifest = json.loads((work / "results/archive_run/manifest.json").read_text())
    paths = sorted(f["path"] for f in manifest["config"]["files"])
    assert paths == ["config/config.yaml", "extra.yaml"]
    overlay = next(f for f in manifest["config"]["files"] if f["path"] == "extra.yaml")
    assert overlay["content"] == {"plotting": {"dpi": 61}}
    assert manifest["config"]["command_line"] == {"scenario": "tc-x"}
    assert manifest["config"]["slice"]["scenario"] == "tc-x"
    assert manifest["config"]["slice"]["plotting"]["dpi"] == 61
    assert manifest["config"]["slice"]["ensemble"]["members"] == 2


def test_every_rule_left_a_log_and_a_benchmark(finished):
    for rule in RULE_NAMES:
        assert list((finished / "logs" / rule).glob("*.log")), rule
        bench = list((finished / "logs/benchmarks" / rule).glob("*.tsv"))
        assert bench, rule
        assert bench[0].read_text().split("\t")[0] == "s"
    # each stage's log says what it started on and when it finished
    for rule in ("build_grid", "make_forcing", "run_member", "summarise_ensemble"):
        log = next((finished / "logs" / rule).glob("*.log")).read_text()
        assert f"{rule}: start (" in log and f"{rule}: done in " in log, (rule, log)
    member = (finished / "logs/run_member/member_001.log").read_text()
    assert "run_member: start (forcing results/make_forcing/member_001.nc, grid " in member


def test_a_second_run_does_nothing(finished):
    assert planned_jobs(finished) == {}


def test_plot_setting_reruns_only_plots_and_archive(finished):
    with edited(finished / "config/config.yaml", "dpi: 60", "dpi: 72"):
        assert planned_jobs(finished) == {
            "plot_maps": 1,
            "plot_stations": 1,
            **ARCHIVE_TAIL,
        }


def test_a_map_only_setting_redraws_no_station_plot(finished):
    """The colour map and Hs scale are the maps' alone: plot_stations is not given them."""
    with edited(finished / "config/config.yaml", "dpi: 60", "dpi: 60\n  cmap: magma"):
        assert planned_jobs(finished) == {"plot_maps": 1, **ARCHIVE_TAIL}


def test_postprocess_setting_reruns_no_member(finished):
    with edited(finished / "config/config.yaml", "percentile: 90", "percentile: 75"):
        jobs = planned_jobs(finished)
    assert jobs == {
        "summarise_ensemble": 1,
        "plot_maps": 1,
        **ARCHIVE_TAIL,
    }


def test_station_edit_reruns_stations_plots_archive(finished):
    with edited(finished / "config/config.yaml", "lat: 14.5, lon: -59.0", "lat: 14.4, lon: -59.0"):
        jobs = planned_jobs(finished)
    # plot_maps marks the stations on the map, so it redraws too.
    assert set(jobs) == {"extract_stations", "plot_maps", "plot_stations", *ARCHIVE_TAIL}


def test_intensity_reruns_forcing_onwards_not_the_grid(finished):
    with edited(
        finished / "config/config.yaml", "pressure_deficit_hpa: 60.0", "pressure_deficit_hpa: 70.0"
    ):
        jobs = planned_jobs(finished)
    assert jobs == {
        "make_forcing": 2,
        "run_member": 2,
        "summarise_ensemble": 1,
        "extract_stations": 1,
        "plot_maps": 1,
        "plot_stations": 1,
        **ARCHIVE_TAIL,
    }


def test_a_seed_edit_leaves_the_control_member(finished):
    """Member 000 is the unperturbed control: the seed and spreads do not reach it."""
    with edited(finished / "config/config.yaml", "seed: 7", "seed: 8"):
        jobs = planned_jobs(finished)
        plan = snakemake(finished, "-n", "--cores", "1").stdout
    assert jobs == {
        "make_forcing": 1,
        "run_member": 1,
        "summarise_ensemble": 1,
        "extract_stations": 1,
        "plot_maps": 1,
        "plot_stations": 1,
        **ARCHIVE_TAIL,
    }
    assert "output: results/make_forcing/member_001.nc" in plan
    assert "output: results/make_forcing/member_000.nc" not in plan


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (None, {}),
        (
            "growth.py",
            {
                "run_member": 2,
                "summarise_ensemble": 1,
                "extract_stations": 1,
                "plot_maps": 1,
                "plot_stations": 1,
                **ARCHIVE_TAIL,
            },
        ),
        ("plotting.py", {"plot_maps": 1, "plot_stations": 1, **ARCHIVE_TAIL}),
        ("cli/main.py", {}),
    ],
)
def test_an_edit_to_the_package_reruns_the_stages_that_run_it(finished, tmp_path, edit, expected):
    """The workflow imports wavecast from an edited copy (PYTHONPATH): a fix to the growth
    formulas reruns the members and what follows, not the grid or the forcing; a plotting
    edit redraws the plots; the CLI is no stage's code. (Snakemake's own code trigger sees
    only a rule's script, a one-line call into the package.)"""
    copy = tmp_path / "src" / "wavecast"
    shutil.copytree(SNAKEFILE.parent / "src" / "wavecast", copy)
    if edit:
        (copy / edit).write_text((copy / edit).read_text() + "\n# a fix\n")
    assert planned_jobs(finished, env={"PYTHONPATH": str(copy.parent)}) == expected


#: What a bathymetry change reruns: everything but the wind forcing.
BATHYMETRY_RERUNS = {
    "build_grid": 1,
    "run_member": 2,
    "summarise_ensemble": 1,
    "extract_stations": 1,
    "plot_maps": 1,
    "plot_stations": 1,
    **ARCHIVE_TAIL,
}


def test_bathymetry_setting_reruns_the_grid_and_members_not_the_forcing(finished):
    with edited(finished / "config/config.yaml", "shelf_depth_m: 60.0", "shelf_depth_m: 50.0"):
        assert planned_jobs(finished) == BATHYMETRY_RERUNS


def test_a_bathymetry_setting_the_source_ignores_reruns_no_stage(finished):
    """`file` while `source: idealised` (or the basin while `source: file`) changes nothing
    build_grid does: no grid or member reruns (it used to rerun all of them), only the archive
    of the edited config; and the run says the setting is unused and what it reruns."""
    with edited(finished / "config/config.yaml", "file: null", "file: gebco_caribbean.nc"):
        assert planned_jobs(finished) == ARCHIVE_TAIL
        warned = snakemake(finished, "-n", "--cores", "1")
    assert (
        "bathymetry.file is set but not used while bathymetry.source is 'idealised' "
        "(set source: file to use it); changing it reruns only archive_run and report_metrics"
        in warned.stdout
        + warned.stderr
    ), "the warning names the jobs the dry run above planned"


def test_a_number_spelt_another_way_reruns_no_stage(finished):
    """The same values written another way (30 for 30.0, 40.0 for 40, an exponent) rerun only
    the archive of the edited config: Snakemake compares params as written, so validation
    gives each number the one spelling of its schema type."""
    config = finished / "config/config.yaml"
    with (
        edited(config, "rmax_km: 30.0", "rmax_km: 30"),
        edited(config, "  nx: 40", "  nx: 40.0"),
        edited(config, "resolution_km: 10.0", "resolution_km: 1.0e+1"),
        edited(config, "percentile: 90", "percentile: 90.0"),
        edited(config, "lat: 13.1, lon: -61.3", "lat: 13.1, lon: -61.30"),
        edited(config, "lat: 13.0, lon: -59.0", "lat: 13, lon: -59"),
    ):
        assert planned_jobs(finished) == ARCHIVE_TAIL


def test_a_longitude_written_east_of_180_reruns_no_stage(finished):
    """298.7 for -61.3: a station's, an island's or a track fix's longitude reaches the rules
    as the grid's own lon writes it (the grid is at -62), so the respelling reruns only the
    archive of the edited config, not the stations, the grid or the forcing."""
    config = finished / "config/config.yaml"
    with (
        edited(config, "lat: 13.1, lon: -61.3", "lat: 13.1, lon: 298.7"),
        edited(config, "lat: 13.6, lon: -60.9", "lat: 13.6, lon: 299.1"),
        edited(config, "lat: 14.0, lon: -60.0", "lat: 14.0, lon: 300.0"),
    ):
        assert planned_jobs(finished) == ARCHIVE_TAIL


def test_grid_setting_reruns_everything(finished):
    with edited(finished / "config/config.yaml", "resolution_km: 10.0", "resolution_km: 9.0"):
        assert planned_jobs(finished) == {**BATHYMETRY_RERUNS, "make_forcing": 2}


def test_model_setting_reruns_members_but_not_forcing(finished):
    with edited(
        finished / "config/config.yaml", "boundary_fetch_km: 300.0", "boundary_fetch_km: 100.0"
    ):
        jobs = planned_jobs(finished)
    assert "make_forcing" not in jobs and "build_grid" not in jobs
    assert jobs["run_member"] == 2


def test_adding_a_member_runs_only_the_new_one(finished):
    with edited(finished / "config/config.yaml", "members: 2", "members: 3"):
        jobs = planned_jobs(finished)
    assert jobs["make_forcing"] == 1 and jobs["run_member"] == 1
    assert "build_grid" not in jobs


def test_fewer_members_and_stations_leave_nothing_stale_in_the_products(finished, tmp_path):
    """A member dropped and a station removed or renamed: the summary, the station files and
    the archive (manifest and the copy of each product in the tar.gz) hold only what the
    config now names, although the dropped member's own files stay in results/."""
    work = tmp_path / "work"
    shutil.copytree(finished, work, symlinks=True)
    config = work / "config/config.yaml"
    text = config.read_text().replace("members: 2", "members: 1")
    text = text.replace("  - {name: Harbour, lat: 13.1, lon: -61.3}\n", "")
    config.write_text(text.replace("name: Offshore", "name: Far Buoy"))
    snakemake(work, "--cores", "2")

    results = work / "results"
    assert (results / "run_member/member_001.nc").exists()  # documented: left, unread
    with tarfile.open(results / "archive_run/wavecast_products.tar.gz") as tar:
        archived = {name: tar.extractfile(name).read() for name in tar.getnames()}
    for product in ("summarise_ensemble/summary.json", "extract_stations/stations.csv"):
        assert archived[product] == (results / product).read_bytes(), product
    assert json.loads(archived["manifest.json"]) == json.loads(
        (results / "archive_run/manifest.json").read_text()
    )
    summary = json.loads(archived["summarise_ensemble/summary.json"])
    assert summary["members"] == ["000"] and list(summary["member_max_hs_m"]) == ["000"]
    rows = archived["extract_stations/stations.csv"].decode().splitlines()[1:]
    assert {tuple(row.split(",")[:2]) for row in rows} == {("Far Buoy", "000")}
    with xr.open_dataset(results / "extract_stations/stations.nc") as ds:
        assert list(ds["station"].values) == ["Far Buoy"] and list(ds["member"].values) == [0]
    with xr.open_dataset(results / "summarise_ensemble/ensemble.nc") as ds:
        assert list(ds["member"].values) == [0]
    assert verify_manifest(results / "archive_run/manifest.json", results) == []


POSTPROCESS = {
    "summarise_ensemble": 1,
    "extract_stations": 1,
    "plot_maps": 1,
    "plot_stations": 1,
}


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ("plot_stations/station_series.png", {"plot_stations": 1, **ARCHIVE_TAIL}),
        ("summarise_ensemble/summary.json", {"summarise_ensemble": 1, "plot_maps": 1}),
        ("run_member/member_001.nc", {"run_member": 1, **POSTPROCESS}),
        # as an interrupted make_forcing leaves it: Snakemake removed the unfinished output
        ("make_forcing/member_001.nc", {"make_forcing": 1, "run_member": 1, **POSTPROCESS}),
    ],
)
def test_a_deleted_product_is_made_again(finished, product, expected):
    """Snakemake makes again only files a job it runs needs: without every product in the
    default target, a deleted map or member stayed missing after a run that reported
    success."""
    path = finished / "results" / product
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    try:
        jobs = planned_jobs(finished)
    finally:
        aside.rename(path)
    assert jobs == {**expected, **ARCHIVE_TAIL}


def test_every_forcing_starts_before_the_first_member(tmp_path):
    """make_forcing's `priority`: on fewer cores than members the forcings go first (after
    build_grid, whose priority is higher still), so the last members run side by side (without
    it Snakemake prefers the member, whose input is larger, and the last member runs alone
    behind its own forcing)."""
    work = make_workdir("small", tmp_path)
    config = work / "config/config.yaml"
    config.write_text(config.read_text().replace("members: 2", "members: 3"))
    proc = snakemake(work, "--cores", "1", "--until", "run_member")
    started = re.findall(r"^(?:local)?rule (\w+):$", proc.stdout + proc.stderr, re.M)
    assert started.count("make_forcing") == started.count("run_member") == 3, started
    last_forcing = max(i for i, rule in enumerate(started) if rule == "make_forcing")
    assert last_forcing < started.index("run_member"), started
    assert started[0] == "build_grid", started  # its `priority`: every member waits for it


def write_bathymetry(path: Path, depth_m: float) -> None:
    lat = np.linspace(11.5, 16.5, 60)
    lon = np.linspace(-62.5, -57.5, 60)
    depth = np.full((lat.size, lon.size), depth_m)
    depth[:, :8] = -5.0  # land to the west
    ds = xr.Dataset(
        {"depth": (("lat", "lon"), depth, {"units": "m", "positive": "down"})},
        coords={
            "lat": ("lat", lat, {"units": "degrees_north"}),
            "lon": ("lon", lon, {"units": "degrees_east"}),
        },
    )
    ds.to_netcdf(path)


def small_case_on_a_bathymetry_file(work: Path) -> Path:
    """The small case in ``work``, its depths read from ``work/bathy.nc`` (40 m); returns work."""
    make_workdir("small", work)
    write_bathymetry(work / "bathy.nc", 40.0)
    config = work / "config/config.yaml"
    config.write_text(
        config.read_text()
        .replace("source: idealised", "source: file")
        .replace("file: null", "file: bathy.nc")
    )
    return work


def test_replacing_the_bathymetry_file_reruns_all_that_depends_on_it(tmp_path):
    work = small_case_on_a_bathymetry_file(tmp_path)
    snakemake(work, "--cores", "2")
    assert planned_jobs(work) == {}
    # the idealised basin kept beside the file is not built: editing it reruns no stage
    with edited(work / "config/config.yaml", "coast_width_km: 40.0", "coast_width_km: 30.0"):
        assert planned_jobs(work) == ARCHIVE_TAIL
    bathy = work / "bathy.nc"
    original, made = bathy.read_bytes(), bathy.stat()
    # a replacement older than the grid (`cp -p`, `tar x`, `mv` of a download) is seen too
    write_bathymetry(bathy, 20.0)
    os.utime(bathy, ns=(made.st_atime_ns, made.st_mtime_ns - 3_600_000_000_000))
    assert planned_jobs(work) == BATHYMETRY_RERUNS
    # the file the results were made from, put back with its time, reruns nothing
    bathy.write_bytes(original)
    os.utime(bathy, ns=(made.st_atime_ns, made.st_mtime_ns))
    assert planned_jobs(work) == {}
    time.sleep(1.1)  # a new mtime, as a real replacement would have
    write_bathymetry(bathy, 20.0)
    assert planned_jobs(work) == BATHYMETRY_RERUNS


def localdev_command(work: Path) -> list[str]:
    """The demo's command on one core, as a scientist runs it, for the workflow in ``work``."""
    profile = SNAKEFILE.parent / "profiles/localdev"
    return [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(SNAKEFILE),
        "-d",
        str(work),
        "--profile",
        str(profile),
        "--cores",
        "1",
    ]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_run_resumes_without_half_written_outputs(tmp_path, sig):
    """Interrupt once both forcings are written (one core: one after the other); the rerun
    keeps the first one, whose job had finished before the second started.

    After SIGKILL Snakemake's lock stays behind; `--unlock` (docs/scientists.md) removes it.
    """
    work = make_workdir("small", tmp_path)
    cmd = localdev_command(work)
    output = tmp_path / "snakemake.out"
    with output.open("w") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=venv_env(), preexec_fn=default_sigint
        )
    forcings = [work / f"results/make_forcing/member_{m:03d}.nc" for m in (0, 1)]
    for _ in range(1200):
        if all(f.exists() for f in forcings) or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    if sig == signal.SIGINT:
        press_ctrl_c(proc, output)
    else:
        proc.send_signal(sig)
    proc.wait(timeout=120)
    first = min(forcings, key=lambda f: f.stat().st_mtime_ns)
    first_mtime = first.stat().st_mtime_ns
    for nc in (work / "results").rglob("*.nc"):  # whatever exists is whole and readable
        with xr.open_dataset(nc) as ds:
            ds.load()
    assert not list((work / "results").rglob("*.tmp*")), "a temporary file was left behind"
    assert not (work / "results/archive_run").exists()
    if sig == signal.SIGKILL:
        subprocess.run([*cmd, "--unlock"], check=True, capture_output=True, env=venv_env())
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=venv_env())
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert first.stat().st_mtime_ns == first_mtime, "a finished output was redone"
    assert verify_manifest(work / "results/archive_run/manifest.json", work / "results") == []
    assert planned_jobs(work) == {}


def _live_processes(session: int) -> list[str]:
    """Command lines of the processes of a session that still run (zombies left out)."""
    ps = subprocess.run(
        ["ps", "-o", "stat=,args=", "-s", str(session)], capture_output=True, text=True
    )
    return [line for line in ps.stdout.splitlines() if line.strip() and line.split()[0][0] != "Z"]


@pytest.mark.parametrize("whole_group", [True, False], ids=["group", "snakemake-alone"])
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_hang_up_or_terminate_stops_the_run_and_the_same_command_resumes(
    tmp_path, sig, whole_group
):
    """SIGHUP (a closed terminal, a dropped SSH session) or SIGTERM (`kill`, `timeout`, a batch
    system) as a member starts, to the whole process group (the terminal's foreground job:
    Snakemake and its jobs) or to Snakemake alone.

    Either way Snakemake stops as its SIGTERM handler means it to (wavecast.hooks.
    stop_gently_on_term_and_hang_up): no job is left running unwatched, the lock goes, and the
    same command resumes without `--unlock`. Snakemake's own default for SIGHUP ended it on the
    spot, lock and incomplete-output marks left behind.
    """
    work = make_workdir("small", tmp_path)
    cmd = localdev_command(work)
    output = tmp_path / "snakemake.out"
    with output.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=venv_env(),
            preexec_fn=default_sigint,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    forcings = [work / f"results/make_forcing/member_{m:03d}.nc" for m in (0, 1)]
    for _ in range(1200):
        if all(f.exists() for f in forcings) or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    if whole_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    proc.wait(timeout=120)
    log = output.read_text(errors="replace")
    assert proc.returncode == 1, log[-3000:]
    assert "Will exit after finishing currently running jobs" in log
    assert _live_processes(proc.pid) == [], "a job of the stopped run is still running"
    assert not list((work / ".snakemake/locks").glob("*")), "the lock was left behind"
    for nc in (work / "results").rglob("*.nc"):  # whatever exists is whole and readable
        with xr.open_dataset(nc) as ds:
            ds.load()
    assert not (work / "results/archive_run").exists()
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=venv_env())
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert not list((work / "results").rglob("*.tmp*")), "a temporary file was left behind"
    assert verify_manifest(work / "results/archive_run/manifest.json", work / "results") == []
    assert planned_jobs(work) == {}
