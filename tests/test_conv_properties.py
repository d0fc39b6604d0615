"""Property tests: course_utils.ops.conv against PyTorch over random shapes and settings.

Hypothesis draws the geometry (batch, groups, channels, kernel, stride, padding, dilation,
image size; ints or (height, width) pairs) and a seed for the array values. Float32 inputs are
compared with PyTorch at float32 tolerance; identities (adjointness, the explicit matrix) are
checked in float64, where they hold to rounding error. About 4,000 cases in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.ops import (
    col2im,
    conv2d,
    conv2d_naive,
    conv2d_shifted,
    conv_matrix,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_size,
    convolve2d,
    correlate2d,
    im2col,
    sliding_steps,
)
from course_utils.ops.geometry import IntOrPair

FLOAT32 = {"rtol": 1e-4, "atol": 1e-4}
FLOAT64 = {"rtol": 1e-10, "atol": 1e-10}


@dataclass
class Geometry:
    """One convolution's settings; ``size`` is the input's (H, W)."""

    batch: int
    groups: int
    c_in: int
    c_out: int
    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: IntOrPair
    padding: IntOrPair
    dilation: IntOrPair
    seed: int

    def settings(self) -> dict[str, IntOrPair]:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def arrays(self, dtype=np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Random x, weight (conv2d layout) and bias."""
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal((self.batch, self.c_in, *self.size)).astype(dtype)
        weight = rng.standard_normal((self.c_out, self.c_in // self.groups, *self.kernel))
        bias = rng.standard_normal(self.c_out)
        return x, weight.astype(dtype), bias.astype(dtype)


def _pair(value: IntOrPair) -> tuple[int, int]:
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def setting(draw, low: int, high: int) -> IntOrPair:
    """An int, or a (height, width) pair of two different draws."""
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


@st.composite
def geometries(
    draw,
    max_batch: int = 2,
    max_groups: int = 3,
    max_per_group: int = 3,
    max_kernel: int = 4,
    max_stride: int = 3,
    max_padding: int = 3,
    max_dilation: int = 3,
    max_extra: int = 6,
) -> Geometry:
    """A valid convolution: the dilated kernel always fits in the padded input."""
    groups = draw(st.integers(1, max_groups))
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = draw(setting(1, max_stride))
    padding = draw(setting(0, max_padding))
    dilation = draw(setting(1, max_dilation))
    size = []
    for k, p, d in zip(kernel, _pair(padding), _pair(dilation), strict=True):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(smallest, smallest + max_extra)))
    return Geometry(
        batch=draw(st.integers(1, max_batch)),
        groups=groups,
        c_in=groups * draw(st.integers(1, max_per_group)),
        c_out=groups * draw(st.integers(1, max_per_group)),
        size=(size[0], size[1]),
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def output_padding_back(g: Geometry) -> tuple[int, int]:
    """The output_padding with which the transposed convolution gives back the input size.

    A stride-s convolution ignores the last ``(n + 2p - d(k - 1) - 1) mod s`` input rows.
    """
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) % s
        for n, k, s, p, d in zip(g.size, g.kernel, _pair(g.stride), _pair(g.padding), _pair(g.dilation), strict=True)
    )


def torch_conv2d(g: Geometry, x, weight, bias) -> np.ndarray:
    t = [torch.from_numpy(np.ascontiguousarray(a)) for a in (x, weight, bias)]
    return F.conv2d(*t, groups=g.groups, **g.settings()).numpy()


# ----------------------------------------------------------------------------------------
# conv2d, its fast path, its loops
# ----------------------------------------------------------------------------------------


@settings(max_examples=600, deadline=None)
@given(geometries())
def test_conv2d_and_conv2d_shifted_match_torch(g: Geometry) -> None:
    x, weight, bias = g.arrays()
    expected = torch_conv2d(g, x, weight, bias)
    assert conv_output_size(g.size, g.kernel, **g.settings()) == expected.shape[2:]
    readable = conv2d(x, weight, bias, groups=g.groups, **g.settings())
    fast = conv2d_shifted(x, weight, bias, groups=g.groups, **g.settings())
    assert readable.shape == fast.shape == expected.shape
    np.testing.assert_allclose(readable, expected, **FLOAT32)
    np.testing.assert_allclose(fast, expected, **FLOAT32)
    np.testing.assert_allclose(fast, readable, **FLOAT32)


