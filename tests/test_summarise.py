from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import wavecast
from wavecast.summarise import _time_max, ordinal, summarise_ensemble, write_summary

from .postprocess_fixtures import depth_field, grid_lat_lon, member_hs, write_member_files

NT, NY, NX = 6, 15, 20


@pytest.fixture
def member_paths(tmp_path: Path) -> list[Path]:
    return write_member_files(tmp_path / "run_member", n_members=3, nt=NT, ny=NY, nx=NX)


def expected_maxima() -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN land columns
        return np.stack([np.nanmax(member_hs(m, NT, NY, NX), axis=0) for m in range(3)])


def test_mean_and_percentile_match_numpy(member_paths: list[Path]) -> None:
    ds, _ = summarise_ensemble(member_paths, {"percentile": 90})
    stack = expected_maxima()
    wet = depth_field(NY, NX) > 0

    assert ds["max_hs_member"].dims == ("member", "y", "x")
    assert ds["member"].values.tolist() == [0, 1, 2]
    np.testing.assert_allclose(ds["max_hs_member"].values[:, wet], stack[:, wet])
    np.testing.assert_allclose(ds["max_hs_mean"].values[wet], stack.mean(axis=0)[wet])
    np.testing.assert_allclose(ds["max_hs_p90"].values[wet], np.percentile(stack, 90, axis=0)[wet])
    assert np.isnan(ds["max_hs_mean"].values[~wet]).all()
    assert np.isnan(ds["max_hs_p90"].values[~wet]).all()
    assert ds["max_hs_mean"].attrs["units"] == "m"
    assert ds["max_hs_mean"].attrs["standard_name"] == "sea_surface_wave_significant_height"


