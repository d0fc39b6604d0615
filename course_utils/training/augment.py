"""Data augmentation and test-time shifts for image batches, with PyTorch tensor ops."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _check_batch(x: torch.Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(
            f"expected a batch of shape (N, C, H, W), got shape {tuple(x.shape)}; use x[None] for one image"
        )


def shift(x: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Move every image ``dx`` pixels right and ``dy`` down, filling with zeros (the background).

    >>> shift(torch.eye(3)[None, None], 1, 0)[0, 0]
    tensor([[0., 1., 0.],
            [0., 0., 1.],
            [0., 0., 0.]])
    """
    _check_batch(x)
    height, width = x.shape[-2:]
    if abs(dx) >= width or abs(dy) >= height:
        raise ValueError(f"a shift of ({dx}, {dy}) moves a {height}x{width} image entirely out of view")
    out = torch.zeros_like(x)
    rows_to, rows_from = slice(max(dy, 0), height + min(dy, 0)), slice(max(-dy, 0), height + min(-dy, 0))
    cols_to, cols_from = slice(max(dx, 0), width + min(dx, 0)), slice(max(-dx, 0), width + min(-dx, 0))
    out[..., rows_to, cols_to] = x[..., rows_from, cols_from]
    return out


def affine(x: torch.Tensor, degrees: torch.Tensor, scale: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor):
    """Rotate (degrees, counter-clockwise), scale and shift (pixels) each image of a batch by its own amounts."""
    _check_batch(x)
    height, width = x.shape[-2:]
    angle = degrees * math.pi / 180
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    # affine_grid maps output to input coordinates in [-1, 1], so shifts enter negated.
    theta = torch.stack(
        [torch.stack([cos, -sin, -2 * dx / width], 1), torch.stack([sin, cos, -2 * dy / height], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def random_affine(x: torch.Tensor, max_shift: float = 2, max_degrees: float = 10, max_scale: float = 0.1):
    """A random small shift, rotation and scaling per image: the training-time augmentation."""
    n = len(x)

    def uniform(limit):
        return (torch.rand(n) * 2 - 1) * limit

    return affine(x, uniform(max_degrees), 1 + uniform(max_scale), uniform(max_shift), uniform(max_shift))
