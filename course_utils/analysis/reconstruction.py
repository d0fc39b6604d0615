"""Measuring reconstructions: how close to the original (PSNR), and how much checkerboard they carry.

Images are tensors ``(N, 1, H, W)`` (or ``(N, H, W)``) with pixels in [0, 1]; every function returns one
number per image, shape ``(N,)``, so that a lesson can average them or look at their spread.

* :func:`psnr`, the peak signal-to-noise ratio in decibels, :math:`10 \\log_{10}(\\text{peak}^2 / \\text{MSE})`:
  +3 dB halves the squared error; +10 dB divides it by 10.
* :func:`checkerboard_energy`, the share of an image's spectral power (the mean taken out) that lies
  on the two lines of highest frequency, the Nyquist row and column of its 2-D Fourier transform: a
  pattern that alternates from one pixel to the next, the checkerboard artefact of a transposed
  convolution whose kernel is not a multiple of its stride (Odena, Dumoulin and Olah, 2016).
"""

from __future__ import annotations

import torch


def _batch(images: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or images.dim() not in (3, 4):
        got = getattr(images, "shape", type(images))
        raise ValueError(f"{name} must be a tensor of images (N, 1, H, W) or (N, H, W), got {got}")
    if images.dim() == 4 and images.shape[1] != 1:
        raise ValueError(f"{name} must have one channel, got {images.shape[1]}: measure each channel on its own")
    return images.reshape(len(images), *images.shape[-2:]).double()


def psnr(estimate: torch.Tensor, reference: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    """Peak signal-to-noise ratio of each image of ``estimate`` against ``reference``, in dB, shape ``(N,)``.

    :math:`\\text{PSNR} = 10 \\log_{10}(\\text{peak}^2 / \\text{MSE})`, the MSE over one image's pixels.
    An exact copy has infinite PSNR.

    >>> reference = torch.zeros(2, 1, 4, 4)
    >>> psnr(reference + 0.5, reference)  # MSE 0.25: 10 * log10(1 / 0.25) = 6.02 dB
    tensor([6.0206, 6.0206], dtype=torch.float64)
    """
    a, b = _batch(estimate, "estimate"), _batch(reference, "reference")
    if a.shape != b.shape:
        raise ValueError(
            f"estimate {tuple(estimate.shape)} and reference {tuple(reference.shape)} must have the same shape"
        )
    mse = (a - b).pow(2).mean(dim=(1, 2))
    return 10 * torch.log10(peak**2 / mse)


def checkerboard_energy(images: torch.Tensor) -> torch.Tensor:
    """Share of each image's power (its mean removed) at the Nyquist row and column of the 2-D spectrum, ``(N,)``.

    For an image of even side :math:`n`, the frequencies :math:`n/2` along the rows or the columns are
    the patterns that flip sign from each pixel to the next. A smooth image has almost none of its
    power there; a perfect checkerboard has all of it.

    >>> board = (torch.arange(8)[:, None] + torch.arange(8)[None, :]) % 2
    >>> checkerboard_energy(board[None].float())
    tensor([1.], dtype=torch.float64)
    >>> smooth = torch.linspace(0, 1, 8)[None, :].repeat(8, 1)
    >>> bool(checkerboard_energy(smooth[None]) < 0.05)
    True
    """
    x = _batch(images, "images")
    h, w = x.shape[-2:]
    if h % 2 or w % 2:
        raise ValueError(f"images must have an even height and width to have a Nyquist frequency, got {h}x{w}")
    power = torch.fft.fft2(x - x.mean(dim=(1, 2), keepdim=True)).abs().pow(2)
    nyquist = power[:, h // 2, :].sum(dim=1) + power[:, :, w // 2].sum(dim=1) - power[:, h // 2, w // 2]
    total = power.sum(dim=(1, 2))
    return torch.where(total > 0, nyquist / total.clamp_min(1e-300), torch.zeros_like(total))
