"""Deep plain networks: many ``Linear -> ReLU`` layers with a chosen initialisation gain.

Weights are drawn from a normal distribution of standard deviation
:math:`\\text{gain} \\cdot \\sqrt{2 / n_\\text{in}}`. With ``gain=1`` this is the initialisation of
He et al. (2015), which keeps the mean square of the activations the same from layer to layer;
any other gain multiplies their spread by about ``gain`` at every layer, so after 50 layers by
``gain ** 49``: they vanish (``gain < 1``) or explode (``gain > 1``). The gradients flowing back
do the same, in the other direction. :func:`course_utils.analysis.layer_statistics` measures it.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def plain_mlp(
    depth: int = 50,
    width: int = 256,
    gain: float = 1.0,
    batch_norm: bool = False,
    in_features: int = 28 * 28,
    classes: int = 10,
    seed: int = 0,
) -> nn.Sequential:
    """A plain deep network: ``Flatten``, then ``depth`` times ``Linear -> [BatchNorm1d] -> ReLU``, then ``Linear``.

    The hidden weights are drawn from :math:`\\mathcal{N}(0, (\\text{gain} \\sqrt{2 / n_\\text{in}})^2)`,
    with their own random generator seeded by ``seed`` (so the weights do not depend on what
    ran before); hidden layers have no bias. ``gain=1`` is He et al. (2015). The output layer
    has weights of standard deviation :math:`\\sqrt{1 / n_\\text{in}}` and zero biases.

    >>> model = plain_mlp(depth=3, width=8)
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> sum(isinstance(layer, nn.ReLU) for layer in model)
    3
    """
    if depth < 1 or width < 1:
        raise ValueError(f"depth ({depth}) and width ({width}) must be at least 1")
    if gain <= 0:
        raise ValueError(f"gain must be positive, got {gain}; 1 is He et al.'s initialisation")
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = in_features
    for _ in range(depth):
        linear = nn.Linear(fan_in, width, bias=False)
        with torch.no_grad():
            linear.weight.normal_(0.0, gain * math.sqrt(2.0 / fan_in), generator=generator)
        layers.append(linear)
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        fan_in = width
    head = nn.Linear(width, classes)
    with torch.no_grad():  # the classifier: LeCun's std sqrt(1 / n), no ReLU after it
        head.weight.normal_(0.0, math.sqrt(1.0 / width), generator=generator)
        head.bias.zero_()
    layers.append(head)
    return nn.Sequential(*layers)
