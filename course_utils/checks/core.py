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


# ----------------------------------------------------------------------------------------
# Batch normalization (lesson 06)
# ----------------------------------------------------------------------------------------
#
# The batch-norm exercise asks for the forward pass in training mode,
# ``my_batch_norm(x, gamma, beta, eps=1e-5)``: x of shape (N, C, H, W), gamma and beta of
# shape (C,); for each channel c, over its N * H * W values, with the biased variance,
# y = gamma[c] * (x - mean_c) / sqrt(var_c + eps) + beta[c], the same shape as x.


_SHOW_CHANNEL_AT_MOST = 16  # list one channel's values when it has at most this many


@dataclass(frozen=True)
class BatchNormCase:
    """One call of the student's batch norm: ``fn(x, gamma, beta, eps=eps)``, float32 tensors."""

    name: str
    x: torch.Tensor  # (N, C, H, W)
    gamma: torch.Tensor  # (C,)
    beta: torch.Tensor  # (C,)
    eps: float = 1e-5

    def expected(self) -> np.ndarray:
        """PyTorch's output: ``F.batch_norm`` in training mode, computed in float64."""
        out = F.batch_norm(
            self.x.double(), None, None, self.gamma.double(), self.beta.double(), training=True, eps=self.eps
        )
        return out.numpy()

    def variant(
        self,
        dims: tuple[int, ...] = (0, 2, 3),
        correction: int = 0,
        eps: str = "inside",
        scale_shift: str = "right",
        divide_by: str = "std",
    ) -> np.ndarray:
        """The output of a batch norm computed another way: what a typical mistake gives (float64).

        ``dims``: axes the statistics are taken over; ``correction``: 1 for the unbiased
        variance; ``eps``: "inside" the square root, "outside" it, or "none";
        ``scale_shift``: "right", "swapped", "none", or "last axis" (gamma and beta
        broadcast against W); ``divide_by``: "std", "var" or "nothing".
        """
        x = self.x.double()
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, keepdim=True, correction=correction)
        eps_value = 0.0 if eps == "none" else self.eps
        if divide_by == "nothing":
            x_hat = x - mean
        elif divide_by == "var":
            x_hat = (x - mean) / (var + eps_value)
        elif eps == "outside":
            x_hat = (x - mean) / (var.sqrt() + eps_value)
        else:
            x_hat = (x - mean) / (var + eps_value).sqrt()
        gamma, beta = self.gamma.double(), self.beta.double()
        if scale_shift == "none":
            return x_hat.numpy()
        if scale_shift == "last axis":
            return (gamma * x_hat + beta).numpy()  # broadcasts against W, the last axis
        if scale_shift == "swapped":
            gamma, beta = beta, gamma
        return (gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)).numpy()

    def call(self) -> str:
        n, c, h, w = self.x.shape
        return (
            f"fn(x, gamma, beta, eps={self.eps:g}) with x of shape ({n}, {c}, {h}, {w}) (N, C, H, W), "
            f"gamma = {_short(self.gamma)}, beta = {_short(self.beta)}"
        )


def check_batch_norm(fn: Callable[..., torch.Tensor], verbose: bool = True) -> CheckResult:
    """Check a student's batch normalization (training mode) against ``torch.nn.functional.batch_norm``.

    ``fn(x, gamma, beta, eps=1e-5)`` takes a float32 tensor ``x`` of shape ``(N, C, H, W)`` and
    ``gamma``, ``beta`` of shape ``(C,)``, and returns, with the same shape as ``x``,

    .. math:: y = \\gamma_c \\frac{x - \\mu_c}{\\sqrt{\\sigma_c^2 + \\epsilon}} + \\beta_c

    where :math:`\\mu_c` and :math:`\\sigma_c^2` are the mean and the *biased* variance of
    channel ``c`` over its ``N * H * W`` values (Ioffe and Szegedy, 2015). A tensor or a
    NumPy array may be returned.

    The cases go from one channel of 8 numbers to several channels on different scales,
    per-channel gamma and beta, a single image, non-square maps, a large eps, a constant
    channel and values far from zero. The first wrong one is explained: the likely mistake
    (statistics over the wrong axes, the unbiased variance, gamma and beta swapped, eps in
    the wrong place, ...), the first value that differs, or the error raised. Prints the
    verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def whole_batch(x, gamma, beta, eps=1e-5):
    ...     x_hat = (x - x.mean()) / torch.sqrt(x.var(correction=0) + eps)
    ...     return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
    >>> result = check_batch_norm(whole_batch, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 1)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: you normalised over the whole batch at once, all channels together...
    """
    cases = batch_norm_cases()
    for number, case in enumerate(cases, start=1):
        problem = _run_batch_norm_case(fn, case)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your batch norm matches PyTorch's batch_norm in training mode, "
        f"per channel, with gamma and beta, any batch size, eps, a constant channel and values far from 0."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


