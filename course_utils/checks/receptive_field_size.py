"""The self-check of lesson 04's exercise: the receptive-field recurrence, written by hand.

The exercise asks for ``receptive_field_size(layers)``: ``layers`` is a list of ``(kernel, stride,
dilation)`` triples, one per convolution or pooling, from the input up; the function returns the pair
``(rf, jump)`` of the last layer, where ``rf`` is the width of one cell's field in input pixels and
``jump`` the distance in input pixels between the fields of two neighbouring cells. Starting from the
image (``rf = 1``, ``jump = 1``), each layer does

    k_eff = dilation * (kernel - 1) + 1       (the pixels one dilated kernel spans)
    rf    = rf + (k_eff - 1) * jump           (with the jump of the layer's input)
    jump  = jump * stride

Padding moves a field but does not change its size, so it is not part of the exercise.
``check_receptive_field_size(receptive_field_size)`` compares the pairs with
:func:`course_utils.ops.receptive_field` (itself tested against autograd) and names the classic slip
behind the first wrong pair: the jump forgotten, the dilation forgotten, the whole kernel extent added,
the jump updated too early, ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import eq

import numpy as np

from course_utils.checks import core
from course_utils.ops.receptive_field import Layer, receptive_field

Triple = tuple[int, int, int]  # (kernel, stride, dilation)
Pair = tuple[int, int]  # (rf, jump)


@dataclass(frozen=True)
class StackCase:
    """One call of the student's function: ``fn(layers)`` with ``layers`` a list of triples."""

    name: str
    layers: tuple[Triple, ...]

    def expected(self) -> Pair:
        """``(rf, jump)`` of the last layer, from the course's reference :func:`receptive_field`."""
        table = receptive_field([Layer(k, stride=s, dilation=d) for k, s, d in self.layers])
        return int(table.rf), int(table.jump)

    def arguments(self) -> core.Arguments:
        return core.Arguments(([tuple(layer) for layer in self.layers],), {})

    def call(self) -> str:
        return f"fn({[tuple(layer) for layer in self.layers]})"


def check_receptive_field_size(fn: Callable[[list[Triple]], Pair], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(layers) -> (rf, jump)`` against :func:`course_utils.ops.receptive_field`.

    ``layers`` is a list of ``(kernel, stride, dilation)`` triples. The cases go from one
    3x3 convolution to poolings, strides, dilations, the networks of the lesson and random
    stacks. The first wrong pair is explained: which classic slip gives exactly that pair,
    or else the recurrence worked out layer by layer for that case. Prints the verdict
    unless ``verbose=False``; returns a :class:`~course_utils.checks.core.CheckResult`.

    >>> def kernels_added_up(layers):
    ...     return 1 + sum(kernel - 1 for kernel, stride, dilation in layers), 1
    >>> result = check_receptive_field_size(kernels_added_up, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 2)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: the dilation is missing: a kernel of k taps with dilation d spans k_eff = d * (k - 1) + 1 pixels, ...
    """
    return core.run_cases(fn, RECEPTIVE_FIELD_SIZE, verbose)


def receptive_field_size_cases() -> list[StackCase]:
    """The exercise's cases, simple first, then random stacks (the same ones on every run)."""
    conv3, pool2 = (3, 1, 1), (2, 2, 1)
    vgg_blocks = [conv3, conv3, pool2, conv3, conv3, pool2, conv3, conv3, conv3, pool2]
    cases = [
        StackCase("one 3x3 convolution", (conv3,)),
        StackCase("three 3x3 convolutions, stride 1", (conv3,) * 3),
        StackCase("one 3x3 convolution with dilation 2", ((3, 1, 2),)),
        StackCase(
            "the quiz's stack: conv 3x3, conv 3x3, max pool 2x2 stride 2, conv 3x3", (conv3, conv3, pool2, conv3)
        ),
        StackCase("two 3x3 convolutions with stride 2", ((3, 2, 1),) * 2),
        StackCase("four 3x3 convolutions with dilations 1, 2, 4 and 8", tuple((3, 1, d) for d in (1, 2, 4, 8))),
        StackCase("conv 5x5, max pool 3x3 with stride 3, conv 3x3", ((5, 1, 1), (3, 3, 1), conv3)),
        StackCase("a 1x1 convolution with stride 2, then a 3x3 convolution", ((1, 2, 1), conv3)),
        StackCase("a dilated convolution after a strided one", ((3, 2, 1), (3, 1, 2))),
        StackCase("the first three blocks of VGG-16", tuple(vgg_blocks)),
        StackCase(
            "everything at once: kernels 5, 3, 2; strides 2, 3, 1; dilations 3, 1, 2", ((5, 2, 3), (3, 3, 1), (2, 1, 2))
        ),
    ]
    rng = np.random.default_rng(4)
    for _ in range(40):
        depth = int(rng.integers(1, 7))
        layers = tuple(
            (int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4))) for _ in range(depth)
        )
        cases.append(StackCase(f"a random stack of {depth} layer{'s' * (depth > 1)}", layers))
    return cases


