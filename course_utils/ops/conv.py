"""2D convolution in NumPy, written to be read.

Every function here has the same meaning and memory layout as its PyTorch counterpart
(``torch.nn.functional.conv2d``, ``conv_transpose2d``, ``unfold``, ``fold``), and the tests
check them against PyTorch. Layouts:

* images ``x``: ``(N, C_in, H, W)``: batch, channels, height (rows), width (columns);
* filters ``weight``: ``(C_out, C_in / groups, kH, kW)`` (for the transposed convolution:
  ``(C_in, C_out / groups, kH, kW)``).

Names follow the lectures: the ``kernel`` slides over the (zero-)``padded`` input in steps of
``stride`` pixels; a ``dilation`` of ``d`` spreads the kernel taps ``d`` pixels apart. Every
``kernel``/``stride``/``padding``/``dilation`` argument takes an int (the same for height and
width) or a pair ``(height, width)``. The output sizes and the checks of these settings come
from :mod:`course_utils.ops.geometry`, which pooling shares.

Like PyTorch (and the lectures), "convolution" here is cross-correlation: the kernel is not
flipped. ``convolve2d`` shows the textbook convolution with the flipped kernel.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from course_utils.ops.geometry import (
    IntOrPair,
    Pair,
    conv_output_size,
    conv_transpose_output_size,
    pad2d,
    per_axis,
    strided_slice,
)

# ----------------------------------------------------------------------------------------
# The convolution, three ways: loops, one matrix product, one explicit matrix
# ----------------------------------------------------------------------------------------


def conv2d_naive(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """The convolution as the lectures draw it: slide the kernel, multiply, sum.

        y[n, o, i, j] = bias[o] + sum over c, u, v of
                        x_padded[n, c, i*s + u*d, j*s + v*d] * weight[o, c, u, v]

    where ``c`` runs over the input channels of filter ``o``'s group and ``(u, v)`` over
    the kernel's rows and columns. Plain loops: slow, but every line is one step of the
    picture. Same arguments and result as :func:`conv2d`.

    >>> x = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]])
    >>> edge = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    >>> conv2d_naive(x[None, None], edge[None, None])[0, 0]
    array([[ 0., -2.],
           [ 7.,  5.]])
    """
    x, weight, bias = check_conv_inputs(x, weight, bias, groups)
    (sh, sw), (dh, dw) = per_axis(stride, "stride"), per_axis(dilation, "dilation")
    n_images, _, height, width = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    h_out, w_out = conv_output_size((height, width), (kh, kw), stride, padding, dilation)
    padded = pad2d(x, padding)
    filters_per_group = c_out // groups
    out = np.zeros((n_images, c_out, h_out, w_out), dtype=np.result_type(x, weight))
    for n in range(n_images):
        for o in range(c_out):
            group = o // filters_per_group
            channels = slice(group * c_per_group, (group + 1) * c_per_group)
            for i in range(h_out):
                for j in range(w_out):
                    top, left = i * sh, j * sw
                    rows = strided_slice(top, dh, kh)  # kH rows, dilation dh apart
                    columns = strided_slice(left, dw, kw)
                    patch = padded[n, channels, rows, columns]  # (C_in/groups, kH, kW)
                    out[n, o, i, j] = np.sum(patch * weight[o])
    return _add_bias(out, bias)


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2D convolution (cross-correlation) as one matrix product, like ``F.conv2d``.

    ``x``: ``(N, C_in, H, W)``; ``weight``: ``(C_out, C_in / groups, kH, kW)``; ``bias``:
    ``(C_out,)`` or None. Returns ``(N, C_out, H_out, W_out)`` with
    ``H_out = floor((H + 2p - d(kH - 1) - 1) / s) + 1`` (see :func:`conv_output_size`).

    Each output pixel is a dot product between a flattened filter and a flattened patch.
    :func:`im2col` lays every patch out as a column, so all the dot products become one
    matrix product per group: ``(C_out/groups, C_in/groups*kH*kW) @ (C_in/groups*kH*kW, L)``.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]  # sum of each 2x2 block
    array([[10., 18.],
           [42., 50.]])
    """
    x, weight, bias = check_conv_inputs(x, weight, bias, groups)
    n_images, _, height, width = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    h_out, w_out = conv_output_size((height, width), (kh, kw), stride, padding, dilation)
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    cols = cols.reshape(n_images, groups, c_per_group * kh * kw, h_out * w_out)
    filters = weight.reshape(groups, c_out // groups, c_per_group * kh * kw)
    out = np.matmul(filters, cols)  # (N, groups, C_out/groups, L): one GEMM per group
    return _add_bias(out.reshape(n_images, c_out, h_out, w_out), bias)


def conv_matrix(
    input_shape: tuple[int, int, int],
    weight: np.ndarray,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """The convolution of one image as an explicit matrix ``M``.

    For an image ``x`` of shape ``input_shape = (C_in, H, W)``,
    ``M @ x.ravel() == conv2d(x[None], weight, ...).ravel()``. ``M`` has one row per output
    value, shape ``(C_out * H_out * W_out, C_in * H * W)``. Row ``r`` holds the filter's
    weights at the input pixels that output ``r`` sees; taps that land on the padding touch
    no input pixel and are dropped. Mostly zeros: fine for small examples only.

    >>> M = conv_matrix((1, 3, 3), np.ones((1, 1, 2, 2)))
    >>> M.astype(int)
    array([[1, 1, 0, 1, 1, 0, 0, 0, 0],
           [0, 1, 1, 0, 1, 1, 0, 0, 0],
           [0, 0, 0, 1, 1, 0, 1, 1, 0],
           [0, 0, 0, 0, 1, 1, 0, 1, 1]])
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C_in, H, W) for one image, got {tuple(input_shape)}")
    c_in, height, width = (operator.index(size) for size in input_shape)
    _, weight, _ = check_conv_inputs(np.zeros((1, c_in, height, width)), weight, None, groups)
    (sh, sw), (ph, pw) = per_axis(stride, "stride"), per_axis(padding, "padding")
    dh, dw = per_axis(dilation, "dilation")
    c_out, c_per_group, kh, kw = weight.shape
    h_out, w_out = conv_output_size((height, width), (kh, kw), stride, padding, dilation)
    matrix = np.zeros((c_out, h_out, w_out, c_in, height, width), dtype=weight.dtype)
    for o in range(c_out):
        first_channel = (o // (c_out // groups)) * c_per_group
        for i, j in np.ndindex(h_out, w_out):
            for c, u, v in np.ndindex(c_per_group, kh, kw):
                row, col = i * sh - ph + u * dh, j * sw - pw + v * dw  # in input pixels
                if 0 <= row < height and 0 <= col < width:
                    matrix[o, i, j, first_channel + c, row, col] = weight[o, c, u, v]
    return matrix.reshape(c_out * h_out * w_out, c_in * height * width)


# ----------------------------------------------------------------------------------------
# im2col / col2im and the transposed convolution
# ----------------------------------------------------------------------------------------


def im2col(
    x: np.ndarray,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Every patch the kernel visits, as one column (``F.unfold``).

    ``x``: ``(N, C, H, W)``. Returns ``(N, C * kH * kW, L)`` with ``L = H_out * W_out``
    patches in row-major order; a column is one flattened ``(C, kH, kW)`` patch. Built one
    kernel tap at a time: tap ``(u, v)`` sees the padded input shifted by ``(u d, v d)`` and
    sampled every ``s`` pixels, so the whole row block for that tap is one strided slice.

    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), kernel=2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = _check_images(x, "x", "(N, C, H, W)")
    (kh, kw), (sh, sw) = per_axis(kernel, "kernel"), per_axis(stride, "stride")
    dh, dw = per_axis(dilation, "dilation")
    n_images, channels, height, width = x.shape
    h_out, w_out = conv_output_size((height, width), kernel, stride, padding, dilation)
    padded = pad2d(x, padding)
    cols = np.empty((n_images, channels, kh, kw, h_out, w_out), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = padded[:, :, strided_slice(u * dh, sh, h_out), strided_slice(v * dw, sw, w_out)]
    return cols.reshape(n_images, channels * kh * kw, h_out * w_out)


def col2im(
    cols: np.ndarray,
    output_size: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Put columns back as patches, summing where patches overlap (``F.fold``).

    The adjoint of :func:`im2col`: for all ``x`` and ``cols``,
    ``<cols, im2col(x)> == <col2im(cols), x>``. It is *not* the inverse: a pixel that ``k``
    patches share comes back multiplied by ``k``. ``cols``: ``(N, C * kH * kW, L)``;
    returns ``(N, C, H, W)`` for ``output_size = (H, W)``.

    >>> col2im(np.ones((1, 4, 4)), output_size=3, kernel=2)[0, 0]  # patches per pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = _as_float(cols)
    (height, width), (kh, kw) = per_axis(output_size, "output_size"), per_axis(kernel, "kernel")
    ph, pw = per_axis(padding, "padding")
    h_out, w_out = conv_output_size((height, width), kernel, stride, padding, dilation)
    if cols.ndim != 3 or cols.shape[1] % (kh * kw) or cols.shape[2] != h_out * w_out:
        raise ValueError(
            f"cols must have shape (N, C*{kh}*{kw}, {h_out * w_out}) for a {kh}x{kw} kernel "
            f"on a {height}x{width} image ({h_out}x{w_out} patches), got {cols.shape}; "
            f"check output_size, kernel, stride, padding and dilation"
        )
    n_images, rows, _ = cols.shape
    patches = cols.reshape(n_images, rows // (kh * kw), kh, kw, h_out, w_out)
    padded = _sum_patches(patches, (height + 2 * ph, width + 2 * pw), stride, dilation)
    return padded[:, :, ph : ph + height, pw : pw + width]


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Transposed convolution, like ``F.conv_transpose2d`` (same argument order).

    The adjoint of :func:`conv2d` with the same ``weight``: where the convolution gathers a
    patch into one number, this spreads each number back over a patch, and sums the
    overlaps. In matrix form, ``conv_transpose2d(y) == conv_matrix(...).T @ y``. It undoes
    the *shape* change of the convolution (not its values). ``x``: ``(N, C_in, H, W)``;
    ``weight``: ``(C_in, C_out / groups, kH, kW)``; output size from
    :func:`conv_transpose_output_size`: ``(H - 1)s - 2p + d(kH - 1) + output_padding + 1``.

    Computed as :func:`col2im` of a matrix product: each input pixel times the filters
    gives one ``(C_out, kH, kW)`` patch; the patches are then summed into place.

    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    x = _check_images(x, "x", "(N, C_in, H, W)")
    weight = _check_images(weight, "weight", "(C_in, C_out/groups, kH, kW)")
    n_images, c_in, height, width = x.shape
    _check_groups(groups, c_in, "input")
    if weight.shape[0] != c_in:
        raise ValueError(
            f"weight has {weight.shape[0]} input channels (its first axis) but x has {c_in}; "
            f"a transposed convolution's weight is (C_in, C_out/groups, kH, kW)"
        )
    c_per_group, (kh, kw) = c_in // groups, weight.shape[2:]
    c_out = weight.shape[1] * groups
    bias = _check_bias(bias, c_out)
    h_out, w_out = conv_transpose_output_size((height, width), (kh, kw), stride, padding, output_padding, dilation)
    filters = weight.reshape(groups, c_per_group, -1).transpose(0, 2, 1)
    cols = np.matmul(filters, x.reshape(n_images, groups, c_per_group, height * width))
    patches = cols.reshape(n_images, c_out, kh, kw, height, width)
    ph, pw = per_axis(padding, "padding")
    padded = _sum_patches(patches, (h_out + 2 * ph, w_out + 2 * pw), stride, dilation)
    return _add_bias(padded[:, :, ph : ph + h_out, pw : pw + w_out], bias)


def _sum_patches(patches: np.ndarray, padded_size: Pair, stride: IntOrPair, dilation: IntOrPair) -> np.ndarray:
    """Add patches ``(N, C, kH, kW, L_h, L_w)`` into a zero canvas of ``padded_size``."""
    n_images, channels, kh, kw, blocks_h, blocks_w = patches.shape
    (sh, sw), (dh, dw) = per_axis(stride, "stride"), per_axis(dilation, "dilation")
    canvas = np.zeros((n_images, channels, *padded_size), dtype=patches.dtype)
    for u in range(kh):
        for v in range(kw):
            # one tap's positions never collide with each other, so += is safe here
            rows, columns = strided_slice(u * dh, sh, blocks_h), strided_slice(v * dw, sw, blocks_w)
            canvas[:, :, rows, columns] += patches[:, :, u, v]
    return canvas


# ----------------------------------------------------------------------------------------
# Single image, single kernel: the decks' worked examples
# ----------------------------------------------------------------------------------------


class SlidingStep(NamedTuple):
    """One position of the kernel: output cell ``(row, col)`` from ``patch`` at ``(top, left)``.

    ``top`` and ``left`` are coordinates in the *padded* image.
    """

    row: int
    col: int
    top: int
    left: int
    patch: np.ndarray
    value: float


def correlate2d(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Cross-correlation of one 2D image with one 2D kernel: what CNN layers compute.

        y[i, j] = sum over u, v of image_padded[i*s + u*d, j*s + v*d] * kernel[u, v]

    >>> image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
    ...                   [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
    >>> correlate2d(image, np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]]))
    array([[4., 3., 4.],
           [2., 4., 3.],
           [2., 3., 4.]])
    """
    image, kernel = _check_plane(image, "image"), _check_plane(kernel, "kernel")
    return conv2d(image[None, None], kernel[None, None], None, stride, padding, dilation)[0, 0]


def convolve2d(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """True (textbook) convolution: cross-correlation with the kernel flipped both ways.

        y[i, j] = sum over u, v of image_padded[i*s + u*d, j*s + v*d] * kernel[kH-1-u, kW-1-v]

    For a symmetric kernel (box blur, the edge kernel) the two agree; for an asymmetric one
    (Prewitt, emboss) they differ. Learned filters do not care: a network learns the flipped
    kernel just as well, so CNN libraries skip the flip.

    >>> convolve2d(np.eye(3), np.array([[1, 2], [3, 4]]))
    array([[5., 2.],
           [3., 5.]])
    """
    kernel = _check_plane(kernel, "kernel")
    return correlate2d(image, kernel[::-1, ::-1], stride, padding, dilation)


def sliding_steps(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> Iterator[SlidingStep]:
    """Yield each position of the kernel over the image, in reading order, for animations.

    Each :class:`SlidingStep` holds the output cell, the window's top-left corner in the
    padded image, the patch under the kernel, and ``value = sum(patch * kernel)``: one
    cell of :func:`correlate2d`.

    >>> steps = sliding_steps(np.arange(9).reshape(3, 3), np.ones((2, 2)))
    >>> [(s.row, s.col, float(s.value)) for s in steps]
    [(0, 0, 8.0), (0, 1, 12.0), (1, 0, 20.0), (1, 1, 24.0)]
    """
    image, kernel = _check_plane(image, "image"), _check_plane(kernel, "kernel")
    (sh, sw), (dh, dw) = per_axis(stride, "stride"), per_axis(dilation, "dilation")
    h_out, w_out = conv_output_size(image.shape, kernel.shape, stride, padding, dilation)
    padded = pad2d(image, padding)
    kh, kw = kernel.shape
    for row, col in np.ndindex(h_out, w_out):
        top, left = row * sh, col * sw
        patch = padded[strided_slice(top, dh, kh), strided_slice(left, dw, kw)]
        yield SlidingStep(row, col, top, left, patch, float(np.sum(patch * kernel)))


# ----------------------------------------------------------------------------------------
# Input checks shared by the functions above (and by conv_fast)
# ----------------------------------------------------------------------------------------


def _as_float(a: np.ndarray) -> np.ndarray:
    """NumPy array; integers become float64 so sums never overflow or truncate."""
    a = np.asarray(a)
    return a if a.dtype.kind in "fc" else a.astype(np.float64)


def _check_images(a: np.ndarray, name: str, layout: str) -> np.ndarray:
    a = _as_float(a)
    if a.ndim != 4:
        hint = f"; for a single image use {name}[None]" if a.ndim == 3 and name == "x" else ""
        raise ValueError(f"{name} must have 4 dimensions {layout}, got shape {a.shape}{hint}")
    return a


def _check_plane(a: np.ndarray, name: str) -> np.ndarray:
    a = _as_float(a)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2D (height, width), got shape {a.shape}; for channels and batches use conv2d")
    return a


def _check_groups(groups: int, channels: int, which: str) -> None:
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"groups must be an int >= 1, got {groups!r}")
    if channels % groups:
        raise ValueError(
            f"{which} channels {channels} are not divisible by groups {groups}; "
            f"use a groups value that divides both C_in and C_out"
        )


def _check_bias(bias: np.ndarray | None, c_out: int) -> np.ndarray | None:
    if bias is None:
        return None
    bias = _as_float(bias)
    if bias.shape != (c_out,):
        raise ValueError(f"bias must have shape (C_out,) = ({c_out},), one value per filter, got {bias.shape}")
    return bias


def check_conv_inputs(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, groups: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Check a convolution's arrays against the layouts of ``F.conv2d``; return them as floats.

    ``x``: ``(N, C_in, H, W)``; ``weight``: ``(C_out, C_in / groups, kH, kW)``; ``bias``:
    ``(C_out,)`` or None; ``groups`` divides both ``C_in`` and ``C_out``. Integer arrays come
    back as float64. A fast path calls it too, so that it fails exactly like the reference.

    >>> x, weight, bias = check_conv_inputs(np.ones((1, 2, 4, 4), dtype=int), np.ones((3, 2, 3, 3)))
    >>> x.dtype, weight.shape, bias
    (dtype('float64'), (3, 2, 3, 3), None)
    """
    x = _check_images(x, "x", "(N, C_in, H, W)")
    weight = _check_images(weight, "weight", "(C_out, C_in/groups, kH, kW)")
    c_in, c_out = x.shape[1], weight.shape[0]
    _check_groups(groups, c_in, "input")
    _check_groups(groups, c_out, "output")
    if weight.shape[1] * groups != c_in:
        raise ValueError(
            f"weight expects {weight.shape[1]} input channels per group x {groups} groups = "
            f"{weight.shape[1] * groups} channels, but x has {c_in}; weight must be "
            f"(C_out, C_in/groups, kH, kW) = ({c_out}, {c_in // groups}, kH, kW)"
        )
    return x, weight, _check_bias(bias, c_out)


def _add_bias(out: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    return out if bias is None else out + bias[:, None, None]
