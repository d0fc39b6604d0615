"""The self-check of lesson 12's exercise: the kernel of the trapezoidal filter, with its pole-zero term.

The exercise asks for ``my_trapezoid_kernel(rise, flat_top, tau)``: the impulse response of the
trapezoidal filter (Jordanov and Knoll, 1994) for a rise of ``k = rise`` samples, a flat top of
``m = flat_top`` samples and a preamplifier that decays by ``q = exp(-1/tau)`` per sample
(``tau=None``: no decay, ``q = 1``). It has ``2k + m`` samples (:func:`course_utils.ops.trapezoid_kernel`).
``check_trapezoid_kernel(my_trapezoid_kernel)`` compares it with the reference on cases from no
decay to a fast one, and names the typical slip behind a wrong kernel: a length off by one (a rise
or flat top one sample too long or short), the pole-zero term left out, a kernel not divided by
the rise, Jordanov and Knoll's ``M`` used without dividing by ``M + 1``, or the kernel reversed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course_utils.checks import core
from course_utils.ops.trapezoid import trapezoid_kernel


@dataclass(frozen=True)
class KernelCase:
    """One call ``fn(rise, flat_top, tau)``."""

    name: str
    rise: int
    flat_top: int
    tau: float | None

    def arguments(self) -> core.Arguments:
        return core.Arguments((self.rise, self.flat_top, self.tau), {})

    def call(self) -> str:
        return f"my_trapezoid_kernel(rise={self.rise}, flat_top={self.flat_top}, tau={self.tau})"

    def expected(self) -> np.ndarray:
        return trapezoid_kernel(self.rise, self.flat_top, self.tau)


def trapezoid_kernel_cases() -> list[KernelCase]:
    """From the plain difference of moving averages to a fast decay, simple first."""
    return [
        KernelCase("no decay, rise 2, flat top 1", 2, 1, None),
        KernelCase("no decay, no flat top (a triangle)", 3, 0, None),
        KernelCase("a slow decay, tau = 200 samples", 4, 2, 200.0),
        KernelCase("a fast decay, tau = 10 samples", 5, 3, 10.0),
    ]


def check_trapezoid_kernel(fn: Callable[..., object], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(rise, flat_top, tau)`` against :func:`course_utils.ops.trapezoid_kernel`.

    >>> result = check_trapezoid_kernel(lambda rise, flat_top, tau: np.ones(2 * rise + flat_top + 1), verbose=False)
    >>> result.passed, result.message.splitlines()[-1]
    (False, 'Likely cause: the kernel is one sample too long: it has 2 * rise + flat_top samples, 5 here.')
    """
    exercise = core.Exercise(
        cases=trapezoid_kernel_cases,
        judge=core.array_judge(_explain_length, _explain_values),
        usage="Your function must take three arguments, my_trapezoid_kernel(rise, flat_top, tau).",
        all_passed="your kernel is the trapezoidal filter's, with and without the pole-zero term.",
        returns="the kernel",
    )
    return core.run_cases(fn, exercise, verbose)


def _explain_length(case: KernelCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(got) != 1:
        return f"Return a 1-D array of {expected[0]} numbers, not an array of shape {got}."
    said = f"Your kernel has {got[0]} samples; expected {expected[0]}."
    length = expected[0]
    if got[0] == length + 1:
        cause = f"the kernel is one sample too long: it has 2 * rise + flat_top samples, {length} here."
    elif got[0] == length - 1:
        cause = (f"the kernel is one sample too short: the rise has rise = {case.rise} samples (n = 0 .. rise - 1), "
                 f"the flat top flat_top, the fall rise: {length} in all.")
    elif got[0] in (length + case.rise, length - case.rise):
        cause = "a rise is missing or doubled: the kernel is a rise, a flat top and a fall of rise samples."
    else:
        return said
    return core.with_causes(said, [cause])


def _explain_values(case: KernelCase, got: np.ndarray, expected: np.ndarray) -> str:
    _, said = core.first_difference(got, expected)
    m_factor = math.inf if case.tau is None else 1 / (math.exp(1 / case.tau) - 1)
    mistakes = [
        (trapezoid_kernel(case.rise, case.flat_top), "the pole-zero term is missing: with a decay, the flat top is "
                                                      "1 - q and the rise and fall get (1 - q) times a ramp."),
        (expected * case.rise, "the kernel is not divided by the rise: the flat top of the output must equal the "
                               "step's height."),
        (expected[::-1], "the kernel is reversed: h[0] is the first sample of the rise (a convolution flips it, "
                         "you do not)."),
        (-expected, "the signs are flipped: the rise is positive, the fall negative."),
    ]
    if math.isfinite(m_factor):
        mistakes.append((expected * (m_factor + 1), "Jordanov and Knoll's r = p + M d must be divided by M + 1 "
                                                    "(here written with q: (1 - q) p + q d)."))
    possible = core.possible_mistakes(mistakes, expected)
    lines = [said, *core.expected_and_got(expected, got)]
    return core.with_causes("\n".join(lines), core.likely_causes(got, possible))


__all__ = ["check_trapezoid_kernel"]
