"""Geometry shared by the config checks and the jobs: the earth radius, longitude wrapping.

Pure Python on purpose: :mod:`wavecast.config` imports this at every workflow load and in every
job, so it must not pull in numpy or xarray. :func:`wrap_longitude` is plain arithmetic and
works on floats and numpy arrays alike.
"""

from __future__ import annotations

from typing import Any

#: Sphere radius for the equirectangular projection (m); the value the whole package uses.
EARTH_RADIUS_M = 6_371_000.0


def wrap_longitude(delta: Any) -> Any:
    """A longitude difference (degrees) wrapped into [-180, 180); a float or a numpy array.

    The model's convention (:func:`wavecast.grid.xy_from_latlon`): a place is measured the short
    way from the origin, so longitudes written -180..180 or 0..360 land on the same grid point,
    on either side of the dateline.
    """
    return (delta + 180.0) % 360.0 - 180.0