# ----------------------------------------------------------------------------------------
# Judging one result
# ----------------------------------------------------------------------------------------


def _as_pair(result: object) -> Pair | None:
    """``result`` as a pair of ints, or None when it is not two whole numbers."""
    if isinstance(result, str | bytes) or not isinstance(result, Sequence | np.ndarray):
        return None
    values = list(np.asarray(result, dtype=object).ravel()) if isinstance(result, np.ndarray) else list(result)
    if len(values) != 2 or not all(_is_whole(v) for v in values):
        return None
    return int(values[0]), int(values[1])


def _is_whole(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, float | np.floating) and float(value).is_integer()


def _judge(case: StackCase, result: object, given: core.Arguments) -> str:
    """Empty when ``result`` is the right ``(rf, jump)`` for ``case``; else what went wrong, in words."""
    right = case.expected()
    if _is_whole(result) and not isinstance(result, float | np.floating):
        field_only = " (that is the field size)" if int(result) == right[0] else ""
        return f"You returned one number, {result}{field_only}. Return the pair (rf, jump): here {right}."
    got = _as_pair(result)
    if got is None:
        return f"You returned {result!r}; return a pair of whole numbers (rf, jump), here {right}."
    if any(isinstance(v, float | np.floating) for v in result):  # type: ignore[union-attr]
        if got == right:
            return (
                f"You returned {tuple(result)}, with floats. A field and a jump are whole numbers of pixels: "  # type: ignore[arg-type]
                "keep them ints (multiply and add; no / division)."
            )
    if got == right:
        return ""
    which = "the field size rf" if got[1] == right[1] else "the jump" if got[0] == right[0] else "both numbers"
    verb = "differ" if which == "both numbers" else "differs"
    said = f"The right answer is (rf, jump) = {right}; you returned {got}: {which} {verb}."
    causes = core.likely_causes(got, _distinct(core.possible_mistakes(_mistakes(case), right, eq)), eq)
    return core.with_causes(said, causes or [_worked(case)])


def _distinct(mistakes: list[core.Mistake]) -> list[core.Mistake]:
    """The first mistake for each outcome: where two slips give the same pair, the simpler one is named."""
    seen: set = set()
    kept = []
    for outcome, text in mistakes:
        if outcome not in seen:
            seen.add(outcome)
            kept.append((outcome, text))
    return kept


def _worked(case: StackCase) -> str:
    """The recurrence for ``case``, layer by layer: what to compare one's own numbers with."""
    rf, jump, steps = 1, 1, []
    for number, (k, s, d) in enumerate(case.layers):
        grown = rf + (d * (k - 1)) * jump
        growth = f"rf = {rf} + {d * (k - 1)} * {jump} = {grown}"
        steps.append(f"layer {number} (k={k}, s={s}, d={d}): {growth}, jump = {jump * s}")
        rf, jump = grown, jump * s
    return (
        "compare your numbers with the recurrence, layer by layer (start from rf = 1, jump = 1; "
        "rf grows by (k_eff - 1) * jump with the jump from before the layer, then jump *= stride):\n  "
        + "\n  ".join(steps)
    )


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes
# ----------------------------------------------------------------------------------------


