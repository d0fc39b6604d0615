"""The self-check of lesson 09's first exercise: ``box_iou(boxes1, boxes2)``, the IoU of every pair of boxes.

The exercise asks for torchvision's ``box_iou``: ``xyxy`` boxes ``(N, 4)`` and ``(M, 4)`` in, the
``(N, M)`` matrix of intersection over union out. ``check_box_iou(box_iou)`` compares the
student's matrix with :func:`course_utils.ops.box_iou` (itself tested against exact polygon
geometry) on cases from one pair of identical boxes to random sets, and names the classic slip
behind the first wrong matrix: a width that is not clamped at 0 for boxes apart, boxes read as
``(x, y, w, h)``, a union that counts the overlap twice, the matrix transposed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from course_utils.checks import core
from course_utils.ops.boxes import box_area, box_convert, box_iou


@dataclass(frozen=True)
class IouCase:
    """One call of the student's function: ``fn(boxes1, boxes2)``."""

    name: str
    boxes1: tuple
    boxes2: tuple

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.tensor(self.boxes1, dtype=torch.float32), torch.tensor(self.boxes2, dtype=torch.float32)

    def arguments(self) -> core.Arguments:
        return core.Arguments(self.tensors(), {})

    def call(self) -> str:
        return f"box_iou(boxes1, boxes2) with boxes1 = {list(map(list, self.boxes1))}, boxes2 = " + (
            f"{list(map(list, self.boxes2))}" if len(self.boxes2) <= 3 else f"{len(self.boxes2)} boxes"
        )

    def expected(self) -> np.ndarray:
        return box_iou(*self.tensors()).numpy()


def box_iou_cases() -> list[IouCase]:
    """The exercise's cases, simple first."""
    rng = np.random.default_rng(9)
    corners = rng.integers(0, 40, (6, 2))
    sizes = rng.integers(2, 20, (6, 2))
    random_boxes = tuple(tuple(float(v) for v in row) for row in np.concatenate([corners, corners + sizes], 1))
    return [
        IouCase("a box with itself: IoU 1", ((0, 0, 4, 4),), ((0, 0, 4, 4),)),
        IouCase("two boxes overlapping by a quarter of each", ((0, 0, 4, 4),), ((2, 2, 6, 6),)),
        IouCase("a small box inside a big one", ((0, 0, 10, 10),), ((2, 2, 4, 7),)),
        IouCase("boxes apart on both axes", ((0, 0, 4, 4),), ((6, 6, 9, 9),)),
        IouCase("boxes apart, overlapping in x only", ((0, 0, 4, 4),), ((1, 6, 3, 9),)),
        IouCase("boxes that touch along a side", ((0, 0, 4, 4),), ((4, 0, 8, 4),)),
        IouCase("one box against three: a 1 x 3 matrix", ((0, 0, 4, 4),), ((2, 2, 6, 6), (0, 0, 4, 4), (5, 5, 6, 6))),
        IouCase("six random boxes against four: a 6 x 4 matrix", random_boxes, random_boxes[:4]),
    ]


def check_box_iou(fn: Callable[..., object], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(boxes1, boxes2)`` against the course's ``box_iou`` (torchvision's meaning).

    >>> check_box_iou(lambda a, b: torch.ones(len(a), len(b)), verbose=False).passed
    False
    """
    return core.run_cases(fn, BOX_IOU, verbose)


def _mistakes(case: IouCase, right: np.ndarray) -> list[core.Mistake]:
    a, b = case.tensors()
    area_a, area_b = box_area(a)[:, None], box_area(b)[None, :]
    unclamped = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - torch.maximum(a[:, None, :2], b[None, :, :2])).prod(-1)
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])
    inter = (torch.minimum(a[:, None, 2:], b[None, :, 2:]) - top_left).clamp(min=0).prod(-1)
    xywh = box_iou(box_convert(a, "xywh", "xyxy"), box_convert(b, "xywh", "xyxy"))
    mistakes = [
        ((unclamped / (area_a + area_b - unclamped)).numpy(),
         "for boxes that do not overlap, min(x2) - max(x1) comes out negative; clamp the overlap's width and "
         "height at 0 (.clamp(min=0)) before multiplying them."),
        (xywh.numpy(), "you read the boxes as (x, y, width, height); here they are (x1, y1, x2, y2): the width is "
                       "x2 - x1."),
        ((inter / (area_a + area_b)).numpy(), "the union counts the overlap twice: union = area1 + area2 - "
                                              "intersection."),
        ((inter / torch.maximum(area_a, area_b)).numpy(), "divide by the union, not by the larger box."),
        (right.T, "the matrix is transposed: row i is boxes1[i], column j is boxes2[j]."),
    ]
    return core.possible_mistakes(mistakes, right)


def _explain_shape(case: IouCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    hint = " (transposed: rows for boxes1, columns for boxes2)" if got == expected[::-1] else ""
    return f"The result has shape {got}, but N x M = {expected}{hint}: one row per box of boxes1."


def _explain_values(case: IouCase, got: np.ndarray, expected: np.ndarray) -> str:
    said = "\n".join(core.expected_and_got(expected, got))
    return core.with_causes(said, core.likely_causes(got, _mistakes(case, expected)))


BOX_IOU = core.Exercise(
    cases=box_iou_cases,
    judge=core.array_judge(_explain_shape, _explain_values),
    usage="Your function must accept box_iou(boxes1, boxes2): two tensors of shape (N, 4) and (M, 4).",
    returns="the IoU matrix",
    all_passed="your IoU matrix equals torchvision's for overlapping, nested, touching and separate boxes.",
)
