"""Involution (Li et al., 2021): a kernel made for every pixel, shared across the channels of a group.

A convolution shares its kernel over space and varies it over channels: the same ``k x k``
kernel at every position, a different one for every pair of input and output channels.
Involution inverts the two. At every output position ``(i, j)`` a small network (the *kernel
generator*) looks at the input there and makes a ``k x k`` kernel; the ``C`` channels are cut
into ``G`` groups, and all channels of a group share their position's kernel:

    y[n, c, i, j] = sum over u, v of kernels[n, g(c), u, v, i, j] * x_padded[n, c, i*s + u, j*s + v]

with ``g(c) = c // (C / G)``. Layouts: ``x`` is ``(N, C, H, W)``; ``kernels`` is
``(N, G, k, k, H_out, W_out)``, one kernel per image, group and output position; the output
``(N, C, H_out, W_out)`` keeps the channels (a 1x1 convolution around it mixes them). The
output size is a convolution's (:func:`course_utils.ops.conv_output_size`).

:func:`involution2d_naive` is the formula in loops; :func:`involution2d` is the same with
``F.unfold``, tested equal. :class:`Involution2d` adds the paper's kernel generator: average
pooling by the stride, a 1x1 convolution that reduces the channels by ``reduction``, batch
normalisation, ReLU, and a 1x1 convolution to ``G * k * k`` numbers per position.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.ops.geometry import conv_output_size


def _check(x: torch.Tensor, kernels: torch.Tensor, stride: int, padding: int) -> tuple[int, int, int, int]:
    if x.ndim != 4:
        raise ValueError(f"x must be images (N, C, H, W), got shape {tuple(x.shape)}")
    if kernels.ndim != 6 or kernels.shape[2] != kernels.shape[3]:
        raise ValueError(f"kernels must be (N, G, k, k, H_out, W_out), got shape {tuple(kernels.shape)}")
    n, channels, height, width = x.shape
    groups, k = kernels.shape[1], kernels.shape[2]
    if channels % groups:
        raise ValueError(f"{channels} channels cannot be cut into {groups} groups; choose G dividing C")
    h_out, w_out = conv_output_size((height, width), k, stride, padding)
    if kernels.shape[0] != n or kernels.shape[4:] != (h_out, w_out):
        raise ValueError(f"kernels must be ({n}, {groups}, {k}, {k}, {h_out}, {w_out}) for this input, stride "
                         f"and padding, got {tuple(kernels.shape)}")
    return groups, k, h_out, w_out


def involution2d_naive(x: torch.Tensor, kernels: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """The involution formula as loops over output positions (see the module docstring).

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> box = torch.ones(1, 1, 3, 3, 2, 2)  # the same 3x3 box kernel at every position
    >>> involution2d_naive(x, box)[0, 0]
    tensor([[45., 54.],
            [81., 90.]])
    """
    groups, k, h_out, w_out = _check(x, kernels, stride, padding)
    padded = F.pad(x, (padding,) * 4)
    per_group = x.shape[1] // groups
    out = x.new_zeros(x.shape[0], x.shape[1], h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            window = padded[:, :, i * stride : i * stride + k, j * stride : j * stride + k]  # (N, C, k, k)
            kernel = kernels[:, :, :, :, i, j].repeat_interleave(per_group, dim=1)  # each channel its group's kernel
            out[:, :, i, j] = (window * kernel).sum(dim=(2, 3))
    return out


def involution2d(x: torch.Tensor, kernels: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Involution with ``F.unfold``: every ``k x k`` window at once, weighted by its position's kernel.

    Same arguments and result as :func:`involution2d_naive`.

    >>> x, kernels = torch.randn(2, 4, 6, 6), torch.randn(2, 2, 3, 3, 6, 6)
    >>> torch.allclose(involution2d(x, kernels, padding=1), involution2d_naive(x, kernels, padding=1), atol=1e-5)
    True
    """
    groups, k, h_out, w_out = _check(x, kernels, stride, padding)
    n, channels = x.shape[:2]
    windows = F.unfold(x, k, padding=padding, stride=stride)  # (N, C * k * k, H_out * W_out)
    windows = windows.view(n, groups, channels // groups, k * k, h_out, w_out)
    return (windows * kernels.flatten(2, 3).unsqueeze(2)).sum(dim=3).view(n, channels, h_out, w_out)


class Involution2d(nn.Module):
    """Involution with the kernel generator of Li et al. (2021); channels in = channels out.

    Learns ``C * C/r`` + ``2 C/r`` (batch norm) + ``C/r * G k^2 + G k^2`` numbers, independent of the
    image size: for ``C = 64, k = 7, G = 4, r = 4``, 4,388 against 200,768 for a 7x7 ``Conv2d``
    from 64 to 64 channels.

    >>> layer = Involution2d(16, kernel_size=3, groups=4)
    >>> layer(torch.randn(2, 16, 10, 10)).shape
    torch.Size([2, 16, 10, 10])
    """

    def __init__(self, channels: int, kernel_size: int = 7, groups: int = 4, reduction: int = 4, stride: int = 1):
        super().__init__()
        if channels % groups or channels % reduction:
            raise ValueError(f"channels {channels} must be divisible by groups {groups} and by reduction {reduction}")
        self.kernel_size, self.groups, self.stride = kernel_size, groups, stride
        self.generator = nn.Sequential(
            nn.AvgPool2d(stride) if stride > 1 else nn.Identity(),
            nn.Conv2d(channels, channels // reduction, 1, bias=False),
            nn.BatchNorm2d(channels // reduction),
            nn.ReLU(),
            nn.Conv2d(channels // reduction, groups * kernel_size**2, 1),
        )

    def kernels(self, x: torch.Tensor) -> torch.Tensor:
        """The generated kernels, ``(N, G, k, k, H_out, W_out)``: each from the input at its own position."""
        made = self.generator(x)
        return made.view(x.shape[0], self.groups, self.kernel_size, self.kernel_size, *made.shape[2:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return involution2d(x, self.kernels(x), stride=self.stride, padding=(self.kernel_size - 1) // 2)


__all__ = ["Involution2d", "involution2d", "involution2d_naive"]
