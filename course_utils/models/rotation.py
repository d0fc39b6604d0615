"""Small digit classifiers for the rotation experiments of lesson 11: a plain CNN and its p4 twin.

Both have three convolutions (5x5, then two 3x3, padded to keep the size), each followed by
batch normalisation and ReLU, with 2x2 max pooling after the first two, then a global average
over the positions and one dense layer: 28x28 -> 14x14 -> 7x7 -> 10 classes. The global
average makes both blind to where a digit sits, and lets the p4 network be *exactly*
invariant to quarter turns: every step commutes with a quarter turn of the image (odd kernels
with symmetric padding, 2x2 pools on even sides, a batch normalisation whose statistics, over
``N, 4, H, W`` as ``nn.BatchNorm3d`` takes them, the four orientations share, a global
average), and the maximum over the rotation axis before the average forgets the orientation.

``p4_cnn(width)`` has ``width, 2 width, 2 width`` filters, each used in 4 orientations;
``plain_cnn(2 * width)`` has the same number of weights in its second and third convolutions
(a p4 layer from ``c`` to ``c'`` channels learns ``c' * c * 4 * 9`` weights, a plain one from
``2c`` to ``2c'`` channels ``c' * c * 4 * 9`` too), twice as many in its first, and half the
p4 network's feature maps.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.ops.group_conv import P4Conv, P4Lift, pool_rotations


class PoolRotations(nn.Module):
    """The maximum over the rotation axis of p4 maps, ``(N, C, 4, H, W) -> (N, C, H, W)`` (:func:`pool_rotations`)."""

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return pool_rotations(y)


def plain_cnn(width: int = 16) -> nn.Sequential:
    """Three convolutions (``width, 2 width, 2 width`` channels), pooled, averaged over positions, 10 classes.

    >>> plain_cnn(16)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """
    return nn.Sequential(
        nn.Conv2d(1, width, 5, padding=2), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, 10),
    )


def p4_cnn(width: int = 8) -> nn.Sequential:
    """The p4 twin of :func:`plain_cnn`: lifting and group convolutions, then the maximum over rotations.

    Its output is unchanged, to floating-point precision, when the input turns by a quarter:

    >>> model, x = p4_cnn(4).eval(), torch.randn(3, 1, 28, 28)
    >>> torch.allclose(model(x), model(torch.rot90(x, 1, dims=(2, 3))), atol=1e-5)
    True
    """
    return nn.Sequential(
        P4Lift(1, width, 5, padding=2), nn.BatchNorm3d(width), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
        P4Conv(width, 2 * width, 3, padding=1), nn.BatchNorm3d(2 * width), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
        P4Conv(2 * width, 2 * width, 3, padding=1), nn.BatchNorm3d(2 * width), nn.ReLU(),
        PoolRotations(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, 10),
    )


__all__ = ["PoolRotations", "p4_cnn", "plain_cnn"]
