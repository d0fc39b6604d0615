"""The self-check of lesson 05's exercise: max pooling written with loops, compared with PyTorch.

The exercise asks for ``my_max_pool2d(x, kernel_size, stride)``: one image ``x`` of shape
``(C, H, W)``, a square ``kernel_size x kernel_size`` window that moves by ``stride`` pixels, no
padding; it returns ``(C, H_out, W_out)`` with ``H_out = (H - kernel_size) // stride + 1``.
``check_max_pool2d(my_max_pool2d)`` explains the first case it gets wrong, down to the window
the first wrong value came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import core

_FORMULA = "floor((n - k) / s) + 1"


@dataclass(frozen=True)
class PoolCase:
    """One call of the student's max pooling: ``fn(x, kernel_size, stride)``."""

    name: str
    x: np.ndarray  # (C, H, W)
    kernel_size: int
    stride: int

    def expected(
        self, x: np.ndarray | None = None, kernel_size: int | None = None, stride: int | None = None
    ) -> np.ndarray:
        """PyTorch's output for this case, or for the case with ``x``, ``kernel_size`` or ``stride`` changed."""
        x = self.x if x is None else x
        kernel_size = self.kernel_size if kernel_size is None else kernel_size
        stride = self.stride if stride is None else stride
        return F.max_pool2d(torch.tensor(np.array(x)[None]), kernel_size, stride)[0].numpy()

    def out_size(self, kernel_size: int | None = None, stride: int | None = None) -> tuple[int, int]:
        k = self.kernel_size if kernel_size is None else kernel_size
        s = self.stride if stride is None else stride
        return (self.x.shape[1] - k) // s + 1, (self.x.shape[2] - k) // s + 1

    def arguments(self) -> core.Arguments:
        return core.Arguments((self.x.copy(), self.kernel_size, self.stride), {})

    def call(self) -> str:
        return f"fn(x, kernel_size={self.kernel_size}, stride={self.stride}) with x of shape {self.x.shape}"


def check_max_pool2d(fn: Callable[..., np.ndarray], verbose: bool = True) -> core.CheckResult:
    """Check a student's max pooling against ``torch.nn.functional.max_pool2d``.

    ``fn(x, kernel_size, stride)`` takes one image ``x`` of shape ``(C, H, W)``, slides a
    ``kernel_size x kernel_size`` window over each channel, ``stride`` pixels at a time,
    without padding, and returns the largest value of each window: shape
    ``(C, H_out, W_out)`` with ``H_out = floor((H - kernel_size) / stride) + 1``.

    The cases go from the lesson's 4x4 example to overlapping windows, gaps between
    windows, sizes that do not divide, several channels and negative numbers. The first wrong
    one is explained: a wrong shape (with the likely cause), the first value that differs and
    the window it came from, or the error raised. Prints the verdict unless
    ``verbose=False``; returns a :class:`CheckResult`.

    >>> def window_means(x, kernel_size, stride):
    ...     c, h, w = x.shape
    ...     return x.reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    >>> result = check_max_pool2d(window_means, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    >>> print(result.message.splitlines()[-1])
    Likely cause: you took the average of each window. Max pooling keeps the largest value: np.max, not np.mean.
    """
    return core.run_cases(fn, MAX_POOL2D, verbose)


def max_pool2d_cases() -> list[PoolCase]:
    """The exercise's cases, simple first. Small integers, so outputs are easy to read."""
    rng = np.random.default_rng(2019)

    def ints(*shape: int) -> np.ndarray:
        return rng.integers(0, 10, size=shape).astype(np.float64)

    example = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]], dtype=np.float64)
    return [
        PoolCase("the lesson's 4x4 map, 2x2 windows, stride 2", example[None], 2, 2),
        PoolCase("6x6 map, 3x3 windows, stride 3", ints(1, 6, 6), 3, 3),
        PoolCase("5x5 map, 2x2 windows, stride 2 (the last row and column are left over)", ints(1, 5, 5), 2, 2),
        PoolCase("overlapping windows: 5x5 map, 3x3 windows, stride 1", ints(1, 5, 5), 3, 1),
        PoolCase("overlapping windows: 7x7 map, 3x3 windows, stride 2", ints(1, 7, 7), 3, 2),
        PoolCase("gaps between windows: 8x8 map, 2x2 windows, stride 3", ints(1, 8, 8), 2, 3),
        PoolCase("non-square map: 4x6, 2x2 windows, stride 2", ints(1, 4, 6), 2, 2),
        PoolCase("non-square map: 7x10, 3x3 windows, stride 2", ints(1, 7, 10), 3, 2),
        PoolCase("three channels: 3x4x4, 2x2 windows, stride 2", ints(3, 4, 4), 2, 2),
        PoolCase("negative numbers: two channels, every value below 0", -1 - ints(2, 4, 6), 2, 2),
        PoolCase("one window covers the whole 5x5 map", ints(1, 5, 5), 5, 5),
        PoolCase("1x1 windows, stride 1: nothing changes", ints(2, 3, 4), 1, 1),
        PoolCase("real numbers: 4 channels, 9x11 map, 3x3 windows, stride 2", rng.standard_normal((4, 9, 11)), 3, 2),
    ]


