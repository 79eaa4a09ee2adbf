"""Young & Verhagen (1996) growth curves and the CEM (2002) duration limit, against the papers."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from wavecast.growth import duration_limited_fetch, effective_fetch, young_verhagen

G = 9.81


def reference_yv(u: float, fetch: float, depth: float, g: float = G) -> tuple[float, float]:
    """Young & Verhagen (1996) written out term by term from the paper, one point at a time."""
    chi = g * fetch / u**2
    delta = g * depth / u**2
    a1 = 0.493 * delta**0.75
    b1 = 3.13e-3 * chi**0.57
    epsilon = 3.64e-3 * (math.tanh(a1) * math.tanh(b1 / math.tanh(a1))) ** 1.74
    a2 = 0.331 * delta**1.01
    b2 = 5.215e-4 * chi**0.73
    nu = 0.133 * (math.tanh(a2) * math.tanh(b2 / math.tanh(a2))) ** -0.37
    energy = epsilon * u**4 / g**2  # eps = g^2 E / U^4
    fp = nu * g / u  # nu = fp U / g
    return 4.0 * math.sqrt(energy), 1.0 / fp


POINTS = [
    (u, fetch, depth)
    for u in (1.0, 5.0, 12.5, 25.0, 45.0, 80.0)
    for fetch in (1.0, 100.0, 2_000.0, 50_000.0, 400_000.0)
    for depth in (0.01, 0.5, 3.0, 20.0, 150.0, 4_000.0)
]


def test_matches_paper_formulas_at_many_points() -> None:
    u, fetch, depth = (np.array(v) for v in zip(*POINTS, strict=True))
    hs, tp = young_verhagen(u, fetch, depth)
    expected = np.array([reference_yv(*p) for p in POINTS])
    np.testing.assert_allclose(hs, expected[:, 0], rtol=1e-9, atol=0)
    np.testing.assert_allclose(tp, expected[:, 1], rtol=1e-9, atol=0)


@pytest.mark.parametrize("u", [5.0, 20.0, 40.0])
def test_deep_water_long_fetch_limit_is_pierson_moskowitz(u: float) -> None:
    """At chi ~ 1e6..1e8 and delta ~ 6e2..4e4 every tanh is 1 to double precision, so the limit
    is reached exactly; 0.2413 is 4 sqrt(3.64e-3) = 0.241330 rounded to 4 digits (+-2.1e-4)."""
    hs, tp = young_verhagen(u, 1e9, 1e5)
    assert hs / (4 * math.sqrt(3.64e-3) * u**2 / G) == pytest.approx(1.0, rel=1e-12)
    assert hs / (0.2413 * u**2 / G) == pytest.approx(1.0, rel=2.1e-4)
    assert tp / (u / (0.133 * G)) == pytest.approx(1.0, rel=1e-12)


def test_depth_limited_asymptote_at_long_fetch() -> None:
    u, depth = 20.0, 5.0
    hs, _ = young_verhagen(u, 1e12, depth)
    eps = 3.64e-3 * math.tanh(0.493 * (G * depth / u**2) ** 0.75) ** 1.74
    assert hs == pytest.approx(4 * math.sqrt(eps) * u**2 / G, rel=1e-9)


def test_grows_with_fetch_and_wind_and_depth() -> None:
    fetch = np.geomspace(10.0, 1e7, 50)
    hs, tp = young_verhagen(15.0, fetch, 50.0)
    assert np.all(np.diff(hs) > 0) and np.all(np.diff(tp) > 0)
    hs_u, _ = young_verhagen(np.linspace(1, 50, 50), 1e5, 50.0)
    assert np.all(np.diff(hs_u) > 0)
    hs_d, _ = young_verhagen(15.0, 1e5, np.geomspace(0.1, 1e4, 50))
    assert np.all(np.diff(hs_d) >= 0)


def test_calm_wind_gives_zero_without_warnings() -> None:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        hs, tp = young_verhagen(np.array([0.0, 0.0, 10.0]), np.array([1e4, 0.0, 1e4]), 30.0)
    np.testing.assert_array_equal(hs[:2], 0.0)
    np.testing.assert_array_equal(tp[:2], 0.0)
    assert hs[2] > 0


def test_land_and_zero_fetch_give_zero() -> None:
    with np.errstate(all="raise"):
        hs, tp = young_verhagen(20.0, np.array([1e4, 1e4, 0.0, 1e4]), np.array([0, -3, 10, np.nan]))
    np.testing.assert_array_equal(hs, 0.0)
    np.testing.assert_array_equal(tp, 0.0)


def test_duration_fetch_inverts_cem_equation() -> None:
    u = np.array([5.0, 15.0, 35.0])
    duration = 6 * 3600.0
    fetch = duration_limited_fetch(u, duration)
    # CEM (2002) Eq. II-2-35: t = 77.23 F^0.67 / (U^0.34 g^0.33)
    t = 77.23 * fetch**0.67 / (u**0.34 * G**0.33)
    np.testing.assert_allclose(t, duration, rtol=1e-12)


def test_duration_limit_reduces_hs() -> None:
    u, fetch, depth = 20.0, 500_000.0, 200.0
    limited = effective_fetch(u, fetch, 3 * 3600.0)
    assert limited < fetch
    hs_free, _ = young_verhagen(u, fetch, depth)
    hs_short, _ = young_verhagen(u, limited, depth)
    assert hs_short < hs_free


@pytest.mark.parametrize("duration", [None, 0.0])
def test_duration_limit_disabled(duration: float | None) -> None:
    assert np.isinf(duration_limited_fetch(12.0, duration))
    assert effective_fetch(12.0, 12_345.0, duration) == 12_345.0


def test_duration_limit_calm_is_zero_fetch() -> None:
    with np.errstate(all="raise"):
        assert duration_limited_fetch(0.0, 3600.0) == 0.0
