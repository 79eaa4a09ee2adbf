"""One function per workflow rule: named files and config slices in, files out.

``workflow/scripts/<rule>.py`` call :func:`run` with the ``snakemake`` object; ``run_member`` is
a shell rule (so an MPI launcher can prefix it) and reaches :func:`run_member` through
``python -m wavecast.stages run_member``. Every output is written atomically, so an interrupted
job leaves no half-written file behind.

Heavy imports (xarray, matplotlib, the model) happen inside the stage functions, so a job pays
only for what its stage uses: archive_run never loads xarray (≈ 0.3 s to import).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import deadline
from .hooks import skip_final_collection

log = logging.getLogger("wavecast")


def build_grid(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from .grid import build_grid as _build
    from .io import write_netcdf_atomic

    grid = _build(params["grid"], params["bathymetry"])
    land = float(grid["land"].mean())
    log.info("grid %s x %s, %.1f%% land", grid.sizes["x"], grid.sizes["y"], 100 * land)
    write_netcdf_atomic(grid, outputs["grid"])


def make_forcing(inputs: Mapping, outputs: Mapping, params: Mapping, member: int) -> None:
    from .cyclone import make_forcing as _make
    from .grid import grid_coordinates
    from .io import write_netcdf_atomic

    coords = grid_coordinates(params["grid"])
    forcing = _make(coords, params["cyclone"], params["ensemble"], member)
    log.info("member %03d: max wind %.1f m/s", member, float(forcing["wspd"].max()))
    write_netcdf_atomic(forcing, outputs["forcing"])


def run_member(grid_path: str, forcing_path: str, output_path: str, model: Mapping) -> None:
    from .io import open_netcdf, write_netcdf_atomic
    from .model import run_member as _run

    with open_netcdf(grid_path) as g, open_netcdf(forcing_path) as f:
        grid, forcing = g.load(), f.load()
    result = _run(grid, forcing, dict(model))
    log.info("max Hs %.2f m", float(result["hs"].max()))
    write_netcdf_atomic(result, output_path)


def summarise_ensemble(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from .summarise import summarise_ensemble as _summarise
    from .summarise import write_summary

    ds, summary = _summarise([Path(p) for p in inputs["members"]], params["postprocess"])
    summary["scenario"] = params["scenario"]
    write_summary(ds, summary, outputs["ensemble"], outputs["summary"])


def extract_stations(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from .stations import extract_stations as _extract
    from .stations import write_stations

    ds = _extract([Path(p) for p in inputs["members"]], list(params["stations"]))
    write_stations(ds, outputs["csv"], outputs["nc"])


def plot_maps(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from . import plotting
    from .io import open_netcdf

    cfg = dict(params["plotting"], scenario=params["scenario"])
    with open_netcdf(inputs["grid"]) as g, open_netcdf(inputs["ensemble"]) as e:
        grid, ens = g.load(), e.load()
    plotting.plot_max_hs_map(ens, grid, list(params["stations"]), outputs["map"], cfg)
    plotting.plot_member_maxima(ens, grid, outputs["members"], cfg)


def plot_stations(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from . import plotting
    from .io import open_netcdf

    cfg = dict(params["plotting"], scenario=params["scenario"])
    with open_netcdf(inputs["stations"]) as s:
        stations = s.load()
    plotting.plot_station_series(stations, outputs["stations"], cfg)


def archive_run(inputs: Mapping, outputs: Mapping, params: Mapping) -> None:
    from .archive import archive_run as _archive
    from .archive import container_record

    products = [Path(p) for key, p in inputs.items() if key != "configs"]
    _archive(
        products=products,
        base_dir=Path("results"),
        # as read when the workflow loaded; the files' inputs only make an edit rerun this job
        config_files=json.loads(params["config_files"]),
        command_line=json.loads(params["command_line"]),
        config_slice=json.loads(params["science"]),
        container=container_record(params["image"], os.environ, params["container_runtime"]),
        out_tar=Path(outputs["archive"]),
        out_manifest=Path(outputs["manifest"]),
    )


def _setup_logging(log_path: str | None) -> None:
    """Log to the rule's log file, with timestamps. Standard error is routed there at the file
    descriptor, so what C libraries (HDF5, netCDF) and warnings write lands in the log too."""
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        sys.stderr.flush()
        os.dup2(fd, 2)
        os.close(fd)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run(snakemake: Any, stage: Callable[..., None], **extra: Any) -> None:
    """Entry point for ``workflow/scripts``: route stderr to the log, call one stage."""
    _setup_logging(snakemake.log[0] if snakemake.log else None)
    log.info(
        "%s: start (rule %s, wildcards %s)",
        stage.__name__,
        snakemake.rule,
        dict(snakemake.wildcards.items()),
    )
    _call_within_limit(
        stage.__name__,
        deadline.limit_seconds(snakemake.resources),
        lambda: stage(
            dict(snakemake.input.items()),
            dict(snakemake.output.items()),
            dict(snakemake.params.items()),
            **extra,
        ),
    )


def _call_within_limit(name: str, limit: int | None, call: Callable[[], None]) -> None:
    """Call one stage under its runtime limit (``None``: none), log its time, and let the
    process exit without a last gc pass: the stage's outputs are written and closed.

    At the limit the traceback goes to the log and the process exits with
    :data:`deadline.EXIT_STATUS`, the status the metrics and the retry read as a timeout."""
    deadline.arm(limit)
    start = time.perf_counter()
    try:
        call()
    except deadline.RuntimeLimitReached as stop:
        deadline.disarm()
        log.error(
            "%s: stopped at its runtime limit (exit status %d)",
            name,
            deadline.EXIT_STATUS,
            exc_info=stop,
        )
        deadline.report_stop(stop)
        raise SystemExit(deadline.EXIT_STATUS) from None
    deadline.disarm()  # outputs are complete: a limit reached now would only discard them
    log.info("%s: done in %.1f s", name, time.perf_counter() - start)
    skip_final_collection()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wavecast.stages run_member ...`` (what the run_member shell rule calls)."""
    parser = argparse.ArgumentParser(prog="python -m wavecast.stages")
    sub = parser.add_subparsers(dest="stage", required=True)
    member = sub.add_parser("run_member", help="run the reference model for one member")
    member.add_argument("--grid", required=True)
    member.add_argument("--forcing", required=True)
    member.add_argument("--output", required=True)
    member.add_argument("--model", required=True, help="model settings as JSON")
    member.add_argument("--runtime", type=int, default=0, help="the job's runtime in minutes")
    member.add_argument(
        "--enforce-runtime",
        type=int,
        default=0,
        help="1: stop the job after --runtime minutes (executors that do not enforce it)",
    )
    args = parser.parse_args(argv)
    _setup_logging(None)
    # the same first line as the script stages': which member, with what, under which limit
    log.info(
        "run_member: start (forcing %s, grid %s, model %s, runtime %s min%s)",
        args.forcing,
        args.grid,
        args.model,
        args.runtime,
        ", enforced" if args.enforce_runtime else "",
    )
    _call_within_limit(
        "run_member",
        deadline.limit_seconds({"runtime": args.runtime, deadline.RESOURCE: args.enforce_runtime}),
        lambda: run_member(args.grid, args.forcing, args.output, json.loads(args.model)),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
