"""The self-check of lesson 08's exercise: a residual basic block, ``MyBasicBlock(in_channels, channels, stride)``.

The block of ResNet-18 and 34 (He et al., 2016) computes

    out = ReLU( BN(conv3x3(ReLU(BN(conv3x3_stride(x))))) + shortcut(x) )

with convolutions without bias (batch norm adds one), the stride on the first convolution,
and a shortcut that is the identity when the shapes agree, else a 1x1 convolution with the
same stride (no bias) and batch norm. ``check_basic_block(MyBasicBlock)`` builds the
student's block and the course's :class:`~course_utils.models.BasicBlock` on configurations
from simple to hard (same channels, stride 2, more channels, both), copies the reference's
convolution weights into the student's (matched by shape, in order), gives every batch norm
the same statistics, and compares, in order: that the block runs, its output shape, its
number of parameters, its output values. The first problem is explained in plain words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.checks import core
from course_utils.models.resnet import BasicBlock

SIZE = 8  # the input maps are 8x8: small, and even, so that stride 2 halves them exactly


@dataclass(frozen=True)
class BlockConfig:
    name: str
    in_channels: int
    channels: int
    stride: int

    def call(self) -> str:
        block = f"MyBasicBlock({self.in_channels}, {self.channels}, stride={self.stride})"
        return f"{block} on a (2, {self.in_channels}, 8, 8) input"

    @property
    def projects(self) -> bool:
        return self.stride != 1 or self.in_channels != self.channels


CONFIGS = [
    BlockConfig("same channels, stride 1: the identity shortcut", 8, 8, 1),
    BlockConfig("stride 2: the block halves the maps", 8, 8, 2),
    BlockConfig("more channels, stride 1", 4, 8, 1),
    BlockConfig("more channels and stride 2: the first block of a ResNet stage", 8, 16, 2),
    BlockConfig("a wider identity block", 16, 16, 1),
    BlockConfig("one channel in, many out, stride 2", 1, 12, 2),
]


def check_basic_block(block_class: Callable[..., nn.Module], verbose: bool = True) -> core.CheckResult:
    """Check a residual basic block class against :class:`~course_utils.models.BasicBlock`.

    ``block_class(in_channels, channels, stride)`` must build the block. Each configuration
    is checked for: it builds and runs; the output shape ``(2, channels, 8 / stride, 8 / stride)``;
    the number of parameters; the output values (with the reference's weights). Prints the
    verdict unless ``verbose=False``; returns a :class:`~course_utils.checks.core.CheckResult`.

    >>> check_basic_block(BasicBlock, verbose=False).passed
    True
    """
    return core.run_checks(
        _problems(block_class),
        len(CONFIGS),
        heading=lambda number: f"Configuration {number} of {len(CONFIGS)} failed: {CONFIGS[number - 1].name}.",
        all_passed=lambda: (
            f"All {len(CONFIGS)} configurations passed: shapes, parameter counts and outputs equal ResNet's "
            "basic block, with identity and projection shortcuts."
        ),
        verbose=verbose,
    )


def _problems(block_class: Callable[..., nn.Module]) -> Iterator[str]:
    for number, config in enumerate(CONFIGS):
        problem = _problem(block_class, config, seed=number)
        yield f"We built {config.call()}.\n{problem}" if problem else ""


def _problem(block_class: Callable[..., nn.Module], config: BlockConfig, seed: int) -> str:
    try:
        block = block_class(config.in_channels, config.channels, stride=config.stride)
    except NotImplementedError as error:
        raise core.CheckStopped(core.not_written_yet(block_class, error)) from None
    except TypeError as error:
        return f"Building it raised TypeError: {error}\nYour class must accept (in_channels, channels, stride=1)."
    except Exception as error:  # whatever it is, the student needs to see it
        return f"Building it raised {type(error).__name__}: {error}"
    torch.manual_seed(seed)
    reference = BasicBlock(config.in_channels, config.channels, config.stride)
    x = torch.randn(2, config.in_channels, SIZE, SIZE)
    got = _run(block, x)
    if isinstance(got, str):
        return got
    want = (2, config.channels, SIZE // config.stride, SIZE // config.stride)
    if tuple(got.shape) != want:
        return _shape_problem(config, tuple(got.shape), want)
    count, right = _count(block), _count(reference)
    if count != right:
        return _count_problem(block, config, count, right)
    _copy_weights(reference, block)
    with torch.no_grad():
        got, expected = block.eval()(x), reference.eval()(x)
    if core.same(got.numpy(), expected.numpy()):
        return ""
    return _value_problem(reference, x, got)


def _run(block: nn.Module, x: torch.Tensor) -> torch.Tensor | str:
    try:
        with torch.no_grad():
            out = block.eval()(x)
    except NotImplementedError as error:
        raise core.CheckStopped(core.not_written_yet(block, error)) from None
    except RuntimeError as error:
        said = f"Your forward pass raised RuntimeError: {error}"
        if "must match the size" in str(error):
            said += (
                "\nLikely cause: the shortcut still carries x unchanged, but the residual branch changed its shape. "
                "When the stride is not 1 or the channels change, the shortcut must be a 1x1 convolution with the "
                "same stride, and batch norm: nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False)."
            )
        return said
    except Exception as error:  # whatever it is, the student needs to see it
        return f"Your forward pass raised {type(error).__name__}: {error}"
    if stub := core.not_written_yet(block, out):
        raise core.CheckStopped(stub)
    if not isinstance(out, torch.Tensor):
        return f"Your forward pass returned a {type(out).__name__}; return the output tensor."
    return out


def _shape_problem(config: BlockConfig, got: tuple, want: tuple) -> str:
    said = f"The output has shape {got}; it should be {want}."
    causes = []
    if got[1] != want[1]:
        causes.append(
            f"the block should make {config.channels} channels: both convolutions have out_channels=channels."
        )
    if got[2:] != want[2:]:
        if config.stride == 2 and got[2] == SIZE:
            causes.append("the stride is not used: the first 3x3 convolution takes stride=stride (and padding=1).")
        else:
            causes.append("3x3 convolutions need padding=1 to keep the size; only the stride may shrink it.")
    return core.with_causes(said, causes)


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _count_problem(block: nn.Module, config: BlockConfig, count: int, right: int) -> str:
    c_in, c = config.in_channels, config.channels
    said = f"Your block has {count:,} parameters; ResNet's has {right:,}."
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    projection = c_in * c + 2 * c
    causes = []
    if any(conv.bias is not None for conv in convs):
        causes.append(
            "your convolutions have biases. Batch norm right after a convolution subtracts the mean, which removes "
            "any bias; write bias=False, as ResNet does."
        )
    if len(norms) < (3 if config.projects else 2):
        causes.append("batch norm is missing: one after each convolution, the shortcut's 1x1 convolution included.")
    if not config.projects and count - right == projection:
        causes.append(
            "your shortcut is a 1x1 convolution although the shapes agree here (stride 1, same channels): "
            "use the identity then, it has no parameters."
        )
    if config.projects and right - count == projection:
        causes.append("the projection shortcut (1x1 convolution and batch norm) is missing.")
    return core.with_causes(said, causes)


def _copy_weights(reference: BasicBlock, block: nn.Module) -> None:
    """The reference's convolution weights into the student's block (matched by shape, in order); same batch norms."""
    theirs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    ours = [reference.conv1, reference.conv2] + [m for m in reference.shortcut.modules() if isinstance(m, nn.Conv2d)]
    unused = list(theirs)
    with torch.no_grad():
        for conv in ours:
            match = next((t for t in unused if t.weight.shape == conv.weight.shape), None)
            if match is not None:
                match.weight.copy_(conv.weight)
                unused.remove(match)
        generator = torch.Generator().manual_seed(1)
        scale, shift = torch.rand(4, reference.bn1.num_features, generator=generator).split(2)
        for norm in [m for m in (*reference.modules(), *block.modules()) if isinstance(m, nn.BatchNorm2d)]:
            norm.weight.copy_(0.5 + scale[0])
            norm.bias.copy_(shift[0] - 0.5)
            norm.running_mean.copy_(scale[1] - 0.5)
            norm.running_var.copy_(0.5 + shift[1])


def _value_problem(reference: BasicBlock, x: torch.Tensor, got: torch.Tensor) -> str:
    r = reference
    with torch.no_grad():
        shortcut = r.shortcut(x)
        inner = torch.relu(r.bn1(r.conv1(x)))
        residual = r.bn2(r.conv2(inner))
        stride = r.conv1.stride[0]
        late = F.conv2d(
            torch.relu(r.bn1(F.conv2d(x, r.conv1.weight, padding=1))), r.conv2.weight, stride=stride, padding=1
        )
        variants = [
            (
                torch.relu(residual),
                "the shortcut is missing: add shortcut(x) to the residual branch before the last ReLU.",
            ),
            (residual + shortcut, "the last ReLU is missing: ReLU(residual + shortcut(x))."),
            (
                torch.relu(residual) + shortcut,
                "the last ReLU comes before the addition; ResNet adds first, then applies ReLU to the sum.",
            ),
            (
                torch.relu(r.bn2(r.conv2(r.bn1(r.conv1(x)))) + shortcut),
                "the ReLU between the two convolutions is missing.",
            ),
            (
                torch.relu(r.bn2(late) + shortcut),
                "the stride sits on the second convolution; ResNet puts it on the first.",
            ),
        ]
    mistakes = [(v.numpy(), text) for v, text in variants]
    expected = torch.relu(residual + shortcut).numpy()
    said = "The shape and the parameter count are right, but the output values differ from ResNet's block."
    causes = core.likely_causes(got.numpy(), core.possible_mistakes(mistakes, expected, core.same))
    return core.with_causes(
        said,
        causes
        or ["follow the formula: ReLU(BN(conv2(ReLU(BN(conv1(x))))) + shortcut(x)), convolutions in that order."],
    )
