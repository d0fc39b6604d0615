"""The self-check of lesson 03's exercise: a function ``output_size(n, kernel, stride, padding, dilation)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from course_utils.checks.core import CheckResult
from course_utils.ops.geometry import formula_text, pytorch_size


@dataclass(frozen=True)
class SizeCase:
    """One call of the student's function: ``fn(n, kernel, stride, padding, dilation)``."""

    name: str
    n: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    @property
    def args(self) -> dict[str, int]:
        return {
            "n": self.n,
            "kernel": self.kernel,
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
        }

    def call(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.args.items())


def size_cases() -> list[SizeCase]:
    """The exercise's cases, simple first, then every valid setting in a small range."""
    cases = [
        SizeCase("no padding: the lecture's 4x4 image and 3x3 kernel", 4, 3),
        SizeCase("same padding: 5x5 kernel, padding 2", 64, 5, padding=2),
        SizeCase("full padding: 3x3 kernel, padding 2", 5, 3, padding=2),
        SizeCase("stride 2, the kernel fits exactly", 5, 3, stride=2),
        SizeCase("stride 2, one pixel left over", 6, 3, stride=2),
        SizeCase("stride 2 with padding: the first layer of a ResNet", 224, 7, stride=2, padding=3),
        SizeCase("dilation 2", 32, 3, dilation=2),
        SizeCase("1x1 kernel, stride 3", 10, 1, stride=3),
        SizeCase("everything at once", 17, 3, stride=3, padding=2, dilation=3),
    ]
    for n in range(1, 13):
        for kernel in range(1, 6):
            for stride in range(1, 5):
                for padding in range(4):
                    for dilation in range(1, 4):
                        if dilation * (kernel - 1) + 1 <= n + 2 * padding:
                            cases.append(SizeCase("a sweep over small settings", n, kernel, stride, padding, dilation))
    return cases


def check_output_size(fn: Callable[..., int], verbose: bool = True) -> CheckResult:
    """Check ``fn(n, kernel, stride=1, padding=0, dilation=1)`` against PyTorch's output sizes.

    The expected size of each case is measured by running ``F.conv2d`` (see
    :func:`pytorch_size`). The first wrong case is explained: a float instead of an int,
    or which classic slip (a forgotten ``+ 1``, padding on one side only, rounding up, the
    dilation left out, ...) gives the number the function returned. Prints the verdict
    unless ``verbose=False``; returns a :class:`~course_utils.checks.core.CheckResult`.

    >>> check_output_size(lambda n, kernel, stride=1, padding=0, dilation=1: n - kernel + 1, verbose=False).passed
    False
    """
    cases = size_cases()
    for number, case in enumerate(cases, start=1):
        problem = _size_problem(fn, case)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\nWe called fn({case.call()}).\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your sizes equal PyTorch's for padding, stride, "
        f"dilation and their combinations."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


def _size_problem(fn: Callable[..., int], case: SizeCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    expected = pytorch_size(**case.args)
    try:
        got = fn(**case.args)
    except Exception as error:  # whatever it is, the student needs to see it
        hint = ""
        if isinstance(error, TypeError) and "argument" in str(error):
            hint = "\nYour function must accept fn(n, kernel, stride=1, padding=0, dilation=1), with those names."
        return f"Your function raised {type(error).__name__}: {error}{hint}"
    if got is None:
        return "Your function returned None: did you forget to return the size?"
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        if isinstance(got, float | np.floating) and float(got) == expected:
            return (
                f"You returned {got!r}, a float. A size is a whole number: use // (floor "
                f"division), which also rounds down as the formula asks."
            )
        return f"You returned {got!r} ({type(got).__name__}); return an int, e.g. {expected}."
    if got == expected:
        return ""
    said = f"PyTorch's F.conv2d gives {expected}, you returned {got}."
    causes = [text for value, text in _size_mistakes(case) if value == got and value != expected]
    if not causes:
        causes = [f"work it out step by step: {formula_text(**case.args)}."]
    return said + "".join(f"\nLikely cause: {text}" for text in causes)


def _size_mistakes(case: SizeCase) -> Iterable[tuple[int, str]]:
    """Sizes that classic slips give for ``case``, and what to say about each."""
    n, k, s, p, d = case.n, case.kernel, case.stride, case.padding, case.dilation
    extent = d * (k - 1) + 1
    return [
        ((n + 2 * p - extent) // s, "the + 1 is missing: a kernel that fits exactly once still gives one output."),
        (
            -(-(n + 2 * p - extent) // s) + 1,
            "you rounded up. The formula rounds down: a last step that would hang over the edge is not taken.",
        ),
        ((n - extent) // s + 1, f"the padding is missing: padding {p} adds {p} zero(s) on each side, {2 * p} in all."),
        ((n + p - extent) // s + 1, f"you padded one side only: padding {p} goes on both sides, so add 2 * {p}."),
        ((n + 2 * p - k) // s + 1, f"the dilation is missing: {k} taps with dilation {d} span {extent} pixels."),
        (
            (n + 2 * p - d * k) // s + 1,
            f"the span of a dilated kernel is d*(k - 1) + 1 = {extent} pixels, not d*k = {d * k}: "
            f"the gaps sit between the taps, not after the last one.",
        ),
        (n + 2 * p - extent + 1, f"the stride is missing: with stride {s} the kernel jumps {s} pixels per step."),
        ((n + 2 * p - extent + 1) // s, "divide only the room left after the first position, then add 1 for it."),
    ]


def _report(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result.message)
    return result
