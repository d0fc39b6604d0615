"""Batch normalization from scratch, in PyTorch tensor operations (so autograd gives its backward).

As a network gets deeper, the distribution of each layer's inputs keeps shifting while the
layers below it learn ("internal covariate shift"); activations can vanish or explode. Batch
normalization (Ioffe and Szegedy, 2015) normalises every channel to mean 0 and variance 1 over
the batch, then lets the network choose the scale and shift it wants:

.. math::

    \\hat{x} = \\frac{x - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}, \\qquad y = \\gamma \\hat{x} + \\beta

with :math:`\\gamma` (scale) and :math:`\\beta` (shift) learned, one per channel, named as in
the paper (PyTorch calls them ``weight`` and ``bias``; some slides swap the two letters).

``group_norm`` normalises over groups of channels within each image instead of over the batch
(Wu and He, 2018): one group is layer normalisation, one channel per group is instance
normalisation, and it behaves the same in training and evaluation.
"""

from __future__ import annotations

import torch
from torch import nn


def batch_norm2d(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor | None = None,
    running_var: torch.Tensor | None = None,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> torch.Tensor:
    """Batch normalization of ``x`` of shape (N, C, H, W), per channel, like ``nn.BatchNorm2d``.

    Training (``training=True``): normalise with the mean and the *biased* variance of the
    batch, over the N * H * W values of each channel, and update the running statistics in
    place with the *unbiased* variance:

    .. math:: \\text{running} \\leftarrow (1 - \\text{momentum})\\ \\text{running} + \\text{momentum}\\ \\text{batch}

    Evaluation (``training=False``): normalise with the running statistics instead, so an
    image's output no longer depends on the rest of its batch.

    >>> x = torch.tensor([1.0, 3.0]).reshape(2, 1, 1, 1)  # one channel, two images
    >>> batch_norm2d(x, gamma=torch.ones(1), beta=torch.zeros(1), eps=0.0).flatten()
    tensor([-1.,  1.])
    """
    _check(x, {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var})
    per_channel = (1, -1, 1, 1)  # broadcast (C,) against (N, C, H, W)
    if training:
        count = x.numel() // x.shape[1]
        if count < 2:
            raise ValueError(
                f"training needs more than one value per channel to measure a variance, got x of shape "
                f"{tuple(x.shape)}; use a batch of several images, or training=False"
            )
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), correction=0)  # biased: divide by N * H * W
        if running_mean is not None and running_var is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var * count / (count - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("training=False normalises with running_mean and running_var; pass both")
        mean, var = running_mean, running_var
    x_hat = (x - mean.reshape(per_channel)) / torch.sqrt(var.reshape(per_channel) + eps)
    return gamma.reshape(per_channel) * x_hat + beta.reshape(per_channel)


def group_norm(
    x: torch.Tensor, num_groups: int, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """Group normalization of ``x`` of shape (N, C, H, W), like ``torch.nn.functional.group_norm``.

    Split the C channels into ``num_groups`` groups and normalise each image's groups with
    their own mean and biased variance (over C / G * H * W values), then scale and shift per
    channel: :math:`y = \\gamma \\hat{x} + \\beta`. The batch plays no part.

    >>> x = torch.tensor([[1.0, 3.0], [5.0, 9.0]]).reshape(2, 2, 1, 1)  # two images, two channels
    >>> group_norm(x, 1, gamma=torch.ones(2), beta=torch.zeros(2), eps=0.0).flatten()
    tensor([-1.,  1., -1.,  1.])
    """
    _check(x, {"gamma": gamma, "beta": beta})
    n, channels, height, width = x.shape
    if num_groups < 1 or channels % num_groups:
        raise ValueError(
            f"num_groups={num_groups} must be a divisor of the {channels} channels; e.g. 1 (layer norm) "
            f"or {channels} (instance norm)"
        )
    groups = x.reshape(n, num_groups, -1)
    mean = groups.mean(dim=-1, keepdim=True)
    var = groups.var(dim=-1, keepdim=True, correction=0)
    x_hat = ((groups - mean) / torch.sqrt(var + eps)).reshape(n, channels, height, width)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)


def _check(x: torch.Tensor, per_channel: dict[str, torch.Tensor | None]) -> None:
    if x.ndim != 4:
        raise ValueError(
            f"expected x of shape (N, C, H, W), got {tuple(x.shape)}; for a single image of shape (C, H, W) use x[None]"
        )
    channels = x.shape[1]
    for name, value in per_channel.items():
        if value is not None and tuple(value.shape) != (channels,):
            raise ValueError(
                f"{name} has shape {tuple(value.shape)} but x has {channels} channels; "
                f"{name} needs one value per channel, shape ({channels},)"
            )


class BatchNorm2d(nn.Module):
    """A batch-norm layer built on ``batch_norm2d``, a drop-in for ``nn.BatchNorm2d(channels)``.

    Learns ``gamma`` (starts at 1) and ``beta`` (starts at 0); keeps ``running_mean`` (starts
    at 0) and ``running_var`` (starts at 1) as buffers, updated in training mode and used in
    evaluation mode (``model.eval()``).

    >>> layer = BatchNorm2d(3)
    >>> layer(torch.randn(4, 3, 5, 5)).shape
    torch.Size([4, 3, 5, 5])
    """

    def __init__(self, channels: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return batch_norm2d(
            x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps
        )
