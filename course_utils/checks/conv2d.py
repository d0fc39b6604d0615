"""The self-check of lesson 02's exercise: a convolution written with loops, compared with PyTorch.

The exercise asks for a function with this signature (one image, no batch)::

    def my_conv2d(x, weight, bias=None, stride=1, padding=0):
        '''x: (C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,) or None.
        Returns (C_out, H_out, W_out) with H_out = (H + 2*padding - kH) // stride + 1.'''

``check_conv2d(my_conv2d)`` runs it on cases from simple to hard, stops at the first one it gets
wrong and says, in plain words, what went wrong and the likely cause (see
:mod:`course_utils.checks.core` for the skeleton every checker shares).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import core


@dataclass(frozen=True)
class ConvCase:
    """One call of the student's convolution: ``fn(x, weight, bias, stride, padding)``."""

    name: str
    x: np.ndarray  # (C_in, H, W)
    weight: np.ndarray  # (C_out, C_in, kH, kW)
    bias: np.ndarray | None = None
    stride: int = 1
    padding: int = 0

    def expected(self, **changes: object) -> np.ndarray:
        """PyTorch's output for this case, or for the case with ``changes`` applied."""
        values = {"x": self.x, "weight": self.weight, "bias": self.bias}
        values |= {"stride": self.stride, "padding": self.padding} | changes
        bias = values["bias"]
        out = F.conv2d(
            torch.tensor(np.array(values["x"])[None]),
            torch.tensor(np.array(values["weight"])),
            None if bias is None else torch.tensor(np.array(bias)),
            stride=values["stride"],
            padding=values["padding"],
        )
        return out[0].numpy()

    def arguments(self) -> core.Arguments:
        bias = None if self.bias is None else self.bias.copy()
        return core.Arguments(
            (self.x.copy(), self.weight.copy()), {"bias": bias, "stride": self.stride, "padding": self.padding}
        )

    def call(self) -> str:
        bias = "None" if self.bias is None else f"array of shape {self.bias.shape}"
        return (
            f"fn(x, weight, bias={bias}, stride={self.stride}, padding={self.padding}) "
            f"with x of shape {self.x.shape} and weight of shape {self.weight.shape}"
        )


def check_conv2d(fn: Callable[..., np.ndarray], verbose: bool = True) -> core.CheckResult:
    """Check a student's convolution against ``torch.nn.functional.conv2d``.

    ``fn(x, weight, bias=None, stride=1, padding=0)`` takes one image ``x`` of shape
    ``(C_in, H, W)`` and filters ``weight`` of shape ``(C_out, C_in, kH, kW)``, and returns
    ``(C_out, H_out, W_out)`` where ``H_out = floor((H + 2 * padding - kH) / stride) + 1``.
    It computes cross-correlation, like PyTorch and lesson 02: the kernel is not flipped.

    The cases go from one channel without padding to strides, padding, several channels,
    several filters, bias and non-square kernels. The first wrong one is explained: a wrong
    shape (with the likely cause), the first value that differs, or the error raised.
    Prints the verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def one_pixel_kernel(x, weight, bias=None, stride=1, padding=0):
    ...     return weight[:, 0, 0, 0, None, None] * x[0][::stride, ::stride]
    >>> result = check_conv2d(one_pixel_kernel, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    """
    return core.run_cases(fn, CONV2D, verbose)