@settings(max_examples=150, deadline=None)
@given(geometries(max_batch=1, max_groups=2, max_per_group=2, max_kernel=3, max_extra=4))
def test_conv2d_naive_matches_conv2d_and_torch(g: Geometry) -> None:
    x, weight, bias = g.arrays()
    result = conv2d_naive(x, weight, bias, groups=g.groups, **g.settings())
    np.testing.assert_allclose(result, torch_conv2d(g, x, weight, bias), **FLOAT32)
    np.testing.assert_allclose(result, conv2d(x, weight, bias, groups=g.groups, **g.settings()), **FLOAT32)


@settings(max_examples=1000, deadline=None)
@given(
    n=st.integers(1, 8),
    kernel=st.integers(1, 6),
    stride=st.integers(-1, 3),
    padding=st.integers(-1, 3),
    dilation=st.integers(0, 3),
)
def test_output_size_is_torchs_and_fails_exactly_when_torch_does(
    n: int, kernel: int, stride: int, padding: int, dilation: int
) -> None:
    try:
        real = F.conv2d(
            torch.zeros(1, 1, n, 2), torch.zeros(1, 1, kernel, 1), None, (stride, 1), (padding, 0), (dilation, 1)
        ).shape[2]
    except RuntimeError:
        with pytest.raises(ValueError):
            conv_output_size(n, kernel, stride, padding, dilation)
    else:
        assert conv_output_size(n, kernel, stride, padding, dilation) == real


