"""The self-check of lesson 08's counting exercise: ``vgg_block_params(in_channels, out_channels, convs)``.

A VGG block is ``convs`` 3x3 convolutions (padding 1, with biases), each followed by a ReLU,
then a 2x2 max pooling. The first convolution takes ``in_channels`` maps, the others
``out_channels``; all make ``out_channels``. The exercise asks for the block's number of
learnable parameters, worked out by hand:

.. math:: (9\\,C_{in} + 1)\\,C_{out} + (convs - 1)(9\\,C_{out} + 1)\\,C_{out}.

``check_vgg_block_params(fn)`` compares the answer with the count of a real block
(:func:`course_utils.models.vgg_block`), on the blocks of VGG-16 and then on a sweep of
small ones, and names the classic slip behind the first wrong number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import eq

import numpy as np

from course_utils.checks import core
from course_utils.models.vgg import VGG16_BLOCKS, vgg_block


@dataclass(frozen=True)
class BlockCase:
    """One call of the student's function: ``fn(in_channels, out_channels, convs)``."""

    name: str
    in_channels: int
    out_channels: int
    convs: int

    def arguments(self) -> core.Arguments:
        return core.Arguments(
            (), {"in_channels": self.in_channels, "out_channels": self.out_channels, "convs": self.convs}
        )

    def call(self) -> str:
        return f"fn(in_channels={self.in_channels}, out_channels={self.out_channels}, convs={self.convs})"

    def expected(self) -> int:
        return sum(p.numel() for p in vgg_block(self.in_channels, self.out_channels, self.convs).parameters())


def vgg_block_cases() -> list[BlockCase]:
    """VGG-16's five blocks first, then small blocks of every shape."""
    cases, channels = [], 3
    for number, (width, convs) in enumerate(VGG16_BLOCKS, start=1):
        cases.append(BlockCase(f"block {number} of VGG-16", channels, width, convs))
        channels = width
    for c_in in (1, 2, 5):
        for c_out in (1, 4, 7):
            for convs in (1, 2, 3):
                cases.append(BlockCase("a sweep over small blocks", c_in, c_out, convs))
    return cases


def check_vgg_block_params(fn: Callable[..., int], verbose: bool = True) -> core.CheckResult:
    """Check ``fn(in_channels, out_channels, convs)`` against the parameters of a real VGG block.

    The expected count of each case is measured by building the block with
    :func:`~course_utils.models.vgg_block` and adding up ``p.numel()``. The first wrong
    case is explained: a float instead of an int, or which slip (biases forgotten, a 3x3
    kernel counted as 3 weights, every convolution fed ``in_channels``, ...) gives the
    number returned. Prints the verdict unless ``verbose=False``; returns a
    :class:`~course_utils.checks.core.CheckResult`.

    >>> check_vgg_block_params(lambda in_channels, out_channels, convs: 9 * in_channels * out_channels,
    ...                        verbose=False).passed
    False
    """
    return core.run_cases(fn, VGG_BLOCK_PARAMS, verbose)


def _judge(case: BlockCase, got: object, given: core.Arguments) -> str:
    expected = case.expected()
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        if isinstance(got, float | np.floating) and float(got) == expected:
            return f"You returned {got!r}, a float. A count of parameters is a whole number: return an int."
        return f"You returned {got!r} ({type(got).__name__}); return an int, e.g. {expected}."
    if got == expected:
        return ""
    said = f"A real block (models.vgg_block) has {expected:,} parameters; you returned {got:,}."
    causes = core.likely_causes(got, _count_mistakes(case, expected), eq)
    first = (9 * case.in_channels + 1) * case.out_channels
    other = (9 * case.out_channels + 1) * case.out_channels
    steps = f"first convolution (9 * {case.in_channels} + 1) * {case.out_channels} = {first:,}"
    if case.convs > 1:
        steps += f", then {case.convs - 1} x (9 * {case.out_channels} + 1) * {case.out_channels} = {other:,} each"
    return core.with_causes(said, causes or [f"count it convolution by convolution: {steps}."])


def _count_mistakes(case: BlockCase, right: int) -> list[core.Mistake]:
    """Counts that classic slips give for ``case`` (those that differ from the ``right`` one), and what to say."""
    c_in, c_out, n = case.in_channels, case.out_channels, case.convs
    mistakes = [
        (
            9 * c_in * c_out + (n - 1) * 9 * c_out * c_out,
            "the biases are missing: every filter has one bias, so add out_channels per convolution.",
        ),
        (
            (3 * c_in + 1) * c_out + (n - 1) * (3 * c_out + 1) * c_out,
            "a 3x3 kernel has 3 * 3 = 9 weights per input channel, not 3.",
        ),
        (
            n * (9 * c_in + 1) * c_out,
            "only the first convolution sees in_channels maps; the others see the out_channels maps before them.",
        ),
        ((9 * c_in + 1) * c_out, f"that is the first convolution only; the block has {n} of them."),
        (n * (9 + 1) * c_out, "each filter spans all the input channels: 9 weights per input channel, not 9 in all."),
        (
            (9 * c_in + 1) * c_out + (n - 1) * (9 * c_out + 1) * c_out + 4,
            "the 2x2 max pooling has no parameters: it only takes a maximum.",
        ),
    ]
    return core.possible_mistakes(mistakes, right, eq)


VGG_BLOCK_PARAMS = core.Exercise(
    cases=vgg_block_cases,
    judge=_judge,
    usage="Your function must accept fn(in_channels, out_channels, convs), with those names.",
    returns="the count",
    all_passed="your counts equal the parameters of real VGG blocks, VGG-16's five included.",
)
