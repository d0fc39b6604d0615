"""The trapezoidal filter: the convolution and Jordanov and Knoll's recursion agree, and do what the physics says."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter

from course_utils.ops import decay_per_sample, trapezoid_kernel, trapezoidal_filter, trapezoidal_filter_recursive


@settings(max_examples=60, deadline=None)
@given(
    rise=st.integers(1, 12),
    flat_top=st.integers(0, 10),
    tau=st.one_of(st.none(), st.floats(0.5, 1e4)),
    samples=st.integers(1, 80),
    seed=st.integers(0, 2**16),
)
def test_the_convolution_and_the_recursion_are_the_same_filter(rise, flat_top, tau, samples, seed):
    x = np.random.default_rng(seed).normal(size=(2, samples))
    assert np.allclose(trapezoidal_filter(x, rise, flat_top, tau), trapezoidal_filter_recursive(x, rise, flat_top, tau),
                       atol=1e-9)


def test_the_convolution_is_numpys_on_one_signal():
    x = np.random.default_rng(0).normal(size=50)
    expected = np.convolve(x, trapezoid_kernel(4, 3, 25.0))[:50]  # a true (flipped) convolution, cut to the input
    assert np.allclose(trapezoidal_filter(x, 4, 3, 25.0), expected)


@pytest.mark.parametrize("tau", [5.0, 60.0, 1000.0])
def test_a_decaying_step_becomes_a_trapezoid_of_its_height(tau):
    """The pole-zero term turns q^n into a step, so the output is exactly the trapezoid: rise, flat top, fall, zero."""
    rise, flat_top, start = 6, 4, 10
    current = np.zeros(60)
    current[start] = 7.0
    pulse = lfilter([1.0], [1.0, -decay_per_sample(tau)], current)  # the preamplifier: a step of 7 that decays
    y = trapezoidal_filter(pulse, rise, flat_top, tau)
    trapezoid = np.interp(np.arange(60) - start, [-1, rise - 1, rise + flat_top - 1, 2 * rise + flat_top - 1],
                          [0, 7, 7, 0], left=0, right=0)
    assert np.allclose(y, trapezoid)


def test_without_the_pole_zero_term_the_output_undershoots():
    current = np.zeros(80)
    current[5] = 1.0
    pulse = lfilter([1.0], [1.0, -decay_per_sample(20.0)], current)
    uncorrected = trapezoidal_filter(pulse, 5, 3)
    assert uncorrected[5:13].max() < 0.95 and uncorrected.min() < -0.05


def test_the_kernel_sums_to_what_a_step_reads():
    """Summed, the kernel is the flat top's height for a lasting step: 0 with no decay (a difference of averages)."""
    assert trapezoid_kernel(5, 2).sum() == pytest.approx(0)
    q = decay_per_sample(50.0)
    assert trapezoid_kernel(5, 2, 50.0).sum() == pytest.approx((1 - q) * (5 + 2))
    assert len(trapezoid_kernel(5, 2, 50.0)) == 12


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: trapezoid_kernel(0, 2), "rise must be a whole number"),
        (lambda: trapezoid_kernel(2, -1), "flat_top must be"),
        (lambda: trapezoid_kernel(2.5, 1), "rise must be a whole number"),
        (lambda: decay_per_sample(0.0), "tau must be a positive"),
        (lambda: trapezoidal_filter(np.zeros((2, 2, 2)), 2, 1), "shape (samples,)"),
        (lambda: trapezoidal_filter_recursive([], 2, 1), "shape (samples,)"),
    ],
)
def test_wrong_settings_say_how_to_fix_them(call, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        call()
