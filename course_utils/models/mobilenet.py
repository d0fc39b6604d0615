"""MobileNetV2 (Sandler et al., 2018): depthwise separable convolutions in inverted residual blocks.

A *depthwise* convolution (``groups`` = channels) filters each channel on its own with one
3x3 kernel; a *pointwise* 1x1 convolution then mixes the channels. Together they replace a
full 3x3 convolution at about :math:`1/C_{out} + 1/9` of its multiply-adds.

An *inverted residual* block widens the channels 6 times with a 1x1 convolution, filters
them depthwise, and narrows them again with a *linear* 1x1 convolution (no ReLU after it,
so the narrow representation loses nothing); the shortcut joins the narrow ends. ReLU6 caps
activations at 6. torchvision's layout: 3,504,872 parameters and about 300 million
multiply-adds per 224x224 image, a twelfth of ResNet-50's.

>>> block = InvertedResidual(24, 24, stride=1, expand=6)
>>> block.uses_shortcut, block(torch.zeros(1, 24, 56, 56)).shape
(True, torch.Size([1, 24, 56, 56]))
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["MOBILENET_V2_SETTINGS", "InvertedResidual", "mobilenet_v2"]

# The paper's Table 2: expansion t, output channels c, repeats n, stride s of the first repeat.
MOBILENET_V2_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def conv_bn_relu6(in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Convolution (padding keeps the size at stride 1, no bias), batch norm, ReLU6."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(),
    )


class InvertedResidual(nn.Module):
    """1x1 expand (x ``expand``), 3x3 depthwise (stride), 1x1 linear projection; plus the identity when shapes agree."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = in_channels * expand
        layers: list[nn.Module] = [conv_bn_relu6(in_channels, hidden, 1)] if expand != 1 else []
        layers += [
            conv_bn_relu6(hidden, hidden, 3, stride=stride, groups=hidden),  # depthwise: one kernel per channel
            nn.Conv2d(hidden, out_channels, 1, bias=False),  # pointwise and linear: no ReLU
            nn.BatchNorm2d(out_channels),
        ]
        self.layers = nn.Sequential(*layers)
        self.uses_shortcut = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.uses_shortcut else out


def mobilenet_v2(classes: int = 1000, dropout: float = 0.2) -> nn.Sequential:
    """MobileNetV2 (width 1.0) as torchvision lays it out: ``stem``, ``blocks`` (17 inverted residuals), ``head``.

    >>> sum(p.numel() for p in mobilenet_v2().parameters())
    3504872
    """
    blocks, channels = [], 32
    for expand, out_channels, repeats, stride in MOBILENET_V2_SETTINGS:
        for i in range(repeats):
            blocks.append(InvertedResidual(channels, out_channels, stride if i == 0 else 1, expand))
            channels = out_channels
    return nn.Sequential(
        OrderedDict(
            stem=conv_bn_relu6(3, 32, 3, stride=2),
            blocks=nn.Sequential(*blocks),
            head=nn.Sequential(
                conv_bn_relu6(channels, 1280, 1),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Dropout(dropout),
                nn.Linear(1280, classes),
            ),
        )
    )
