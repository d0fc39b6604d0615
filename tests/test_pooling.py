"""Pooling in NumPy against torch.nn.functional: values, sizes, gradients, errors."""

import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.ops import avg_pool2d, global_avg_pool2d, lp_pool2d, max_pool2d, max_pool2d_backward, pool_output_size

# Seed 002 (Okazaki), "Max pooling": this 4x4 input, 2x2 windows with stride 2.
DECK_INPUT = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]])


def pairs(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(value):
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def pool_settings(draw, dilation=True, padding=True):
    """Valid PyTorch pooling settings and an input that fits them."""
    kernel = draw(pairs(1, 4))
    stride = draw(st.one_of(st.none(), pairs(1, 4)))
    pad = draw(st.one_of(st.just(0), pairs(0, 2))) if padding else 0
    pad = tuple(min(p, k // 2) for p, k in zip(as_pair(pad), as_pair(kernel), strict=True))  # PyTorch's limit
    dil = draw(pairs(1, 3)) if dilation else 1
    extents = [d * (k - 1) + 1 for k, d in zip(as_pair(kernel), as_pair(dil), strict=True)]
    size = tuple(draw(st.integers(max(1, e - 2 * p), e + 9)) for e, p in zip(extents, pad, strict=True))
    shape = draw(st.sampled_from([(2, 3), (1, 1), (3,)])) + size  # batched or a single (C, H, W) image
    settings_ = {"kernel_size": kernel, "stride": stride, "padding": pad, "ceil_mode": draw(st.booleans())}
    if dilation:
        settings_["dilation"] = dil
    return shape, settings_


def distinct_values(shape, seed):
    """A random permutation of distinct values, so every window has a single maximum."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) - 17.5).astype(np.float32) / 8


@given(case=pool_settings(), seed=st.integers(0, 2**16))
def test_max_pool2d_equals_pytorch_values_indices_and_gradient(case, seed):
    shape, kwargs = case
    x = distinct_values(shape, seed)
    out, indices = max_pool2d(x, **kwargs, return_indices=True)
    xt = torch.from_numpy(x).requires_grad_()
    expected, expected_indices = F.max_pool2d(xt, **kwargs, return_indices=True)
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_array_equal(indices, expected_indices.numpy())

    if np.isneginf(out).any():
        return  # a window on padding only: no gradient to route (PyTorch's own backward aborts there)
    grad_out = np.random.default_rng(seed + 1).standard_normal(out.shape).astype(np.float32)
    expected.backward(torch.from_numpy(grad_out))
    np.testing.assert_allclose(max_pool2d_backward(grad_out, indices, x.shape), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_a_window_on_padding_only_gives_minus_infinity_like_pytorch():
    x = np.array([[[1.0, 2.0]]])  # taps at columns -1 and 1: one is padding, one the 2
    settings_ = {"kernel_size": 2, "padding": 1, "dilation": 2}
    out, indices = max_pool2d(x, **settings_, return_indices=True)
    expected, expected_indices = F.max_pool2d(torch.from_numpy(x), **settings_, return_indices=True)
    np.testing.assert_array_equal(out, expected.numpy())
    np.testing.assert_array_equal(indices, expected_indices.numpy())
    assert np.isneginf(out).all()  # rows -1 and 1 of a 1-row input: no pixel at all
    with pytest.raises(ValueError, match=r"indices must lie in 0 .. H \* W - 1 = 1, got 3 .. 3: a window that covers"):
        max_pool2d_backward(np.ones_like(out), indices, x.shape)


@given(case=pool_settings(dilation=False), count_include_pad=st.booleans(), seed=st.integers(0, 2**16))
def test_avg_pool2d_equals_pytorch(case, count_include_pad, seed):
    shape, kwargs = case
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    out = avg_pool2d(x, **kwargs, count_include_pad=count_include_pad)
    expected = F.avg_pool2d(torch.from_numpy(x), **kwargs, count_include_pad=count_include_pad)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)


@given(
    case=pool_settings(dilation=False, padding=False),
    norm_type=st.sampled_from([1, 2, 3, 1.5]),
    seed=st.integers(0, 99),
)
def test_lp_pool2d_equals_pytorch(case, norm_type, seed):
    shape, kwargs = case
    del kwargs["padding"]  # lp pooling has none
    x = np.random.default_rng(seed).uniform(0.1, 2.0, shape).astype(np.float32)  # after a ReLU: non-negative
    expected = F.lp_pool2d(torch.from_numpy(x), norm_type, **kwargs)
    np.testing.assert_allclose(lp_pool2d(x, norm_type, **kwargs), expected.numpy(), rtol=1e-5, atol=1e-6)


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 9), st.integers(1, 9)), seed=st.integers(0, 99)
)
def test_global_avg_pool2d_equals_adaptive_avg_pool_to_one_cell(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    expected = F.adaptive_avg_pool2d(torch.from_numpy(x), 1).numpy()
    np.testing.assert_allclose(global_avg_pool2d(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(global_avg_pool2d(x[0]), expected[0], rtol=1e-5, atol=1e-6)


@settings(max_examples=300)
@given(
    n=st.integers(1, 12),
    kernel=st.integers(0, 6),
    stride=st.one_of(st.none(), st.integers(0, 4)),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    ceil_mode=st.booleans(),
)
def test_pool_output_size_and_its_errors_follow_pytorch(n, kernel, stride, padding, dilation, ceil_mode):
    """Valid or not, our rules agree with PyTorch's, including when it refuses."""
    settings_ = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
    }
    try:
        expected = F.max_pool2d(torch.zeros(1, 1, n, n + 1), **settings_).shape[2:]
    except RuntimeError:
        with pytest.raises(ValueError):
            pool_output_size((n, n + 1), **settings_)
    else:
        assert pool_output_size((n, n + 1), **settings_) == tuple(expected)
        assert pool_output_size(n, **settings_) == expected[0]


# ----------------------------------------------------------------------------------------
# The lecture's example, by hand
# ----------------------------------------------------------------------------------------


def test_the_deck_example_2x2_max_pooling_with_stride_2():
    by_hand = [[3, 1], [4, 2]]  # the maximum of each 2x2 block, read off the slide
    out = max_pool2d(DECK_INPUT[None], kernel_size=2, stride=2)
    np.testing.assert_array_equal(out[0], by_hand)
    np.testing.assert_array_equal(out, F.max_pool2d(torch.tensor(DECK_INPUT[None], dtype=torch.float32), 2).numpy())


def test_only_the_maximum_of_each_window_receives_gradient():
    x = DECK_INPUT[None].astype(np.float32)
    out, indices = max_pool2d(x, 2, return_indices=True)
    grad = max_pool2d_backward(np.ones_like(out), indices, x.shape)
    # 3 at (1, 0), 4 at (2, 0), 2 at (2, 2); the top-right block holds 1 twice: the first one, (1, 2), wins.
    by_hand = np.zeros((4, 4))
    by_hand[1, 0] = by_hand[1, 2] = by_hand[2, 0] = by_hand[2, 2] = 1
    np.testing.assert_array_equal(grad[0], by_hand)
    xt = torch.from_numpy(x).requires_grad_()
    F.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(grad, xt.grad.numpy())


def test_overlapping_windows_add_their_gradients_at_a_shared_maximum():
    x = np.array([[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]])
    out, indices = max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(out, np.full((1, 2, 2), 9.0))
    grad = max_pool2d_backward(np.ones_like(out), indices, x.shape)
    assert grad[0, 1, 1] == 4 and grad.sum() == 4  # the 9 is the maximum of all four windows


def test_small_worked_examples():
    x = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(avg_pool2d(x, 2), [[[2.5, 4.5], [10.5, 12.5]]])  # (0+1+4+5)/4 = 2.5
    np.testing.assert_array_equal(lp_pool2d(np.array([[[3.0, 4.0]]]), 2, (1, 2)), [[[5.0]]])  # sqrt(9 + 16)
    # The transcript's 100x96x96 maps pooled by 3 become 100x32x32.
    assert pool_output_size((96, 96), 3) == (32, 32)
    # ceil_mode keeps the partial window at the end: 5 pixels in 2-windows -> 3 cells, the last one alone.
    np.testing.assert_array_equal(max_pool2d(np.arange(5.0).reshape(1, 1, 5), (1, 2), ceil_mode=True), [[[1, 3, 4]]])


# ----------------------------------------------------------------------------------------
# Bad settings are explained
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"kernel_size": 5},
            r"kernel_size height 5 \(dilated extent 5\) is larger than the padded input height 4; "
            r"add padding >= 1 or use a smaller kernel_size, or a larger input",
        ),
        (
            {"kernel_size": 3, "dilation": 3},
            r"dilated extent 7\) is larger than the padded input height 4; use a smaller kernel_size or dilation, or a",
        ),
        ({"kernel_size": 2, "stride": 0}, r"stride height must be >= 1, got 0; stride 1 moves"),
        ({"kernel_size": 3, "padding": 2}, r"padding height 2 is more than half of kernel_size height 3.*padding=1"),
        ({"kernel_size": (2, 3), "padding": (1, 2)}, r"padding width 2 is more than half"),
        ({"kernel_size": 2, "padding": -1}, r"padding height must be >= 0, got -1; 0 adds no padding"),
        ({"kernel_size": 0}, r"kernel_size height must be >= 1, got 0; the kernel must have at least one tap"),
        ({"kernel_size": (2, 2, 2)}, r"kernel_size must be an int or a pair"),
        ({"kernel_size": 2.0}, r"kernel_size must be an int or a pair of ints"),
    ],
)
def test_bad_settings_are_explained(kwargs, message):
    x = np.zeros((1, 1, 4, 4))
    for pool in (max_pool2d, avg_pool2d):
        if pool is avg_pool2d and "dilation" in kwargs:
            continue
        with pytest.raises(ValueError, match=message):
            pool(x, **kwargs)


