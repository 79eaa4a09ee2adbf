"""Throughput and peak memory of the reference model (``wavecast.model.run_member``).

For each grid size (100^2, 200^2, 400^2, 800^2 cells over a fixed 800 km x 800 km basin, so the
storm covers the same fraction of every grid) and 72 hourly steps, a **fresh subprocess** builds
the grid, makes one member's cyclone forcing and runs the model. It reports wall times per phase,
throughput in cell-hours per second, and the process's peak resident memory
(``resource.getrusage(...).ru_maxrss``, which includes the interpreter and libraries; the RSS
right after imports is reported as ``baseline_rss_mib``). The results file also records the
git commit and uncommitted changes under src/ and benchmarks/, the machine, ``measured_at`` and
the load average before and after the run.

Usage::

    python benchmarks/model_throughput.py            # all sizes, writes results/…json
    python benchmarks/model_throughput.py --sizes 100 200 --hours 24 --output /tmp/x.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchenv import git_state, load_average, machine, measured_at, write_result

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "model_throughput.json"
DEFAULT_SIZES = (100, 200, 400, 800)
DOMAIN_KM = 800.0
MEMORY_BUDGET_MIB = 2048.0

GRID_ORIGIN = {"lat": 14.0, "lon": -68.0}
BATHYMETRY = {
    "source": "idealised",
    "file": None,
    "idealised": {
        "coast_side": "west",
        "coast_width_km": 60.0,
        "shelf_width_km": 80.0,
        "shelf_depth_m": 80.0,
        "basin_depth_m": 3000.0,
        "islands": [
            {"lat": 16.5, "lon": -64.5, "radius_km": 20.0},
            {"lat": 18.0, "lon": -62.5, "radius_km": 12.0},
        ],
    },
}
ENSEMBLE = {
    "members": 8,
    "seed": 20261121,
    "pressure_deficit_spread": 0.1,
    "rmax_spread": 0.15,
    "track_offset_km": 25.0,
}
MODEL = {"boundary_fetch_km": 300.0, "duration_limit_hours": 12.0, "min_wind_ms": 0.5}


def cyclone_cfg(hours: int) -> dict[str, Any]:
    return {
        "start": "2026-09-01T00:00:00",
        "hours": hours,
        "track": [
            {"time": "2026-09-01T00:00:00", "lat": 14.5, "lon": -61.0},
            {"time": "2026-09-04T00:00:00", "lat": 20.5, "lon": -66.5},
        ],
        "pressure_deficit_hpa": 60.0,
        "rmax_km": 30.0,
        "holland_b": 1.6,
        "air_density": 1.15,
        "surface_wind_factor": 0.8,
        "inflow_angle_deg": 20.0,
        "background_wind": {"speed_ms": 5.0, "direction_deg": 90.0},
    }


def rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(n: int, hours: int) -> dict[str, Any]:
    """Build, force and run one n x n grid in this process; return the measurements."""
    import numpy as np

    from wavecast.cyclone import make_forcing
    from wavecast.fetch import DEFAULT_SECTORS, fetch_table
    from wavecast.grid import build_grid
    from wavecast.model import grid_spacing_m, run_member

    baseline = rss_mib()
    grid_cfg = {"origin": GRID_ORIGIN, "nx": n, "ny": n, "resolution_km": DOMAIN_KM / n}
    t0 = time.perf_counter()
    grid = build_grid(grid_cfg, BATHYMETRY)
    t1 = time.perf_counter()
    forcing = make_forcing(grid, cyclone_cfg(hours), ENSEMBLE, 1)
    t2 = time.perf_counter()
    land = grid["land"].values.astype(bool)
    fetch_table(land, grid_spacing_m(grid), MODEL["boundary_fetch_km"] * 1000.0, DEFAULT_SECTORS)
    t3 = time.perf_counter()
    out = run_member(grid, forcing, MODEL)  # the table is cached: this is the time loop
    t4 = time.perf_counter()
    cells = n * n
    model_s = t4 - t2
    return {
        "n": n,
        "cells": cells,
        "hours": hours,
        "build_grid_s": round(t1 - t0, 3),
        "make_forcing_s": round(t2 - t1, 3),
        "fetch_table_s": round(t3 - t2, 3),
        "time_loop_s": round(t4 - t3, 3),
        "run_member_s": round(model_s, 3),
        "throughput_cell_hours_per_s": round(cells * hours / model_s),
        "ns_per_cell_hour": round(1e9 * model_s / (cells * hours), 1),
        "peak_rss_mib": round(rss_mib(), 1),
        "baseline_rss_mib": round(baseline, 1),
        "max_hs_m": round(float(np.nanmax(out["hs"].values)), 3),
    }


def measure(n: int, hours: int) -> dict[str, Any]:
    """Run :func:`run_one` in a fresh interpreter so peak memory belongs to one size only."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--hours", str(hours)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"size {n} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'grid':>9} {'cells':>8} {'forcing s':>9} {'fetch s':>8} {'loop s':>7} "
        f"{'model s':>8} {'cell-h/s':>11} {'ns/cell-h':>9} {'peak MiB':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['n']:>4}x{r['n']:<4} {r['cells']:>8} {r['make_forcing_s']:>9.2f} "
            f"{r['fetch_table_s']:>8.2f} {r['time_loop_s']:>7.2f} {r['run_member_s']:>8.2f} "
            f"{r['throughput_cell_hours_per_s']:>11,} {r['ns_per_cell_hour']:>9.0f} "
            f"{r['peak_rss_mib']:>9.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="cells a side"
    )
    parser.add_argument("--hours", type=int, default=72, help="hourly time steps")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default: %(default)s")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.child, args.hours)))
        return 0

    import numpy as np
    import xarray as xr

    where = machine(numpy=np.__version__, xarray=xr.__version__)
    rows = [measure(n, args.hours) for n in args.sizes]

    # run time ~ cells^exponent (least squares on logs): 1.0 is linear scaling
    cells = np.log([r["cells"] for r in rows])
    seconds = np.log([r["run_member_s"] for r in rows])
    exponent = float(np.polyfit(cells, seconds, 1)[0]) if len(rows) > 1 else float("nan")
    result = {
        "benchmark": "wavecast.model.run_member throughput (one member, fresh process per size)",
        "domain_km": DOMAIN_KM,
        "model_cfg": MODEL,
        "memory_budget_mib": MEMORY_BUDGET_MIB,
        "all_within_budget": all(r["peak_rss_mib"] <= MEMORY_BUDGET_MIB for r in rows),
        "run_time_scaling_exponent": round(exponent, 3),
        "rows": rows,
        "git": git_state("src", "benchmarks"),
        "machine": {**where, "load_average_1_5_15min_after": load_average()},
        "measured_at": measured_at(),
    }
    write_result(args.output, result)
    print(table(rows))
    print(
        f"run_member time ~ cells^{exponent:.2f} (1.00 = linear); "
        f"peak within {MEMORY_BUDGET_MIB:.0f} MiB: {result['all_within_budget']}"
    )
    print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
