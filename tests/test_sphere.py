"""The equirectangular image (lesson 11): pixel areas against the sphere's, cap shapes against 1 / cos(latitude)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.ops import angular_distance, equirectangular_grid, pixel_solid_angle, spherical_cap


@pytest.mark.parametrize("height", [4, 45, 180])
def test_the_pixels_cover_the_sphere_once(height):
    assert pixel_solid_angle(height).sum() * 2 * height == pytest.approx(4 * np.pi)
    lat, lon = equirectangular_grid(height)
    assert lat.shape == lon.shape == (height, 2 * height)
    assert np.allclose(lat.mean(), 0) and np.allclose(lon.mean(), 0)


@pytest.mark.parametrize("lat", [0, 30, 60, 75])
def test_a_cap_keeps_its_area_on_the_sphere_but_not_in_pixels(lat):
    height, radius = 360, 10
    cap = spherical_cap(height, lat, 0, radius)
    area = (cap * pixel_solid_angle(height)[:, None]).sum()
    assert area == pytest.approx(2 * np.pi * (1 - np.cos(np.radians(radius))), rel=0.02)  # the cap's true area
    equator = spherical_cap(height, 0, 0, radius).sum()
    stretch = 1 / np.cos(np.radians(lat))
    if lat <= 60:  # a small cap: 1 / cos of its centre's latitude
        assert cap.sum() / equator == pytest.approx(stretch, rel=0.03)
    else:  # near the pole 1 / cos grows fast over the cap itself, and its poleward half weighs more
        assert cap.sum() / equator > stretch


def test_distances_agree_with_vectors_on_the_unit_sphere():
    rng = np.random.default_rng(0)
    lat1, lat2 = rng.uniform(-90, 90, (2, 100))
    lon1, lon2 = rng.uniform(-180, 180, (2, 100))

    def vector(lat, lon):
        lat, lon = np.radians(lat), np.radians(lon)
        return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    angle = np.degrees(np.arccos(np.clip((vector(lat1, lon1) * vector(lat2, lon2)).sum(0), -1, 1)))
    assert np.allclose(angular_distance(lat1, lon1, lat2, lon2), angle)


def test_bad_settings_say_how_to_fix():
    with pytest.raises(ValueError, match="height must be"):
        equirectangular_grid(1)
    with pytest.raises(ValueError, match="radius must lie"):
        spherical_cap(10, 0, 0, 95)
