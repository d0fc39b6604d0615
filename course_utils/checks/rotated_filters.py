"""The self-check of lesson 11's exercise: the filter bank of a lifting p4 layer, every filter in four orientations.

The exercise asks for ``rotated_filter_bank(weight)``: filters ``weight`` of shape
``(C_out, C_in, k, k)`` in, the bank ``(C_out, 4, C_in, k, k)`` out, with ``bank[:, r]`` the filters
turned by ``r`` quarter turns *anticlockwise* as ``imshow`` draws them (row 0 at the top), which is
``torch.rot90(weight, r, dims=(2, 3))`` (:func:`course_utils.ops.rotated_filters`).
``check_rotated_filters(rotated_filter_bank)`` runs it on cases from one 3x3 filter with the numbers
0-8 to several filters of several channels, and names the usual slips: turning clockwise, turning over
the wrong pair of axes (a channel axis with a kernel axis), the rotation axis stacked in the wrong
place, a transpose (a mirror image) instead of a quarter turn, every orientation the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from course_utils.checks import core
from course_utils.ops.group_conv import rotated_filters


@dataclass(frozen=True)
class FilterCase:
    """One call ``fn(weight)`` with ``weight`` of shape ``(C_out, C_in, k, k)``."""

    name: str
    weight: torch.Tensor

    def arguments(self) -> core.Arguments:
        return core.Arguments((self.weight.clone(),), {})

    def call(self) -> str:
        return f"fn(weight) with weight of shape {tuple(self.weight.shape)}"

    def expected(self) -> np.ndarray:
        return rotated_filters(self.weight).numpy().astype(np.float64)

    def mistakes(self) -> list[core.Mistake]:
        """What each typical slip returns here (as arrays), and what to tell the student."""
        w = self.weight

        def stacked(turn: Callable[[torch.Tensor, int], torch.Tensor], dim: int = 1) -> torch.Tensor:
            return torch.stack([turn(w, r) for r in range(4)], dim=dim)

        slips = [
            (stacked(lambda w, r: torch.rot90(w, -r, dims=(2, 3))),
             "your filters turn clockwise. torch.rot90(w, r, dims=(2, 3)) turns anticlockwise as imshow draws them; "
             "dims=(3, 2) or a negative r turns the other way."),
            (stacked(lambda w, r: w), "every orientation is the same filter: turn bank[:, r] by r quarter turns."),
            (stacked(lambda w, r: torch.rot90(w, 2 * r, dims=(2, 3))),
             "orientation r is turned 2r times: turn it r times (r * 90 degrees)."),
            (stacked(lambda w, r: w.transpose(2, 3) if r % 2 else w),
             "a transpose is a mirror image (a flip along the diagonal), not a quarter turn: use torch.rot90."),
        ]
        return [(outcome.numpy().astype(np.float64), text) for outcome, text in slips]


def check_rotated_filters(fn: Callable[[torch.Tensor], object], verbose: bool = True) -> core.CheckResult:
    """Check a lifting layer's filter bank: ``(C_out, C_in, k, k)`` -> ``(C_out, 4, C_in, k, k)``, turned anticlockwise.

    Prints the verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> clockwise = lambda w: torch.stack([torch.rot90(w, r, dims=(3, 2)) for r in range(4)], dim=1)
    >>> result = check_rotated_filters(clockwise, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: your filters turn clockwise. torch.rot90(w, r, dims=(2, 3)) turns anticlockwise...
    """
    exercise = core.Exercise(
        cases=filter_cases,
        judge=core.array_judge(_explain_shape, _explain_values),
        usage="Your function must take one argument, rotated_filter_bank(weight).",
        all_passed="every filter comes in its four orientations, turned anticlockwise, in the layout "
                   "(C_out, 4, C_in, k, k).",
        returns="the bank",
        error_hint=_error_hint,
    )
    return core.run_cases(fn, exercise, verbose)


def filter_cases() -> list[FilterCase]:
    """Cases from simple to hard: the numbers 0-8 in one filter, then random filters with a fixed seed."""
    generator = torch.Generator().manual_seed(11)
    return [
        FilterCase("one 3x3 filter holding the numbers 0 to 8", torch.arange(9.0).reshape(1, 1, 3, 3)),
        FilterCase("2 filters of 3 channels, 3x3", torch.randn(2, 3, 3, 3, generator=generator)),
        FilterCase("3 filters of 2 channels, 5x5", torch.randn(3, 2, 5, 5, generator=generator)),
        FilterCase("4 filters of 4 channels, 3x3 (every axis but the kernel's the same length)",
                   torch.randn(4, 4, 3, 3, generator=generator)),
    ]


def _explain_shape(case: FilterCase, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    c_out, c_in, k, _ = case.weight.shape
    said = f"Expected the shape {expected} (C_out, 4, C_in, k, k), got {got}."
    if got == (4, c_out, c_in, k, k):
        return said + " The rotation axis comes first: stack the four orientations with dim=1, after C_out."
    if got == (c_out, c_in, k, k, 4):
        return said + " The rotation axis comes last: stack the four orientations with dim=1, after C_out."
    if got == (c_out, c_in, 4, k, k):
        return said + " The rotation axis sits after C_in: stack with dim=1, so that bank[:, r] are whole filters."
    if got == (4 * c_out, c_in, k, k):
        return said + " The four orientations are concatenated into C_out: stack them on a new axis (torch.stack)."
    return said


def _explain_values(case: FilterCase, got: np.ndarray, expected: np.ndarray) -> str:
    index, said = core.first_difference(got, expected)
    r = index[1]
    said += f" It lies in orientation r = {r}, which should be the filters turned {90 * r} degrees anticlockwise."
    mistakes = core.possible_mistakes(case.mistakes(), expected)
    causes = core.likely_causes(got, mistakes)
    if not causes and _turned_over_channels(case, got):
        causes = ["you turned over the wrong pair of axes: dims must be the kernel's, (2, 3) of weight (or (-2, -1)); "
                  "turning an axis of filters or channels mixes filters together."]
    return core.with_causes(said, causes)


def _turned_over_channels(case: FilterCase, got: np.ndarray) -> bool:
    """Whether ``got`` turns the filters over a pair of axes that includes a channel or filter axis."""
    w = case.weight
    for dims in ((0, 1), (1, 2), (1, 3), (0, 2), (0, 3)):
        turned = [torch.rot90(w, r, dims=dims) for r in range(4)]
        if all(t.shape == w.shape for t in turned):
            wrong = torch.stack(turned, dim=1).numpy().astype(np.float64)
            if wrong.shape == got.shape and core.same(got, wrong):
                return True
    return False


def _error_hint(case: FilterCase, error: Exception) -> str:
    if "stack expects each tensor to be equal size" in str(error):
        return ("Your four orientations have different shapes: you turned over a pair of axes that are not both the "
                "kernel's. Use dims=(2, 3) (or (-2, -1)): only a square kernel keeps its shape when it turns.")
    return ""


__all__ = ["check_rotated_filters", "filter_cases"]
