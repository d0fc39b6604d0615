"""A tiny fully-convolutional network that labels every pixel of a digit scene, with or without U-Net skips.

Segmentation asks for a class per pixel (here: background or one of the ten digits), so the
output has the input's height and width. :class:`TinyUNet` goes down like a classifier (three
stride-2 stages: 64 -> 32 -> 16 -> 8 pixels, more channels, a wider view) and back up with
transposed convolutions (8 -> 16 -> 32 -> 64) to ``(N, classes, H, W)`` logits (Long et al., 2015,
fully convolutional networks). With ``skips=True`` each up-stage also receives the encoder's
feature map of the same size, concatenated (Ronneberger et al., 2015, U-Net): the decoder gets
back the fine detail that down-sampling threw away. ``skips=False`` is the same network without
those connections (the decoder's convolutions then see fewer channels), for the comparison.
"""

from __future__ import annotations

import torch
from torch import nn

MASK_CLASSES = 11
"""Background (0) and the ten digits (1 + digit), as in :mod:`course_utils.scenes`."""


def _conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    """Encoder 64 -> 32 -> 16 -> 8, decoder back to 64 with transposed convolutions; ``skips`` as in U-Net.

    >>> TinyUNet()(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 11, 64, 64])
    """

    def __init__(self, classes: int = MASK_CLASSES, width: int = 8, skips: bool = True):
        super().__init__()
        w, self.skips = width, skips
        self.enc1 = _conv(1, w)  # 64 x 64
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), _conv(w, 2 * w))  # 32 x 32
        self.enc3 = nn.Sequential(nn.MaxPool2d(2), _conv(2 * w, 4 * w))  # 16 x 16
        self.bottom = nn.Sequential(nn.MaxPool2d(2), _conv(4 * w, 8 * w), _conv(8 * w, 8 * w))  # 8 x 8
        self.up3 = nn.ConvTranspose2d(8 * w, 4 * w, 2, stride=2)
        self.dec3 = _conv(8 * w if skips else 4 * w, 4 * w)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)
        self.dec2 = _conv(4 * w if skips else 2 * w, 2 * w)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2)
        self.dec1 = _conv(2 * w if skips else w, w)
        self.head = nn.Conv2d(w, classes, 1)

    def _join(self, up: torch.Tensor, skipped: torch.Tensor) -> torch.Tensor:
        return torch.cat([up, skipped], dim=1) if self.skips else up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d3 = self.dec3(self._join(self.up3(self.bottom(e3)), e3))
        d2 = self.dec2(self._join(self.up2(d3), e2))
        d1 = self.dec1(self._join(self.up1(d2), e1))
        return self.head(d1)


__all__ = ["MASK_CLASSES", "TinyUNet"]
