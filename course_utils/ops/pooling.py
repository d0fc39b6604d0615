"""Pooling in NumPy, written to be read, with the argument meanings of PyTorch.

A pooling layer slides a window over every channel of a feature map, like a convolution, but
instead of a learned weighted sum it takes a fixed summary of the window: the largest value
(max pooling: "what is the highest cat-ness in this area?"), the mean (average pooling), or
the L^p norm. It has no weights; it shrinks the feature map by the ``stride`` and makes the
network less sensitive to small shifts of the image.

Every function takes images ``x`` of shape ``(N, C, H, W)`` or ``(C, H, W)`` and matches
``torch.nn.functional`` of the same name (the tests check them against PyTorch):

* ``kernel_size``, ``stride``, ``padding``, ``dilation``: an int (the same for height and
  width) or a pair ``(height, width)``; ``stride`` defaults to ``kernel_size``, so the windows
  tile the input without overlapping;
* ``padding`` is implicit: ``-inf`` for max pooling (padding never wins), zeros for average
  pooling; PyTorch allows at most half the kernel (``padding <= kernel_size // 2``);
* ``ceil_mode=True`` rounds the output size up, adding a last, partial window, as long as it
  starts inside the input or its left padding.
"""

from __future__ import annotations

import numpy as np

from course_utils.ops.geometry import IntOrPair, Pair, pad2d, per_axis, pool_output_size, strided_slice

# ----------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------


def _settings(
    kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair, dilation: IntOrPair
) -> tuple[Pair, Pair, Pair, Pair]:
    """Kernel, stride (``kernel_size`` when None), padding and dilation as (height, width) pairs."""
    stride = kernel_size if stride is None else stride
    values = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    return tuple(per_axis(value, name) for name, value in values.items())


def _as_batch(x: np.ndarray, function: str) -> tuple[np.ndarray, bool]:
    """Return ``x`` as floats of shape (N, C, H, W), and whether it came without the batch axis."""
    x = np.asarray(x)
    if x.ndim not in (3, 4) or x.size == 0:
        raise ValueError(
            f"{function} expects a non-empty array of shape (N, C, H, W) or (C, H, W), got shape {x.shape}; "
            "for a single gray image of shape (H, W) use x[None]"
        )
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return (x[None], True) if x.ndim == 3 else (x, False)


# ----------------------------------------------------------------------------------------
# The poolings
# ----------------------------------------------------------------------------------------


