"""Signal through depth: per-layer activation and gradient statistics of a network.

:func:`layer_statistics` runs one forward and one backward pass and records, for every
layer, the standard deviation of its output and of the gradient of the loss with respect to
that output; :func:`course_utils.plots.plot_layer_statistics` draws them on a log scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LayerStatistics:
    """Standard deviations, one per layer from the input side: of its output, and of the loss gradient there."""

    activation_std: np.ndarray
    gradient_std: np.ndarray

    @property
    def activation_growth(self) -> float:
        """How many times larger the last layer's activations are than the first layer's."""
        return float(self.activation_std[-1] / self.activation_std[0])

    @property
    def gradient_growth(self) -> float:
        """How many times larger the gradient at the first layer is than at the last layer."""
        return float(self.gradient_std[0] / self.gradient_std[-1])


def layer_statistics(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, layer_type: type[nn.Module] = nn.ReLU
) -> LayerStatistics:
    """Run one forward and backward pass (cross-entropy on ``(x, y)``) and measure every ``layer_type`` output.

    Forward hooks keep each output of a ``layer_type`` module (in the order they run);
    after ``loss.backward()`` we read the gradient of the loss with respect to each of
    them. The model's own parameter gradients are left as they were, and batch-norm
    layers keep their running statistics (the model runs in training mode on a copy of
    its buffers, which are restored afterwards).

    >>> from course_utils.models import plain_mlp
    >>> stats = layer_statistics(plain_mlp(depth=4, width=16), torch.rand(8, 1, 28, 28), torch.arange(8))
    >>> stats.activation_std.shape, stats.gradient_std.shape
    ((4,), (4,))
    """
    if len(x) != len(y):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels; pass matching x and y")
    outputs: list[torch.Tensor] = []

    def keep(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        output.retain_grad()
        outputs.append(output)

    watched = [module for module in model.modules() if isinstance(module, layer_type)]
    if not watched:
        raise ValueError(f"the model has no {layer_type.__name__} layers to measure; pass layer_type=...")
    hooks = [module.register_forward_hook(keep) for module in watched]
    buffers = {name: value.clone() for name, value in model.named_buffers()}
    grads = {name: None if p.grad is None else p.grad.clone() for name, p in model.named_parameters()}
    was_training = model.training
    try:
        model.train()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
        with torch.no_grad():
            for name, value in model.named_buffers():
                value.copy_(buffers[name])
        for name, parameter in model.named_parameters():
            parameter.grad = grads[name]
    return LayerStatistics(
        activation_std=np.array([out.detach().std().item() for out in outputs]),
        gradient_std=np.array([out.grad.std().item() for out in outputs]),
    )
