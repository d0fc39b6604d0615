"""Recording the shapes a forward pass goes through, for the checker of lesson 07 (and for anyone curious).

:func:`trace_shapes` runs a model or a function under a ``TorchFunctionMode``, so it sees ``nn``
layers and ``F.*`` calls alike, and records one :class:`ShapeStep` per tensor made;
:func:`describe_steps` writes the steps the way the lectures do: ``1x28x28 -> conv2d 16x28x28 -> relu``.
Shapes keep their batch axis first; a *map size* is a shape without it, written ``16x14x14``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ShapeStep:
    """One tensor the forward pass made: the operation's name and the shape, batch axis first."""

    op: str
    shape: tuple[int, ...]


class _ShapeRecorder(torch.overrides.TorchFunctionMode):
    """Records the shape of every tensor made by a torch function or tensor method."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[ShapeStep] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, torch.Tensor) and not isinstance(result, torch.nn.Parameter):
            name = getattr(func, "__name__", type(func).__name__).strip("_")
            self.steps.append(ShapeStep(name.removesuffix("_with_indices"), tuple(result.shape)))
        return result


def trace_shapes(fn: Callable[[torch.Tensor], object], x: torch.Tensor) -> tuple[list[ShapeStep], object]:
    """Run ``fn(x)`` without gradients; returns the steps it took and its result (or the exception raised).

    A ``NotImplementedError`` is raised again: it means the forward pass is not written yet.

    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU())
    >>> steps, out = trace_shapes(model, torch.zeros(1, 1, 5, 5))
    >>> [(step.op, step.shape) for step in steps]
    [('conv2d', (1, 2, 3, 3)), ('relu', (1, 2, 3, 3))]
    """
    recorder = _ShapeRecorder()
    try:
        with torch.no_grad(), recorder:
            result = fn(x)
    except NotImplementedError:
        raise
    except Exception as error:  # the student's error is part of the diagnosis
        result = error
    return recorder.steps, result


def map_size(shape: tuple[int, ...]) -> str:
    """A shape without its batch axis, written like the lecture: 16x14x14.

    >>> map_size((5, 16, 14, 14)), map_size((5,))
    ('16x14x14', 'a single number')
    """
    return "x".join(str(s) for s in shape[1:]) or "a single number"


def describe_steps(steps: list[ShapeStep], input_size: tuple[int, ...]) -> str:
    """Each op, with its map size when the size changed, after the input's size (without the batch axis).

    >>> steps, _ = trace_shapes(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU()), torch.zeros(1, 1, 5, 5))
    >>> describe_steps(steps, (1, 5, 5))
    '1x5x5 -> conv2d 2x3x3 -> relu'
    """
    parts, previous, gone = [map_size((0, *input_size))], input_size, False
    for step in steps:
        shape = step.shape[1:] if len(step.shape) > 1 else step.shape
        text = step.op if shape == previous else f"{step.op} {'x'.join(map(str, shape))}"
        if len(step.shape) == 1 and not gone:
            text, gone = text + " (batch axis gone)", True
        parts.append(text)
        previous = shape
    return " -> ".join(parts)