def test_a_window_too_large_is_offered_the_least_padding_that_pytorch_allows():
    """Where the message says "add padding >= p", PyTorch pools with padding p and refuses p - 1.

    Where it offers no padding, not even the most PyTorch allows (kernel_size // 2) would fit.
    """
    offered = 0
    grid = itertools.product(range(1, 7), range(1, 6), (1, 2, 3), (1, 2), (False, True))
    for n, kernel, stride, dilation, ceil in grid:  # input, kernel_size, stride, dilation, ceil_mode
        settings_ = {"kernel_size": (kernel, 1), "stride": (stride, 1), "dilation": (dilation, 1), "ceil_mode": ceil}
        try:
            pool_output_size((n, 1), **settings_)
            continue
        except ValueError as error:
            offer = re.search(r"add padding >= (\d+)", str(error))
        x = torch.zeros(1, 1, n, 1)
        least = int(offer.group(1)) if offer else kernel // 2 + 1
        if offer:
            offered += 1
            expected = F.max_pool2d(x, **settings_, padding=(least, 0)).shape[2:]
            assert pool_output_size((n, 1), **settings_, padding=(least, 0)) == tuple(expected)
        with pytest.raises(RuntimeError):
            F.max_pool2d(x, **settings_, padding=(least - 1, 0))
    assert offered > 10


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d, lambda x, k: lp_pool2d(x, 2, k)])
def test_wrong_ndim_is_explained(pool):
    with pytest.raises(ValueError, match=r"shape \(N, C, H, W\) or \(C, H, W\), got shape \(4, 4\); .* x\[None\]"):
        pool(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 1, 4, 4\)"):
        pool(np.zeros((1, 1, 1, 4, 4)), 2)


def test_other_bad_arguments_are_explained():
    with pytest.raises(ValueError, match=r"norm_type must be > 0, got 0"):
        lp_pool2d(np.ones((1, 2, 2)), 0, 2)
    with pytest.raises(ValueError, match=r"shape \(N, C, H, W\) or \(C, H, W\), got shape \(3,\)"):
        global_avg_pool2d(np.ones(3))
    out, indices = max_pool2d(np.ones((1, 4, 4)), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"grad_out has shape \(1, 1, 2\) but indices has shape \(1, 2, 2\)"):
        max_pool2d_backward(np.ones((1, 1, 2)), indices, (1, 4, 4))
    with pytest.raises(ValueError, match=r"input_shape \(2, 4, 4\) does not fit grad_out .* pass x.shape"):
        max_pool2d_backward(out, indices, (2, 4, 4))
