"""Involution (lesson 11): the unfold version equals the loops, and both equal a depthwise convolution when the
kernel is the same at every position (an independent oracle: PyTorch's ``F.conv2d`` with ``groups=C``)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_utils.ops import Involution2d, conv_output_size, involution2d, involution2d_naive

geometry = st.fixed_dictionaries({
    "batch": st.integers(1, 2),
    "groups": st.integers(1, 3),
    "per_group": st.integers(1, 3),
    "kernel": st.sampled_from([1, 3, 5]),
    "stride": st.integers(1, 2),
    "padding": st.integers(0, 2),
    "size": st.integers(5, 9),
    "seed": st.integers(0, 2**31 - 1),
})


def inputs(g: dict, constant: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(g["seed"])
    channels = g["groups"] * g["per_group"]
    x = torch.randn(g["batch"], channels, g["size"], g["size"], generator=generator, dtype=torch.float64)
    out = conv_output_size(g["size"], g["kernel"], g["stride"], g["padding"])
    shape = (g["batch"], g["groups"], g["kernel"], g["kernel"])
    if constant:  # the same kernel at every position
        kernels = torch.randn(*shape, 1, 1, generator=generator, dtype=torch.float64).expand(*shape, out, out)
    else:
        kernels = torch.randn(*shape, out, out, generator=generator, dtype=torch.float64)
    return x, kernels


@settings(max_examples=100, deadline=None)
@given(geometry)
def test_the_unfold_version_equals_the_loops(g):
    x, kernels = inputs(g)
    fast = involution2d(x, kernels, stride=g["stride"], padding=g["padding"])
    torch.testing.assert_close(fast, involution2d_naive(x, kernels, stride=g["stride"], padding=g["padding"]))


@settings(max_examples=100, deadline=None)
@given(geometry)
def test_a_kernel_shared_by_every_position_is_a_depthwise_convolution(g):
    x, kernels = inputs(g, constant=True)
    for n in range(g["batch"]):  # F.conv2d shares weights over the batch; the involution's kernel is per image
        weight = kernels[n, :, :, :, 0, 0].repeat_interleave(g["per_group"], dim=0)[:, None]  # (C, 1, k, k)
        expected = F.conv2d(x[n : n + 1], weight, stride=g["stride"], padding=g["padding"], groups=x.shape[1])
        got = involution2d(x[n : n + 1], kernels[n : n + 1], stride=g["stride"], padding=g["padding"])
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize(("channels", "kernel", "groups", "stride"), [(16, 3, 4, 1), (16, 7, 1, 1), (8, 3, 2, 2)])
def test_the_layer_keeps_channels_and_gives_a_convolutions_size(channels, kernel, groups, stride):
    layer, x = Involution2d(channels, kernel, groups, stride=stride), torch.randn(2, channels, 12, 12)
    same_size = nn.Conv2d(channels, channels, kernel, stride=stride, padding=(kernel - 1) // 2)
    assert layer(x).shape == same_size(x).shape
    assert layer.kernels(x).shape == (2, groups, kernel, kernel, *same_size(x).shape[2:])


def test_the_layer_learns_what_the_formula_counts():
    channels, kernel, groups, reduction = 64, 7, 4, 4
    layer = Involution2d(channels, kernel, groups, reduction)
    squeeze = channels // reduction
    counted = channels * squeeze + 2 * squeeze + squeeze * groups * kernel**2 + groups * kernel**2
    assert sum(p.numel() for p in layer.parameters()) == counted == 4_388
    assert sum(p.numel() for p in nn.Conv2d(channels, channels, kernel).parameters()) == 200_768


def test_bad_inputs_say_how_to_fix():
    with pytest.raises(ValueError, match="choose G dividing C"):
        involution2d(torch.zeros(1, 5, 6, 6), torch.zeros(1, 2, 3, 3, 4, 4))
    with pytest.raises(ValueError, match=r"kernels must be \(1, 1, 3, 3, 6, 6\)"):
        involution2d(torch.zeros(1, 2, 6, 6), torch.zeros(1, 1, 3, 3, 4, 4), padding=1)
    with pytest.raises(ValueError, match="divisible"):
        Involution2d(10, groups=4)
