"""The geometry of a sliding window, shared by every op: settings per axis, output sizes, checks.

A convolution or a pooling slides a window (the ``kernel``) over the input in steps of
``stride`` pixels, after adding ``padding`` pixels on each side; a ``dilation`` of ``d``
spreads the kernel's taps ``d`` pixels apart, so a kernel of ``k`` taps spans its *dilated
extent* ``d(k - 1) + 1`` pixels. Along each spatial axis the output then has

    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1

cells, for an input of ``n`` pixels. Every setting is an int (the same for height and width)
or a pair ``(height, width)``; :func:`per_axis` turns it into one int per axis.

This module is the one place that knows these rules: how to read the settings
(:func:`per_axis`), which settings are possible (:func:`check_geometry`), the output sizes of a
convolution, a transposed convolution and a pooling, and how to pad an array
(:func:`pad2d`). Its errors say what is wrong and how to fix it. The lesson helpers at the end
fill the formula in with numbers, list every kernel position, find the input cells no
position reads, and ask PyTorch for its answer.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import numpy as np

IntOrPair = int | tuple[int, int]
IntOrTuple = int | tuple[int, ...]
Pair = tuple[int, int]

AXES = ("height", "width")
"""The names of the two spatial axes, in the order of a ``(height, width)`` pair."""

# Per setting: what a message calls it, its least possible value, and what to do instead.
_RULES = {
    "n": ("input size", 1, "the input must have at least one pixel"),
    "kernel": ("kernel", 1, "the kernel must have at least one tap"),
    "stride": ("stride", 1, "stride 1 moves the kernel one pixel at a time"),
    "padding": ("padding", 0, "0 adds no padding, and to shrink the input, crop it (x[..., 1:-1, 1:-1]) instead"),
    "output_padding": ("output_padding", 0, "output_padding can only add cells to the output (0 adds none)"),
    "dilation": ("dilation", 1, "dilation 1 is an ordinary, undilated kernel"),
}


# ----------------------------------------------------------------------------------------
# Reading and checking the settings
# ----------------------------------------------------------------------------------------


def per_axis(value: IntOrTuple, name: str, axes: int = 2) -> tuple[int, ...]:
    """One int per spatial axis: an int is the same on every axis, a tuple gives one per axis.

        3 -> (3, 3);   (3, 5) -> (3, 5)

    Anything else (a float, a bool, a tuple of the wrong length) is a ``ValueError`` naming
    ``name`` and what to pass instead. ``axes`` is 2 for ``(height, width)``.

    >>> per_axis(3, "kernel")
    (3, 3)
    >>> per_axis((3, 5), "kernel")
    (3, 5)
    >>> per_axis(2, "stride", axes=1)
    (2,)
    >>> per_axis(1.5, "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be an int or a pair of ints (height, width), got 1.5
    """
    values = tuple(value) if isinstance(value, tuple | list) else (value,) * axes
    wanted = {1: "a tuple of one int", 2: "a pair of ints (height, width)"}.get(axes, f"a tuple of {axes} ints")
    problem = ValueError(f"{name} must be an int or {wanted}, got {value!r}")
    if len(values) != axes or any(isinstance(v, bool) for v in values):
        raise problem
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise problem from None


def check_geometry(
    n: int | None = None,
    kernel: int | None = None,
    stride: int | None = None,
    padding: int | None = None,
    dilation: int | None = None,
    output_padding: int | None = None,
    *,
    axis: str = "",
    kernel_name: str = "kernel",
) -> None:
    """Fail with a ``ValueError`` that says how to fix it unless the settings of one axis are possible.

        n >= 1,  kernel >= 1,  stride >= 1,  padding >= 0,  dilation >= 1,  output_padding >= 0

    Settings left at None are not checked. ``axis`` (``"height"``, ``"width"``) names the axis
    in the message when the caller works with pairs; ``kernel_name`` is what the caller calls
    its kernel (pooling says ``kernel_size``).

    >>> check_geometry(n=4, kernel=3, stride=2, padding=1)  # all fine: returns None
    >>> check_geometry(kernel=3, stride=0)
    Traceback (most recent call last):
    ...
    ValueError: stride must be >= 1, got 0; stride 1 moves the kernel one pixel at a time
    >>> check_geometry(dilation=0, axis="width")
    Traceback (most recent call last):
    ...
    ValueError: dilation width must be >= 1, got 0; dilation 1 is an ordinary, undilated kernel
    """
    settings = {
        "n": n,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "output_padding": output_padding,
    }
    for key, value in settings.items():
        label, least, hint = _RULES[key]
        if value is not None and value < least:
            label = kernel_name if key == "kernel" else label
            raise ValueError(f"{label}{_on(axis)} must be >= {least}, got {value}; {hint}")


def dilated_extent(kernel: int, dilation: int = 1) -> int:
    """How many input pixels a kernel of ``kernel`` taps spans: ``d(k - 1) + 1``.

    >>> dilated_extent(3), dilated_extent(3, dilation=2)
    (3, 5)
    """
    return dilation * (kernel - 1) + 1


# ----------------------------------------------------------------------------------------
# Output sizes
# ----------------------------------------------------------------------------------------


def conv_output_size(
    n: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Size of a convolution's output along each spatial axis.

        n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1

    with ``n`` the input size, ``k`` the kernel, ``s`` the stride, ``p`` the padding and
    ``d`` the dilation; ``d(k - 1) + 1`` is the dilated extent of the kernel, the number of
    input pixels it spans. Returns an int if every argument is an int, else a
    ``(height, width)`` pair. A kernel that does not fit the padded input is a ``ValueError``.

    >>> conv_output_size(4, kernel=3)  # the lecture's 4x4 input, 3x3 kernel
    2
    >>> conv_output_size(5, kernel=3, stride=2, padding=1)
    3
    >>> conv_output_size((100, 100), kernel=5)  # 3x100x100 image, 5x5 filters
    (96, 96)
    >>> conv_output_size(4, kernel=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: kernel 5 (dilated extent 5) is larger than the padded input 4; add padding >= 1 or use a smaller ...
    """
    return _each_axis(_conv_size_1d, n=n, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def conv_transpose_output_size(
    n: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Size of a transposed convolution's output along each spatial axis.

        n_out = (n - 1)s - 2p + d(k - 1) + output_padding + 1

    A stride-``s`` convolution maps up to ``s`` input sizes to the same output size;
    ``output_padding`` (smaller than the stride or the dilation) picks which one to give back.

    >>> conv_transpose_output_size(2, kernel=3)  # undoes the shape change of 4 -> 2
    4
    >>> conv_transpose_output_size(3, kernel=3, stride=2, padding=1, output_padding=1)
    6
    """
    return _each_axis(
        _conv_transpose_size_1d,
        n=n,
        kernel=kernel,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )


def pool_output_size(
    input_size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Size of a pooling's output along each spatial axis, with PyTorch's rules.

    .. math:: n_{out} = \\left\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1

    ``stride`` defaults to ``kernel_size``; PyTorch allows ``padding <= kernel_size // 2``.
    With ``ceil_mode=True`` the floor becomes a ceiling, except that a last window starting
    beyond the input and its left padding is dropped. Returns an int if every size argument
    is an int, else a ``(height, width)`` pair.

    >>> pool_output_size(4, kernel_size=2)  # the lecture's 4x4 input, 2x2 windows
    2
    >>> pool_output_size(96, kernel_size=3)  # 100x96x96 feature maps -> 100x32x32
    32
    >>> pool_output_size(5, kernel_size=2), pool_output_size(5, kernel_size=2, ceil_mode=True)
    (2, 3)
    """
    stride = kernel_size if stride is None else stride
    return _each_axis(
        functools.partial(_pool_size_1d, ceil_mode=ceil_mode),
        n=input_size,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def _conv_size_1d(n: int, kernel: int, stride: int, padding: int, dilation: int, axis: str) -> int:
    check_geometry(n, kernel, stride, padding, dilation, axis=axis)
    return _windows(n, kernel, stride, padding, dilation, axis)


def _pool_size_1d(
    n: int, kernel_size: int, stride: int, padding: int, dilation: int, ceil_mode: bool, axis: str
) -> int:
    check_geometry(n, kernel_size, stride, padding, dilation, axis=axis, kernel_name="kernel_size")
    most = kernel_size // 2
    if padding > most:
        raise ValueError(
            f"padding{_on(axis)} {padding} is more than half of kernel_size{_on(axis)} {kernel_size}: a window would "
            f"see mostly padding. PyTorch allows padding <= kernel_size // 2 = {most}; use padding={most} or a "
            f"larger kernel_size"
        )
    return _windows(n, kernel_size, stride, padding, dilation, axis, ceil_mode, "kernel_size", most)


def _windows(
    n: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    axis: str,
    ceil_mode: bool = False,
    kernel_name: str = "kernel",
    most_padding: int | None = None,
) -> int:
    """How many windows fit along one axis; a ``ValueError`` that says how to fix it if none does."""
    extent = dilated_extent(kernel, dilation)
    span = n + 2 * padding - extent  # how far the window can travel
    size = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (size - 1) * stride >= n + padding:
        size -= 1  # that last window would start in the right padding: PyTorch drops it
    if size >= 1:
        return size
    # ceil_mode keeps a window that reaches up to stride - 1 pixels past the padded input
    reach = stride - 1 if ceil_mode else 0
    need = -(-(extent - n - reach) // 2)
    smaller = f"a smaller {kernel_name} or dilation" if dilation > 1 else f"a smaller {kernel_name}"
    can_pad = most_padding is None or need <= most_padding  # pooling: PyTorch's limit on padding
    fix = f"add padding >= {need} or use {smaller}" if can_pad else f"use {smaller}"
    raise ValueError(
        f"{kernel_name}{_on(axis)} {kernel} (dilated extent {extent}) is larger than the padded "
        f"input{_on(axis)} {n + 2 * padding}; {fix}, or a larger input"
    )


def _conv_transpose_size_1d(
    n: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int, axis: str
) -> int:
    check_geometry(n, kernel, stride, padding, dilation, output_padding, axis=axis)
    if output_padding >= stride and output_padding >= dilation:
        raise ValueError(
            f"output_padding{_on(axis)} {output_padding} must be smaller than the stride {stride} "
            f"or the dilation {dilation}: it only picks one of the input sizes that the "
            f"convolution maps to the same output; use 0 <= output_padding "
            f"< {max(stride, dilation)}"
        )
    size = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        most = ((n - 1) * stride + dilation * (kernel - 1) + output_padding) // 2
        raise ValueError(
            f"padding{_on(axis)} {padding} crops away the whole output (size {size}); use padding <= {most}"
        )
    return size


def _each_axis(size_1d: Callable[..., int], **settings: IntOrPair) -> IntOrPair:
    """Apply a one-axis size rule to height and width; an int if every setting was one.

    Messages name the axis only when the caller gave pairs.
    """
    all_ints = not any(isinstance(value, tuple | list) for value in settings.values())
    pairs = {name: per_axis(value, _RULES[name][0] if name in _RULES else name) for name, value in settings.items()}
    sizes = tuple(
        size_1d(**{name: pair[i] for name, pair in pairs.items()}, axis="" if all_ints else axis)
        for i, axis in enumerate(AXES)
    )
    return sizes[0] if all_ints else sizes


def _on(axis: str) -> str:
    """``" height"`` after a setting's name in a message, or nothing when there are no axes."""
    return f" {axis}" if axis else ""


# ----------------------------------------------------------------------------------------
# Arrays
# ----------------------------------------------------------------------------------------


def pad2d(a: np.ndarray, padding: IntOrPair, value: float = 0.0) -> np.ndarray:
    """``a`` with ``padding = (ph, pw)`` cells of ``value`` added on both sides of its last two axes.

    Zeros for a convolution or an average pooling, ``-inf`` for a max pooling (so the
    padding never wins). Any leading axes (batch, channels) are left alone.

    >>> pad2d(np.ones((1, 2)), (1, 0))
    array([[0., 0.],
           [1., 1.],
           [0., 0.]])
    """
    ph, pw = per_axis(padding, "padding")
    return np.pad(a, [(0, 0)] * (a.ndim - 2) + [(ph, ph), (pw, pw)], constant_values=value)


def strided_slice(start: int, step: int, count: int) -> slice:
    """The ``count`` positions ``start, start + step, ...`` as a slice.

    One window's taps are ``strided_slice(top, dilation, kernel)``; one tap's positions over
    all output cells are ``strided_slice(tap_offset, stride, n_out)``. The slice stops just
    after its last position, so it never reads past what it needs.

    >>> list(range(10))[strided_slice(1, 3, 3)]
    [1, 4, 7]
    """
    return slice(start, start + step * (count - 1) + 1, step)


# ----------------------------------------------------------------------------------------
# One axis, for the lesson: the formula filled in, where the kernel lands
# ----------------------------------------------------------------------------------------


def size_formula(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    r"""The output-size formula with the numbers filled in, as LaTeX (without dollar signs).

    Raises the ``ValueError`` of :func:`conv_output_size` when the kernel does not fit the
    padded input.

    >>> print(size_formula(5, 3, stride=2, padding=1).replace(" = ", "\n= "))
    \left\lfloor \frac{5 + 2 \cdot 1 - 1 \cdot (3 - 1) - 1}{2} \right\rfloor + 1
    = \left\lfloor \frac{4}{2} \right\rfloor + 1
    = 3
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilated_extent(kernel, dilation)
    return (
        rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - {dilation} \cdot ({kernel} - 1) - 1}}"
        rf"{{{stride}}} \right\rfloor + 1 = \left\lfloor \frac{{{top}}}{{{stride}}} \right\rfloor + 1 = {size}"
    )


def formula_text(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The same formula as plain text, for printing.

    >>> formula_text(5, 3, stride=2, padding=1)
    'floor((5 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = floor(4 / 2) + 1 = 3'
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilated_extent(kernel, dilation)
    start = f"floor(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1"
    return f"{start} = floor({top} / {stride}) + 1 = {size}"


def kernel_positions(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[list[int]]:
    """For each output cell, the padded-input cells its kernel taps read, along one axis.

    Padded cells are numbered ``0 .. n + 2p - 1``; the real input starts at ``p``.

    >>> kernel_positions(5, 3, stride=2)
    [[0, 1, 2], [2, 3, 4]]
    >>> kernel_positions(5, 2, dilation=3)
    [[0, 3], [1, 4]]
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    return [[j * stride + u * dilation for u in range(kernel)] for j in range(size)]


def unused_cells(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[int]:
    """Real input cells (numbered ``0 .. n - 1``) that no kernel tap ever reads.

    The floor in the formula drops the last cells when the kernel cannot take one more
    whole step; a stride larger than the kernel's reach, or dilation with a stride, skips
    cells in between.

    >>> unused_cells(6, 3, stride=2)   # the sixth pixel: no third step fits
    [5]
    >>> unused_cells(7, 1, stride=3)
    [1, 2, 4, 5]
    """
    read = {cell - padding for taps in kernel_positions(n, kernel, stride, padding, dilation) for cell in taps}
    return [cell for cell in range(n) if cell not in read]


def pytorch_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int | None:
    """The output width that ``torch.nn.functional.conv2d`` really produces (None if it refuses).

    Runs one convolution of a ``1 x n`` zero image with a ``1 x k`` kernel, on one thread:
    on a busy machine, waking a second thread for so tiny a job costs milliseconds.
    """
    import torch
    import torch.nn.functional as F

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = F.conv2d(
            torch.zeros(1, 1, 1, n),
            torch.zeros(1, 1, 1, kernel),
            stride=(1, stride),
            padding=(0, padding),
            dilation=(1, dilation),
        )
    except RuntimeError:
        return None
    finally:
        torch.set_num_threads(threads)
    return int(out.shape[-1])
