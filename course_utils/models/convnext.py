"""ConvNeXt-T (Liu et al., 2022): a ResNet modernised step by step, with ideas borrowed from transformers.

The paper starts from ResNet-50 and changes one thing at a time, keeping each change that
helps: a "patchify" stem (4x4 convolution, stride 4), stages of 3-3-9-3 blocks, 7x7
depthwise convolutions, an inverted bottleneck (4x wider in the middle), GELU instead of
ReLU, layer normalisation instead of batch norm, fewer normalisations and activations, and
separate 2x2 downsampling layers. A block is

    x -> 7x7 depthwise conv -> LayerNorm -> Linear (C -> 4C) -> GELU -> Linear (4C -> C) -> x gamma -> + x

where the linear layers act on each pixel (1x1 convolutions) and ``gamma`` is a learned
per-channel scale that starts at 1e-6 ("layer scale"). torchvision's layout: 28,589,128
parameters and about 4.5 billion multiply-adds per 224x224 image. Stochastic depth, a
training-time regulariser without parameters, is left out.

>>> block = ConvNeXtBlock(96)
>>> block(torch.zeros(1, 96, 56, 56)).shape
torch.Size([1, 96, 56, 56])
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["ConvNeXtBlock", "LayerNorm2d", "convnext_tiny"]


class LayerNorm2d(nn.LayerNorm):
    """Layer normalisation over the channels of each pixel of an ``(N, C, H, W)`` tensor."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """7x7 depthwise convolution, LayerNorm, C -> 4C -> C per pixel with GELU, layer scale, plus the identity."""

    def __init__(self, channels: int, layer_scale: float = 1e-6) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 7, padding=3, groups=channels)
        self.norm = nn.LayerNorm(channels, eps=1e-6)
        self.expand = nn.Linear(channels, 4 * channels)
        self.act = nn.GELU()
        self.project = nn.Linear(4 * channels, channels)
        self.gamma = nn.Parameter(torch.full((channels, 1, 1), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.depthwise(x).permute(0, 2, 3, 1)  # channels last: the linear layers act per pixel
        out = self.project(self.act(self.expand(self.norm(out)))).permute(0, 3, 1, 2)
        return x + self.gamma * out

    def longest_path(self) -> list[nn.Module]:
        return [self.depthwise]


def convnext_tiny(
    classes: int = 1000, depths: tuple[int, ...] = (3, 3, 9, 3), widths: tuple[int, ...] = (96, 192, 384, 768)
) -> nn.Sequential:
    """ConvNeXt-T: ``stem`` (4x4/4 convolution, LayerNorm), ``stage1`` ... ``stage4``, ``head``.

    Stages after the first start with a LayerNorm and a 2x2 convolution of stride 2.

    >>> sum(p.numel() for p in convnext_tiny().parameters())
    28589128
    """
    parts: OrderedDict[str, nn.Module] = OrderedDict(
        stem=nn.Sequential(nn.Conv2d(3, widths[0], 4, stride=4), LayerNorm2d(widths[0], eps=1e-6))
    )
    for i, (depth, width) in enumerate(zip(depths, widths, strict=True)):
        down = [LayerNorm2d(widths[i - 1], eps=1e-6), nn.Conv2d(widths[i - 1], width, 2, stride=2)] if i else []
        parts[f"stage{i + 1}"] = nn.Sequential(*down, *(ConvNeXtBlock(width) for _ in range(depth)))
    parts["head"] = nn.Sequential(
        nn.AdaptiveAvgPool2d(1), LayerNorm2d(widths[-1], eps=1e-6), nn.Flatten(), nn.Linear(widths[-1], classes)
    )
    return nn.Sequential(parts)
