"""Particle images with per-pixel truth, in the spirit of liquid-argon TPC event displays: a seeded generator.

In a liquid-argon time projection chamber a charged particle leaves a trail of ionisation; the
charge drifts to planes of wires, and one plane read out over time is an image: wire number
across, drift time down. Two shapes dominate such images:

* a **track**: one particle (a muon, a proton) that ionises along a nearly straight line,
  bent a little by multiple scattering; a muon's trail is thin and even, a proton's short and
  dense;
* an electromagnetic **shower**: an electron or photon that branches again and again
  (bremsstrahlung, pair production) into a cone of short segments, with gaps where photons
  travelled without ionising.

An *event* here is one primary (a long track or a shower, half each) from a vertex, plus 0 to
2 short proton stubs at the vertex, on a ``size x size`` image with Gaussian noise and a few
**dead wires** (columns that read nothing). For each event it gives:

* ``images`` ``(N, 1, size, size)``: the charge per pixel (about 1 per pixel of a muon's path), plus noise;
* ``masks`` ``(N, size, size)``: ``BACKGROUND``, ``TRACK`` or ``SHOWER`` for each pixel, the
  class whose charge dominates where the charge is above ``CHARGE_CUT`` (dead wires are background:
  no charge was read there);
* ``labels`` ``(N,)``: ``0`` for a track-like event (the primary is a track), ``1`` for a shower-like one.

Two options make the shapes harder, as in the physics: ``escaping=True`` puts the vertex near
an edge with the primary heading out, so only its start is in the image (a particle escaping
the detector); ``distorted=True`` gives the vertex more and longer prongs (what final-state
interactions in the nucleus do) and the primary a hard kink (a scatter in the argon, or a
decay). The same ``seed`` gives the same events.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

SIZE = 48
BACKGROUND, TRACK, SHOWER = 0, 1, 2
CLASS_NAMES = ("background", "track", "shower")
EVENT_NAMES = ("track-like", "shower-like")
CHARGE_CUT = 0.25
"""A pixel belongs to a particle when that much charge or more was deposited on it."""
STEP = 0.5  # pixels between two deposits along a path


class ParticleEvents(NamedTuple):
    """A batch of events; see the module docstring for the layouts."""

    images: torch.Tensor
    masks: torch.Tensor
    labels: torch.Tensor


def _deposit(charge: np.ndarray, x: float, y: float, amount: float) -> None:
    """Spread ``amount`` over the four pixels around ``(x, y)`` (bilinear), ignoring what falls outside."""
    i, j = math.floor(y), math.floor(x)
    fy, fx = y - i, x - j
    for di, dj, w in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        if 0 <= i + di < charge.shape[0] and 0 <= j + dj < charge.shape[1]:
            charge[i + di, j + dj] += amount * w


def _inside(charge: np.ndarray, x: float, y: float, margin: float = 2.0) -> bool:
    return -margin <= x <= charge.shape[1] + margin and -margin <= y <= charge.shape[0] + margin


def _track(charge, rng, x, y, angle, length, dedx=1.0, scatter=0.02, kink=False) -> None:
    """A track from ``(x, y)``: ``length`` pixels, direction wandering by ``scatter`` rad per step."""
    kink_at = rng.uniform(0.3, 0.7) * length if kink else -1.0
    travelled = 0.0
    while travelled < length and _inside(charge, x, y):
        _deposit(charge, x, y, dedx * STEP * rng.gamma(4.0, 0.25))  # ionisation fluctuates along the path
        angle += rng.normal(0, scatter)
        if kink_at >= 0 and travelled >= kink_at:
            angle += rng.choice([-1, 1]) * rng.uniform(0.6, 1.4)
            kink_at = -1.0
        x, y = x + STEP * math.cos(angle), y + STEP * math.sin(angle)
        travelled += STEP


def _shower(charge, rng, x, y, angle, energy) -> None:
    """An electromagnetic shower: particles that lose energy, split in two, and (photons) fly a gap unseen."""
    particles = [(x, y, angle, energy, 0.0)]  # position, direction, energy, gap still to fly
    while particles:
        x, y, angle, energy, gap = particles.pop()
        while energy > 2.0 and _inside(charge, x, y):
            if gap <= 0:
                _deposit(charge, x, y, STEP * rng.gamma(4.0, 0.25))
                energy -= STEP
            gap -= STEP
            x, y, angle = x + STEP * math.cos(angle), y + STEP * math.sin(angle), angle + rng.normal(0, 0.05)
            if gap <= 0 and rng.random() < 0.07:  # about one branching every 7 pixels
                share, opening = rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.5)
                photon_gap = rng.uniform(2, 7) if rng.random() < 0.5 else 0.0
                particles.append((x, y, angle - opening, energy * share, photon_gap))
                energy, angle = energy * (1 - share), angle + opening * rng.uniform(0.2, 0.6)


def _vertex(rng, size: int, escaping: bool) -> tuple[float, float, float]:
    """Where the primary starts and where it heads: well inside, or near an edge heading out."""
    if not escaping:
        x, y = rng.uniform(0.25 * size, 0.75 * size, size=2)
        return x, y, math.atan2(size / 2 - y, size / 2 - x) + rng.normal(0, 0.8)  # roughly across the image
    side = rng.integers(4)  # 0 right, 1 down, 2 left, 3 up: the edge the primary leaves by
    heading = side * math.pi / 2 + rng.normal(0, 0.25)
    depth, along = rng.uniform(6, 12), rng.uniform(0.3 * size, 0.7 * size)
    x, y = [(size - depth, along), (along, size - depth), (depth, along), (along, depth)][side]
    return x, y, heading


def _event(rng, size: int, shower: bool, escaping: bool, distorted: bool) -> tuple[np.ndarray, np.ndarray]:
    """The track charge and the shower charge of one event, ``(size, size)`` each."""
    track_charge, shower_charge = np.zeros((size, size)), np.zeros((size, size))
    x, y, angle = _vertex(rng, size, escaping)
    if shower:
        _shower(shower_charge, rng, x, y, angle, energy=rng.uniform(80, 160))
        if distorted:
            _track(track_charge, rng, x, y, angle + rng.normal(0, 0.4), rng.uniform(8, 16), scatter=0.02, kink=True)
    else:
        _track(track_charge, rng, x, y, angle, rng.uniform(22, 40), kink=distorted)
    for _ in range(rng.integers(2 + 2 * distorted, 4 + 2 * distorted) - 2):  # 0-1 stubs, 2-3 when distorted
        _track(track_charge, rng, x, y, rng.uniform(0, 2 * math.pi), rng.uniform(3, 6 + 6 * distorted), dedx=2.5)
    return track_charge, shower_charge


def particle_events(
    n: int,
    seed: int = 0,
    *,
    size: int = SIZE,
    noise: float = 0.1,
    dead_wires: int = 2,
    escaping: bool = False,
    distorted: bool = False,
) -> ParticleEvents:
    """``n`` events (module docstring): images, per-pixel truth and event labels.

    >>> events = particle_events(4, seed=1)
    >>> events.images.shape, events.masks.shape, events.labels.tolist()
    (torch.Size([4, 1, 48, 48]), torch.Size([4, 48, 48]), [0, 1, 1, 1])
    """
    if n < 1 or size < 16:
        raise ValueError(f"n must be at least 1 and size at least 16 pixels, got n={n}, size={size}")
    if not 0 <= dead_wires < size:
        raise ValueError(f"dead_wires must lie in 0 .. {size - 1}, got {dead_wires}")
    rng = np.random.default_rng(seed)
    labels = rng.integers(2, size=n)
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    for k in range(n):
        track_charge, shower_charge = _event(rng, size, bool(labels[k]), escaping, distorted)
        dead = rng.choice(size, size=dead_wires, replace=False)
        track_charge[:, dead] = shower_charge[:, dead] = 0.0
        masks[k][track_charge >= CHARGE_CUT] = TRACK
        masks[k][(shower_charge >= CHARGE_CUT) & (shower_charge > track_charge)] = SHOWER
        images[k, 0] = track_charge + shower_charge + noise * rng.standard_normal((size, size))
        images[k, 0][:, dead] = 0.0  # a dead wire reads nothing, not even noise
    return ParticleEvents(torch.from_numpy(images), torch.from_numpy(masks), torch.from_numpy(labels))


__all__ = [
    "BACKGROUND",
    "CHARGE_CUT",
    "CLASS_NAMES",
    "EVENT_NAMES",
    "ParticleEvents",
    "SHOWER",
    "SIZE",
    "TRACK",
    "particle_events",
]