def conv2d_cases() -> list[ConvCase]:
    """The exercise's cases, simple first. Small integers, so outputs are easy to read."""
    rng = np.random.default_rng(2020)

    def ints(*shape: int) -> np.ndarray:
        return rng.integers(-3, 4, size=shape).astype(np.float64)

    image = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]], dtype=np.float64)
    edge = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float64)
    binary = np.array(
        [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
        dtype=np.float64,
    )
    x_kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
    lesson = {"x": image[None], "weight": edge[None, None]}
    return [
        ConvCase("one channel: the lesson's 4x4 image and 3x3 edge kernel", **lesson),
        ConvCase("one channel: the 5x5 binary image and the 3x3 'X' kernel",
                 binary[None], x_kernel[None, None]),
        ConvCase("one channel: 5x5 image, 2x2 kernel", ints(1, 5, 5), ints(1, 1, 2, 2)),
        ConvCase("padding 1: the 4x4 image and edge kernel", **lesson, padding=1),
        ConvCase("padding 2: 5x5 image, 3x3 kernel", ints(1, 5, 5), ints(1, 1, 3, 3), padding=2),
        ConvCase("stride 2: 5x5 image, 3x3 kernel", ints(1, 5, 5), ints(1, 1, 3, 3), stride=2),
        ConvCase("stride 3: 7x7 image, 2x2 kernel (the last 2 rows are not used)",
                 ints(1, 7, 7), ints(1, 1, 2, 2), stride=3),
        ConvCase("stride 2 and padding 1: 6x6 image, 3x3 kernel",
                 ints(1, 6, 6), ints(1, 1, 3, 3), stride=2, padding=1),
        ConvCase("three input channels, one filter", ints(3, 4, 4), ints(1, 3, 3, 3)),
        ConvCase("three input channels, two filters", ints(3, 5, 5), ints(2, 3, 3, 3)),
        ConvCase("two filters with a bias", ints(2, 4, 4), ints(2, 2, 3, 3), ints(2)),
        ConvCase("1x1 kernel: mixing 3 channels into 4", ints(3, 3, 3), ints(4, 3, 1, 1)),
        ConvCase("non-square image (5x7) and kernel (2x3)", ints(1, 5, 7), ints(1, 1, 2, 3)),
        ConvCase("all at once: 2 channels, 3 filters, bias, 6x9 image, 3x2 kernel, "
                 "stride 2, padding 1", ints(2, 6, 9), ints(3, 2, 3, 2), ints(3), 2, 1),
        ConvCase("real numbers: 3 channels, 4 filters, bias, 7x7 image, padding 1",
                 rng.standard_normal((3, 7, 7)), rng.standard_normal((4, 3, 3, 3)),
                 rng.standard_normal(4), padding=1),
    ]  # fmt: skip


# ----------------------------------------------------------------------------------------
# Judging one result
# ----------------------------------------------------------------------------------------


def _error_hint(case: ConvCase, error: Exception) -> str:
    if isinstance(error, IndexError):
        return (
            "An index ran past the edge of an array: did you pad the input before sliding "
            "the kernel, and do your loops stop at H_out and W_out?"
        )
    return ""


def _explain_shape(case: ConvCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    said = f"The output should have shape {expected} (C_out, H_out, W_out), but yours is {got}."
    keep = "Keep the output-channel axis, even for one filter: return (C_out, H_out, W_out)."
    if axis := core.lost_channel_axis(got, expected, keep, "Return a 3D array: one (H_out, W_out) map per filter."):
        return f"{said}\n{axis}"
    return core.with_causes(said, core.likely_causes(got, _shape_mistakes(case), eq) or [_size_reminder(case)])


def _how_much(right: tuple[int, ...], wrong: tuple[int, ...]) -> str:
    """'2 too small in each direction', '1 row(s) and 2 column(s) too large', ..."""
    rows, cols = right[1] - wrong[1], right[2] - wrong[2]
    size = "small" if rows + cols > 0 else "large"
    if rows == cols:
        return f"{abs(rows)} too {size} in each direction"
    return f"{abs(rows)} row(s) and {abs(cols)} column(s) too {size}"


def _size_reminder(case: ConvCase) -> str:
    _, h, w = case.x.shape
    _, _, kh, kw = case.weight.shape
    s, p = case.stride, case.padding
    return (
        f"check your output size: H_out = (H + 2*padding - kH) // stride + 1 = "
        f"({h} + 2*{p} - {kh}) // {s} + 1 = {(h + 2 * p - kh) // s + 1}, and "
        f"W_out = ({w} + 2*{p} - {kw}) // {s} + 1 = {(w + 2 * p - kw) // s + 1}."
    )


def _explain_values(case: ConvCase, got: np.ndarray, expected: np.ndarray) -> str:
    _, said = core.first_difference(got, expected)
    causes = core.likely_causes(got, _value_mistakes(case))
    if not got.any():
        causes.append("your output is all zeros: did you store each sum in it?")
    return core.with_causes("\n".join([said, *core.expected_and_got(expected, got)]), causes)


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes
# ----------------------------------------------------------------------------------------


def _shape_mistakes(case: ConvCase) -> list[core.Mistake]:
    """Output shapes that typical mistakes produce, and what to say about each."""
    c_in, h, w = case.x.shape
    c_out, _, kh, kw = case.weight.shape
    s, p = case.stride, case.padding

    def shape(pad: int = p, stride: int = s, k: tuple[int, int] = (kh, kw)) -> tuple[int, int, int]:
        return c_out, (h + 2 * pad - k[0]) // stride + 1, (w + 2 * pad - k[1]) // stride + 1

    right = shape()
    mistakes = [
        (
            shape(pad=0),
            f"your output is {_how_much(right, shape(pad=0))}: did you forget the padding? "
            f"With padding {p}, add {p} zero(s) on every side of the input before sliding "
            f"the kernel (np.pad), so it grows by {2 * p} in each direction.",
        ),
        (
            (c_out, (h + p - kh) // s + 1, (w + p - kw) // s + 1),
            f"did you pad only one side? padding={p} adds {p} zero(s) on every side: top and bottom, left and right.",
        ),
        (
            shape(stride=1),
            f"your output is {_how_much(right, shape(stride=1))}: did you forget the stride? "
            f"With stride {s} the kernel jumps {s} pixels at a time, so there are fewer "
            f"positions: H_out = (H + 2*padding - kH) // stride + 1.",
        ),
        (
            (c_out, right[1] - 1, right[2] - 1),
            "your output is 1 too small in each direction: remember the + 1 in "
            "H_out = (H + 2*padding - kH) // stride + 1 (a 3x3 kernel fits 2 times in 4 pixels).",
        ),
        (
            (c_out, -(-(h + 2 * p - kh) // s) + 1, -(-(w + 2 * p - kw) // s) + 1),
            "you rounded up: H_out = (H + 2*padding - kH) // stride + 1 rounds down, because "
            "a window that would hang over the edge of the padded input is not used.",
        ),
        (
            shape(k=(kw, kh)),
            "kernel height and width are swapped: weight is (C_out, C_in, kH, kW), so "
            "kH = weight.shape[2] counts rows and kW = weight.shape[3] counts columns.",
        ),
        (
            (c_out, right[2], right[1]),
            "height and width are swapped: the output is (C_out, H_out, W_out), rows first.",
        ),
        (
            (c_in, right[1], right[2]),
            "you return one map per input channel: the output has one channel per filter, "
            "C_out = weight.shape[0], and each filter sums over all input channels.",
        ),
    ]
    return core.possible_mistakes(mistakes, right, eq)


def _value_mistakes(case: ConvCase) -> list[core.Mistake]:
    """Outputs that typical mistakes produce (with the right shape), and what to say."""
    c_out = case.weight.shape[0]
    right = case.expected()
    mistakes = [
        (
            case.expected(weight=case.weight[..., ::-1, ::-1]),
            "you flipped the kernel. That is the textbook convolution, but CNN layers, "
            "PyTorch and this course compute cross-correlation: multiply the patch by the "
            "kernel as it is, weight[o, c, u, v] with x[c, i*stride + u, j*stride + v].",
        ),
        (
            case.expected(stride=1)[:, : right.shape[1], : right.shape[2]],
            f"you move the kernel one pixel at a time: the window for output (i, j) starts "
            f"at row i*stride and column j*stride, {case.stride} pixels apart.",
        ),
        (
            case.expected(
                x=np.pad(case.x, ((0, 0), (0, 2 * case.padding), (0, 2 * case.padding))),
                padding=0,
            ),
            f"you put all the padding at the bottom and right: add {case.padding} zero(s) on "
            f"every side, so the image starts at row {case.padding}, column {case.padding}.",
        ),
        (
            case.expected(x=case.x[-1:], weight=case.weight[:, -1:]),
            "only the last input channel counts: you overwrite the output inside the channel "
            "loop. Sum the products over all input channels (+=, or np.sum over them).",
        ),
        (
            case.expected(x=case.x[:1], weight=case.weight[:, :1]),
            "only the first input channel counts: each filter covers all C_in channels, "
            "weight[o] has shape (C_in, kH, kW), and the patch is x[:, rows, cols].",
        ),
        (
            case.expected(weight=case.weight[[0] * c_out]),
            "every output channel uses the first filter: output channel o uses weight[o].",
        ),
        (
            case.expected(bias=None),
            "you forgot the bias: add bias[o] to every value of output channel o.",
        ),
        (
            case.expected(weight=case.weight.swapaxes(2, 3)),
            "your kernel is transposed: weight[o, c, u, v] has u counting rows (down) "
            "and v counting columns (across); match u with the patch's row.",
        ),
    ]
    return core.possible_mistakes(mistakes, right)


CONV2D = core.Exercise(
    cases=conv2d_cases,
    judge=core.array_judge(_explain_shape, _explain_values),
    usage="Your function must accept fn(x, weight, bias=None, stride=1, padding=0), with those names.",
    all_passed="your convolution matches PyTorch's conv2d, with padding, stride, channels, filters, bias and "
    "non-square kernels.",
    error_hint=_error_hint,
)
