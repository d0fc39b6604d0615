"""The sphere drawn flat: the equirectangular image and what it does to areas and shapes.

An *equirectangular* image of the sphere (the usual format of 360-degree cameras, and of sky
and climate maps) gives every row a latitude and every column a longitude, in equal steps:
an image of ``height`` rows has ``2 height`` columns, row ``i`` at latitude
``90 - (i + 0.5) * 180 / height`` degrees, column ``j`` at longitude
``-180 + (j + 0.5) * 180 / height`` degrees (pixel centres). A pixel in the row at latitude
:math:`\\varphi` covers the solid angle

.. math:: \\Omega(\\varphi) = \\Delta\\lambda \\, (\\sin \\varphi_{top} - \\sin \\varphi_{bottom}) \\approx
          \\Delta\\lambda \\, \\Delta\\varphi \\cos\\varphi ,

so a pixel near a pole covers far less of the sphere than one at the equator, and a shape of a
given size on the sphere takes about :math:`1 / \\cos\\varphi` times more pixels, stretched
sideways by that factor. No flat image avoids this: a sphere cannot be unrolled onto a plane
without stretching (Gauss's *theorema egregium*). Angles are in degrees throughout.
"""

from __future__ import annotations

import numpy as np


def _check_height(height: int) -> None:
    if not isinstance(height, int | np.integer) or height < 2:
        raise ValueError(f"height must be a whole number of rows >= 2, got {height!r}; the width is 2 * height")


def equirectangular_grid(height: int) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (degrees) of every pixel centre, two arrays of shape ``(height, 2 height)``.

    >>> lat, lon = equirectangular_grid(2)
    >>> lat[:, 0].tolist(), lon[0].tolist()
    ([45.0, -45.0], [-135.0, -45.0, 45.0, 135.0])
    """
    _check_height(height)
    step = 180 / height
    lat = 90 - (np.arange(height) + 0.5) * step
    lon = -180 + (np.arange(2 * height) + 0.5) * step
    return np.meshgrid(lat, lon, indexing="ij")


def pixel_solid_angle(height: int) -> np.ndarray:
    """Solid angle (steradians) of one pixel in each row, shape ``(height,)``; the whole image sums to 4 pi.

    >>> omega = pixel_solid_angle(90)
    >>> round(float(omega.sum() * 180), 6) == round(4 * np.pi, 6), round(float(omega[45] / omega[0]), 1)
    (True, 57.3)
    """
    _check_height(height)
    edges = np.radians(90 - np.arange(height + 1) * 180 / height)
    return np.radians(180 / height) * (np.sin(edges[:-1]) - np.sin(edges[1:]))


def angular_distance(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in degrees between points given by latitude and longitude (degrees); broadcasts.

    >>> round(float(angular_distance(0, 0, 0, 90)), 9), round(float(angular_distance(80, 0, 80, 180)), 9)
    (90.0, 20.0)
    """
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(np.asarray(lon2) - np.asarray(lon1))
    cosine = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arccos(np.clip(cosine, -1, 1)))


def spherical_cap(height: int, lat: float, lon: float, radius: float) -> np.ndarray:
    """The pixels of an equirectangular image within ``radius`` degrees of ``(lat, lon)``: a round patch on the sphere.

    Returns a boolean mask of shape ``(height, 2 height)``. Near a pole the same patch covers
    more columns: it is stretched sideways, by about ``1 / cos(lat)``.

    >>> equator, north = spherical_cap(90, 0, 0, 10), spherical_cap(90, 60, 0, 10)  # 2 degrees per pixel
    >>> int(equator.any(0).sum()), int(north.any(0).sum())  # columns it spans: 20 degrees, then 2 x 20 degrees
    (10, 20)
    """
    _check_height(height)
    if not 0 < radius < 90:
        raise ValueError(f"radius must lie between 0 and 90 degrees, got {radius}")
    grid_lat, grid_lon = equirectangular_grid(height)
    return angular_distance(lat, lon, grid_lat, grid_lon) <= radius


__all__ = ["angular_distance", "equirectangular_grid", "pixel_solid_angle", "spherical_cap"]
