"""Why deep plain networks stall: per-layer activation and gradient statistics.

Stack many ``Linear -> ReLU`` layers with weights drawn from a normal distribution
of standard deviation :math:`\\text{gain} \\cdot \\sqrt{2 / n_\\text{in}}`. With ``gain=1`` this
is the initialisation of He et al. (2015), which keeps the mean square of the
activations the same from layer to layer; any other gain multiplies their spread by
about ``gain`` at every layer, so after 50 layers by ``gain ** 49``: they vanish
(``gain < 1``) or explode (``gain > 1``). The gradients flowing back do the same, in
the other direction.

:func:`plain_mlp` builds such a stack (optionally with batch normalization after every
linear layer), :func:`layer_statistics` runs one forward and one backward pass and
records, for every layer, the standard deviation of its output and of the gradient of
the loss with respect to that output, and :func:`plot_layer_statistics` draws them on a
log scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
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


def plot_layer_statistics(
    runs: dict[str, LayerStatistics], title: str = "", ylim: tuple[float, float] | None = None, axes=None
):
    """Activation std (forward) and gradient std (backward) per layer, log scale; one line per run.

    ``ylim`` sets the same vertical range on both panels, so that two figures compare at a
    glance. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.0), layout="constrained")
    else:
        fig = axes[0].figure
    for label, stats in runs.items():
        layers = np.arange(1, len(stats.activation_std) + 1)
        axes[0].plot(layers, stats.activation_std, label=label)
        axes[1].plot(layers, stats.gradient_std, label=label)
    axes[0].set(yscale="log", xlabel="layer", ylabel="std of its output", title="forward: activations")
    axes[1].set(yscale="log", xlabel="layer", ylabel="std of dloss/doutput", title="backward: gradients")
    if ylim is not None:
        for ax in axes:
            ax.set_ylim(*ylim)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