# ----------------------------------------------------------------------------------------
# The transposed convolution
# ----------------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(geometries(), st.data())
def test_conv_transpose2d_matches_torch(g: Geometry, data: st.DataObject) -> None:
    """Same geometry, read as a transposed convolution from c_in to c_out channels."""
    strides, dilations = _pair(g.stride), _pair(g.dilation)
    output_padding = tuple(data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(strides, dilations, strict=True))
    x, _, bias = g.arrays()
    rng = np.random.default_rng(g.seed + 1)
    weight = rng.standard_normal((g.c_in, g.c_out // g.groups, *g.kernel)).astype(np.float32)
    transpose_settings = {**g.settings(), "output_padding": output_padding, "groups": g.groups}
    tensors = [torch.from_numpy(a) for a in (x, weight, bias)]
    try:
        expected = F.conv_transpose2d(*tensors, **transpose_settings).numpy()
    except RuntimeError:  # padding crops the whole output away
        expected = None
    if expected is None or expected.size == 0:
        with pytest.raises(ValueError, match="crops away the whole output"):
            conv_transpose2d(x, weight, bias, **transpose_settings)
        return
    sizes = conv_transpose_output_size(g.size, g.kernel, g.stride, g.padding, output_padding, g.dilation)
    assert sizes == expected.shape[2:]
    result = conv_transpose2d(x, weight, bias, **transpose_settings)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, **FLOAT32)


@settings(max_examples=300, deadline=None)
@given(geometries())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(g: Geometry) -> None:
    """<conv2d(x), y> == <x, conv_transpose2d(y)>, with output_padding giving back x's size."""
    x, weight, _ = g.arrays(np.float64)
    y = np.random.default_rng(g.seed + 2).standard_normal(conv2d(x, weight, groups=g.groups, **g.settings()).shape)
    output_padding = output_padding_back(g)
    back = conv_transpose2d(y, weight, None, output_padding=output_padding, groups=g.groups, **g.settings())
    assert back.shape == x.shape
    left = np.vdot(conv2d(x, weight, groups=g.groups, **g.settings()), y)
    np.testing.assert_allclose(left, np.vdot(x, back), **FLOAT64)


# ----------------------------------------------------------------------------------------
# im2col / col2im and the explicit matrix
# ----------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(geometries(max_groups=1))
def test_im2col_and_col2im_match_unfold_and_fold(g: Geometry) -> None:
    x, _, _ = g.arrays()
    torch_settings = {"dilation": g.dilation, "padding": g.padding, "stride": g.stride}
    cols = im2col(x, g.kernel, **g.settings())
    np.testing.assert_array_equal(cols, F.unfold(torch.from_numpy(x), g.kernel, **torch_settings))
    other = np.random.default_rng(g.seed + 3).standard_normal(cols.shape).astype(np.float32)
    folded = F.fold(torch.from_numpy(other), g.size, g.kernel, **torch_settings).numpy()
    np.testing.assert_allclose(col2im(other, g.size, g.kernel, **g.settings()), folded, **FLOAT32)


@settings(max_examples=300, deadline=None)
@given(geometries(max_groups=1))
def test_col2im_is_the_adjoint_of_im2col(g: Geometry) -> None:
    x, _, _ = g.arrays(np.float64)
    cols = im2col(x, g.kernel, **g.settings())
    other = np.random.default_rng(g.seed + 4).standard_normal(cols.shape)
    back = col2im(other, g.size, g.kernel, **g.settings())
    np.testing.assert_allclose(np.vdot(other, cols), np.vdot(back, x), **FLOAT64)


@settings(max_examples=200, deadline=None)
@given(geometries(max_batch=1, max_per_group=2, max_kernel=3, max_extra=4))
def test_conv_matrix_times_x_is_the_convolution_and_its_transpose_the_transposed_one(
    g: Geometry,
) -> None:
    x, weight, _ = g.arrays(np.float64)
    matrix = conv_matrix(x.shape[1:], weight, groups=g.groups, **g.settings())
    y = conv2d(x, weight, groups=g.groups, **g.settings())
    np.testing.assert_allclose(matrix @ x.ravel(), y.ravel(), **FLOAT64)
    output_padding = output_padding_back(g)
    back = conv_transpose2d(y, weight, output_padding=output_padding, groups=g.groups, **g.settings())
    np.testing.assert_allclose(matrix.T @ y.ravel(), back.ravel(), **FLOAT64)


# ----------------------------------------------------------------------------------------
# One image, one kernel
# ----------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(geometries(max_batch=1, max_groups=1, max_per_group=1))
def test_correlate2d_matches_torch(g: Geometry) -> None:
    x, weight, _ = g.arrays(np.float64)
    expected = torch_conv2d(g, x, weight, np.zeros(1))[0, 0]
    result = correlate2d(x[0, 0], weight[0, 0], **g.settings())
    np.testing.assert_allclose(result, expected, **FLOAT64)


@settings(max_examples=200, deadline=None)
@given(geometries(max_batch=1, max_groups=1, max_per_group=1, max_dilation=1))
def test_convolve2d_matches_scipy(g: Geometry) -> None:
    x, weight, _ = g.arrays(np.float64)
    image, kernel = x[0, 0], weight[0, 0]
    # scipy has no stride: pad, convolve, then keep every s-th output.
    (ph, pw), (sh, sw) = _pair(g.padding), _pair(g.stride)
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    expected = scipy.signal.convolve2d(padded, kernel, mode="valid")[::sh, ::sw]
    np.testing.assert_allclose(convolve2d(image, kernel, g.stride, g.padding), expected, **FLOAT64)


@settings(max_examples=200, deadline=None)
@given(geometries(max_batch=1, max_groups=1, max_per_group=1))
def test_sliding_steps_assemble_into_correlate2d(g: Geometry) -> None:
    x, weight, _ = g.arrays(np.float64)
    image, kernel = x[0, 0], weight[0, 0]
    expected = correlate2d(image, kernel, **g.settings())
    steps = list(sliding_steps(image, kernel, **g.settings()))
    assert len(steps) == expected.size
    assert [(s.row, s.col) for s in steps] == [tuple(i) for i in np.ndindex(expected.shape)]
    for step in steps:
        assert step.patch.shape == kernel.shape
        np.testing.assert_allclose(step.value, expected[step.row, step.col], **FLOAT64)
