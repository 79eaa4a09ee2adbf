"""Fetch- and depth-limited wind-wave growth (Young & Verhagen 1996) with a duration limit.

Young, I. R. & Verhagen, L. A. (1996), "The growth of fetch limited waves in water of finite
depth. Part 1. Total energy and peak frequency", Coastal Engineering 29, 47-78.
With ``chi = g F / U^2``, ``delta = g d / U^2``::

    eps = g^2 E / U^4 = 3.64e-3 [tanh(A1) tanh(B1 / tanh(A1))]^1.74,
          A1 = 0.493 delta^0.75,  B1 = 3.13e-3 chi^0.57
    nu  = f_p U / g   = 0.133 [tanh(A2) tanh(B2 / tanh(A2))]^-0.37,
          A2 = 0.331 delta^1.01,  B2 = 5.215e-4 chi^0.73

``Hs = 4 sqrt(E)`` (m) and ``Tp = 1 / f_p`` (s). In deep water at long fetch ``eps -> 3.64e-3``,
``Hs -> 4 sqrt(3.64e-3) U^2 / g = 0.2413 U^2 / g`` (the Pierson-Moskowitz limit).

Duration limit: a wind of speed ``U`` that has blown for ``t`` seconds grows waves only as far as
the fetch ``F_t`` it would need for that growth, from the JONSWAP-based fetch-duration relation
of the Coastal Engineering Manual (USACE 2002, EM 1110-2-1100, Part II, Chapter 2,
Eq. II-2-35): ``t = 77.23 F^0.67 / (U^0.34 g^0.33)`` (SI units), so
``F_t = (t U^0.34 g^0.33 / 77.23)^(1/0.67)``. The effective fetch is ``min(F, F_t)``. (That
relation comes from deep-water JONSWAP growth; using it to cap the Young & Verhagen fetch is
the usual engineering approximation.)

Calm wind (``U <= 0``), zero fetch or depth ``<= 0`` (land) give ``Hs = Tp = 0`` without NaN or
floating-point warnings.
"""

from __future__ import annotations

import numpy as np

G = 9.81  #: gravitational acceleration (m s-2)

#: Smallest non-dimensional fetch/depth fed to the power laws; keeps tanh(A) > 0 for
#: pathological inputs (e.g. depth 1e-300 m) without changing any physical result.
_TINY = 1e-12


def young_verhagen(
    u10: np.ndarray | float,
    fetch_m: np.ndarray | float,
    depth_m: np.ndarray | float,
    g: float = G,
) -> tuple[np.ndarray, np.ndarray]:
    """Significant wave height ``Hs`` (m) and peak period ``Tp`` (s), Young & Verhagen (1996).

    ``u10`` wind speed (m s-1), ``fetch_m`` (m), ``depth_m`` (m, positive down) broadcast
    against each other. Points with ``u10 <= 0``, ``fetch_m <= 0`` or ``depth_m <= 0`` (or
    NaN) get ``Hs = Tp = 0``.
    """
    u, fetch, depth = np.broadcast_arrays(
        np.asarray(u10, dtype=float), np.asarray(fetch_m, dtype=float), np.asarray(depth_m, float)
    )
    active = (u > 0) & (fetch > 0) & (depth > 0)
    us = np.where(active, u, 1.0)
    u2 = us * us
    chi = np.maximum(np.where(active, g * fetch / u2, 1.0), _TINY)
    delta = np.maximum(np.where(active, g * depth / u2, 1.0), _TINY)

    ta1 = np.tanh(0.493 * delta**0.75)
    b1 = 3.13e-3 * chi**0.57
    eps = 3.64e-3 * (ta1 * np.tanh(b1 / ta1)) ** 1.74

    ta2 = np.tanh(0.331 * delta**1.01)
    b2 = 5.215e-4 * chi**0.73
    nu = 0.133 * (ta2 * np.tanh(b2 / ta2)) ** -0.37

    hs = 4.0 * np.sqrt(eps) * u2 / g  # 4 sqrt(E), E = eps U^4 / g^2
    tp = us / (nu * g)  # 1 / f_p, f_p = nu g / U
    return np.where(active, hs, 0.0), np.where(active, tp, 0.0)


def duration_limited_fetch(
    u10: np.ndarray | float, duration_s: float | None, g: float = G
) -> np.ndarray:
    """Fetch (m) a wind of ``u10`` (m s-1) needs ``duration_s`` seconds to saturate (CEM 2002).

    ``F_t = (t U^0.34 g^0.33 / 77.23)^(1/0.67)`` (CEM Eq. II-2-35 solved for fetch). ``None`` or
    a non-positive duration means no duration limit (``inf``); calm wind gives 0.
    """
    u = np.asarray(u10, dtype=float)
    if duration_s is None or duration_s <= 0:
        return np.full(u.shape, np.inf)
    up = np.maximum(u, 0.0)
    return (float(duration_s) * up**0.34 * g**0.33 / 77.23) ** (1.0 / 0.67)


def effective_fetch(
    u10: np.ndarray | float, fetch_m: np.ndarray | float, duration_s: float | None, g: float = G
) -> np.ndarray:
    """``min(fetch, duration_limited_fetch(u10, duration_s))`` (m)."""
    return np.minimum(np.asarray(fetch_m, dtype=float), duration_limited_fetch(u10, duration_s, g))
