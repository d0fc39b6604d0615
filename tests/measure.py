"""Measuring a layer with PyTorch, for the tests that recompute quiz and problem answers.

Answers are computed, not trusted: parameters are counted with ``.numel()``, multiply-adds
with PyTorch's own ``FlopCounterMode`` (one multiply-add is 2 FLOPs).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def n_params(module: nn.Module) -> int:
    """How many numbers the module learns."""
    return sum(p.numel() for p in module.parameters())


def multiply_adds(module: nn.Module, shape: tuple[int, ...]) -> int:
    """Multiply-adds of one forward pass on one input of ``shape`` (without the batch axis)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(torch.zeros(1, *shape))
    return counter.get_total_flops() // 2