# ----------------------------------------------------------------------------------------
# Judging one result
# ----------------------------------------------------------------------------------------


def _pool_error_hint(case: PoolCase, error: Exception) -> str:
    if isinstance(error, IndexError):
        return (
            "An index ran past the edge of an array: do your loops stop at "
            "H_out = (H - kernel_size) // stride + 1 and W_out, and does the window for output (i, j) "
            "start at row i * stride?"
        )
    if isinstance(error, ValueError) and "zero-size array" in str(error):
        return (
            "A window came out empty: it started beyond the edge of the map. The window for output "
            "(i, j) starts at row i * stride and column j * stride, and the loops stop at "
            "H_out = (H - kernel_size) // stride + 1."
        )
    return ""


def _explain_pool_shape(case: PoolCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    said = f"The output should have shape {expected} (C, H_out, W_out), but yours is {got}."
    keep = "Keep the channel axis, even for one channel: return (C, H_out, W_out)."
    three_d = "Return a 3D array: one pooled (H_out, W_out) map per channel."
    if axis := core.lost_channel_axis(got, expected, keep, three_d):
        return f"{said}\n{axis}"
    if got[0] != expected[0]:
        channels = (
            f"pooling works on each channel separately, so the output has as many channels as the input "
            f"({expected[0]}): loop over c and pool x[c]."
        )
        return core.with_causes(said, [channels])
    causes = core.likely_causes(got, _pool_shape_mistakes(case), eq)
    return core.with_causes(said, causes or [_pool_size_reminder(case)])


def _pool_size_reminder(case: PoolCase) -> str:
    _, h, w = case.x.shape
    k, s = case.kernel_size, case.stride
    out_h, out_w = case.out_size()
    return (
        f"check your output size: H_out = (H - kernel_size) // stride + 1 = ({h} - {k}) // {s} + 1 = {out_h}, "
        f"and W_out = ({w} - {k}) // {s} + 1 = {out_w}."
    )


def _explain_pool_values(case: PoolCase, got: np.ndarray, expected: np.ndarray) -> str:
    (c, i, j), said = core.first_difference(got, expected)
    k, s = case.kernel_size, case.stride
    window = case.x[c, i * s : i * s + k, j * s : j * s + k]
    where = (
        f"Its window is channel {c}, rows {i * s}..{i * s + k - 1}, columns {j * s}..{j * s + k - 1} "
        f"(row i * stride to i * stride + kernel_size - 1):\n{core.show_array(window)}"
    )
    causes = core.likely_causes(got, _pool_value_mistakes(case))
    if not causes and not got.any():
        causes = ["your output is all zeros: did you store each maximum in it?"]
    return core.with_causes("\n".join([said, where, *core.expected_and_got(expected, got)]), causes)


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes
# ----------------------------------------------------------------------------------------


def _pool_shape_mistakes(case: PoolCase) -> list[core.Mistake]:
    """Output shapes that typical mistakes produce, and what to say about each."""
    c, h, w = case.x.shape
    k, s = case.kernel_size, case.stride
    right = (c, *case.out_size())
    mistakes = [
        (
            (c, right[1] - 1, right[2] - 1),
            f"output size off by one: remember the + 1 in {_FORMULA}. The first window counts too: "
            f"a {k}x{k} window fits {right[1]} time(s) down a map of height {h} with stride {s}.",
        ),
        (
            (c, *case.out_size(stride=1)),
            f"stride ignored: your windows move one pixel at a time, so they overlap. With stride {s} they jump "
            f"{s} pixels: H_out = (H - kernel_size) // stride + 1 = ({h} - {k}) // {s} + 1 = {right[1]}.",
        ),
        (
            (c, h // s, w // s),
            f"you divided the size by the stride (H // stride). A window must fit inside the map: "
            f"{_FORMULA} = ({h} - {k}) // {s} + 1 = {right[1]}.",
        ),
        (
            (c, h // k, w // k),
            f"you divided the size by the kernel size (H // kernel_size), as if windows never overlap "
            f"and never leave gaps. They move by the stride: {_FORMULA} = ({h} - {k}) // {s} + 1 = {right[1]}.",
        ),
        (
            (c, -(-(h - k) // s) + 1, -(-(w - k) // s) + 1),
            f"you rounded up: {_FORMULA} rounds down, because a last window that would hang over the "
            "edge of the map is dropped (PyTorch's default, ceil_mode=False).",
        ),
        (
            (c, right[2], right[1]),
            "height and width are swapped: the output is (C, H_out, W_out), rows first.",
        ),
    ]
    return core.possible_mistakes(mistakes, right, eq)


def _pool_value_mistakes(case: PoolCase) -> list[core.Mistake]:
    """Outputs that typical mistakes produce (with the right shape), and what to say."""
    x, k, s = case.x, case.kernel_size, case.stride
    out_h, out_w = case.out_size()
    right = case.expected()
    average = F.avg_pool2d(torch.tensor(x[None]), k, s)[0].numpy()

    def windows_at(starts: int, size: int) -> np.ndarray:
        """Maximum of size x size windows starting every ``starts`` pixels, cut off at the edge like a slice."""
        spill = max(starts, size) * max(out_h, out_w)
        padded = np.pad(x, ((0, 0), (0, spill), (0, spill)), constant_values=-np.inf)
        return case.expected(x=padded, kernel_size=size, stride=starts)[:, :out_h, :out_w]

    mistakes = [
        (average, "you took the average of each window. Max pooling keeps the largest value: np.max, not np.mean."),
        (average * k * k, "you added up each window. Max pooling keeps the largest value: np.max, not np.sum."),
        (-case.expected(x=-x), "you took the smallest value of each window: use np.max, not np.min."),
        (
            np.maximum(right, 0),
            "you started the running maximum at 0, so a window of negative numbers gives 0. "
            "Start from the window's first value, or from -np.inf, or use np.max(window).",
        ),
        (
            windows_at(1, k),
            f"stride ignored: the window for output (i, j) starts at row i * stride and column j * stride, "
            f"{s} pixels apart; yours move one pixel at a time, so neighbouring windows overlap.",
        ),
        (
            windows_at(k, k),
            f"your windows start every kernel_size = {k} pixels; they start every stride = {s} pixel(s): "
            "row i * stride, column j * stride.",
        ),
        (
            windows_at(s, s),
            f"your windows are {s}x{s} (the stride); they are kernel_size x kernel_size = {k}x{k}, "
            "and they move by the stride.",
        ),
        (
            windows_at(s, k - 1) if k > 1 else right,
            f"your windows are one pixel short: rows i * stride to i * stride + kernel_size - 1 are "
            f"x[c, i*stride : i*stride + kernel_size] ({k} rows; a slice leaves out its end).",
        ),
        (
            np.broadcast_to(right.max(axis=0), right.shape),
            "you took the maximum over all channels at once: pool each channel on its own, x[c, rows, cols].",
        ),
        (
            np.broadcast_to(right[:1], right.shape),
            "every output channel equals channel 0: output channel c pools input channel x[c].",
        ),
        (
            right.swapaxes(1, 2) if right.shape[1] == right.shape[2] else right,
            "rows and columns are swapped: output (c, i, j) takes the window at row i * stride, column j * stride.",
        ),
    ]
    return core.possible_mistakes(mistakes, right)


MAX_POOL2D = core.Exercise(
    cases=max_pool2d_cases,
    judge=core.array_judge(_explain_pool_shape, _explain_pool_values),
    usage="Your function must accept fn(x, kernel_size, stride), in that order.",
    all_passed="your max pooling matches PyTorch's max_pool2d, with overlapping windows, gaps, sizes that do not "
    "divide, channels and negative numbers.",
    error_hint=_pool_error_hint,
)
