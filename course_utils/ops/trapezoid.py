"""The trapezoidal filter of germanium spectroscopy, as a convolution and as its recursive form.

A germanium detector's charge-sensitive preamplifier turns the charge of one photon into a
*step* whose height is the energy, which then decays back to the baseline with the
preamplifier's time constant ``tau`` (in samples). The trapezoidal filter (Jordanov and Knoll,
1994) turns that step into a trapezoid: it rises over ``rise`` samples, stays flat for
``flat_top`` samples, and falls over ``rise`` samples. Its flat top has the height of the step,
the energy, with much of the noise averaged away.

Vocabulary fixed once for the module:

* a *signal* is a 1-D array of samples, or a batch ``(N, samples)``; the filters return the same shape;
* ``rise`` ``k >= 1`` and ``flat_top`` ``m >= 0`` are in samples, and ``l = k + m`` (``lag`` in the code);
* ``tau`` is the decay constant in samples (``None`` for a step that does not decay); the decay per
  sample is ``q = exp(-1 / tau)``; correcting the filter for it is the **pole-zero correction**.

The filter is linear and shift-invariant, so it is a convolution, ``y[n] = sum_j h[j] x[n - j]``,
with the finite kernel ``h`` of :func:`trapezoid_kernel` (``2k + m`` samples). Jordanov and Knoll
compute the same output with a handful of operations per sample, whatever the kernel's length
(:func:`trapezoidal_filter_recursive`):

    d[n] = x[n] - x[n-k] - x[n-l] + x[n-k-l]    (two delay lines)
    p[n] = p[n-1] + d[n]                          (accumulate)
    r[n] = (1 - q) p[n] + q d[n]                  (pole-zero correction)
    s[n] = s[n-1] + r[n]                          (accumulate), output s[n] / k

(their ``r = p + M d`` with ``M = 1 / (exp(1/tau) - 1)``, divided by ``M + 1`` so that the flat
top equals the step's height). Samples before the signal's start count as zero.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def decay_per_sample(tau: float | None) -> float:
    """``q = exp(-1 / tau)``: what is left of a decaying step after one sample; 1 for ``tau=None``.

    >>> round(decay_per_sample(100.0), 5), decay_per_sample(None)
    (0.99005, 1.0)
    """
    if tau is None:
        return 1.0
    if not tau > 0:
        raise ValueError(f"tau must be a positive number of samples (or None for no decay), got {tau}")
    return math.exp(-1.0 / tau)


def _check_lengths(rise: int, flat_top: int) -> None:
    if int(rise) != rise or rise < 1:
        raise ValueError(f"rise must be a whole number of samples, at least 1, got {rise}")
    if int(flat_top) != flat_top or flat_top < 0:
        raise ValueError(f"flat_top must be a whole number of samples, 0 or more, got {flat_top}")


def trapezoid_kernel(rise: int, flat_top: int, tau: float | None = None) -> np.ndarray:
    """The impulse response ``h`` of the trapezoidal filter: ``2 * rise + flat_top`` samples.

    With ``k = rise``, ``l = rise + flat_top`` and ``q`` the decay per sample:

    * ``h[n] = ((1 - q) (n + 1) + q) / k`` for ``0 <= n < k`` (the rise),
    * ``h[n] = 1 - q`` for ``k <= n < l`` (the flat top: the pole-zero term),
    * ``h[n] = ((1 - q) (l + k - 1 - n) - q) / k`` for ``l <= n < l + k`` (the fall).

    Without decay (``q = 1``) it is the difference of two moving averages of ``k`` samples,
    ``l`` samples apart: ``+1/k`` on the rise, 0 on the flat top, ``-1/k`` on the fall.

    >>> trapezoid_kernel(2, 1).tolist()
    [0.5, 0.5, 0.0, -0.5, -0.5]
    >>> trapezoid_kernel(2, 1, tau=10.0).round(3).tolist()
    [0.5, 0.548, 0.095, -0.405, -0.452]
    """
    _check_lengths(rise, flat_top)
    k, lag, q = rise, rise + flat_top, decay_per_sample(tau)
    n = np.arange(lag + k)
    rising = ((1 - q) * (n + 1) + q) / k
    falling = ((1 - q) * (lag + k - 1 - n) - q) / k
    return np.where(n < k, rising, np.where(n < lag, 1 - q, falling))


def _as_signals(signal, name: str) -> tuple[np.ndarray, bool]:
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{name} expects a signal of shape (samples,) or a batch (N, samples), got shape {x.shape}")
    return (x[None], True) if x.ndim == 1 else (x, False)


def trapezoidal_filter(signal, rise: int, flat_top: int, tau: float | None = None) -> np.ndarray:
    """The trapezoidal filter as a causal convolution with :func:`trapezoid_kernel`.

    ``y[n] = sum_j h[j] x[n - j]``, the output as long as the input (PyTorch's ``conv1d`` is a
    correlation, so the kernel is flipped for it). A step of height 5 at sample 2, no decay:

    >>> trapezoidal_filter([0, 0, 5, 5, 5, 5, 5, 5, 5], rise=2, flat_top=1).tolist()
    [0.0, 0.0, 2.5, 5.0, 5.0, 2.5, 0.0, 0.0, 0.0]
    """
    x, single = _as_signals(signal, "trapezoidal_filter")
    kernel = torch.from_numpy(trapezoid_kernel(rise, flat_top, tau)[::-1].copy())
    padded = F.pad(torch.from_numpy(x)[:, None], (len(kernel) - 1, 0))  # zeros before the start: causal
    y = F.conv1d(padded, kernel[None, None])[:, 0].numpy()
    return y[0] if single else y


def trapezoidal_filter_recursive(signal, rise: int, flat_top: int, tau: float | None = None) -> np.ndarray:
    """The same filter by Jordanov and Knoll's recursion (module docstring): a few operations per sample.

    >>> x = 5 * 0.9 ** np.arange(10.0)  # a step of 5 that decays by 10% per sample
    >>> trapezoidal_filter_recursive(x, rise=2, flat_top=1, tau=-1 / np.log(0.9)).round(6).tolist()
    [2.5, 5.0, 5.0, 2.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    _check_lengths(rise, flat_top)
    x, single = _as_signals(signal, "trapezoidal_filter_recursive")
    k, lag, q = rise, rise + flat_top, decay_per_sample(tau)
    padded = np.pad(x, ((0, 0), (k + lag, 0)))  # x[n - j] = 0 before the start
    start = k + lag
    p = s = np.zeros(len(x))
    out = np.empty_like(x)
    for n in range(x.shape[1]):
        i = start + n
        d = padded[:, i] - padded[:, i - k] - padded[:, i - lag] + padded[:, i - k - lag]
        p = p + d
        s = s + (1 - q) * p + q * d
        out[:, n] = s / k
    return out[0] if single else out


__all__ = ["decay_per_sample", "trapezoid_kernel", "trapezoidal_filter", "trapezoidal_filter_recursive"]