def batch_norm_cases() -> list[BatchNormCase]:
    """The exercise's cases, simple first; every tensor is float32, as in a network."""
    generator = torch.Generator().manual_seed(2015)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator)

    def case(name: str, x: torch.Tensor, gamma: list[float], beta: list[float], eps: float = 1e-5) -> BatchNormCase:
        return BatchNormCase(name, x.float(), torch.tensor(gamma), torch.tensor(beta), eps)

    worked = torch.tensor([2.0, 4, 4, 4, 5, 5, 7, 9]).reshape(8, 1, 1, 1)
    scales = torch.cat([randn(4, 1, 2, 2), 100 + 10 * randn(4, 1, 2, 2)], dim=1)  # channel 1 near 100
    offsets = randn(3, 2, 4, 4) + torch.tensor([-5.0, 0, 5]).reshape(3, 1, 1, 1)  # each image shifted
    constant = torch.cat([randn(4, 1, 3, 3), torch.full((4, 1, 3, 3), 7.0)], dim=1)
    far = 300 + randn(4, 2, 3, 3)
    return [
        case("one channel, a batch of 8 single numbers (2, 4, 4, 4, 5, 5, 7, 9), gamma 3, beta 0.5",
             worked, [3.0], [0.5]),
        case("two channels on very different scales: channel 0 near 0, channel 1 near 100 (gamma 1, beta 0)",
             scales, [1.0, 1.0], [0.0, 0.0]),
        case("three channels with their own gamma and beta, a batch of 2 maps of 3x3",
             2 * randn(2, 3, 3, 3) + 1, [0.5, 2.0, -1.0], [1.0, -2.0, 0.25]),
        case("a batch of 3 images, each shifted by its own offset (-5, 0, +5)", offsets, [1.5, 0.5], [0.0, 1.0]),
        case("a single image (N = 1): the statistics come from H and W alone",
             3 * randn(1, 2, 4, 5) - 1, [1.0, 2.0], [0.5, -0.5]),
        case("non-square maps, C, H and W all different: (2, 3, 4, 5)", randn(2, 3, 4, 5) * 2,
             [1.0, -0.5, 2.0], [0.0, 1.0, -1.0]),
        case("a large eps = 0.1, a batch of 4 maps of 2x2", randn(4, 2, 2, 2), [1.0, 2.0], [0.0, 0.5], eps=0.1),
        case("a constant channel: every value of channel 1 is 7, so its variance is 0 and its output is beta",
             constant, [2.0, 3.0], [-1.0, 0.5]),
        case("16 channels, a batch of 8 maps of 7x7 (real numbers)", 4 * randn(8, 16, 7, 7) + 2,
             (1 + randn(16)).tolist(), randn(16).tolist()),
        case("values far from 0: mean 300, spread 1", far, [1.0, 2.0], [0.0, 0.0]),
    ]  # fmt: skip


def _fmt(value: float) -> str:
    """A number in at most 4 significant digits, with round-off dust near 0 shown as 0."""
    return f"{round(float(value), 6) + 0.0:.4g}"


def _short(values: torch.Tensor) -> str:
    """A per-channel vector in a few characters: '[3]', '[0.5, 2, -1]', or its shape when long."""
    if values.numel() > 4:
        return f"a tensor of shape {tuple(values.shape)}"
    return "[" + ", ".join(f"{v:g}" for v in values.tolist()) + "]"


