"""Problem set 11_beyond: every numeric answer in ``data/problems/11_beyond.yaml``, computed.

Parameters are counted and multiply-adds measured with PyTorch (``tests/measure.py``) on the course's own
layers; the sphere's areas with NumPy from the formula, and checked against ``ops.pixel_solid_angle``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from measure import multiply_adds, n_params
from torch import nn

from course_utils import ops


def solid_angle(lat_low: float, lat_high: float) -> float:
    return math.pi / 180 * (math.sin(math.radians(lat_high)) - math.sin(math.radians(lat_low)))


def test_the_formula_is_the_courses_pixel_area():
    rows = ops.pixel_solid_angle(180)
    assert np.isclose(rows[89], solid_angle(0, 1)) and np.isclose(rows[0], solid_angle(89, 90))


COMPUTED = {
    ("p4-counted", 1): lambda: n_params(ops.P4Lift(1, 12, 5, padding=2)),
    ("p4-counted", 2): lambda: n_params(ops.P4Conv(12, 24, 3, padding=1)),
    ("p4-counted", 3): lambda: multiply_adds(ops.P4Conv(12, 24, 3, padding=1), (12, 4, 14, 14)),
    ("p4-counted", 4): lambda: n_params(nn.Conv2d(48, 96, 3, padding=1)),
    ("video-costs", 1): lambda: n_params(nn.Conv3d(3, 32, 3, padding=1)),
    ("video-costs", 2): lambda: round(multiply_adds(nn.Conv3d(3, 32, 3, padding=1), (3, 16, 112, 112)) / 1e6, 1),
    ("video-costs", 3): lambda: round(
        multiply_adds(nn.Sequential(nn.Flatten(1, 2), nn.Conv2d(48, 32, 3, padding=1)), (3, 16, 112, 112)) / 1e6, 1
    ),
    ("video-costs", 4): lambda: 27 * 64 * 64 // (9 * 64 + 3 * 64),
    ("sphere-pixels", 1): lambda: round(solid_angle(0, 1) * 1e4, 3),
    ("sphere-pixels", 2): lambda: round(solid_angle(0, 1) / solid_angle(89, 90), 1),
    ("sphere-pixels", 3): lambda: round(float((ops.equirectangular_grid(180)[0] > 60).mean()), 3),
    ("sphere-pixels", 4): lambda: round((1 - math.sin(math.radians(60))) / 2, 3),
    ("involution-counted", 1): lambda: n_params(ops.Involution2d(32, kernel_size=5, groups=4, reduction=4)),
    ("involution-counted", 2): lambda: n_params(nn.Conv2d(32, 32, 5)),
    ("involution-counted", 3): lambda: ops.Involution2d(32, 5, 4, 4).kernels(torch.zeros(1, 32, 20, 20)).numel(),
}


def test_the_two_layer_factorisation_keeps_the_parameters():
    middle = COMPUTED["video-costs", 4]()
    split = nn.Sequential(nn.Conv3d(64, middle, (1, 3, 3), bias=False), nn.Conv3d(middle, 64, (3, 1, 1), bias=False))
    assert n_params(split) == n_params(nn.Conv3d(64, 64, 3, bias=False))
