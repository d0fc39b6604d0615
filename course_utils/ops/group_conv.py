"""Convolution that is equivariant to the four quarter turns: the p4 group convolution (Cohen and Welling, 2016).

A convolution builds in translations: shift the image, and its feature maps shift. It does not
build in rotations. The p4 convolution does, for the four rotations by multiples of 90 degrees,
by applying every filter in its four orientations and keeping the four answers apart. Layouts:

* an image ``x``: ``(N, C, H, W)``;
* p4 feature maps: ``(N, C, 4, H, W)``: each channel has one map per *rotation axis* index
  ``r = 0, 1, 2, 3``, the answer of the filter turned by ``r`` quarter turns;
* lifting filters (image -> p4 maps): ``(C_out, C_in, k, k)``; group filters (p4 -> p4):
  ``(C_out, C_in, 4, k, k)``.

A quarter turn is ``rotate(x, 1) = torch.rot90(x, 1, dims=(-2, -1))``: anticlockwise as
``imshow`` draws an image (row 0 at the top). The two layers:

    lifting:  y[:, o, r] = conv2d(x, rotate(w, r))[:, o]
    group:    y[:, o, r] = sum over c, s of conv2d(x[:, c, s], rotate(w[o, c, (s - r) mod 4], r))

The cyclic shift ``s - r`` of the rotation axis is what makes the group layer stack: turn the
input by one quarter, and the output turns by one quarter *and* its rotation axis shifts by
one, ``y[:, :, r] -> rotate(y[:, :, r - 1])``. :func:`rotate_p4` is that action; the tests
check ``layer(rotate_p4(x)) == rotate_p4(layer(x))`` to floating-point precision. The maximum
over the rotation axis (:func:`pool_rotations`) forgets the orientation: it is *invariant*.

Both layers run as one ordinary ``conv2d`` with a larger filter bank: the four orientations
of every filter are stacked into ``4 C_out`` output channels. Rotation and convolution commute
exactly when the padding is the same on all sides and the stride is 1 (or divides the padded
size less the kernel).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

ROTATIONS = 4
"""The number of rotations in p4: 0, 90, 180 and 270 degrees."""


def rotate(x: torch.Tensor, quarter_turns: int = 1) -> torch.Tensor:
    """``x`` turned by ``quarter_turns`` x 90 degrees anticlockwise over its last two axes.

    >>> rotate(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    return torch.rot90(x, quarter_turns, dims=(-2, -1))


def rotate_p4(y: torch.Tensor, quarter_turns: int = 1) -> torch.Tensor:
    """How a rotation of the input acts on p4 maps ``(N, C, 4, H, W)``: turn every map, shift the rotation axis.

    >>> y = torch.arange(4.0).reshape(1, 1, 4, 1, 1)  # the answers of the four orientations
    >>> rotate_p4(y).flatten().tolist()
    [3.0, 0.0, 1.0, 2.0]
    """
    _check_p4_maps(y)
    return torch.roll(rotate(y, quarter_turns), quarter_turns, dims=2)


def rotated_filters(weight: torch.Tensor) -> torch.Tensor:
    """The lifting layer's bank: ``(C_out, C_in, k, k)`` -> ``(C_out, 4, C_in, k, k)``; ``[:, r]`` turned r times.

    >>> bank = rotated_filters(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    >>> bank.shape, bank[0, 1, 0].tolist()
    (torch.Size([1, 4, 1, 2, 2]), [[2.0, 4.0], [1.0, 3.0]])
    """
    _check_filters(weight, 4, "lifting filters (C_out, C_in, k, k)")
    return torch.stack([rotate(weight, r) for r in range(ROTATIONS)], dim=1)


def group_filters(weight: torch.Tensor) -> torch.Tensor:
    """The group layer's bank: ``(C_out, C_in, 4, k, k)`` -> ``(C_out, 4, C_in, 4, k, k)``.

    Orientation ``r`` of a filter is the filter turned ``r`` times with its rotation axis shifted
    cyclically by ``r``: ``bank[o, r, c, s] = rotate(weight[o, c, (s - r) % 4], r)``.
    """
    _check_filters(weight, 5, "group filters (C_out, C_in, 4, k, k)")
    return torch.stack([torch.roll(rotate(weight, r), r, dims=2) for r in range(ROTATIONS)], dim=1)


def p4_lift(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, padding: int = 0,
            stride: int = 1) -> torch.Tensor:
    """Lifting p4 convolution: images ``(N, C_in, H, W)`` -> p4 maps ``(N, C_out, 4, H', W')``.

    ``y[:, o, r] = conv2d(x, rotate(weight, r))[:, o] + bias[o]``. ``H'`` and ``W'`` are those of
    ``F.conv2d`` with the same ``padding`` and ``stride``.

    >>> x, w = torch.randn(2, 1, 9, 9), torch.randn(3, 1, 3, 3)
    >>> torch.allclose(p4_lift(rotate(x), w), rotate_p4(p4_lift(x, w)), atol=1e-6)
    True
    """
    if x.ndim != 4:
        raise ValueError(f"p4_lift takes images (N, C, H, W), got shape {tuple(x.shape)}; for p4 maps use p4_conv")
    bank = rotated_filters(weight)
    c_out = weight.shape[0]
    y = F.conv2d(x, bank.flatten(0, 1), _repeat_bias(bias, c_out), stride=stride, padding=padding)
    return y.unflatten(1, (c_out, ROTATIONS))


def p4_conv(y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, padding: int = 0,
            stride: int = 1) -> torch.Tensor:
    """Group p4 convolution: p4 maps ``(N, C_in, 4, H, W)`` -> p4 maps ``(N, C_out, 4, H', W')``.

    >>> y, w = torch.randn(2, 2, 4, 9, 9), torch.randn(3, 2, 4, 3, 3)
    >>> torch.allclose(p4_conv(rotate_p4(y), w, padding=1), rotate_p4(p4_conv(y, w, padding=1)), atol=1e-5)
    True
    """
    _check_p4_maps(y)
    bank = group_filters(weight)
    c_out = weight.shape[0]
    if y.shape[1] != weight.shape[1]:
        raise ValueError(f"the maps have {y.shape[1]} channels but the filters expect {weight.shape[1]}; "
                         "weight must be (C_out, C_in, 4, k, k) with C_in the maps' channels")
    out = F.conv2d(y.flatten(1, 2), bank.flatten(2, 3).flatten(0, 1), _repeat_bias(bias, c_out), stride=stride,
                   padding=padding)
    return out.unflatten(1, (c_out, ROTATIONS))


def pool_rotations(y: torch.Tensor) -> torch.Tensor:
    """The maximum over the rotation axis: p4 maps ``(N, C, 4, H, W)`` -> ``(N, C, H, W)``, blind to orientation.

    >>> y = torch.randn(1, 2, 4, 5, 5)
    >>> torch.equal(pool_rotations(rotate_p4(y)), rotate(pool_rotations(y)))
    True
    """
    _check_p4_maps(y)
    return y.amax(dim=2)


class P4Lift(nn.Module):
    """A lifting p4 layer with ``out_channels`` filters, each used in 4 orientations (:func:`p4_lift`)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0, bias: bool = True):
        super().__init__()
        self.padding = padding
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # nn.Conv2d's initialisation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return p4_lift(x, self.weight, self.bias, padding=self.padding)


class P4Conv(nn.Module):
    """A group p4 layer: p4 maps in, p4 maps out (:func:`p4_conv`).

    ``in_channels`` counts channels, not channels x rotations: it learns
    ``out_channels * in_channels * 4 * k * k`` weights, a quarter of a ``Conv2d`` from
    ``4 * in_channels`` to ``4 * out_channels`` channels, for the same multiply-adds.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0, bias: bool = True):
        super().__init__()
        self.padding = padding
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, ROTATIONS, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        fan_in = in_channels * ROTATIONS * kernel_size**2
        nn.init.uniform_(self.weight, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return p4_conv(y, self.weight, self.bias, padding=self.padding)


def _repeat_bias(bias: torch.Tensor | None, c_out: int) -> torch.Tensor | None:
    """One bias per filter, shared by its four orientations (so that rotations cannot change it)."""
    if bias is None:
        return None
    if bias.shape != (c_out,):
        raise ValueError(f"bias must have one value per filter, shape ({c_out},), got {tuple(bias.shape)}")
    return bias.repeat_interleave(ROTATIONS)


def _check_filters(weight: torch.Tensor, ndim: int, what: str) -> None:
    if weight.ndim != ndim:
        raise ValueError(f"expected {what}, got shape {tuple(weight.shape)}")
    if weight.shape[-1] != weight.shape[-2]:
        raise ValueError(f"a filter must be square to be turned in place, got {weight.shape[-2]}x{weight.shape[-1]}")
    if ndim == 5 and weight.shape[2] != ROTATIONS:
        raise ValueError(f"group filters need a rotation axis of {ROTATIONS} at dim 2, got {weight.shape[2]}")


def _check_p4_maps(y: torch.Tensor) -> None:
    if y.ndim != 5 or y.shape[2] != ROTATIONS:
        raise ValueError(f"p4 maps have shape (N, C, 4, H, W), got {tuple(y.shape)}; lift an image with p4_lift first")
    if y.shape[-1] != y.shape[-2]:
        raise ValueError(f"p4 maps must be square to be turned in place, got {y.shape[-2]}x{y.shape[-1]}")


__all__ = ["P4Conv", "P4Lift", "ROTATIONS", "group_filters", "p4_conv", "p4_lift", "pool_rotations", "rotate",
           "rotate_p4", "rotated_filters"]
