"""A fast path for 2D convolution: a sum of shifted matrix products.

:func:`course_utils.ops.conv.conv2d` first copies every patch into an im2col matrix that is
``kH * kW`` times larger than the input, then does one big matrix product. This module
gets the same numbers without that copy. Split the convolution by kernel tap:

    y = sum over kernel taps (u, v) of  W[u, v] @ X[u, v]

where ``W[u, v]`` is the ``(C_out, C_in)`` matrix of the filters' weights at tap ``(u, v)``
and ``X[u, v]`` is the padded input shifted by ``(u d, v d)`` and sampled every ``s``
pixels, as a ``(C_in, pixels)`` matrix. At stride 1 the shift needs no copy at all: in the
padded image flattened row by row, shifting by ``(a, b)`` pixels is moving ``a W_p + b``
places, so ``X[u, v]`` is a window of that flat array and the output comes out "wide"
(``W_p`` columns per row, of which the first ``W_out`` are kept).

The tests check :func:`conv2d_shifted` against :func:`course_utils.ops.conv.conv2d` and
PyTorch; ``bench/conv.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from course_utils.ops.conv import check_conv_inputs
from course_utils.ops.geometry import IntOrPair, Pair, conv_output_size, pad2d, per_axis, strided_slice


def conv2d_shifted(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2D convolution as ``kH * kW`` shifted matrix products; same result as ``conv2d``.

    Arguments and layouts as :func:`course_utils.ops.conv.conv2d` and ``F.conv2d``:
    ``x`` ``(N, C_in, H, W)``, ``weight`` ``(C_out, C_in / groups, kH, kW)``, output
    ``(N, C_out, H_out, W_out)`` with ``H_out = floor((H + 2p - d(kH - 1) - 1) / s) + 1``.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_shifted(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, weight, bias = check_conv_inputs(x, weight, bias, groups)
    n_images, _, height, width = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    out_size = conv_output_size((height, width), (kh, kw), stride, padding, dilation)
    padded = pad2d(x, padding)
    if per_axis(stride, "stride") == (1, 1):
        row_length = padded.shape[3]
        windows = _flat_windows(padded, (kh, kw), dilation, out_size)
    else:
        row_length = out_size[1]
        windows = _strided_windows(padded, (kh, kw), stride, dilation, out_size)
    # taps[u, v] is the (groups, C_out/groups, C_in/groups) weight matrix of tap (u, v),
    # made contiguous so that every product below goes straight to BLAS
    taps = weight.reshape(groups, c_out // groups, c_per_group, kh, kw).transpose(3, 4, 0, 1, 2)
    taps = np.ascontiguousarray(taps)
    out_shape = (n_images, groups, c_out // groups, out_size[0] * row_length)
    out = np.zeros(out_shape, dtype=np.result_type(x, weight))
    for (u, v), window in windows:
        pixels = window.shape[-1]
        window = window.reshape(n_images, groups, c_per_group, pixels)
        out[..., :pixels] += np.matmul(taps[u, v], window)
    out = out.reshape(n_images, c_out, out_size[0], row_length)[..., : out_size[1]]
    return out if bias is None else out + bias[:, None, None]


def _flat_windows(
    padded: np.ndarray, kernel: Pair, dilation: IntOrPair, out_size: Pair
) -> Iterator[tuple[Pair, np.ndarray]]:
    """Stride 1: each tap's input is a window of the flattened padded image (a view).

    Output pixel ``(i, j)`` sits at ``i * W_p + j`` in the wide output; the window for tap
    ``(u, v)`` starts ``u d W_p + v d`` places later and stops at the last output pixel, so
    it never reads past the end of the image.
    """
    n_images, channels, height_p, width_p = padded.shape
    (dh, dw), (kh, kw), (h_out, w_out) = per_axis(dilation, "dilation"), kernel, out_size
    pixels = (h_out - 1) * width_p + w_out
    flat = padded.reshape(n_images, channels, height_p * width_p)
    for u in range(kh):
        for v in range(kw):
            start = u * dh * width_p + v * dw
            yield (u, v), flat[:, :, start : start + pixels]


def _strided_windows(
    padded: np.ndarray, kernel: Pair, stride: IntOrPair, dilation: IntOrPair, out_size: Pair
) -> Iterator[tuple[Pair, np.ndarray]]:
    """Stride > 1: each tap's input is a strided slice, copied into ``(N, C, H_out W_out)``."""
    (sh, sw), (dh, dw) = per_axis(stride, "stride"), per_axis(dilation, "dilation")
    (kh, kw), (h_out, w_out) = kernel, out_size
    for u in range(kh):
        for v in range(kw):
            window = padded[:, :, strided_slice(u * dh, sh, h_out), strided_slice(v * dw, sw, w_out)]
            yield (u, v), window.reshape(*padded.shape[:2], h_out * w_out)