def max_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Max pooling: the largest value in each window, per channel.

    .. math:: y_{n,c,i,j} = \\max_{0 \\le a < k_h,\\ 0 \\le b < k_w}
              x_{n,c,\\ i s_h - p_h + a d_h,\\ j s_w - p_w + b d_w}

    Padding is ``-inf``, so it never wins. With ``return_indices=True`` also returns, for each
    output cell, where its maximum came from, as a flat index ``row * W + column`` into its
    input plane (PyTorch's convention); on ties, the first maximum in reading order wins.

    >>> x = np.array([[[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]]])
    >>> max_pool2d(x, 2)
    array([[[3., 1.],
            [4., 2.]]])
    """
    x, unbatched = _as_batch(x, "max_pool2d")
    (n, c, height, width) = x.shape
    out_h, out_w = pool_output_size((height, width), kernel_size, stride, padding, dilation, ceil_mode)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = _settings(kernel_size, stride, padding, dilation)
    padded = pad2d(x, padding, -np.inf)
    out = np.empty((n, c, out_h, out_w), dtype=x.dtype)
    indices = np.empty((n, c, out_h, out_w), dtype=np.int64)
    for i in range(out_h):
        for j in range(out_w):
            # Window taps: every d-th pixel from the window's corner (slicing stops at the edge).
            window = padded[:, :, strided_slice(i * sh, dh, kh), strided_slice(j * sw, dw, kw)]
            flat = window.reshape(n, c, -1)
            best = flat.argmax(axis=-1)
            out[:, :, i, j] = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
            row = i * sh - ph + (best // window.shape[-1]) * dh
            col = j * sw - pw + (best % window.shape[-1]) * dw
            # A window of -inf only (with dilation it can see padding only) keeps PyTorch's
            # starting guess: its first tap at or after the top-left pixel.
            nothing = np.isneginf(out[:, :, i, j])
            row[nothing], col[nothing] = _first_tap(i * sh - ph, dh), _first_tap(j * sw - pw, dw)
            indices[:, :, i, j] = row * width + col
    if unbatched:
        out, indices = out[0], indices[0]
    return (out, indices) if return_indices else out


def _first_tap(start: int, dilation: int) -> int:
    """The first of the positions start, start + dilation, ... that is not negative."""
    return start + dilation * -(start // dilation) if start < 0 else start


def max_pool2d_backward(grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Gradient of a max pooling w.r.t. its input: each output's gradient goes to its maximum.

    .. math:: \\frac{\\partial L}{\\partial x_{n,c,r}} = \\sum_{(i, j):\\ \\text{index}_{n,c,i,j} = r}
              \\frac{\\partial L}{\\partial y_{n,c,i,j}}

    Every other input pixel gets zero: nudging a value that is not the maximum of its window
    does not change the output. Where windows overlap, one pixel can be the maximum of several
    windows and adds up their gradients. ``indices`` comes from
    ``max_pool2d(..., return_indices=True)``.

    >>> x = np.array([[[2.0, 1.0], [3.0, 0.0]]])
    >>> y, where = max_pool2d(x, 2, return_indices=True)
    >>> max_pool2d_backward(np.ones_like(y), where, x.shape)
    array([[[0., 0.],
            [1., 0.]]])
    """
    grad_out, indices = np.asarray(grad_out), np.asarray(indices)
    if grad_out.shape != indices.shape:
        raise ValueError(
            f"grad_out has shape {grad_out.shape} but indices has shape {indices.shape}; "
            "both must have the shape of the pooling's output"
        )
    if len(input_shape) != grad_out.ndim or tuple(input_shape[:-2]) != grad_out.shape[:-2]:
        raise ValueError(
            f"input_shape {tuple(input_shape)} does not fit grad_out of shape {grad_out.shape}; "
            "pass x.shape of the array that was pooled"
        )
    planes, plane_size = int(np.prod(input_shape[:-2])), int(np.prod(input_shape[-2:]))
    if indices.size and not 0 <= indices.min() <= indices.max() < plane_size:
        raise ValueError(
            f"indices must lie in 0 .. H * W - 1 = {plane_size - 1}, got {indices.min()} .. {indices.max()}: "
            "a window that covers only padding (possible with dilation) has no input to pass its gradient to; "
            "use less padding"
        )
    grad_in = np.zeros((planes, plane_size), dtype=np.result_type(grad_out, np.float32))
    # np.add.at adds repeatedly at repeated indices; a plain += would keep only one of them.
    np.add.at(grad_in, (np.arange(planes)[:, None], indices.reshape(planes, -1)), grad_out.reshape(planes, -1))
    return grad_in.reshape(input_shape)


def avg_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Average pooling: the mean of each window, per channel.

    .. math:: y_{n,c,i,j} = \\frac{1}{|W_{ij}|} \\sum_{(r, q) \\in W_{ij}} x_{n,c,r,q}

    Padding is zeros. The divisor :math:`|W_{ij}|` counts the padding pixels in the window when
    ``count_include_pad=True`` (PyTorch's default), only the real pixels otherwise. A partial
    last window (``ceil_mode``) is divided by the part of it that lies on the padded input.

    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4), 2)
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    """
    x, unbatched = _as_batch(x, "avg_pool2d")
    (n, c, height, width) = x.shape
    out_h, out_w = pool_output_size((height, width), kernel_size, stride, padding, 1, ceil_mode)
    (kh, kw), (sh, sw), _, _ = _settings(kernel_size, stride, padding, 1)
    padded = pad2d(x, padding)
    is_pixel = pad2d(np.ones((height, width)), padding)  # 1 on the image, 0 on padding
    out = np.empty((n, c, out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            window = padded[:, :, rows, cols]
            divisor = window.shape[-2] * window.shape[-1] if count_include_pad else is_pixel[rows, cols].sum()
            out[:, :, i, j] = window.sum(axis=(-2, -1)) / divisor
    return out[0] if unbatched else out


def lp_pool2d(
    x: np.ndarray,
    norm_type: float,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """L^p pooling: the p-norm of each window, per channel (no padding).

    .. math:: y_{n,c,i,j} = \\Big( \\sum_{(r, q) \\in W_{ij}} x_{n,c,r,q}^{\\,p} \\Big)^{1/p}

    ``p = 1`` sums the window; a large ``p`` approaches max pooling (for non-negative inputs,
    as after a ReLU; a negative value to a fractional power is ``nan``). Like PyTorch, the sum
    is computed as the window mean times the kernel area, so a partial last window
    (``ceil_mode``) is scaled up as if it were full.

    >>> lp_pool2d(np.array([[[3.0, 4.0], [0.0, 0.0]]]), 2, kernel_size=2)
    array([[[5.]]])
    """
    if not norm_type > 0:
        raise ValueError(f"norm_type must be > 0, got {norm_type}; use 2 for the Euclidean norm, 1 for a plain sum")
    x, unbatched = _as_batch(x, "lp_pool2d")
    kh, kw = per_axis(kernel_size, "kernel_size")
    sums = avg_pool2d(x**norm_type, kernel_size, stride, 0, ceil_mode) * (kh * kw)
    out = sums ** (1.0 / norm_type)
    return out[0] if unbatched else out


def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Global average pooling: one mean per channel over the whole feature map.

    .. math:: y_{n,c,0,0} = \\frac{1}{HW} \\sum_{r, q} x_{n,c,r,q}

    Same as ``torch.nn.functional.adaptive_avg_pool2d(x, 1)``: it turns a feature map of any
    size into one number per channel, so a classifier head can follow any input size.

    >>> global_avg_pool2d(np.arange(8.0).reshape(2, 2, 2))
    array([[[1.5]],
    <BLANKLINE>
           [[5.5]]])
    """
    x, unbatched = _as_batch(x, "global_avg_pool2d")
    out = x.mean(axis=(-2, -1), keepdims=True)
    return out[0] if unbatched else out
