"""Germanium-detector style pulses with known energies: a seeded generator for lesson 12.

A photon that stops in a germanium crystal frees a charge proportional to its energy. The
charge drifts to the electrode over a few samples (the **charge-collection time**, which varies
from event to event), and the charge-sensitive preamplifier integrates it into a **step**,
which then decays back to the baseline with the preamplifier's time constant ``tau``. One
trace here is ``SAMPLES`` samples, in keV (a step of height 1332 is a 1332 keV photon):

* the charge arrives at a constant rate over ``collection`` samples (4 to 16), starting at
  ``TRIGGER`` give or take ``jitter`` samples, as if an external trigger had started the recording;
* the preamplifier's response: ``v[n] = q v[n-1] + i[n]`` with ``q = exp(-1/tau)``, the
  discrete exponential decay that the trapezoid's pole-zero term undoes exactly
  (:mod:`course_utils.ops.trapezoid`);
* two noises: ``white_noise`` (keV per sample, electronics), and ``current_noise``, a random
  current through the same preamplifier (the leakage current's shot noise): it adds up, so it
  hurts long filters, while white noise hurts short ones;
* **pile-up**: with probability ``pileup`` a second photon (``pileup_energies`` keV) arrives
  ``pileup_delay`` samples after the first (1 to ``MAX_PILEUP_DELAY``); its step adds to the trace.
  The energy to measure is always the first photon's.

The same ``seed`` gives the same pulses.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from scipy.signal import lfilter

SAMPLES = 512
TRIGGER = 128
"""Where the charge starts to arrive, give or take the jitter."""
TAU = 400.0
"""The preamplifier's decay constant, in samples."""
MAX_PILEUP_DELAY = 300
ENERGY_RANGE = (100.0, 3000.0)
"""The default energies, keV: uniform in this range."""


class Pulses(NamedTuple):
    """A batch of traces and their truth; ``pileup_delay`` is -1 where no second photon came."""

    traces: torch.Tensor  # (N, SAMPLES) float32, keV
    energies: torch.Tensor  # (N,) the first photon's energy, keV
    starts: torch.Tensor  # (N,) the sample where its charge starts to arrive
    pileup_energies: torch.Tensor  # (N,) keV, 0 without pile-up
    pileup_delay: torch.Tensor  # (N,) samples after the first photon, -1 without pile-up


def _steps(energies: np.ndarray, starts: np.ndarray, collection: np.ndarray, samples: int) -> np.ndarray:
    """The current of each photon: its energy spread evenly over ``collection`` samples from ``start``."""
    n = np.arange(samples)
    inside = (n >= starts[:, None]) & (n < (starts + collection)[:, None])
    return inside * (energies / collection)[:, None]


def germanium_pulses(
    n: int,
    seed: int = 0,
    *,
    energies: float | tuple[float, float] = ENERGY_RANGE,
    tau: float = TAU,
    white_noise: float = 2.0,
    current_noise: float = 0.1,
    jitter: int = 4,
    collection: tuple[int, int] = (4, 16),
    pileup: float = 0.0,
    pileup_energies: tuple[float, float] = ENERGY_RANGE,
    samples: int = SAMPLES,
) -> Pulses:
    """``n`` pulses (module docstring); ``energies`` a fixed line (keV) or a uniform range ``(low, high)``.

    >>> pulses = germanium_pulses(3, energies=662.0, white_noise=0.0, current_noise=0.0)
    >>> pulses.traces.shape, pulses.energies.tolist()
    (torch.Size([3, 512]), [662.0, 662.0, 662.0])
    >>> round(pulses.traces[0].max().item())  # the step's top, just below 662 (it decays as it rises)
    657
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= pileup <= 1:
        raise ValueError(f"pileup is a probability, between 0 and 1; got {pileup}")
    if not (jitter >= 0 and TRIGGER + jitter + max(collection) < samples):
        raise ValueError(f"the pulse must start inside the trace: jitter {jitter} is too large for {samples} samples")
    rng = np.random.default_rng(seed)
    line = np.isscalar(energies)
    first = np.full(n, float(energies)) if line else rng.uniform(*energies, size=n)
    starts = TRIGGER + rng.integers(-jitter, jitter + 1, size=n)
    current = _steps(first, starts, rng.integers(collection[0], collection[1] + 1, size=n), samples)
    piled = rng.random(n) < pileup
    delay = np.where(piled, rng.integers(1, MAX_PILEUP_DELAY + 1, size=n), -1)
    second = np.where(piled, rng.uniform(*pileup_energies, size=n), 0.0)
    current += _steps(second, starts + np.maximum(delay, 0), rng.integers(collection[0], collection[1] + 1, size=n),
                      samples)
    current += current_noise * rng.standard_normal((n, samples))
    q = np.exp(-1.0 / tau)
    traces = lfilter([1.0], [1.0, -q], current, axis=1) + white_noise * rng.standard_normal((n, samples))
    return Pulses(
        torch.from_numpy(traces).float(),
        torch.from_numpy(first).float(),
        torch.from_numpy(starts),
        torch.from_numpy(second).float(),
        torch.from_numpy(delay),
    )


__all__ = ["ENERGY_RANGE", "MAX_PILEUP_DELAY", "Pulses", "SAMPLES", "TAU", "TRIGGER", "germanium_pulses"]
