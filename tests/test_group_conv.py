"""The p4 group convolution (lesson 11): exact equivariance to quarter turns, over many random inputs and settings.

Equivariance is checked in float64, where it holds to rounding error (1e-10): turn the input a
quarter, and the output turns a quarter and its rotation axis shifts cyclically by one. The
lifting layer is also checked against an independent oracle, the course's NumPy ``conv2d`` run
once per orientation with the filters turned by ``np.rot90``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_utils import models
from course_utils.ops import (
    P4Conv,
    P4Lift,
    conv2d,
    group_filters,
    p4_conv,
    p4_lift,
    pool_rotations,
    rotate,
    rotate_p4,
    rotated_filters,
)

EXACT = {"rtol": 1e-10, "atol": 1e-10}


def random(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


settings_strategy = st.fixed_dictionaries({
    "batch": st.integers(1, 3),
    "c_in": st.integers(1, 4),
    "c_out": st.integers(1, 4),
    "kernel": st.sampled_from([1, 2, 3, 5]),
    "size": st.integers(5, 12),
    "same_padding": st.booleans(),
    "bias": st.booleans(),
    "seed": st.integers(0, 2**31 - 1),
})


def padding_of(s: dict) -> int:
    return s["kernel"] // 2 if s["same_padding"] and s["kernel"] % 2 else 0


def draw(s: dict, orientations: tuple[int, ...] = ()) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """A random input, filter bank and bias for the settings ``s``; ``orientations=(4,)`` for a group layer."""
    generator = torch.Generator().manual_seed(s["seed"])
    x = random(generator, s["batch"], s["c_in"], *orientations, s["size"], s["size"])
    weight = random(generator, s["c_out"], s["c_in"], *orientations, s["kernel"], s["kernel"])
    bias = random(generator, s["c_out"]) if s["bias"] else None
    return x, weight, bias


@settings(max_examples=150, deadline=None)
@given(settings_strategy)
def test_lifting_turns_the_output_and_shifts_the_rotation_axis(s):
    x, weight, bias = draw(s)
    lift = lambda x: p4_lift(x, weight, bias, padding=padding_of(s))  # noqa: E731
    for turns in range(1, 4):
        torch.testing.assert_close(lift(rotate(x, turns)), rotate_p4(lift(x), turns), **EXACT)


@settings(max_examples=150, deadline=None)
@given(settings_strategy)
def test_group_convolution_turns_the_output_and_shifts_the_rotation_axis(s):
    y, weight, bias = draw(s, orientations=(4,))
    layer = lambda y: p4_conv(y, weight, bias, padding=padding_of(s))  # noqa: E731
    for turns in range(1, 4):
        torch.testing.assert_close(layer(rotate_p4(y, turns)), rotate_p4(layer(y), turns), **EXACT)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([3, 5]))
def test_stacked_layers_pooled_over_rotations_are_invariant(seed, kernel):
    generator = torch.Generator().manual_seed(seed)
    x = random(generator, 2, 2, 10, 10)
    w1, w2 = random(generator, 3, 2, kernel, kernel), random(generator, 2, 3, 4, kernel, kernel)
    net = lambda x: pool_rotations(p4_conv(torch.relu(p4_lift(x, w1, padding=kernel // 2)), w2)).mean((-2, -1))  # noqa: E731
    for turns in range(1, 4):
        torch.testing.assert_close(net(rotate(x, turns)), net(x), **EXACT)


@settings(max_examples=60, deadline=None)
@given(settings_strategy)
def test_lifting_equals_the_numpy_convolution_with_turned_filters(s):
    x, weight, _ = draw(s)
    got = p4_lift(x, weight, padding=padding_of(s)).numpy()
    for r in range(4):
        turned = np.rot90(weight.numpy(), r, axes=(2, 3))  # NumPy's rot90: anticlockwise as drawn
        np.testing.assert_allclose(got[:, :, r], conv2d(x.numpy(), turned, padding=padding_of(s)), **EXACT)


def test_group_filters_rotate_and_shift_as_the_formula_says():
    weight = torch.randn(2, 3, 4, 3, 3, dtype=torch.float64)
    bank = group_filters(weight)
    for r in range(4):
        for s in range(4):
            torch.testing.assert_close(bank[:, r, :, s], torch.rot90(weight[:, :, (s - r) % 4], r, dims=(-2, -1)))


def test_rotated_filters_are_quarter_turns_anticlockwise():
    one = torch.tensor([[[[0.0, 1.0], [0.0, 0.0]]]])  # a dot at the top right
    bank = rotated_filters(one)
    # anticlockwise as drawn: top right -> top left -> bottom left -> bottom right
    assert [bank[0, r, 0].nonzero().tolist() for r in range(4)] == [[[0, 1]], [[0, 0]], [[1, 0]], [[1, 1]]]


def test_a_plain_convolution_is_not_equivariant_to_turns():
    torch.manual_seed(0)
    layer, x = nn.Conv2d(1, 1, 3, padding=1).double(), torch.randn(1, 1, 8, 8, dtype=torch.float64)
    assert not torch.allclose(layer(rotate(x)), rotate(layer(x)), atol=1e-3)


def test_a_p4_layer_learns_a_quarter_of_a_plain_layers_weights_for_the_same_maps():
    p4, plain = P4Conv(8, 16, 3), nn.Conv2d(4 * 8, 4 * 16, 3)
    assert p4.weight.numel() * 4 == plain.weight.numel()
    assert P4Lift(1, 8, 5).weight.numel() == nn.Conv2d(1, 8, 5).weight.numel()
    assert p4(torch.zeros(1, 8, 4, 9, 9)).shape == (1, 16, 4, 7, 7)


@pytest.mark.parametrize("width", [2, 4])
def test_the_p4_cnn_is_invariant_and_the_plain_one_is_not(width):
    torch.manual_seed(width)
    x = torch.randn(4, 1, 28, 28, dtype=torch.float64)
    p4, plain = models.p4_cnn(width).double().eval(), models.plain_cnn(2 * width).double().eval()
    for turns in range(1, 4):
        torch.testing.assert_close(p4(rotate(x, turns)), p4(x), **EXACT)
        assert not torch.allclose(plain(rotate(x, turns)), plain(x), atol=1e-4)


def test_layers_refuse_wrong_layouts_with_a_fix():
    with pytest.raises(ValueError, match="p4 maps have shape"):
        p4_conv(torch.zeros(1, 2, 9, 9), torch.zeros(1, 2, 4, 3, 3))
    with pytest.raises(ValueError, match="for p4 maps use p4_conv"):
        p4_lift(torch.zeros(1, 2, 4, 9, 9), torch.zeros(1, 2, 3, 3))
    with pytest.raises(ValueError, match="must be square"):
        rotated_filters(torch.zeros(1, 1, 3, 5))
    with pytest.raises(ValueError, match="expect 3"):
        p4_conv(torch.zeros(1, 2, 4, 9, 9), torch.zeros(1, 3, 4, 3, 3))
