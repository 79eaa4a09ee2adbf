"""Holland (1980) winds, track interpolation, ensemble perturbations and forcing fields."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from wavecast.cyclone import (
    OMEGA,
    from_direction,
    holland_gradient_wind,
    interpolate_track,
    make_forcing,
    member_parameters,
    parse_time,
    wind_uv,
)
from wavecast.grid import build_grid

DP, RMAX, B, RHO = 6_000.0, 30_000.0, 1.6, 1.15


def holland_reference(r: float, dp: float, rmax: float, b: float, lat: float, rho: float) -> float:
    """Holland (1980) gradient wind as printed, one radius at a time.

    Holland writes it for cyclonic flow with f > 0 (northern hemisphere); cyclonic flow in the
    southern hemisphere has the same balance with |f| (f < 0 there, the flow turns clockwise).
    """
    f = 2 * OMEGA * abs(math.sin(math.radians(lat)))
    x = (rmax / r) ** b
    return math.sqrt((b / rho) * x * dp * math.exp(-x) + (r * f / 2) ** 2) - r * f / 2


def test_gradient_wind_matches_the_formula() -> None:
    radii = np.geomspace(100.0, 800_000.0, 200)
    for lat in (5.0, 20.0, 35.0, -20.0, -35.0):
        got = holland_gradient_wind(radii, DP, RMAX, B, lat, RHO)
        expected = [holland_reference(r, DP, RMAX, B, lat, RHO) for r in radii]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_maximum_is_exactly_at_rmax_without_coriolis() -> None:
    """With f = 0, V^2 ~ x exp(-x), x = (Rmax/r)^B: maximum sqrt(B dp / (rho e)) at r = Rmax."""
    vmax = holland_gradient_wind(RMAX, DP, RMAX, B, 0.0, RHO)
    assert vmax == pytest.approx(math.sqrt(B * DP / (RHO * math.e)), rel=1e-12)
    for eps in (1e-3, 1e-5):
        assert holland_gradient_wind(RMAX * (1 - eps), DP, RMAX, B, 0.0, RHO) < vmax
        assert holland_gradient_wind(RMAX * (1 + eps), DP, RMAX, B, 0.0, RHO) < vmax


def test_maximum_within_one_step_of_rmax_with_coriolis() -> None:
    """Coriolis moves the maximum slightly inward (by ~1% at 20 N): within one 1 km step."""
    step = 1_000.0
    radii = np.arange(step, 200_000.0, step)
    speed = holland_gradient_wind(radii, DP, RMAX, B, 20.0, RHO)
    assert abs(radii[np.argmax(speed)] - RMAX) <= step
    fine = np.arange(20_000.0, 40_000.0, 10.0)
    r_peak = fine[np.argmax(holland_gradient_wind(fine, DP, RMAX, B, 20.0, RHO))]
    assert 0.98 * RMAX < r_peak < RMAX


def test_calm_eye() -> None:
    assert holland_gradient_wind(0.0, DP, RMAX, B, 20.0, RHO) == 0.0
    assert holland_gradient_wind(1.0, DP, RMAX, B, 20.0, RHO) < 1e-6
    speeds = holland_gradient_wind(np.array([0.0, 1e-300, 10.0]), DP, RMAX, B, 20.0, RHO)
    assert np.all(np.isfinite(speeds)) and np.all(speeds >= 0)


def test_same_profile_in_both_hemispheres() -> None:
    radii = np.linspace(1e3, 3e5, 50)
    np.testing.assert_array_equal(
        holland_gradient_wind(radii, DP, RMAX, B, -18.0, RHO),
        holland_gradient_wind(radii, DP, RMAX, B, 18.0, RHO),
    )


@pytest.mark.parametrize(("center_lat", "expected_from"), [(20.0, 160.0), (-20.0, 20.0)])
def test_rotation_sense_and_inflow(center_lat: float, expected_from: float) -> None:
    """East of the centre the wind blows north (NH, counter-clockwise) or south (SH,
    clockwise), turned 20 degrees towards the centre, i.e. towards the west."""
    lat, lon = np.array([center_lat]), np.array([-60.0 + 0.5])
    u, v = wind_uv(lat, lon, center_lat, -60.0, DP, RMAX, B, RHO, 0.8, 20.0)
    assert from_direction(u, v)[0] == pytest.approx(expected_from, abs=1e-9)


def test_surface_speed_is_reduced_gradient_wind() -> None:
    lat = np.array([20.0, 20.0 + math.degrees(RMAX / 6_371_000.0)])
    u, v = wind_uv(lat, np.array([-60.0, -60.0]), 20.0, -60.0, DP, RMAX, B, RHO, 0.8, 20.0)
    assert np.hypot(u, v)[0] == 0.0  # the centre
    expected = 0.8 * holland_gradient_wind(RMAX, DP, RMAX, B, 20.0, RHO)
    assert np.hypot(u, v)[1] == pytest.approx(expected, rel=1e-9)


def test_from_direction_convention() -> None:
    # wind blowing towards the east comes from the west (270), towards the south from north (0)
    np.testing.assert_allclose(
        from_direction(np.array([1.0, 0.0, -1.0, 0.0]), np.array([0.0, -1.0, 0.0, 1.0])),
        [270.0, 0.0, 90.0, 180.0],
    )
    assert from_direction(np.array([0.0]), np.array([0.0]))[0] == 0.0


def test_from_direction_stays_below_360_for_a_wind_from_due_north() -> None:
    """-1e-17 degrees % 360 is 360.0 in floating point; the documented range is [0, 360)."""
    got = from_direction(np.array([1e-20, 1.7e-15, -1e-20]), np.array([-7.0, -7.0, -7.0]))
    np.testing.assert_allclose(got, [0.0, 0.0, 0.0], atol=1e-12)
    assert np.all((got >= 0.0) & (got < 360.0))


def test_background_wind_from_360_is_written_as_north(
    grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    """The schema allows direction_deg 360; sin(2 pi) = -2.4e-16 made the file say 360.0."""
    calm_storm = {
        **cyclone_cfg,
        "pressure_deficit_hpa": 0.0,
        "background_wind": {"speed_ms": 7.0, "direction_deg": 360.0},
    }
    ds = make_forcing(grid, calm_storm, ensemble_cfg, 0)
    np.testing.assert_array_equal(ds["wdir"].values, 0.0)
    np.testing.assert_allclose(ds["wspd"].values, 7.0, rtol=1e-6)


def test_a_wind_a_hair_west_of_north_is_written_as_north(
    grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    """359.99999 degrees is below 360 in float64 but rounds to 360.0 in the file's float32:
    the file holds [0, 360) too, so it says 0 (north) there."""
    calm_storm = {
        **cyclone_cfg,
        "pressure_deficit_hpa": 0.0,
        "background_wind": {"speed_ms": 7.0, "direction_deg": 359.99999},
    }
    wdir = make_forcing(grid, calm_storm, ensemble_cfg, 0)["wdir"].values
    assert wdir.dtype == np.float32
    np.testing.assert_array_equal(wdir, 0.0)


def test_track_interpolation_linear_in_time() -> None:
    track = [
        {"time": "2026-09-01T00:00:00", "lat": 10.0, "lon": -50.0},
        {"time": "2026-09-01T10:00:00", "lat": 12.0, "lon": -55.0},
    ]
    times = np.array(["2026-09-01T00", "2026-09-01T03", "2026-09-01T10"], dtype="datetime64[ns]")
    lat, lon = interpolate_track(track, times)
    np.testing.assert_allclose(lat, [10.0, 10.6, 12.0], rtol=1e-12)
    np.testing.assert_allclose(lon, [-50.0, -51.5, -55.0], rtol=1e-12)


def test_track_holds_end_fixes_and_crosses_the_dateline() -> None:
    track = [
        {"time": "2026-09-01T12:00:00", "lat": 15.0, "lon": 179.0},
        {"time": dt.datetime(2026, 9, 1, 14), "lat": 16.0, "lon": -179.0},  # YAML datetime
    ]
    times = np.array(["2026-09-01T00", "2026-09-01T13", "2026-09-02T00"], dtype="datetime64[ns]")
    lat, lon = interpolate_track(track, times)
    np.testing.assert_allclose(lat, [15.0, 15.5, 16.0])
    np.testing.assert_allclose(lon, [179.0, -180.0, -179.0])


def test_parse_time_forms() -> None:
    expected = np.datetime64("2026-09-01T06:00:00", "s")
    assert parse_time("2026-09-01T06:00:00") == expected
    assert parse_time("2026-09-01T08:00:00+02:00") == expected
    assert parse_time("2026-09-01T06:00:00Z") == expected
    assert parse_time(dt.datetime(2026, 9, 1, 6)) == expected


def test_member_zero_is_the_unperturbed_control(
    cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    p = member_parameters(cyclone_cfg, ensemble_cfg, 0)
    assert p["pressure_deficit_hpa"] == cyclone_cfg["pressure_deficit_hpa"]
    assert p["rmax_km"] == cyclone_cfg["rmax_km"]
    assert p["holland_b"] == cyclone_cfg["holland_b"]
    assert p["track_offset_east_km"] == p["track_offset_north_km"] == 0.0


def test_the_control_reads_no_ensemble_setting(
    cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any], grid
) -> None:
    """make_forcing gives member 000 no ensemble slice (config.member_ensemble), so a seed or
    spread edit does not rerun it: its storm and file are the same with the slice or without."""
    from wavecast.config import member_ensemble

    assert member_ensemble(ensemble_cfg, 0) == {}
    assert member_ensemble(ensemble_cfg, 1) == {
        k: v for k, v in ensemble_cfg.items() if k != "members"
    }
    given = member_ensemble(ensemble_cfg, 0)
    assert member_parameters(cyclone_cfg, given, 0) == member_parameters(
        cyclone_cfg, ensemble_cfg, 0
    )
    whole = make_forcing(grid, cyclone_cfg, ensemble_cfg, 0)
    assert whole.identical(make_forcing(grid, cyclone_cfg, given, 0))
    assert "seed" not in whole.attrs


def test_member_parameters_reproducible_and_distinct(
    cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    members = [member_parameters(cyclone_cfg, ensemble_cfg, m) for m in range(1, 8)]
    again = [member_parameters(cyclone_cfg, ensemble_cfg, m) for m in range(1, 8)]
    assert members == again
    assert len({p["pressure_deficit_hpa"] for p in members}) == 7
    assert len({p["track_offset_cross_km"] for p in members}) == 7
    other_seed = member_parameters(cyclone_cfg, {**ensemble_cfg, "seed": 1}, 1)
    assert other_seed != members[0]


def test_member_perturbations_follow_the_config(
    cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    p = member_parameters(cyclone_cfg, ensemble_cfg, 3)
    z = np.clip(np.random.default_rng([ensemble_cfg["seed"], 3]).standard_normal(3), -3, 3)
    assert p["pressure_deficit_hpa"] == pytest.approx(60.0 * (1 + 0.1 * z[0]), rel=1e-12)
    assert p["rmax_km"] == pytest.approx(30.0 * (1 + 0.15 * z[1]), rel=1e-12)
    assert p["track_offset_cross_km"] == pytest.approx(25.0 * z[2], rel=1e-12)
    # the shift is perpendicular to the motion (north-west here)
    shift = np.hypot(p["track_offset_east_km"], p["track_offset_north_km"])
    assert shift == pytest.approx(abs(p["track_offset_cross_km"]), rel=1e-12)
    no_spread = {**ensemble_cfg, "pressure_deficit_spread": 0.0, "rmax_spread": 0.0}
    assert member_parameters(cyclone_cfg, no_spread, 3)["rmax_km"] == 30.0


def test_member_outside_the_ensemble_is_refused(
    cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="member 8 is outside 0..7"):
        member_parameters(cyclone_cfg, ensemble_cfg, 8)


@pytest.fixture
def grid(grid_cfg: dict[str, Any], bathy_cfg: dict[str, Any]):
    return build_grid(grid_cfg, bathy_cfg)


def test_forcing_dims_times_and_attributes(
    grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    ds = make_forcing(grid, cyclone_cfg, ensemble_cfg, 2)
    assert ds["wspd"].dims == ds["wdir"].dims == ("time", "y", "x")
    assert ds["wspd"].shape == (12, 30, 40)
    assert ds["wspd"].attrs["units"] == "m s-1"
    assert ds["wspd"].attrs["standard_name"] == "wind_speed"
    assert ds["wdir"].attrs["units"] == "degree"
    assert ds["wdir"].attrs["standard_name"] == "wind_from_direction"
    assert ds["time"].values[0] == np.datetime64("2026-09-01T00:00:00")
    np.testing.assert_array_equal(np.diff(ds["time"].values), np.timedelta64(1, "h"))
    params = member_parameters(cyclone_cfg, ensemble_cfg, 2)
    for key, value in params.items():
        assert ds.attrs[key] == value
    assert float(ds["wspd"].max()) > 30.0
    assert float(ds["wdir"].min()) >= 0.0 and float(ds["wdir"].max()) < 360.0


def test_background_wind_alone(
    grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    calm_storm = {
        **cyclone_cfg,
        "pressure_deficit_hpa": 0.0,
        "background_wind": {"speed_ms": 7.0, "direction_deg": 250.0},
    }
    ds = make_forcing(grid, calm_storm, ensemble_cfg, 0)
    np.testing.assert_allclose(ds["wspd"].values, 7.0, rtol=1e-6)
    np.testing.assert_allclose(ds["wdir"].values, 250.0, rtol=1e-6)


def test_forcing_symmetric_about_a_still_centre(
    grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    jc, ic = 15, 20
    lat_c, lon_c = float(grid["lat"][jc, ic]), float(grid["lon"][jc, ic])
    still = {
        **cyclone_cfg,
        "hours": 1,
        "track": [{"time": cyclone_cfg["start"], "lat": lat_c, "lon": lon_c}],
        "background_wind": {"speed_ms": 0.0, "direction_deg": 0.0},
    }
    ds = make_forcing(grid, still, ensemble_cfg, 0)
    speed = ds["wspd"].values[0]
    wdir = ds["wdir"].values[0]
    assert speed[jc, ic] == 0.0
    window = (slice(jc - 14, jc + 15), slice(ic - 14, ic + 15))
    block = speed[window]
    np.testing.assert_allclose(block, block[::-1, ::-1], rtol=1e-6)  # point mirror
    np.testing.assert_allclose(block, block[::-1, :], rtol=1e-6)  # north-south mirror
    turned = (wdir[window][::-1, ::-1] - wdir[window]) % 360.0
    off_centre = np.ones(block.shape, dtype=bool)
    off_centre[14, 14] = False
    np.testing.assert_allclose(turned[off_centre], 180.0, atol=1e-3)


def test_the_largest_seed_the_schema_allows_is_written_to_the_member_file(
    tmp_path, grid, cyclone_cfg: dict[str, Any], ensemble_cfg: dict[str, Any]
) -> None:
    """A seed of 2**64 passed the config check, then every make_forcing job failed writing the
    attribute; the schema's maximum is one the file takes, and one more is refused."""
    import xarray as xr

    from tests.demo_config import demo_config, problems_of
    from wavecast.config import load_schema
    from wavecast.io import write_netcdf_atomic

    largest = load_schema()["properties"]["ensemble"]["properties"]["seed"]["maximum"]
    ds = make_forcing(grid, cyclone_cfg, dict(ensemble_cfg, seed=largest), 1)
    write_netcdf_atomic(ds, tmp_path / "member_001.nc")
    with xr.open_dataset(tmp_path / "member_001.nc") as back:
        assert back.attrs["seed"] == largest
    config = demo_config()
    config["ensemble"]["seed"] = largest + 1
    (problem,) = problems_of(config)
    assert problem.startswith("config/config.yaml::ensemble.seed: ")
