"""The self-check of lesson 01's exercise: ``to_chw(image)``, an image in PyTorch's channels-first layout.

The exercise asks for ``to_chw(image)``: a NumPy image of shape ``(H, W)`` or ``(H, W, C)`` in, a
torch tensor of shape ``(C, H, W)`` out, every number and the dtype kept; a gray image gets one
channel. It only moves numbers: no scaling, no copying required. ``check_to_chw(to_chw)``
explains the first image it gets wrong (height and width swapped, ``reshape`` instead of
``permute``, channels left last, a changed dtype, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np
import torch

from course_utils.checks import core


@dataclass(frozen=True)
class LayoutCase:
    """One call of the student's ``to_chw(image)``."""

    name: str
    image: np.ndarray  # (H, W) or (H, W, C)

    def expected(self) -> torch.Tensor:
        """PyTorch's channels-first view of the image: ``permute(2, 0, 1)``, a gray image as one channel."""
        image = self.image if self.image.ndim == 3 else self.image[:, :, None]
        return torch.from_numpy(image.copy()).permute(2, 0, 1)

    def arguments(self) -> core.Arguments:
        return core.Arguments((self.image.copy(),), {})

    def call(self) -> str:
        layout = "(H, W)" if self.image.ndim == 2 else "(H, W, C)"
        return f"to_chw(image) with a {self.image.dtype} image of shape {self.image.shape} {layout}"


def check_to_chw(fn: Callable[[np.ndarray], torch.Tensor], verbose: bool = True) -> core.CheckResult:
    """Check a student's ``to_chw(image)`` against PyTorch's ``permute(2, 0, 1)``.

    ``to_chw`` takes a NumPy image of shape ``(H, W)`` (gray) or ``(H, W, C)`` and returns a
    ``torch.Tensor`` of shape ``(C, H, W)`` holding the same numbers with the same dtype;
    a gray image becomes ``(1, H, W)``. The cases cover gray, colour, square (where a swap
    of height and width keeps the shape), one and four channels, and a ``uint8`` photo patch.
    The first wrong one is explained in plain words: height and width swapped, a missing
    gray channel, ``reshape`` instead of ``permute``, channels left last, a changed dtype.
    A function that is still the exercise's stub is reported as not written yet.
    Prints the verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def with_reshape(image):
    ...     return torch.from_numpy(image).reshape(-1, image.shape[0], image.shape[1])
    >>> result = check_to_chw(with_reshape, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 1)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: you used reshape. ...
    """
    return core.run_cases(fn, TO_CHW, verbose)


def to_chw_cases() -> list[LayoutCase]:
    """The exercise's cases, simple first: gray, colour, and the ones that catch subtle mistakes."""
    rng = np.random.default_rng(2001)

    def image(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    return [
        LayoutCase("a gray image, 5x7 pixels (it gets one channel)", image(5, 7)),
        LayoutCase("a colour image, 5x7 pixels, 3 channels", image(5, 7, 3)),
        LayoutCase("a square colour image, 4x4 pixels (a swap of height and width keeps the shape)", image(4, 4, 3)),
        LayoutCase("a square gray image, 6x6 pixels", image(6, 6)),
        LayoutCase("one channel already, 6x2x1", image(6, 2, 1)),
        LayoutCase("four channels (RGBA), 3x5x4", image(3, 5, 4)),
        LayoutCase(
            "a uint8 photo patch, 6x8x3, as image files store it (the dtype must stay uint8)",
            rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8),
        ),
    ]


# ----------------------------------------------------------------------------------------
# Judging one result
# ----------------------------------------------------------------------------------------


def _judge_layout(case: LayoutCase, result: object, given: core.Arguments) -> str:
    """Empty if ``result`` is right for ``case``; else what went wrong, in words."""
    if isinstance(result, np.ndarray):
        return (
            f"Your function returned a NumPy array of shape {result.shape}; return a torch tensor. "
            "torch.from_numpy(image) turns the array into a tensor without copying it."
        )
    if not isinstance(result, torch.Tensor):
        return f"Your function returned a {type(result).__name__}; return a torch tensor (torch.from_numpy)."
    expected = case.expected()
    got_shape, want_shape = tuple(result.shape), tuple(expected.shape)
    if got_shape != want_shape:
        return _explain_layout_shape(case, got_shape, want_shape)
    if result.dtype != expected.dtype:
        return (
            f"The shape {want_shape} is right, but the dtype changed from {expected.dtype} to {result.dtype}. "
            "to_chw only moves numbers: keep them as they are (torch.from_numpy keeps the dtype); "
            "converting to float32 is a separate step."
        )
    if torch.equal(result, expected):
        return ""
    return _explain_layout_values(case, result, expected)


