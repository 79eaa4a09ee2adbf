"""Shared pytest fixtures. Add yours in a section of its own."""

from __future__ import annotations

from typing import Any

import pytest

from .demo_config import demo_config


@pytest.fixture(autouse=True)
def no_installed_profiles(tmp_path_factory, monkeypatch) -> None:
    """Snakemake's and wavecast's user and site config directories point into the test's own
    scratch space: no test reads or writes the machine's installed profiles."""
    config = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config / "user"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(config / "site"))


# --- science config slices (wavecast.grid, .cyclone, .model) --------------------------------


@pytest.fixture
def grid_cfg() -> dict[str, Any]:
    """A small 40 x 30 grid at 10 km: fast enough for every test."""
    return {"origin": {"lat": 15.0, "lon": -65.0}, "nx": 40, "ny": 30, "resolution_km": 10.0}


@pytest.fixture
def bathy_cfg() -> dict[str, Any]:
    """Idealised basin: 50 km of land in the west, a 60 km shelf, one island."""
    return {
        "source": "idealised",
        "file": None,
        "idealised": {
            "coast_side": "west",
            "coast_width_km": 50.0,
            "shelf_width_km": 60.0,
            "shelf_depth_m": 80.0,
            "basin_depth_m": 3000.0,
            "islands": [{"lat": 16.5, "lon": -62.0, "radius_km": 15.0}],
        },
    }


@pytest.fixture
def cyclone_cfg() -> dict[str, Any]:
    """A 60 hPa storm moving north-west across the small grid over 12 hourly steps."""
    return {
        "start": "2026-09-01T00:00:00",
        "hours": 12,
        "track": [
            {"time": "2026-09-01T00:00:00", "lat": 15.8, "lon": -61.5},
            {"time": "2026-09-02T00:00:00", "lat": 17.0, "lon": -63.5},
        ],
        "pressure_deficit_hpa": 60.0,
        "rmax_km": 30.0,
        "holland_b": 1.6,
        "air_density": 1.15,
        "surface_wind_factor": 0.8,
        "inflow_angle_deg": 20.0,
        "background_wind": {"speed_ms": 5.0, "direction_deg": 90.0},
    }


@pytest.fixture
def ensemble_cfg() -> dict[str, Any]:
    return {
        "members": 8,
        "seed": 20261121,
        "pressure_deficit_spread": 0.1,
        "rmax_spread": 0.15,
        "track_offset_km": 25.0,
    }


@pytest.fixture
def model_cfg() -> dict[str, Any]:
    return {"boundary_fetch_km": 300.0, "duration_limit_hours": 12.0, "min_wind_ms": 0.5}


# --- the demo config (config/config.yaml) -----------------------------------------------------


@pytest.fixture
def demo() -> dict[str, Any]:
    """A fresh copy of the demo's science config, for a test to break."""
    return demo_config()
