"""check_trapezoid_kernel passes the reference, reports a stub, and names each typical slip it claims to catch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import check_trapezoid_kernel
from course_utils.ops import trapezoidal_filter_recursive


def student(mistake: str | None = None):
    """The exercise as a student writes it, from the three pieces of the trapezoid; ``mistake`` adds one slip."""

    def my_trapezoid_kernel(rise, flat_top, tau):
        q = 1.0 if tau is None or mistake == "no pole-zero" else math.exp(-1 / tau)
        k, m = rise, flat_top + (mistake == "flat top too long") - (mistake == "flat top too short")
        rising = ((1 - q) * (np.arange(k) + 1) + q) / k
        flat = np.full(m, 1 - q)
        falling = ((1 - q) * (np.arange(k)[::-1]) - q) / k
        kernel = np.concatenate([rising, flat, falling])
        if mistake == "not divided by the rise":
            kernel = kernel * k
        if mistake == "reversed":
            kernel = kernel[::-1]
        if mistake == "M not normalised" and tau is not None:
            kernel = kernel / (1 - q)
        return kernel

    return my_trapezoid_kernel


def impulse_response(rise, flat_top, tau):
    """The kernel measured, not written: the recursive filter's answer to a single 1 (an independent oracle)."""
    impulse = np.zeros(2 * rise + flat_top + 5)
    impulse[0] = 1.0
    return trapezoidal_filter_recursive(impulse, rise, flat_top, tau)[: 2 * rise + flat_top]


def test_a_correct_kernel_and_the_measured_impulse_response_pass(capsys):
    assert check_trapezoid_kernel(student())
    assert check_trapezoid_kernel(impulse_response)
    assert capsys.readouterr().out.startswith("All 4 cases passed")


def test_a_stub_is_not_written_yet_and_does_not_raise():
    def my_trapezoid_kernel(rise, flat_top, tau):
        """Write the kernel."""
        raise NotImplementedError("write the trapezoid's kernel")

    result = check_trapezoid_kernel(my_trapezoid_kernel, verbose=False)
    assert not result and result.message.startswith("Not written yet")


@pytest.mark.parametrize(
    ("mistake", "passed", "said"),
    [
        ("flat top too long", 0, "one sample too long"),
        ("flat top too short", 0, "one sample too short"),
        ("no pole-zero", 2, "the pole-zero term is missing"),
        ("not divided by the rise", 0, "not divided by the rise"),
        ("reversed", 0, "reversed"),  # without decay, reversed is also the sign flipped: both are named
        ("M not normalised", 2, "divided by M + 1"),
    ],
)
def test_each_typical_mistake_is_named(mistake, passed, said):
    result = check_trapezoid_kernel(student(mistake), verbose=False)
    assert not result and result.cases_passed == passed, result.message
    causes = [line for line in result.message.splitlines() if line.startswith("Likely cause")]
    assert causes and any(said in cause for cause in causes), result.message


def test_a_list_is_accepted_and_a_matrix_is_refused():
    assert check_trapezoid_kernel(lambda rise, flat_top, tau: list(impulse_response(rise, flat_top, tau)),
                                  verbose=False)
    result = check_trapezoid_kernel(lambda rise, flat_top, tau: np.zeros((2, 2)), verbose=False)
    assert not result and "1-D array" in result.message
