"""Problem set 12_physics: every numeric answer in ``data/problems/12_physics.yaml``, computed.

The trapezoid runs through the course's recursive filter (Jordanov and Knoll's form, tested equal to
the convolution), the noise is measured on simulated white noise, and the network is built in PyTorch.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from measure import n_params
from torch import nn

from course_utils.ops import decay_per_sample, trapezoid_kernel, trapezoidal_filter_recursive

STEP = np.array([0, 0, 5, 5, 5, 5, 5, 5, 5], dtype=float)

# ----------------------------------------------------------------------------- trapezoid-by-hand


def kernel_length() -> int:
    """The support of the recursive filter's response to one impulse: where it is not zero."""
    impulse = np.zeros(20)
    impulse[0] = 1.0
    response = trapezoidal_filter_recursive(impulse, rise=2, flat_top=1)
    return int(np.flatnonzero(np.abs(response) > 1e-12).max()) + 1


def step_output(n: int) -> float:
    return float(trapezoidal_filter_recursive(STEP, rise=2, flat_top=1)[n])


# ----------------------------------------------------------------------------- noise-and-shaping


def output_noise(rise: int = 32, flat_top: int = 8, sigma_w: float = 2.0) -> float:
    """Measured: the standard deviation of the filtered white noise, rounded as the problem asks."""
    noise = np.random.default_rng(0).normal(0, sigma_w, size=(400, 2000))
    measured = trapezoidal_filter_recursive(noise, rise, flat_top)[:, 2 * rise + flat_top :].std()
    assert math.isclose(measured, sigma_w * np.sqrt((trapezoid_kernel(rise, flat_top) ** 2).sum()), rel_tol=0.01)
    return round(float(measured), 2)


def fwhm_of_noise() -> float:
    return round(2 * math.sqrt(2 * math.log(2)) * output_noise(), 2)


def rise_that_halves() -> int:
    target = output_noise(32) / 2
    return next(k for k in (32, 64, 96, 128, 160, 256) if output_noise(k) <= target + 0.005)


# ----------------------------------------------------------------------------- pire-network


@functools.cache
def pire_net() -> nn.Sequential:
    channels = [34, 16, 32, 48, 64, 96]
    return nn.Sequential(*[
        nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.MaxPool2d(2, ceil_mode=True), nn.BatchNorm2d(b), nn.ReLU())
        for a, b in zip(channels[:-1], channels[1:], strict=True)
    ], nn.Flatten())


def height_after(modules: int) -> int:
    with torch.no_grad():
        return pire_net()[:modules](torch.zeros(1, 34, 50, 25)).shape[2]


def output_length() -> int:
    with torch.no_grad():
        return pire_net()(torch.zeros(1, 34, 50, 25)).shape[1]


def first_failing_module() -> int:
    x = torch.zeros(1, 34, 50, 25)
    for number, module in enumerate(pire_net()[:5], 1):
        pool = nn.MaxPool2d(2)  # rounding down
        try:
            x = module[3](module[2](pool(module[0](x))))
        except RuntimeError:
            return number
    return 0


COMPUTED = {
    ("trapezoid-by-hand", 1): kernel_length,
    ("trapezoid-by-hand", 2): lambda: step_output(2),
    ("trapezoid-by-hand", 3): lambda: step_output(4),
    ("trapezoid-by-hand", 4): lambda: round(1 - decay_per_sample(10.0), 4),
    ("trapezoid-by-hand", 5): kernel_length,  # the longest delay, k + l, is what makes the response end there
    ("noise-and-shaping", 1): output_noise,
    ("noise-and-shaping", 2): fwhm_of_noise,
    ("noise-and-shaping", 3): rise_that_halves,
    ("pire-network", 1): lambda: height_after(2),
    ("pire-network", 2): lambda: n_params(pire_net()[0][0]),
    ("pire-network", 3): lambda: n_params(pire_net()),
    ("pire-network", 4): output_length,
    ("pire-network", 5): first_failing_module,
}


def test_the_response_ends_where_the_longest_delay_line_reaches():
    """trapezoid-by-hand, part 5: with k = 2 and m = 1 the delay k + l = 2 + 3 ends the impulse response."""
    assert kernel_length() == len(trapezoid_kernel(2, 1)) == 2 + (2 + 1)
