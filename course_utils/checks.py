"""Self-checks for the exercises: compare the student's code with PyTorch, explain mistakes.

The convolution exercise asks for a function with this signature (one image, no batch)::

    def my_conv2d(x, weight, bias=None, stride=1, padding=0):
        '''x: (C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,) or None.
        Returns (C_out, H_out, W_out) with H_out = (H + 2*padding - kH) // stride + 1.'''

``check_conv2d(my_conv2d)`` runs it on cases from simple to hard, stops at the first one it
gets wrong and says, in plain words, what went wrong and the likely cause. The other lessons'
checkers below (``check_max_pool2d`` for lesson 05, and those of later lessons) work the same way
and return the same :class:`CheckResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

_RTOL = _ATOL = 1e-4  # lenient enough for a float32 solution
_SHOW_AT_MOST = 36  # print whole outputs up to this many numbers


@dataclass(frozen=True)
class CheckResult:
    """What a check found. True in an ``if`` or ``assert`` when every case passed."""

    passed: bool
    cases_passed: int
    cases_total: int
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


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

    def call(self) -> str:
        bias = "None" if self.bias is None else f"array of shape {self.bias.shape}"
        return (
            f"fn(x, weight, bias={bias}, stride={self.stride}, padding={self.padding}) "
            f"with x of shape {self.x.shape} and weight of shape {self.weight.shape}"
        )


def check_conv2d(fn: Callable[..., np.ndarray], verbose: bool = True) -> CheckResult:
    """Check a student's convolution against ``torch.nn.functional.conv2d``.

    ``fn(x, weight, bias=None, stride=1, padding=0)`` takes one image ``x`` of shape
    ``(C_in, H, W)`` and filters ``weight`` of shape ``(C_out, C_in, kH, kW)``, and returns
    ``(C_out, H_out, W_out)`` where ``H_out = floor((H + 2 * padding - kH) / stride) + 1``.
    It computes cross-correlation, like PyTorch and the lectures: the kernel is not flipped.

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
    cases = conv2d_cases()
    for number, case in enumerate(cases, start=1):
        problem = _run_case(fn, case)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your convolution matches PyTorch's conv2d, with "
        f"padding, stride, channels, filters, bias and non-square kernels."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


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
    lecture = {"x": image[None], "weight": edge[None, None]}
    return [
        ConvCase("one channel: the lecture's 4x4 image and 3x3 edge kernel", **lecture),
        ConvCase("one channel: the 5x5 binary image and the 3x3 'X' kernel",
                 binary[None], x_kernel[None, None]),
        ConvCase("one channel: 5x5 image, 2x2 kernel", ints(1, 5, 5), ints(1, 1, 2, 2)),
        ConvCase("padding 1: the 4x4 image and edge kernel", **lecture, padding=1),
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


def _run_case(fn: Callable[..., np.ndarray], case: ConvCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    called = f"We called {case.call()}."
    args = [case.x.copy(), case.weight.copy()]
    kwargs = {"bias": None if case.bias is None else case.bias.copy()}
    try:
        result = fn(*args, **kwargs, stride=case.stride, padding=case.padding)
    except Exception as error:  # whatever it is, the student needs to see it
        return f"{called}\nYour function raised {type(error).__name__}: {error}{_error_hint(error)}"
    if result is None:
        return f"{called}\nYour function returned None: did you forget to return the output?"
    try:
        got = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{called}\nYour function returned a {type(result).__name__}, not an array."
    expected = case.expected()
    if got.shape != expected.shape:
        return f"{called}\n{_explain_shape(case, got.shape, expected.shape)}"
    if not _same(got, expected):
        return f"{called}\n{_explain_values(case, got, expected)}"
    return ""


def _error_hint(error: Exception) -> str:
    if isinstance(error, IndexError):
        return (
            "\nAn index ran past the edge of an array: did you pad the input before sliding "
            "the kernel, and do your loops stop at H_out and W_out?"
        )
    if isinstance(error, TypeError) and "argument" in str(error):
        return "\nYour function must accept fn(x, weight, bias=None, stride=1, padding=0), with those names."
    return ""


def _explain_shape(case: ConvCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    said = f"The output should have shape {expected} (C_out, H_out, W_out), but yours is {got}."
    if len(got) == 2 and got == expected[1:]:
        return f"{said}\nKeep the output-channel axis, even for one filter: return (C_out, H_out, W_out)."
    if len(got) != 3:
        return f"{said}\nReturn a 3D array: one (H_out, W_out) map per filter."
    causes = [text for shape, text in _shape_mistakes(case) if shape == got]
    if not causes:
        causes = [_size_reminder(case)]
    return said + "".join(f"\nLikely cause: {text}" for text in causes)


def _shape_mistakes(case: ConvCase) -> list[tuple[tuple[int, int, int], str]]:
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
    return [(wrong, text) for wrong, text in mistakes if wrong != right]


def _how_much(right: tuple[int, ...], wrong: tuple[int, ...]) -> str:
    """'2 too small in each direction', '1 row and 2 columns too large', ..."""
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
    wrong = ~np.isclose(got, expected, rtol=_RTOL, atol=_ATOL)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    lines = [
        f"The shape {expected.shape} is right, but {wrong.sum()} of {wrong.size} values differ. "
        f"The first is output[{', '.join(map(str, first))}]: "
        f"expected {expected[first]:.4g}, got {got[first]:.4g}."
    ]
    if expected.size <= _SHOW_AT_MOST:
        lines += [f"Expected:\n{_show(expected)}", f"Got:\n{_show(got)}"]
    mistakes = _value_mistakes(case)
    lines += [f"Likely cause: {text}" for alternative, text in mistakes if _same(got, alternative)]
    if not got.any():
        lines.append("Likely cause: your output is all zeros: did you store each sum in it?")
    return "\n".join(lines)


def _value_mistakes(case: ConvCase) -> list[tuple[np.ndarray, str]]:
    """Outputs that typical mistakes produce (with the right shape), and what to say."""
    c_out = case.weight.shape[0]
    right = case.expected()
    mistakes = [
        (
            case.expected(weight=case.weight[..., ::-1, ::-1]),
            "you flipped the kernel. That is the textbook convolution, but CNN layers, "
            "PyTorch and the lectures compute cross-correlation: multiply the patch by the "
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
    # A mistake that changes nothing in this case (no bias, stride 1, ...) cannot be the cause.
    return [(alternative, text) for alternative, text in mistakes if not _same(alternative, right)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _show(a: np.ndarray) -> str:
    return np.array2string(a, precision=3, suppress_small=True)


def _report(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result.message)
    return result


# ----------------------------------------------------------------------------------------
# Max pooling (lesson 05)
# ----------------------------------------------------------------------------------------
#
# The pooling exercise asks for ``my_max_pool2d(x, kernel_size, stride)``: one image x of
# shape (C, H, W), a square kernel_size x kernel_size window that moves by stride pixels,
# no padding; it returns (C, H_out, W_out) with H_out = (H - kernel_size) // stride + 1.


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

    def call(self) -> str:
        return f"fn(x, kernel_size={self.kernel_size}, stride={self.stride}) with x of shape {self.x.shape}"


def check_max_pool2d(fn: Callable[..., np.ndarray], verbose: bool = True) -> CheckResult:
    """Check a student's max pooling against ``torch.nn.functional.max_pool2d``.

    ``fn(x, kernel_size, stride)`` takes one image ``x`` of shape ``(C, H, W)``, slides a
    ``kernel_size x kernel_size`` window over each channel, ``stride`` pixels at a time,
    without padding, and returns the largest value of each window: shape
    ``(C, H_out, W_out)`` with ``H_out = floor((H - kernel_size) / stride) + 1``.

    The cases go from the lecture's 4x4 example to overlapping windows, gaps between
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
    cases = max_pool2d_cases()
    for number, case in enumerate(cases, start=1):
        problem = _run_pool_case(fn, case)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your max pooling matches PyTorch's max_pool2d, with "
        f"overlapping windows, gaps, sizes that do not divide, channels and negative numbers."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


def max_pool2d_cases() -> list[PoolCase]:
    """The exercise's cases, simple first. Small integers, so outputs are easy to read."""
    rng = np.random.default_rng(2019)

    def ints(*shape: int) -> np.ndarray:
        return rng.integers(0, 10, size=shape).astype(np.float64)

    lecture = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]], dtype=np.float64)
    return [
        PoolCase("the lecture's 4x4 map, 2x2 windows, stride 2", lecture[None], 2, 2),
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


def _run_pool_case(fn: Callable[..., np.ndarray], case: PoolCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    called = f"We called {case.call()}."
    try:
        result = fn(case.x.copy(), case.kernel_size, case.stride)
    except Exception as error:  # whatever it is, the student needs to see it
        return f"{called}\nYour function raised {type(error).__name__}: {error}{_pool_error_hint(error)}"
    if result is None:
        return f"{called}\nYour function returned None: did you forget to return the output?"
    try:
        got = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{called}\nYour function returned a {type(result).__name__}, not an array."
    expected = case.expected()
    if got.shape != expected.shape:
        return f"{called}\n{_explain_pool_shape(case, got.shape, expected.shape)}"
    if not _same(got, expected):
        return f"{called}\n{_explain_pool_values(case, got, expected)}"
    return ""


def _pool_error_hint(error: Exception) -> str:
    if isinstance(error, IndexError):
        return (
            "\nAn index ran past the edge of an array: do your loops stop at "
            "H_out = (H - kernel_size) // stride + 1 and W_out, and does the window for output (i, j) "
            "start at row i * stride?"
        )
    if isinstance(error, ValueError) and "zero-size array" in str(error):
        return (
            "\nA window came out empty: it started beyond the edge of the map. The window for output "
            "(i, j) starts at row i * stride and column j * stride, and the loops stop at "
            "H_out = (H - kernel_size) // stride + 1."
        )
    if isinstance(error, TypeError) and "argument" in str(error):
        return "\nYour function must accept fn(x, kernel_size, stride), in that order."
    return ""


def _explain_pool_shape(case: PoolCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    said = f"The output should have shape {expected} (C, H_out, W_out), but yours is {got}."
    if len(got) == 2 and got == expected[1:]:
        return f"{said}\nKeep the channel axis, even for one channel: return (C, H_out, W_out)."
    if len(got) != 3:
        return f"{said}\nReturn a 3D array: one pooled (H_out, W_out) map per channel."
    if got[0] != expected[0]:
        return (
            f"{said}\nLikely cause: pooling works on each channel separately, so the output has as many "
            f"channels as the input ({expected[0]}): loop over c and pool x[c]."
        )
    causes = [text for shape, text in _pool_shape_mistakes(case) if shape == got]
    if not causes:
        causes = [_pool_size_reminder(case)]
    return said + "".join(f"\nLikely cause: {text}" for text in causes)


def _pool_shape_mistakes(case: PoolCase) -> list[tuple[tuple[int, int, int], str]]:
    """Output shapes that typical mistakes produce, and what to say about each."""
    c, h, w = case.x.shape
    k, s = case.kernel_size, case.stride
    right = (c, *case.out_size())
    formula = "floor((n - k) / s) + 1"
    mistakes = [
        (
            (c, right[1] - 1, right[2] - 1),
            f"output size off by one: remember the + 1 in {formula}. The first window counts too: "
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
            f"{formula} = ({h} - {k}) // {s} + 1 = {right[1]}.",
        ),
        (
            (c, h // k, w // k),
            f"you divided the size by the kernel size (H // kernel_size), as if windows never overlap "
            f"and never leave gaps. They move by the stride: {formula} = ({h} - {k}) // {s} + 1 = {right[1]}.",
        ),
        (
            (c, -(-(h - k) // s) + 1, -(-(w - k) // s) + 1),
            f"you rounded up: {formula} rounds down, because a last window that would hang over the "
            "edge of the map is dropped (PyTorch's default, ceil_mode=False).",
        ),
        (
            (c, right[2], right[1]),
            "height and width are swapped: the output is (C, H_out, W_out), rows first.",
        ),
    ]
    return [(wrong, text) for wrong, text in mistakes if wrong != right]


def _pool_size_reminder(case: PoolCase) -> str:
    _, h, w = case.x.shape
    k, s = case.kernel_size, case.stride
    out_h, out_w = case.out_size()
    return (
        f"check your output size: H_out = (H - kernel_size) // stride + 1 = ({h} - {k}) // {s} + 1 = {out_h}, "
        f"and W_out = ({w} - {k}) // {s} + 1 = {out_w}."
    )


def _explain_pool_values(case: PoolCase, got: np.ndarray, expected: np.ndarray) -> str:
    wrong = ~np.isclose(got, expected, rtol=_RTOL, atol=_ATOL)
    c, i, j = (int(v) for v in np.argwhere(wrong)[0])
    k, s = case.kernel_size, case.stride
    window = case.x[c, i * s : i * s + k, j * s : j * s + k]
    lines = [
        f"The shape {expected.shape} is right, but {wrong.sum()} of {wrong.size} values differ. "
        f"The first is output[{c}, {i}, {j}]: expected {expected[c, i, j]:.4g}, got {got[c, i, j]:.4g}.",
        f"Its window is channel {c}, rows {i * s}..{i * s + k - 1}, columns {j * s}..{j * s + k - 1} "
        f"(row i * stride to i * stride + kernel_size - 1):\n{_show(window)}",
    ]
    if expected.size <= _SHOW_AT_MOST:
        lines += [f"Expected:\n{_show(expected)}", f"Got:\n{_show(got)}"]
    causes = [f"Likely cause: {text}" for alternative, text in _pool_value_mistakes(case) if _same(got, alternative)]
    if not causes and not got.any():
        causes = ["Likely cause: your output is all zeros: did you store each maximum in it?"]
    lines += causes
    return "\n".join(lines)


def _pool_value_mistakes(case: PoolCase) -> list[tuple[np.ndarray, str]]:
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
    # A mistake that changes nothing in this case (no negative numbers, stride = kernel, ...) cannot be the cause.
    return [(alternative, text) for alternative, text in mistakes if not _same(alternative, right)]
