"""The self-check of lesson 09's second exercise: ``nms(boxes, scores, iou_threshold)``, greedy non-maximum suppression.

The exercise asks for torchvision's ``nms``: visit the boxes from the highest score down, keep a
box unless it overlaps a box already kept with IoU *greater than* the threshold, and return the
kept indices, best first. ``check_nms(nms)`` compares the student's indices with
:func:`course_utils.ops.nms` (itself tested against a brute-force reference) and names the
classic slip behind the first wrong answer: indices in input order, boxes visited in input
order, ``>=`` instead of ``>``, boxes compared only with the best box, suppressed boxes allowed
to suppress others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np
import torch

from course_utils.checks import core
from course_utils.ops.boxes import box_iou, nms


@dataclass(frozen=True)
class NmsCase:
    """One call of the student's function: ``fn(boxes, scores, iou_threshold)``."""

    name: str
    boxes: tuple
    scores: tuple
    iou_threshold: float = 0.5

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.tensor(self.boxes, dtype=torch.float32), torch.tensor(self.scores, dtype=torch.float32)

    def arguments(self) -> core.Arguments:
        return core.Arguments((*self.tensors(), self.iou_threshold), {})

    def call(self) -> str:
        return (f"nms(boxes, scores, {self.iou_threshold}) with {len(self.boxes)} boxes, "
                f"scores {[round(s, 3) for s in self.scores]}")

    def expected(self) -> list[int]:
        return nms(*self.tensors(), self.iou_threshold).tolist()


def nms_cases() -> list[NmsCase]:
    """The exercise's cases, simple first."""
    rng = np.random.default_rng(4)
    corners = rng.integers(0, 30, (12, 2))
    crowd = tuple(tuple(float(v) for v in row) for row in np.concatenate([corners, corners + 16], 1))
    return [
        NmsCase("one box: kept", ((0, 0, 10, 10),), (0.9,)),
        NmsCase("two boxes far apart: both kept, best first", ((0, 0, 10, 10), (20, 20, 30, 30)), (0.6, 0.9)),
        NmsCase("a duplicate with a lower score: suppressed", ((0, 0, 10, 10), (1, 1, 11, 11)), (0.9, 0.8)),
        NmsCase("the best box comes last in the input", ((1, 1, 11, 11), (0, 0, 10, 10), (30, 0, 40, 10)),
                (0.7, 0.9, 0.8)),
        NmsCase("IoU exactly at the threshold: kept (suppress only above it)", ((0, 0, 10, 10), (0, 0, 10, 5)),
                (0.9, 0.8), 0.5),
        NmsCase("two objects, the second with a duplicate of its own",
                ((0, 0, 10, 10), (20, 0, 30, 10), (21, 0, 31, 10)), (0.9, 0.8, 0.7)),
        NmsCase("a chain: B overlaps A, C overlaps B but not A", ((0, 0, 10, 10), (4, 0, 14, 10), (8, 0, 18, 10)),
                (0.9, 0.8, 0.7), 0.3),
        NmsCase("twelve boxes in a crowd", crowd, tuple(float(s) for s in rng.permutation(12) / 12 + 0.01)),
    ]


def check_nms(fn: Callable[..., object], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(boxes, scores, iou_threshold)`` against the course's ``nms`` (torchvision's meaning).

    >>> check_nms(lambda boxes, scores, iou_threshold: torch.arange(len(boxes)), verbose=False).passed
    False
    """
    return core.run_cases(fn, NMS, verbose)


def _greedy(case: NmsCase, order: list[int], keep_if: Callable[[float], bool], only_best: bool = False,
            suppressed_count: bool = False) -> list[int]:
    boxes, _ = case.tensors()
    iou = box_iou(boxes, boxes)
    kept: list[int] = []
    visited: list[int] = []
    for i in order:
        others = visited if suppressed_count else kept
        others = others[:1] if only_best else others
        if all(keep_if(float(iou[i, k])) for k in others):
            kept.append(i)
        visited.append(i)
    return kept


def _mistakes(case: NmsCase, right: list[int]) -> list[core.Mistake]:
    _, scores = case.tensors()
    by_score = torch.sort(scores, descending=True, stable=True).indices.tolist()
    above = case.iou_threshold
    mistakes = [
        (sorted(right), "the kept indices are right but in input order: return them best score first."),
        (_greedy(case, list(range(len(scores))), lambda v: v <= above),
         "visit the boxes from the highest score down (sort by score first), not in input order."),
        (_greedy(case, by_score, lambda v: v < above),
         f"a box is suppressed only when its IoU is greater than {above}; at exactly {above} it stays (> not >=)."),
        (_greedy(case, by_score, lambda v: v <= above, only_best=True),
         "compare each box with every box kept so far, not only with the best one."),
        (_greedy(case, by_score, lambda v: v <= above, suppressed_count=True),
         "only kept boxes suppress others: a box that was itself suppressed removes nothing."),
    ]
    return core.possible_mistakes(mistakes, right, eq)


def _judge(case: NmsCase, result: object, given: core.Arguments) -> str:
    try:
        got = [int(i) for i in torch.as_tensor(result).flatten().tolist()]
    except (TypeError, ValueError, RuntimeError):
        return core.not_an_array(result, "a tensor of indices")
    expected = case.expected()
    if got == expected:
        return ""
    said = f"The kept indices should be {expected}, you returned {got}."
    return core.with_causes(said, core.likely_causes(got, _mistakes(case, expected), eq))


NMS = core.Exercise(
    cases=nms_cases,
    judge=_judge,
    usage="Your function must accept nms(boxes, scores, iou_threshold): (N, 4) boxes, (N,) scores, a float.",
    returns="the kept indices",
    all_passed="your NMS keeps the same boxes, in the same order, as torchvision's.",
)