def _layout_error_hint(case: LayoutCase, error: Exception) -> str:
    if case.image.ndim == 2 and isinstance(error, (RuntimeError, IndexError, ValueError)):
        return (
            "A gray image has only 2 axes, (H, W), so there is no channel axis to move. "
            "Give it one first: torch.from_numpy(image).unsqueeze(0) is (1, H, W)."
        )
    return ""


def _explain_layout_shape(case: LayoutCase, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    said = f"The tensor should have shape {want} (C, H, W), but yours is {got}."
    # For a square image several mistakes give the same shape: the first one that fits names the cause.
    causes = core.likely_causes(got, _layout_shape_mistakes(case, want[0]), eq)[:1]
    if causes:
        return core.with_causes(said, causes)
    return f"{said}\nThe channels (the last axis of the NumPy image) go first, then the rows, then the columns."


def _explain_layout_values(case: LayoutCase, got: torch.Tensor, expected: torch.Tensor) -> str:
    wrong = got != expected
    c, i, j = (int(v) for v in wrong.nonzero()[0])
    said = (
        f"The shape {tuple(expected.shape)} and the dtype are right, but {int(wrong.sum())} of {wrong.numel()} "
        f"numbers are in the wrong place. The first is [{c}, {i}, {j}]: it should be image[{i}, {j}, {c}] = "
        f"{expected[c, i, j].item():.4g}, yours is {got[c, i, j].item():.4g}."
    )
    return core.with_causes(said, core.likely_causes(got, _layout_value_mistakes(case, expected), torch.equal))


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes
# ----------------------------------------------------------------------------------------


def _layout_shape_mistakes(case: LayoutCase, channels: int) -> list[core.Mistake]:
    """Shapes that typical mistakes produce, in the order they are tried, and what to say about each."""
    height, width = case.image.shape[:2]
    if case.image.ndim == 2:
        return [
            ((height, width), "a gray image needs a channel axis: return (1, H, W), with unsqueeze(0) or [None]."),
            ((height, width, 1), "the channel axis goes first, not last: unsqueeze(0), not unsqueeze(-1)."),
            ((channels, width, height), _REVERSED),
            ((width, height), "a gray image needs a channel axis, and height and width are swapped (.T?)."),
        ]
    return [
        (
            (height, width, channels),
            "the channels are still last: you returned (H, W, C). Move them first with permute(2, 0, 1).",
        ),
        ((channels, width, height), _REVERSED),
        ((width, height, channels), "height and width are swapped, and the channels are still last."),
    ]


_REVERSED = (
    "height and width are swapped: .T and permute(2, 1, 0) reverse every axis. "
    "permute(2, 0, 1) puts the channels first and keeps rows before columns."
)


def _layout_value_mistakes(case: LayoutCase, expected: torch.Tensor) -> list[core.Mistake]:
    """Tensors that typical mistakes produce (with the right shape and dtype), and what to say."""
    image = torch.from_numpy(case.image.copy())
    return [
        (
            image.reshape(expected.shape),
            "you used reshape. reshape keeps the numbers in memory order (R, G, B, R, G, B, ... pixel after "
            "pixel) and cuts that list into blocks of the new shape; permute(2, 0, 1) moves the axes, so every "
            "number keeps its meaning.",
        ),
        (
            expected.transpose(1, 2),
            "height and width are swapped (the picture is transposed): permute(2, 1, 0) or .T reverse every "
            "axis; permute(2, 0, 1) keeps rows before columns.",
        ),
        (
            expected.flip(0),
            "the channels come out in reverse order (B, G, R): channel c of the tensor is image[:, :, c].",
        ),
    ]


TO_CHW = core.Exercise(
    cases=to_chw_cases,
    judge=_judge_layout,
    usage="Your function must accept one argument: to_chw(image).",
    returns="the tensor",
    all_passed="your to_chw matches PyTorch's permute(2, 0, 1) for gray, colour, square, one- and four-channel "
    "and uint8 images, every number and dtype kept.",
    error_hint=_layout_error_hint,
)
