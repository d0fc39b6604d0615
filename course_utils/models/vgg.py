"""VGG-16 (Simonyan and Zisserman, 2015): only 3x3 convolutions, in blocks, each block ending in a 2x2 pooling.

Two stacked 3x3 convolutions see 5x5 pixels, three see 7x7, with fewer weights than one
5x5 or 7x7 convolution and a ReLU between each: the paper's argument for small kernels. The
channels double after each pooling (64, 128, 256, 512, 512), so each block costs about the
same compute. torchvision's layout (configuration "D" of the paper): 138,357,544 parameters,
most of them in the first dense layer (7 * 7 * 512 inputs times 4,096 outputs).

>>> vgg_block(64, 128, convs=2)
Sequential(
  (0): Conv2d(64, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): ReLU()
  (2): Conv2d(128, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (3): ReLU()
  (4): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
)
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

__all__ = ["VGG16_BLOCKS", "vgg16", "vgg_block"]

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))  # (channels, convolutions) per block


def vgg_block(in_channels: int, out_channels: int, convs: int) -> nn.Sequential:
    """``convs`` times (3x3 convolution with padding 1, ReLU), then a 2x2 max pooling of stride 2.

    The convolutions keep the size; the pooling halves it. Parameters:
    ``(9 * in + 1) * out + (convs - 1) * (9 * out + 1) * out``.

    >>> sum(p.numel() for p in vgg_block(3, 64, 2).parameters()) == (9 * 3 + 1) * 64 + (9 * 64 + 1) * 64
    True
    """
    if convs < 1:
        raise ValueError(f"a VGG block has at least one convolution, got convs={convs}")
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1), nn.ReLU()]
    layers.append(nn.MaxPool2d(2, stride=2))
    return nn.Sequential(*layers)


def vgg16(classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """VGG-16 as torchvision lays it out: five blocks (``block1`` ... ``block5``), then the ``head``.

    The head averages to 7x7 (a no-op on 224x224 images), flattens and runs
    25,088 -> 4,096 -> 4,096 -> classes, with ReLU and dropout between.

    >>> sum(p.numel() for p in vgg16().parameters())
    138357544
    """
    blocks, channels = OrderedDict(), 3
    for number, (width, convs) in enumerate(VGG16_BLOCKS, start=1):
        blocks[f"block{number}"] = vgg_block(channels, width, convs)
        channels = width
    blocks["head"] = nn.Sequential(
        nn.AdaptiveAvgPool2d(7),
        nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(4096, classes),
    )
    return nn.Sequential(blocks)