def _walk(
    layers: Sequence[Triple],
    growth: Callable[[int, int, int, int], int],
    next_jump: Callable[[int, int, int], int] = lambda jump, kernel, stride: jump * stride,
    jump_first: bool = False,
    start: int = 1,
) -> Pair:
    """A recurrence with one slip: ``growth(kernel, dilation, jump, stride)`` per layer, then the next jump."""
    rf, jump = start, 1
    for kernel, stride, dilation in layers:
        if jump_first:
            jump = next_jump(jump, kernel, stride)
        rf += growth(kernel, dilation, jump, stride)
        if not jump_first:
            jump = next_jump(jump, kernel, stride)
    return rf, jump


def _mistakes(case: StackCase) -> list[core.Mistake]:
    """Pairs that classic slips give for ``case``, and what to say about each."""
    layers = case.layers
    right = case.expected()

    def span(kernel: int, dilation: int) -> int:  # k_eff - 1
        return dilation * (kernel - 1)

    return [
        (
            (right[1], right[0]),
            "you returned (jump, rf); the exercise asks for (rf, jump), the field size first.",
        ),
        (
            _walk(layers, lambda k, d, j, s: span(k, d)),
            "the jump is missing from the growth of the field. After a stride (or a pooling) neighbouring cells "
            "are `jump` input pixels apart, so each step of the next kernel spans `jump` pixels: "
            "rf = rf + (k_eff - 1) * jump.",
        ),
        (
            (_walk(layers, lambda k, d, j, s: span(k, d))[0], 1),
            "your jump never changes: after each layer it is multiplied by that layer's stride (jump = jump * stride), "
            "and the field then grows by (k_eff - 1) * jump.",
        ),
        (
            _walk(layers, lambda k, d, j, s: (k - 1) * j),
            "the dilation is missing: a kernel of k taps with dilation d spans k_eff = d * (k - 1) + 1 pixels, "
            "so it adds (k_eff - 1) * jump = d * (k - 1) * jump to the field.",
        ),
        (
            _walk(layers, lambda k, d, j, s: (d * k - 1) * j),
            "a dilated kernel spans k_eff = d * (k - 1) + 1 pixels, not d * k: the gaps lie between the taps, "
            "none after the last one.",
        ),
        (
            _walk(layers, lambda k, d, j, s: (span(k, d) + 1) * j),
            "you added the kernel's whole extent k_eff * jump. The field grows by (k_eff - 1) * jump: the first tap "
            "of the window sits on the field the layer below already has (one 3x3 layer on one pixel gives 3, not 4).",
        ),
        (
            _walk(layers, lambda k, d, j, s: span(k, d) * j, jump_first=True),
            "you multiplied the jump by the layer's stride before growing the field. A layer's kernel steps over "
            "the cells of its input, which are the old jump apart: grow rf first, then set jump = jump * stride.",
        ),
        (
            _walk(layers, lambda k, d, j, s: span(k, d) * j, next_jump=lambda j, k, s: j * k),
            "the jump grows with each layer's stride, not its kernel size: jump = jump * stride.",
        ),
        (
            _walk(layers, lambda k, d, j, s: span(k, d) * j, next_jump=lambda j, k, s: s),
            "the jump is the product of all the strides so far, not the last stride alone: jump = jump * stride.",
        ),
        (
            _walk(layers, lambda k, d, j, s: span(k, d) * j, start=0),
            "the field is one pixel short: start from rf = 1 (before any layer, a cell is one pixel) and jump = 1.",
        ),
    ]


def _error_hint(case: StackCase, error: Exception) -> str:
    if isinstance(error, TypeError | ValueError) and ("unpack" in str(error) or "iterable" in str(error)):
        return "Each layer is a triple (kernel, stride, dilation): loop with `for kernel, stride, dilation in layers:`."
    return ""


RECEPTIVE_FIELD_SIZE = core.Exercise(
    cases=receptive_field_size_cases,
    judge=_judge,
    usage="Your function must accept fn(layers), one list of (kernel, stride, dilation) triples.",
    returns="the pair (rf, jump)",
    all_passed="your (rf, jump) equal the course's receptive_field for strides, poolings, dilations, the lesson's "
    "networks and 40 random stacks.",
    error_hint=_error_hint,
)