def test_percentile_name_follows_config_and_members_are_sorted(member_paths: list[Path]) -> None:
    ds, summary = summarise_ensemble(list(reversed(member_paths)), {"percentile": 75})
    assert "max_hs_p75" in ds and "max_hs_p90" not in ds
    assert ds["member"].values.tolist() == [0, 1, 2]
    assert summary["members"] == ["000", "001", "002"]
    assert summary["percentile"] == 75


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (50, "50th"),
        (90, "90th"),
        (92, "92nd"),
    ],
)
def test_ordinals_read_as_english(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_percentile_long_name_uses_the_right_ordinal(member_paths: list[Path]) -> None:
    ds, _ = summarise_ensemble(member_paths, {"percentile": 21})
    assert ds["max_hs_p21"].attrs["long_name"].startswith("ensemble 21st percentile of")


def test_summary_locates_the_overall_maximum(member_paths: list[Path]) -> None:
    _, summary = summarise_ensemble(member_paths, {"percentile": 90})
    hs = np.stack([member_hs(m, NT, NY, NX) for m in range(3)])
    m, t, iy, ix = np.unravel_index(int(np.nanargmax(hs)), hs.shape)
    _, _, lat, lon = grid_lat_lon(NY, NX)

    top = summary["max_hs"]
    assert top["value_m"] == round(float(hs[m, t, iy, ix]), 3)
    assert top["member"] == f"{m:03d}"
    assert top["time"] == f"2024-09-01T{t:02d}:00:00Z"
    assert top["lat"] == pytest.approx(lat[iy, ix], abs=1e-5)
    assert top["lon"] == pytest.approx(lon[iy, ix], abs=1e-5)
    domain_max = [float(np.nanmax(hs[k])) for k in range(3)]
    assert summary["ensemble_mean_domain_max_hs_m"] == pytest.approx(np.mean(domain_max), 1e-3)
    assert summary["member_max_hs_m"] == {f"{k:03d}": round(v, 3) for k, v in enumerate(domain_max)}
    hourly = np.nanmax(hs[m].reshape(NT, -1), axis=1)
    near = np.flatnonzero(hourly >= 0.99 * hs[m, t, iy, ix])
    assert top["within_1_percent"] == {
        "first": f"2024-09-01T{near.min():02d}:00:00Z",
        "last": f"2024-09-01T{near.max():02d}:00:00Z",
        "hours": near.size,
    }
    assert ("note" in top) == (t == 0)
    assert summary["grid"] == {"ny": NY, "nx": NX}
    assert summary["time"] == {"start": "2024-09-01T00:00:00Z", "end": "2024-09-01T05:00:00Z"}
    assert summary["wavecast_version"] == wavecast.__version__


def test_write_summary_round_trips(member_paths: list[Path], tmp_path: Path) -> None:
    ds, summary = summarise_ensemble(member_paths, {"percentile": 90})
    nc, js = tmp_path / "out" / "ensemble.nc", tmp_path / "out" / "summary.json"
    write_summary(ds, summary, nc, js)

    assert json.loads(js.read_text()) == summary
    with xr.open_dataset(nc) as back:
        xr.testing.assert_allclose(back["max_hs_p90"], ds["max_hs_p90"])
        assert back.attrs["Conventions"] == "CF-1.8"
        assert back["lat"].dims == ("y", "x")
    assert sorted(p.name for p in nc.parent.iterdir()) == ["ensemble.nc", "summary.json"]


def test_mismatched_grids_are_refused(tmp_path: Path) -> None:
    a = write_member_files(tmp_path / "a", n_members=1, ny=15, nx=20)
    b = write_member_files(tmp_path / "b", n_members=2, ny=10, nx=20)
    with pytest.raises(ValueError, match="differs from the first member"):
        summarise_ensemble([a[0], b[1]], {"percentile": 90})


def test_time_max_ignores_nan_and_keeps_all_nan_cells_nan() -> None:
    hs = np.array(
        [[[np.nan, 1.0, np.nan]], [[np.nan, np.nan, 2.0]], [[np.nan, 0.5, 3.0]]], dtype=np.float32
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no all-NaN RuntimeWarning either
        out = _time_max(hs)
    np.testing.assert_array_equal(out, np.array([[np.nan, 1.0, 3.0]], dtype=np.float32))
    assert out.dtype == np.float32


def test_a_member_without_any_wave_height_is_refused(member_paths: list[Path]) -> None:
    with xr.open_dataset(member_paths[1]) as ds:
        dry = ds.load()
    dry["hs"][:] = np.nan
    dry.to_netcdf(member_paths[1])
    with pytest.raises(ValueError, match=r"member_001\.nc: hs is NaN everywhere"):
        summarise_ensemble(member_paths, {"percentile": 90})


def test_a_member_without_time_steps_is_named(tmp_path: Path) -> None:
    (empty,) = write_member_files(tmp_path / "run_member", n_members=1, nt=0, ny=NY, nx=NX)
    with pytest.raises(ValueError, match=r"member_000\.nc: hs has no time steps"):
        summarise_ensemble([empty], {"percentile": 90})


def test_a_peak_at_the_first_hour_of_a_steady_storm_says_so(tmp_path: Path) -> None:
    """A cyclone of steady strength gives nearly the same largest Hs every hour, and the
    model has no spin-up: the peak's hour (here the first) is one of many. summary.json says
    over which hours the largest Hs stayed within 1 % of the peak, and notes a first-hour
    peak, so it is not read as the storm's peak time."""
    (path,) = write_member_files(tmp_path / "run_member", n_members=1, nt=NT, ny=NY, nx=NX)
    with xr.open_dataset(path) as ds:
        steady = ds.load()
    hourly = [10.0, 9.95, 9.6, 9.92, 9.0, 8.0]  # the largest Hs anywhere, hour by hour
    steady["hs"].values[:, 3, 4] = hourly
    steady["hs"].values[:, 3, 5] = 1.0
    steady.to_netcdf(path)
    _, summary = summarise_ensemble([path], {"percentile": 90})
    top = summary["max_hs"]
    assert (top["value_m"], top["time"]) == (10.0, "2024-09-01T00:00:00Z")
    assert top["within_1_percent"] == {
        "first": "2024-09-01T00:00:00Z",
        "last": "2024-09-01T03:00:00Z",
        "hours": 3,  # 10.0, 9.95 and 9.92; not 9.6
    }
    assert top["note"] == (
        "at the run's first hour: the model has no spin-up, so the sea there is as developed "
        "as the cyclone's first position allows (docs/scientists.md, 'No memory, no spin-up')"
    )
