"""The self-check of lesson 03's exercise: ``output_size(n, kernel, stride, padding, dilation)``.

The exercise asks for the size of a convolution's output along one axis,
``floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``, as an int.
``check_output_size(output_size)`` compares it with the sizes PyTorch's ``F.conv2d`` really
produces (:func:`~course_utils.ops.geometry.pytorch_size`), on a few named cases and then on every
valid setting in a small range, and names the classic slip behind the first wrong number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np

from course_utils.checks import core
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

    def arguments(self) -> core.Arguments:
        return core.Arguments((), self.args)

    def call(self) -> str:
        return "fn(" + ", ".join(f"{name}={value}" for name, value in self.args.items()) + ")"


def output_size_cases() -> list[SizeCase]:
    """The exercise's cases, simple first, then every valid setting in a small range."""
    cases = [
        SizeCase("no padding: lesson 02's 4x4 image and 3x3 kernel", 4, 3),
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


def check_output_size(fn: Callable[..., int], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(n, kernel, stride=1, padding=0, dilation=1)`` against PyTorch's output sizes.

    The expected size of each case is measured by running ``F.conv2d`` (see
    :func:`pytorch_size`). The first wrong case is explained: a float instead of an int,
    or which classic slip (a forgotten ``+ 1``, padding on one side only, rounding up, the
    dilation left out, ...) gives the number the function returned. Prints the verdict
    unless ``verbose=False``; returns a :class:`~course_utils.checks.core.CheckResult`.

    >>> check_output_size(lambda n, kernel, stride=1, padding=0, dilation=1: n - kernel + 1, verbose=False).passed
    False
    """
    return core.run_cases(fn, OUTPUT_SIZE, verbose)


def _judge(case: SizeCase, got: object, given: core.Arguments) -> str:
    """Empty if ``got`` is the right size for ``case``; else what went wrong, in words."""
    expected = pytorch_size(**case.args)
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
    causes = core.likely_causes(got, _size_mistakes(case, expected), eq)
    return core.with_causes(said, causes or [f"work it out step by step: {formula_text(**case.args)}."])


def _size_mistakes(case: SizeCase, right: int) -> list[core.Mistake]:
    """Sizes that classic slips give for ``case`` (those that differ from the ``right`` one), and what to say."""
    n, k, s, p, d = case.n, case.kernel, case.stride, case.padding, case.dilation
    extent = d * (k - 1) + 1
    mistakes = [
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
    return core.possible_mistakes(mistakes, right, eq)


OUTPUT_SIZE = core.Exercise(
    cases=output_size_cases,
    judge=_judge,
    usage="Your function must accept fn(n, kernel, stride=1, padding=0, dilation=1), with those names.",
    returns="the size",
    all_passed="your sizes equal PyTorch's for padding, stride, dilation and their combinations.",
)
