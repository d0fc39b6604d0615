"""Narrow CNNs of any depth, with or without identity shortcuts: the degradation experiment of He et al. (2016).

He et al. trained "plain" networks on CIFAR-10 (their Figure 6): a 3x3 convolution, then
three stages of ``n`` blocks of two 3x3 convolutions each (16, 32, 64 channels; each stage
after the first halves the size), global average pooling and one dense layer, ``6n + 2``
layers in all, batch norm after every convolution. The same networks with a shortcut
around every block are their ResNets-20, 32, 44, 56, 110.

:func:`deep_cnn` builds both at any width, so that the course can train them on small digit
images in seconds: depth 8 (n = 1), 20 (n = 3), 56 (n = 9) and so on. The only difference
between the two kinds is the ``+ x`` of the shortcut (a 1x1 projection where a block
changes the shape), so any difference in training is the shortcut's.

>>> plain, residual = deep_cnn(20), deep_cnn(20, shortcuts=True)
>>> count = lambda m: sum(isinstance(layer, nn.Conv2d) and layer.kernel_size == (3, 3) for layer in m.modules())
>>> count(plain), count(residual)  # 19 convolutions + 1 dense layer = 20 layers
(19, 19)
>>> residual(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DeepBlock", "deep_cnn"]


class DeepBlock(nn.Module):
    """Two 3x3 convolutions with batch norm (and ReLU between), with or without the shortcut ``+ x``.

    plain:    ``ReLU(BN(conv(ReLU(BN(conv(x))))))``
    residual: ``ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x))``, where ``shortcut`` is the
    identity, or a 1x1 convolution and batch norm when the stride or channels change.
    """

    def __init__(self, in_channels: int, channels: int, stride: int = 1, shortcut: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut: nn.Module | None = None
        if shortcut:
            same = stride == 1 and in_channels == channels
            self.shortcut = (
                nn.Identity()
                if same
                else nn.Sequential(
                    nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels)
                )
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out if self.shortcut is None else out + self.shortcut(x))

    def longest_path(self) -> list[nn.Module]:
        return [self.conv1, self.conv2]


def deep_cnn(
    depth: int,
    width: int = 8,
    shortcuts: bool = False,
    in_channels: int = 1,
    classes: int = 10,
    seed: int | None = 0,
) -> nn.Sequential:
    """A ``depth``-layer CNN in He et al.'s CIFAR layout, ``depth = 6n + 2``: plain, or with shortcuts.

    Channels ``width``, ``2 width``, ``4 width`` in the three stages. The weights are drawn
    with PyTorch's defaults under ``torch.manual_seed(seed)`` (``None``: from the current
    random state), so that a plain and a residual network of one seed start from the same
    convolution weights.
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n >= 1 (8, 14, 20, 26, 32, 44, 56, ...), got {depth}")
    if seed is not None:
        torch.manual_seed(seed)
    n = (depth - 2) // 6
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(),
    ]
    channels = width
    for stage in range(3):
        out = width * 2**stage
        for i in range(n):
            layers.append(DeepBlock(channels, out, stride=2 if stage > 0 and i == 0 else 1, shortcut=shortcuts))
            channels = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers)