def _run_batch_norm_case(fn: Callable[..., torch.Tensor], case: BatchNormCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    called = f"We called {case.call()}."
    x = case.x.clone()
    try:
        result = fn(x, case.gamma.clone(), case.beta.clone(), eps=case.eps)
    except Exception as error:  # whatever it is, the student needs to see it
        return f"{called}\nYour function raised {type(error).__name__}: {error}{_batch_norm_error_hint(error)}"
    if result is None:
        return f"{called}\nYour function returned None: did you forget to return the output?"
    if isinstance(result, torch.Tensor):
        result = result.detach().cpu()
    try:
        got = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{called}\nYour function returned a {type(result).__name__}, not a tensor or an array."
    if not torch.equal(x, case.x):
        return (
            f"{called}\nYour function changed x in place (x -= ... or x /= ... on the tensor you were given). "
            "Compute on new tensors, x_hat = (x - mean) / ..., so that the caller's x stays as it was."
        )
    expected = case.expected()
    if got.shape != expected.shape:
        return f"{called}\n{_explain_batch_norm_shape(case, got.shape)}"
    if not np.isfinite(got).all():
        return f"{called}\n{_explain_not_finite(case, got)}"
    if not _same(got, expected):
        return f"{called}\n{_explain_batch_norm_values(case, got, expected)}"
    return ""


def _batch_norm_error_hint(error: Exception) -> str:
    text = str(error)
    if isinstance(error, TypeError) and "argument" in text:
        return "\nYour function must accept fn(x, gamma, beta, eps=1e-5), with those names."
    if "size of tensor" in text or "broadcast" in text:
        return (
            "\ngamma and beta have shape (C,), which lines up with the last axis (W) of x. Reshape them to "
            "(1, C, 1, 1), gamma.reshape(1, -1, 1, 1), so that they match the channel axis of (N, C, H, W)."
        )
    return ""


def _explain_batch_norm_shape(case: BatchNormCase, got: tuple[int, ...]) -> str:
    n, c, h, w = case.x.shape
    said = f"Batch norm returns the same shape as x, {(n, c, h, w)}, but yours is {got}."
    if got in ((c,), (1, c, 1, 1)):
        return (
            f"{said}\nLikely cause: you returned one number per channel (a mean or a variance), not the normalised x."
        )
    if len(got) != 4:
        return f"{said}\nLikely cause: a mean or sum without keepdim=True dropped an axis; keep all four (N, C, H, W)."
    return f"{said}\nLikely cause: gamma or beta broadcast against the wrong axis; reshape them to (1, C, 1, 1)."


def _explain_not_finite(case: BatchNormCase, got: np.ndarray) -> str:
    said = "Your output contains NaN or infinity."
    if bool((case.x.var(dim=(0, 2, 3), correction=0) == 0).any()):
        return (
            f"{said}\nLikely cause: a constant channel has variance 0, and you divided by sqrt(0) = 0. That is what "
            "eps is for: divide by sqrt(var + eps), with eps inside the square root."
        )
    if case.x.shape[0] * case.x.shape[2] * case.x.shape[3] > 1 and case.x.shape[0] == 1:
        return (
            f"{said}\nLikely cause: with a single image (N = 1), statistics over the batch axis alone have only one "
            "value per position, so its (unbiased) variance is undefined. Take the statistics over N, H and W."
        )
    return f"{said}\nLikely cause: a division by a variance of 0; divide by sqrt(var + eps)."


def _explain_batch_norm_values(case: BatchNormCase, got: np.ndarray, expected: np.ndarray) -> str:
    wrong = ~np.isclose(got, expected, rtol=_RTOL, atol=_ATOL)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    channel = first[1]
    mine, theirs = got[:, channel], expected[:, channel]
    lines = [
        f"The shape {expected.shape} is right, but {wrong.sum()} of {wrong.size} values differ. "
        f"The first is output[{', '.join(map(str, first))}]: expected {_fmt(expected[first])}, got {_fmt(got[first])}.",
        f"In channel {channel} your output has mean {_fmt(mine.mean())} and standard deviation {_fmt(mine.std())}; "
        f"PyTorch's has mean {_fmt(theirs.mean())} (beta[{channel}]) and standard deviation {_fmt(theirs.std())} "
        f"(about |gamma[{channel}]|).",
    ]
    if mine.size <= _SHOW_CHANNEL_AT_MOST:
        lines += [
            f"Channel {channel}, all its values in order:",
            f"  expected {_show(theirs.ravel())}",
            f"  got      {_show(mine.ravel())}",
        ]
    causes = [text for alternative, text in _batch_norm_value_mistakes(case) if _same(got, alternative)]
    if not causes and float(case.x.abs().mean()) > 100 * float(case.x.std()):
        causes = [
            "these values sit far from 0 (about 300) with a spread of only 1. Computing the variance as "
            "mean(x**2) - mean(x)**2 subtracts two numbers near 90,000 and loses most digits in float32. "
            "Subtract the mean first: mean((x - mean)**2)."
        ]
    lines += [f"Likely cause: {text}" for text in causes]
    return "\n".join(lines)


def _batch_norm_value_mistakes(case: BatchNormCase) -> list[tuple[np.ndarray, str]]:
    """Outputs that typical mistakes produce (with the right shape), and what to say."""
    right = case.expected()
    n, c, h, w = case.x.shape
    per_channel = "one mean and one variance per channel, over the N, H and W axes: x.mean(dim=(0, 2, 3))"
    mistakes = [
        (
            case.variant(dims=(0, 1, 2, 3)),
            f"you normalised over the whole batch at once, all channels together. Batch norm computes {per_channel}.",
        ),
        (
            case.variant(dims=(2, 3)),
            "you normalised each image's channels on their own, over H and W only (that is instance "
            f"normalisation). Batch norm also averages over the images of the batch: {per_channel}.",
        ),
        (
            case.variant(dims=(1, 2, 3)),
            "you normalised each image over all its channels (that is layer normalisation). Batch norm "
            f"normalises each channel across the batch: {per_channel}.",
        ),
        (
            case.variant(dims=(0,)),
            "you averaged over the batch axis only, so every pixel position got its own mean and variance. "
            f"In a convolutional layer a channel shares them over all positions: {per_channel}.",
        ),
        (
            case.variant(correction=1),
            f"you used the unbiased variance, dividing by n - 1 = {n * h * w - 1} (the default of torch.var and "
            f"x.std()). Batch norm normalises with the biased variance, dividing by n = N * H * W = {n * h * w}: "
            "x.var(dim=(0, 2, 3), correction=0), or ((x - mean) ** 2).mean(...).",
        ),
        (
            case.variant(scale_shift="swapped"),
            "gamma and beta are swapped. gamma scales and beta shifts: y = gamma * x_hat + beta, as in Ioffe and "
            "Szegedy (2015). (One of the lecture slides writes the two letters the other way round.)",
        ),
        (
            case.variant(scale_shift="none"),
            "you returned x_hat, the normalised values: scale them by gamma and shift them by beta, per channel.",
        ),
        (
            case.variant(eps="outside"),
            "eps belongs inside the square root: (x - mean) / sqrt(var + eps), not / (sqrt(var) + eps).",
        ),
        (
            case.variant(eps="none"),
            f"you left out eps (here {case.eps:g}): divide by sqrt(var + eps). It keeps a channel with a tiny "
            "variance from blowing up.",
        ),
        (
            case.variant(divide_by="var"),
            "you divided by the variance. Divide by its square root, the standard deviation: sqrt(var + eps).",
        ),
        (
            case.variant(divide_by="nothing"),
            "you subtracted the mean but did not divide by the standard deviation, sqrt(var + eps).",
        ),
    ]
    if w == c:  # only then does broadcasting against the last axis run without an error
        mistakes.append(
            (
                case.variant(scale_shift="last axis"),
                "gamma and beta line up with the last axis (W), not with the channels: gamma * x_hat broadcasts "
                "(C,) against W. Reshape them to (1, C, 1, 1): gamma.reshape(1, -1, 1, 1).",
            )
        )
    # A mistake that changes nothing in this case (one channel, H = W = 1, ...) cannot be the cause.
    return [(alternative, text) for alternative, text in mistakes if not _same(alternative, right)]


# ----------------------------------------------------------------------------------------
# Channels first (lesson 01)
# ----------------------------------------------------------------------------------------
#
# The layout exercise asks for ``to_chw(image)``: a NumPy image of shape (H, W) or
# (H, W, C) in, a torch tensor of shape (C, H, W) out, every number and the dtype kept;
# a gray image gets one channel. It only moves numbers: no scaling, no copying required.


@dataclass(frozen=True)
class LayoutCase:
    """One call of the student's ``to_chw(image)``."""

    name: str
    image: np.ndarray  # (H, W) or (H, W, C)

    def expected(self) -> torch.Tensor:
        """PyTorch's channels-first view of the image: ``permute(2, 0, 1)``, a gray image as one channel."""
        image = self.image if self.image.ndim == 3 else self.image[:, :, None]
        return torch.from_numpy(image.copy()).permute(2, 0, 1)

    def call(self) -> str:
        layout = "(H, W)" if self.image.ndim == 2 else "(H, W, C)"
        return f"to_chw(image) with a {self.image.dtype} image of shape {self.image.shape} {layout}"


def check_to_chw(fn: Callable[[np.ndarray], torch.Tensor], verbose: bool = True) -> CheckResult:
    """Check a student's ``to_chw(image)`` against PyTorch's ``permute(2, 0, 1)``.

    ``to_chw`` takes a NumPy image of shape ``(H, W)`` (gray) or ``(H, W, C)`` and returns a
    ``torch.Tensor`` of shape ``(C, H, W)`` holding the same numbers with the same dtype;
    a gray image becomes ``(1, H, W)``. The cases cover gray, colour, square (where a swap
    of height and width keeps the shape), one and four channels, and a ``uint8`` photo patch.
    The first wrong one is explained in plain words: height and width swapped, a missing
    gray channel, ``reshape`` instead of ``permute``, channels left last, a changed dtype.
    A function that still raises ``NotImplementedError`` is reported as not written yet.
    Prints the verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def with_reshape(image):
    ...     return torch.from_numpy(image).reshape(-1, image.shape[0], image.shape[1])
    >>> result = check_to_chw(with_reshape, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 1)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: you used reshape. ...
    """
    cases = to_chw_cases()
    for number, case in enumerate(cases, start=1):
        try:
            result = fn(case.image.copy())
        except NotImplementedError as error:
            name = getattr(fn, "__name__", "your function")
            message = (
                f"Not written yet: {name} still raises NotImplementedError ({error}). Replace the "
                "raise line with your code, run that cell, then run this check again."
            )
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
        except Exception as error:  # whatever it is, the student needs to see it
            problem = f"Your function raised {type(error).__name__}: {error}{_layout_error_hint(case, error)}"
        else:
            problem = _judge_layout(case, result)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\nWe called {case.call()}.\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your to_chw matches PyTorch's permute(2, 0, 1) for gray, colour, "
        "square, one- and four-channel and uint8 images, every number and dtype kept."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


def to_chw_cases() -> list[LayoutCase]:
    """The exercise's cases, simple first: gray, colour, and the ones that catch subtle mistakes."""
    rng = np.random.default_rng(2001)

    def image(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    return [
        LayoutCase("a gray image, 5x7 pixels (it gets one channel)", image(5, 7)),
        LayoutCase("a colour image, 5x7 pixels, 3 channels", image(5, 7, 3)),
        LayoutCase("a square colour image, 4x4 pixels (a swap of height and width keeps the shape)", image(4, 4, 3)),
        LayoutCase("a square gray image, 6x6 pixels", image(6, 6)),
        LayoutCase("one channel already, 6x2x1", image(6, 2, 1)),
        LayoutCase("four channels (RGBA), 3x5x4", image(3, 5, 4)),
        LayoutCase(
            "a uint8 photo patch, 6x8x3, as image files store it (the dtype must stay uint8)",
            rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8),
        ),
    ]


def _judge_layout(case: LayoutCase, result: object) -> str:
    """Empty if ``result`` is right for ``case``; else what went wrong, in words."""
    if result is None:
        return "Your function returned None: did you forget to return the tensor?"
    if isinstance(result, np.ndarray):
        return (
            f"Your function returned a NumPy array of shape {result.shape}; return a torch tensor. "
            "torch.from_numpy(image) turns the array into a tensor without copying it."
        )
    if not isinstance(result, torch.Tensor):
        return f"Your function returned a {type(result).__name__}; return a torch tensor (torch.from_numpy)."
    expected = case.expected()
    got_shape, want_shape = tuple(result.shape), tuple(expected.shape)
    if got_shape != want_shape:
        return _explain_layout_shape(case, got_shape, want_shape)
    if result.dtype != expected.dtype:
        return (
            f"The shape {want_shape} is right, but the dtype changed from {expected.dtype} to {result.dtype}. "
            "to_chw only moves numbers: keep them as they are (torch.from_numpy keeps the dtype); "
            "converting to float32 is a separate step."
        )
    if torch.equal(result, expected):
        return ""
    return _explain_layout_values(case, result, expected)


def _layout_error_hint(case: LayoutCase, error: Exception) -> str:
    if case.image.ndim == 2 and isinstance(error, (RuntimeError, IndexError, ValueError)):
        return (
            "\nA gray image has only 2 axes, (H, W), so there is no channel axis to move. "
            "Give it one first: torch.from_numpy(image).unsqueeze(0) is (1, H, W)."
        )
    if isinstance(error, TypeError) and "argument" in str(error):
        return "\nYour function must accept one argument: to_chw(image)."
    return ""


def _explain_layout_shape(case: LayoutCase, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    said = f"The tensor should have shape {want} (C, H, W), but yours is {got}."
    height, width = case.image.shape[:2]
    channels = want[0]
    gray = case.image.ndim == 2
    # In order: for a square image several of these shapes coincide, and the first one names the cause.
    causes = [
        (gray, (height, width), "a gray image needs a channel axis: return (1, H, W), with unsqueeze(0) or [None]."),
        (gray, (height, width, 1), "the channel axis goes first, not last: unsqueeze(0), not unsqueeze(-1)."),
        (
            not gray,
            (height, width, channels),
            "the channels are still last: you returned (H, W, C). Move them first with permute(2, 0, 1).",
        ),
        (
            True,
            (channels, width, height),
            "height and width are swapped: .T and permute(2, 1, 0) reverse every axis. "
            "permute(2, 0, 1) puts the channels first and keeps rows before columns.",
        ),
        (gray, (width, height), "a gray image needs a channel axis, and height and width are swapped (.T?)."),
        (not gray, (width, height, channels), "height and width are swapped, and the channels are still last."),
    ]
    for applies, shape, cause in causes:
        if applies and shape == got:
            return f"{said}\nLikely cause: {cause}"
    return f"{said}\nThe channels (the last axis of the NumPy image) go first, then the rows, then the columns."


def _explain_layout_values(case: LayoutCase, got: torch.Tensor, expected: torch.Tensor) -> str:
    wrong = got != expected
    c, i, j = (int(v) for v in wrong.nonzero()[0])
    lines = [
        f"The shape {tuple(expected.shape)} and the dtype are right, but {int(wrong.sum())} of {wrong.numel()} "
        f"numbers are in the wrong place. The first is [{c}, {i}, {j}]: it should be image[{i}, {j}, {c}] = "
        f"{expected[c, i, j].item():.4g}, yours is {got[c, i, j].item():.4g}."
    ]
    image = torch.from_numpy(case.image.copy())
    mistakes = [
        (
            image.reshape(expected.shape),
            "you used reshape. reshape keeps the numbers in memory order (R, G, B, R, G, B, ... pixel after "
            "pixel) and cuts that list into blocks of the new shape; permute(2, 0, 1) moves the axes, so every "
            "number keeps its meaning.",
        ),
        (
            expected.transpose(1, 2),
            "height and width are swapped (the picture is transposed): permute(2, 1, 0) or .T reverse every "
            "axis; permute(2, 0, 1) keeps rows before columns.",
        ),
        (
            expected.flip(0),
            "the channels come out in reverse order (B, G, R): channel c of the tensor is image[:, :, c].",
        ),
    ]
    lines += [f"Likely cause: {text}" for other, text in mistakes if torch.equal(got, other)]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# A CNN's forward pass (lesson 07)
# ----------------------------------------------------------------------------------------
#
# The exercise asks for the digit CNN of the Qiu lecture, written by hand: an nn.Module (or a
# function x -> logits) that takes a batch of digits (N, 1, 28, 28), whose feature maps are
# 16x14x14 after the first pooling and 36x7x7 after the second, and which returns 10 logits
# per image, shape (N, 10). The check records the shape of every tensor the forward pass makes
# (with a TorchFunctionMode, so it sees nn layers and F.* calls alike) and explains the first
# stage that comes out wrong.

DIGIT_INPUT = (1, 28, 28)
DIGIT_STAGES = ((16, 14, 14), (36, 7, 7))
DIGIT_CLASSES = 10


@dataclass(frozen=True)
class ShapeStep:
    """One tensor the forward pass made: the operation's name and the shape, batch axis first."""

    op: str
    shape: tuple[int, ...]


class _ShapeRecorder(torch.overrides.TorchFunctionMode):
    """Records the shape of every tensor made by a torch function or tensor method."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[ShapeStep] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, torch.Tensor) and not isinstance(result, torch.nn.Parameter):
            name = getattr(func, "__name__", type(func).__name__).strip("_")
            self.steps.append(ShapeStep(name.removesuffix("_with_indices"), tuple(result.shape)))
        return result


def trace_shapes(fn: Callable[[torch.Tensor], object], x: torch.Tensor) -> tuple[list[ShapeStep], object]:
    """Run ``fn(x)`` without gradients; returns the steps it took and its result (or the exception raised).

    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> steps, out = trace_shapes(model, torch.zeros(1, 1, 5, 5))
    >>> [(step.op, step.shape) for step in steps]
    [('conv2d', (1, 2, 3, 3)), ('relu', (1, 2, 3, 3))]
    """
    recorder = _ShapeRecorder()
    try:
        with torch.no_grad(), recorder:
            result = fn(x)
    except NotImplementedError:
        raise
    except Exception as error:  # the student's error is part of the diagnosis
        result = error
    return recorder.steps, result


def check_forward_shapes(fn_or_model: object, verbose: bool = True) -> CheckResult:
    """Check a hand-written digit CNN: 1x28x28 -> 16x14x14 -> 36x7x7 -> 10 logits per image.

    ``fn_or_model`` is an ``nn.Module`` (instance or class), or a function from a batch
    ``x`` of shape ``(N, 1, 28, 28)`` to logits of shape ``(N, 10)``. The check runs it on a
    batch of 1 digit and a batch of 5, in eval mode, and checks in order: it runs; the maps
    after the first pooling are 16x14x14; after the second, 36x7x7; it returns one row of 10
    numbers per image; each row depends on its own image only; they are logits (scores), not
    softmax probabilities. The first check that fails is explained in plain words, with the
    shapes your forward pass went through. Prints the verdict unless ``verbose=False``;
    returns a :class:`CheckResult`.

    >>> unpadded = torch.nn.Sequential(
    ...     torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...     torch.nn.Conv2d(16, 36, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...     torch.nn.Flatten(), torch.nn.Linear(36 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    >>> result = check_forward_shapes(unpadded, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    >>> print(result.message.splitlines()[3])
    After your first pooling the maps are 16x12x12, but they should be 16x14x14.
    """
    total = 6
    try:
        forward = _as_forward(fn_or_model)
    except NotImplementedError as error:
        return _report(CheckResult(False, 0, total, _not_written_yet(fn_or_model, error)), verbose)
    except Exception as error:  # building the model failed: say so
        message = f"Building your model raised {type(error).__name__}: {error}"
        return _report(CheckResult(False, 0, total, message), verbose)
    generator = torch.Generator().manual_seed(7)
    batch = torch.rand(5, *DIGIT_INPUT, generator=generator)
    modes = _eval_mode(fn_or_model)
    try:
        try:
            steps, one = trace_shapes(forward, batch[:1])
            _, five = trace_shapes(forward, batch)
        except NotImplementedError as error:
            return _report(CheckResult(False, 0, total, _not_written_yet(fn_or_model, error)), verbose)
    finally:
        _restore_modes(modes)
    passed, problem = _judge_forward(steps, one, five)
    if passed == 4 and problem.startswith("The first digit") and not isinstance(fn_or_model, torch.nn.Module):
        problem += (
            " (If your function calls a model with dropout, pass the model itself: the check switches it to "
            "eval mode, where dropout is off.)"
        )
    if problem:
        message = f"Check {passed + 1} of {total} failed.\n{problem}\nYour forward pass: {_describe_steps(steps)}"
        return _report(CheckResult(False, passed, total, message), verbose)
    message = (
        f"All {total} checks passed: {_describe_steps(steps)}. "
        "Maps of 16x14x14 and 36x7x7, and 10 logits per image, for a batch of 1 and a batch of 5."
    )
    return _report(CheckResult(True, total, total, message), verbose)


def _as_forward(fn_or_model: object) -> Callable[[torch.Tensor], object]:
    if isinstance(fn_or_model, type):
        if issubclass(fn_or_model, torch.nn.Module):
            return fn_or_model()
        raise ValueError(f"pass an nn.Module or a function, not the class {fn_or_model.__name__}")
    if not callable(fn_or_model):
        raise ValueError(
            f"pass your model (an nn.Module) or a function x -> logits; got a {type(fn_or_model).__name__}"
        )
    return fn_or_model


def _eval_mode(fn_or_model: object) -> dict:
    """Switch a module to eval mode (dropout off); remembers each submodule's mode."""
    if not isinstance(fn_or_model, torch.nn.Module):
        return {}
    modes = {module: module.training for module in fn_or_model.modules()}
    fn_or_model.eval()
    return modes


def _restore_modes(modes: dict) -> None:
    for module, training in modes.items():
        module.training = training


def _not_written_yet(fn_or_model: object, error: Exception) -> str:
    name = getattr(fn_or_model, "__name__", type(fn_or_model).__name__)
    return (
        f"Not written yet: {name} still raises NotImplementedError ({error}). Replace the raise line "
        "with your code, run that cell, then run this check again."
    )


def _size(shape: tuple[int, ...]) -> str:
    """A shape without its batch axis, written like the lecture: 16x14x14."""
    return "x".join(str(s) for s in shape[1:]) or "a single number"


def _describe_steps(steps: list[ShapeStep]) -> str:
    """'1x28x28 -> conv2d 16x28x28 -> relu -> ...': each op, with its shape when the shape changed."""
    parts, previous, gone = [_size((0, *DIGIT_INPUT))], DIGIT_INPUT, False
    for step in steps:
        shape = step.shape[1:] if len(step.shape) > 1 else step.shape
        text = step.op if shape == previous else f"{step.op} {'x'.join(map(str, shape))}"
        if len(step.shape) == 1 and not gone:
            text, gone = text + " (batch axis gone)", True
        parts.append(text)
        previous = shape
    return " -> ".join(parts)


def _pools(steps: list[ShapeStep]) -> list[int]:
    return [i for i, step in enumerate(steps) if "pool" in step.op and len(step.shape) == 4]


def _convs(steps: list[ShapeStep]) -> list[int]:
    return [i for i, step in enumerate(steps) if step.op.startswith("conv") and len(step.shape) == 4]


def _judge_forward(steps: list[ShapeStep], one: object, five: object) -> tuple[int, str]:
    """(checks passed, problem): the first stage that is wrong, explained; empty when all are right."""
    maps = [step.shape[1:] for step in steps if len(step.shape) == 4]
    first_ok = DIGIT_STAGES[0] in maps
    second_ok = first_ok and DIGIT_STAGES[1] in maps[maps.index(DIGIT_STAGES[0]) :]
    if isinstance(one, Exception):
        stage_problem = _stage_problem(steps, first_ok, second_ok)
        said = f"Your forward pass raised {type(one).__name__}: {one}"
        return 0, "\n".join(part for part in (said, _explain_error(steps, one), stage_problem) if part)
    if not first_ok or not second_ok:
        return 1 + first_ok, _stage_problem(steps, first_ok, second_ok)
    if not isinstance(one, torch.Tensor):
        return 3, f"Your forward pass returned {type(one).__name__}; return the logits, a tensor of shape (N, 10)."
    if tuple(one.shape) != (1, DIGIT_CLASSES):
        return 3, _explain_output(tuple(one.shape), batch=1)
    if isinstance(five, Exception):
        return 4, (
            f"With a batch of 5 digits your forward pass raised {type(five).__name__}: {five}\n"
            "It worked for one digit, so some size is fixed to 1 image: flatten with x.flatten(1) or "
            "x.view(x.shape[0], -1), which keep the batch axis, never with a fixed first size."
        )
    if not isinstance(five, torch.Tensor) or tuple(five.shape) != (5, DIGIT_CLASSES):
        shape = tuple(five.shape) if isinstance(five, torch.Tensor) else type(five).__name__
        return 4, _explain_output(shape, batch=5)
    if not torch.allclose(five[:1], one, rtol=1e-4, atol=1e-5):
        return 4, (
            "The first digit gets different scores alone and inside a batch of 5: the images are mixed "
            "somewhere. Flatten each image on its own (x.flatten(1)) and keep the batch axis first."
        )
    if (five >= 0).all() and torch.allclose(five.sum(dim=1), torch.ones(5), atol=1e-4):
        return 5, (
            "Each row of your output adds up to 1: you return softmax probabilities. Return the raw scores "
            "(logits) of the last linear layer; F.cross_entropy applies the softmax itself, and softmax twice "
            "makes training slow."
        )
    return 6, ""


def _explain_output(shape: tuple | str, batch: int) -> str:
    want = (batch, DIGIT_CLASSES)
    if shape == (DIGIT_CLASSES,):
        return (
            f"Your output has shape {shape}: the batch axis is gone. Return one row per image, shape {want}: "
            "flatten with x.flatten(1) or nn.Flatten(), not torch.flatten(x) or x.view(-1)."
        )
    if isinstance(shape, tuple) and len(shape) == 2 and shape[0] == batch:
        return (
            f"Your output has {shape[1]} numbers per image; the last layer needs {DIGIT_CLASSES} outputs, "
            "one score per digit: nn.Linear(128, 10)."
        )
    return f"Your output has shape {shape}; it should be {want}: one row of {DIGIT_CLASSES} scores per image."


def _stage_problem(steps: list[ShapeStep], first_ok: bool, second_ok: bool) -> str:
    """Which stage is wrong and why, from the shapes seen ('' if both stages were reached)."""
    if first_ok and second_ok:
        return ""
    stage = 0 if not first_ok else 1
    want = DIGIT_STAGES[stage]
    which = ("first", "second")[stage]
    convs, pools = _convs(steps), _pools(steps)
    conv = steps[convs[stage]].shape if len(convs) > stage else None
    pool = steps[pools[stage]].shape if len(pools) > stage else None
    if pool is None:
        if conv is None:
            return f"Your forward pass never reached a {which} convolution, so no maps of {_size((0, *want))}."
        return (
            f"I found no {which} pooling: after the {which} convolution the maps are {_size(conv)} and stay that "
            f"size. Max pooling with a 2x2 window (nn.MaxPool2d(2) or F.max_pool2d(x, 2)) halves them to "
            f"{_size((0, *want))}."
        )
    said = f"After your {which} pooling the maps are {_size(pool)}, but they should be {_size((0, *want))}."
    if stage == 0 and len(convs) > 1 and convs[1] < pools[0]:
        return (
            f"Your first pooling comes after two convolutions, and its maps are {_size(pool)}, not "
            f"{_size((0, *want))}.\nLikely cause: pool after each convolution: conv, ReLU, pool, then conv, "
            "ReLU, pool."
        )
    causes = _stage_causes(stage, conv, pool, steps[pools[stage] - 1].shape if pools[stage] > 0 else None)
    return said + "".join(f"\nLikely cause: {cause}" for cause in causes)


def _stage_causes(stage: int, conv: tuple | None, pool: tuple, before_pool: tuple | None) -> list[str]:
    want = DIGIT_STAGES[stage]
    which = ("first", "second")[stage]
    size_in = DIGIT_INPUT[1] if stage == 0 else DIGIT_STAGES[0][1]
    causes = []
    if conv is not None and conv[1] != want[0]:
        in_channels = DIGIT_INPUT[0] if stage == 0 else DIGIT_STAGES[0][0]
        causes.append(
            f"your {which} convolution makes {conv[1]} maps; it should have {want[0]} filters: "
            f"nn.Conv2d({in_channels}, {want[0]}, kernel_size=5, padding=2)."
        )
    if conv is not None and conv[2:] != (size_in, size_in):
        lost = size_in - conv[2]
        if lost > 0:
            causes.append(
                f"your {which} convolution shrinks the maps from {size_in}x{size_in} to {conv[2]}x{conv[3]}: a 5x5 "
                f"kernel without enough padding loses {lost} pixels. Use padding=2, (5 - 1) / 2, to keep the size."
            )
        else:
            causes.append(
                f"your {which} convolution grows the maps from {size_in}x{size_in} to {conv[2]}x{conv[3]}: "
                "with a 5x5 kernel, padding=2 keeps the size; more padding adds pixels."
            )
    if before_pool is not None and len(before_pool) == 4 and pool[2] * 2 != before_pool[2]:
        factor = before_pool[2] / pool[2] if pool[2] else float("inf")
        causes.append(
            f"your pooling shrinks {before_pool[2]}x{before_pool[3]} to {pool[2]}x{pool[3]} (about {factor:.0f} times "
            "smaller); a 2x2 window with stride 2 halves each side: nn.MaxPool2d(2)."
        )
    if not causes:
        causes.append(
            "follow the shapes: 28x28 -> convolution (padding 2) 28x28 -> pooling 14x14 -> convolution "
            "14x14 -> pooling 7x7, with 16 then 36 channels."
        )
    return causes


def _explain_error(steps: list[ShapeStep], error: Exception) -> str:
    """Plain words for the errors a wrong shape causes in PyTorch layers."""
    import re

    text = str(error)
    flat = [step for step in steps if len(step.shape) == 1]
    if flat and any(len(step.shape) == 4 for step in steps):
        return (
            f"Likely cause: you flattened the batch axis too (a {flat[0].op} gave shape {flat[0].shape}). "
            "x.flatten(1) or nn.Flatten() keeps one row per image; torch.flatten(x) and x.view(-1) make one long "
            "vector of all the images."
        )
    product = re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", text)
    if product:
        got, expected = int(product.group(2)), int(product.group(3))
        maps = [step.shape for step in steps if len(step.shape) == 4]
        last = f" (your last maps are {_size(maps[-1])} = {got})" if maps and _numel(maps[-1][1:]) == got else ""
        want = DIGIT_STAGES[1]
        hint = ""
        if expected == _numel(want):
            hint = (
                f" It expects the second pooling's {_size((0, *want))} = {expected} numbers, so the maps before it "
                "have the wrong size."
            )
        return f"Likely cause: a dense layer receives {got} numbers per image{last} but expects {expected}.{hint}"
    channels = re.search(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+) channels", text)
    if channels:
        expected, got = channels.groups()
        return (
            f"Likely cause: a convolution expects {expected} input channels but receives {got} maps. Its "
            f"in_channels must equal the out_channels of the layer before: nn.Conv2d({got}, ...)."
        )
    if isinstance(error, TypeError) and "argument" in text:
        return "Likely cause: your forward must take one argument, the batch x, and return the logits."
    return ""


def _numel(sizes: tuple[int, ...]) -> int:
    """The number of values in a tensor of these sizes (1 for none)."""
    product = 1
    for size in sizes:
        product *= size
    return product
