"""GoogLeNet (Szegedy et al., 2015), the ILSVRC 2014 winner: Inception modules, without the auxiliary heads.

An Inception module runs four branches side by side on the same input and stacks their
outputs along the channels:

* a 1x1 convolution;
* a 1x1 convolution that *reduces* the channels, then a 3x3 convolution;
* a 1x1 reduction, then a larger convolution (5x5 in the paper);
* a 3x3 max pooling (stride 1), then a 1x1 projection.

The 1x1 reductions are the trick: a 3x3 or 5x5 convolution on 192 channels is expensive, on
16 or 96 channels it is cheap. With them the 22-layer network needs about 1.5 billion
multiply-adds per image and under 7 million parameters, twelve times fewer than AlexNet.

This is torchvision's layout, whose weights were ported from TensorFlow, so that the counts
match its 6,624,904 parameters: every convolution is followed by batch normalisation
(which the 2014 paper did not have yet) and the "5x5" branch uses a 3x3 kernel, a known
quirk of that port kept for its weights. The two auxiliary classifiers that helped training
are left out; at test time the paper discarded them too.

>>> block = Inception(192, 64, 96, 128, 16, 32, 32)
>>> block(torch.zeros(1, 192, 28, 28)).shape  # 64 + 128 + 32 + 32 channels
torch.Size([1, 256, 28, 28])
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["Inception", "conv_bn_relu", "googlenet"]


def conv_bn_relu(in_channels: int, out_channels: int, kernel: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    """Convolution (no bias: batch norm adds one), batch norm (eps 0.001), ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, bias=False),
        nn.BatchNorm2d(out_channels, eps=0.001),
        nn.ReLU(),
    )


class Inception(nn.Module):
    """Four branches on one input, concatenated: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 | pool 3x3 -> 1x1.

    The arguments are the paper's Table 1 columns: ``ones`` (#1x1), ``reduce3`` and ``out3``
    (#3x3 reduce, #3x3), ``reduce5`` and ``out5`` (#5x5 reduce, #5x5), ``pool_proj``.
    """

    def __init__(self, in_channels: int, ones: int, reduce3: int, out3: int, reduce5: int, out5: int, pool_proj: int):
        super().__init__()
        self.branch1 = conv_bn_relu(in_channels, ones, 1)
        self.branch2 = nn.Sequential(conv_bn_relu(in_channels, reduce3, 1), conv_bn_relu(reduce3, out3, 3, padding=1))
        self.branch3 = nn.Sequential(conv_bn_relu(in_channels, reduce5, 1), conv_bn_relu(reduce5, out5, 3, padding=1))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), conv_bn_relu(in_channels, pool_proj, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)

    def longest_path(self) -> list[nn.Module]:
        """The branch that sees the widest field (1x1 then 3x3), for receptive-field tables."""
        return list(self.branch2)


def googlenet(classes: int = 1000, dropout: float = 0.2) -> nn.Sequential:
    """GoogLeNet with torchvision's layout (no auxiliary heads): 6,624,904 parameters.

    Stages: ``stem`` (7x7/2 convolution, pooling, 1x1 and 3x3 convolutions, pooling, down to
    192x28x28), ``inception3`` (3a, 3b), ``inception4`` (pooling, 4a-4e), ``inception5``
    (pooling, 5a, 5b: 1024x7x7), ``head`` (global average, dropout, 1024 -> classes).

    >>> sum(p.numel() for p in googlenet().parameters())
    6624904
    """
    return nn.Sequential(
        OrderedDict(
            stem=nn.Sequential(
                conv_bn_relu(3, 64, 7, stride=2, padding=3),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                conv_bn_relu(64, 64, 1),
                conv_bn_relu(64, 192, 3, padding=1),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
            ),
            inception3=nn.Sequential(
                Inception(192, 64, 96, 128, 16, 32, 32),
                Inception(256, 128, 128, 192, 32, 96, 64),
            ),
            inception4=nn.Sequential(
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Inception(480, 192, 96, 208, 16, 48, 64),
                Inception(512, 160, 112, 224, 24, 64, 64),
                Inception(512, 128, 128, 256, 24, 64, 64),
                Inception(512, 112, 144, 288, 32, 64, 64),
                Inception(528, 256, 160, 320, 32, 128, 128),
            ),
            inception5=nn.Sequential(
                nn.MaxPool2d(2, stride=2, ceil_mode=True),
                Inception(832, 256, 160, 320, 32, 128, 128),
                Inception(832, 384, 192, 384, 48, 128, 128),
            ),
            head=nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(1024, classes)),
        )
    )
