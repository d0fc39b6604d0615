"""Where a network keeps its parameters and spends its compute, stage by stage, and how far each stage sees.

The course's ImageNet networks (:mod:`course_utils.models`) are ``nn.Sequential`` models of
named stages (``stem``, ``stage1`` ... or ``conv1`` ... ``conv5``, then ``head``).
:func:`stage_table` runs :func:`~course_utils.analysis.summary` once and adds up, per stage,
the parameters and the multiply-adds, with the output shape and the receptive field at the
stage's end.

A receptive field follows a chain of layers; a network with branches (shortcuts, Inception
branches) has many chains. The field of a stage is that of its *longest path*: the chain
through every block's main branch, which sees farther than any shortcut. A block says what
its longest path is with a ``longest_path()`` method (a residual block: its convolutions,
not its 1x1 shortcut); anything else is walked in order. Only convolutions and poolings
change a field, so only they are kept (:func:`spatial_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from course_utils.analysis.summary import summary
from course_utils.ops.receptive_field import receptive_field

__all__ = ["Stage", "StageTable", "longest_path", "spatial_path", "stage_table"]

_SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


def longest_path(module: nn.Module) -> list[nn.Module]:
    """The leaf layers along the module's longest path, in order: a block's ``longest_path()``, else its children.

    >>> from course_utils.models import resnet18
    >>> [type(m).__name__ for m in longest_path(resnet18().stage2[0])]  # the 1x1 shortcut is not on it
    ['Conv2d', 'Conv2d']
    """
    chosen = getattr(module, "longest_path", None)
    children = chosen() if callable(chosen) else list(module.children())
    if not children:
        return [module]
    return [leaf for child in children for leaf in longest_path(child)]


def spatial_path(module: nn.Module) -> list[nn.Module]:
    """The convolutions and (non-adaptive) poolings of :func:`longest_path`: the layers a receptive field depends on."""
    return [m for m in longest_path(module) if isinstance(m, _SPATIAL)]


@dataclass(frozen=True)
class Stage:
    """One stage: its name, output shape (one image), parameters, multiply-adds, receptive field and jump in pixels."""

    name: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    rf: int | None  # None: the stage mixes every position (global pooling, dense layers)
    jump: int | None


@dataclass(frozen=True)
class StageTable:
    """The rows of :func:`stage_table`, and the model's totals; prints as a table."""

    stages: list[Stage]
    total_params: int
    total_macs: int

    def __str__(self) -> str:
        # 70 columns: a row stays on one line on a 1280x720 slide
        lines = [f"{'stage':<11}{'output':>13}{'parameters':>13}{'share':>6}{'mult-adds':>15}{'share':>6}{'field':>6}"]
        for s in self.stages:
            field = "all" if s.rf is None else f"{s.rf}"
            lines.append(
                f"{s.name:<11}{'x'.join(map(str, s.output_shape)):>13}"
                f"{s.params:>13,}{s.params / self.total_params:>6.0%}"
                f"{s.macs:>15,}{s.macs / self.total_macs:>6.0%}{field:>6}"
            )
        lines.append(f"{'total':<11}{'':>13}{self.total_params:>13,}{'':>6}{self.total_macs:>15,}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def by_name(self) -> dict[str, Stage]:
        return {s.name: s for s in self.stages}


def stage_table(model: nn.Sequential, input_shape: Sequence[int] = (3, 224, 224)) -> StageTable:
    """Per named stage of ``model``: output shape, parameters, multiply-adds, receptive field (see the module doc).

    Build the model on the meta device (``with torch.device("meta"): model = vgg16()``) and
    nothing is computed or allocated: shapes and counts only.

    >>> from course_utils.models import alexnet
    >>> table = stage_table(alexnet())
    >>> [(s.name, s.rf) for s in table.stages]
    [('conv1', 19), ('conv2', 67), ('conv3', 99), ('conv4', 131), ('conv5', 195), ('head', None)]
    """
    if not isinstance(model, nn.Sequential) or not all(name for name, _ in model.named_children()):
        raise ValueError("stage_table needs an nn.Sequential of named stages, like the models in course_utils.models")
    table = summary(model, input_shape)
    if table.uncounted:
        raise ValueError(f"stage_table cannot count the multiply-adds of {', '.join(table.uncounted)}; "
                         "summary(model, input_shape) shows the other columns")
    size = tuple(input_shape[1:])
    stages, path = [], []
    shapes = _stage_shapes(model, input_shape)
    for (name, stage), shape in zip(model.named_children(), shapes, strict=True):
        rows = [row for row in table.rows if row["name"].split(".")[0] == name]
        path += spatial_path(stage)
        field = receptive_field(path, input_size=size) if path and len(shape) == 3 else None  # (C, H, W): still local
        stages.append(
            Stage(
                name=name,
                output_shape=shape,
                params=sum(p.numel() for p in stage.parameters()),
                macs=sum(row["macs"] for row in rows),
                rf=None if field is None else _one(field.rf),
                jump=None if field is None else _one(field.jump),
            )
        )
    return StageTable(stages, table.total_params, table.total_macs)


def _stage_shapes(model: nn.Sequential, input_shape: Sequence[int]) -> list[tuple[int, ...]]:
    """The output shape of each stage for one image (no batch axis), in evaluation mode, without gradients."""
    first = next(model.parameters())
    x = torch.zeros(1, *input_shape, dtype=first.dtype, device=first.device)
    shapes, training = [], model.training
    model.eval()
    with torch.no_grad():
        for stage in model:
            x = stage(x)
            shapes.append(tuple(x.shape[1:]))
    model.train(training)
    return shapes


def _one(value: int | tuple[int, ...]) -> int:
    """The value on both axes (the course's networks are square)."""
    return value if isinstance(value, int) else value[0]
