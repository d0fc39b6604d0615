"""ResNet (He et al., 2016), the ILSVRC 2015 winner: blocks that learn a correction to their input.

A residual block computes :math:`y = \\mathrm{ReLU}(F(x) + x)`: its layers :math:`F` learn
only the *residual*, what to add to the input, and the identity shortcut carries ``x``
past them unchanged. A block that should do nothing only has to push its weights to zero.
When a block halves the size or changes the number of channels, ``x`` no longer fits
``F(x)``; the shortcut then becomes a 1x1 convolution with the same stride, and batch norm
("projection shortcut", option B of the paper).

* :class:`BasicBlock` (ResNet-18, 34): two 3x3 convolutions.
* :class:`Bottleneck` (ResNet-50 and deeper): 1x1 down to a quarter of the channels, 3x3,
  1x1 back up; three layers for about the cost of two 3x3 ones.

The layouts are torchvision's, so the counts match its documentation: ResNet-18 11,689,512,
ResNet-34 21,797,672 and ResNet-50 25,557,032 parameters. In the bottleneck, torchvision
puts the stride on the 3x3 convolution, where the paper put it on the first 1x1 ("ResNet
v1.5"); this costs 4.1 instead of the paper's 3.8 billion multiply-adds and is more accurate.

>>> block = BasicBlock(64, 128, stride=2)
>>> block(torch.zeros(1, 64, 56, 56)).shape
torch.Size([1, 128, 28, 28])
>>> type(block.shortcut[0]).__name__  # 64 -> 128 channels: a 1x1 projection
'Conv2d'
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["BasicBlock", "Bottleneck", "resnet", "resnet18", "resnet34", "resnet50"]


def _projection(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """The shortcut: the identity when the shapes agree, else a 1x1 convolution (stride ``stride``) and batch norm."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
    )


class BasicBlock(nn.Module):
    """3x3 conv (stride ``stride``) -> BN -> ReLU -> 3x3 conv -> BN, plus the shortcut, then ReLU."""

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = _projection(in_channels, channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(residual + self.shortcut(x))

    def longest_path(self) -> list[nn.Module]:
        return [self.conv1, self.conv2]


class Bottleneck(nn.Module):
    """1x1 conv (``channels``) -> 3x3 conv (stride) -> 1x1 conv (4 x ``channels``), BN after each, plus the shortcut."""

    expansion = 4

    def __init__(self, in_channels: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        out_channels = channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shortcut = _projection(in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        return torch.relu(self.bn3(self.conv3(out)) + self.shortcut(x))

    def longest_path(self) -> list[nn.Module]:
        return [self.conv1, self.conv2, self.conv3]


def resnet(block: type[BasicBlock] | type[Bottleneck], depths: tuple[int, ...], classes: int = 1000) -> nn.Sequential:
    """A ResNet: ``stem`` (7x7/2 convolution, BN, ReLU, 3x3/2 max pooling), four ``stage``s, ``head``.

    Stage ``i`` has ``depths[i]`` blocks of ``64 * 2**i`` channels (times the block's
    expansion); every stage after the first starts with a stride-2 block that halves the size.
    """
    stages: OrderedDict[str, nn.Module] = OrderedDict(
        stem=nn.Sequential(
            nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
    )
    in_channels = 64
    for i, depth in enumerate(depths):
        channels = 64 * 2**i
        blocks = []
        for j in range(depth):
            blocks.append(block(in_channels, channels, stride=2 if i > 0 and j == 0 else 1))
            in_channels = channels * block.expansion
        stages[f"stage{i + 1}"] = nn.Sequential(*blocks)
    stages["head"] = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, classes))
    return nn.Sequential(stages)


def resnet18(classes: int = 1000) -> nn.Sequential:
    """ResNet-18: basic blocks, 2-2-2-2 (16 convolutions in the blocks, plus the stem and the dense layer).

    >>> sum(p.numel() for p in resnet18().parameters())
    11689512
    """
    return resnet(BasicBlock, (2, 2, 2, 2), classes)


def resnet34(classes: int = 1000) -> nn.Sequential:
    """ResNet-34: basic blocks, 3-4-6-3.

    >>> sum(p.numel() for p in resnet34().parameters())
    21797672
    """
    return resnet(BasicBlock, (3, 4, 6, 3), classes)


def resnet50(classes: int = 1000) -> nn.Sequential:
    """ResNet-50: bottleneck blocks, 3-4-6-3, 2,048 channels at the end.

    >>> sum(p.numel() for p in resnet50().parameters())
    25557032
    """
    return resnet(Bottleneck, (3, 4, 6, 3), classes)
