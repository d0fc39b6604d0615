"""The self-check of lesson 07's exercise: the digit CNN's forward pass, written by hand.

The exercise asks for the digit CNN of the lecture: an ``nn.Module`` (or a function ``x -> logits``)
that takes a batch of digits ``(N, 1, 28, 28)``, whose feature maps are 16x14x14 after the first
pooling and 36x7x7 after the second, and which returns 10 logits per image, shape ``(N, 10)``.
``check_forward_shapes(model)`` records the shape of every tensor the forward pass makes (see
:mod:`course_utils.checks.shape_trace`) and explains the first of its six checks that fails: it
runs; the maps after the first pooling are 16x14x14; after the second, 36x7x7; one row of 10
numbers per image; each row depends on its own image only; logits, not probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import torch

from course_utils.checks import core
from course_utils.checks.shape_trace import ShapeStep, describe_steps, map_size, trace_shapes

DIGIT_INPUT = (1, 28, 28)
DIGIT_STAGES = ((16, 14, 14), (36, 7, 7))
DIGIT_CLASSES = 10
CHECKS = 6  # it runs, first stage, second stage, one row of logits, batch of 5, not probabilities


def check_forward_shapes(fn_or_model: object, verbose: bool = True) -> core.CheckResult:
    """Check a hand-written digit CNN: 1x28x28 -> 16x14x14 -> 36x7x7 -> 10 logits per image.

    ``fn_or_model`` is an ``nn.Module`` (instance or class), or a function from a batch
    ``x`` of shape ``(N, 1, 28, 28)`` to logits of shape ``(N, 10)``. The check runs it on a
    batch of 1 digit and a batch of 5, in eval mode, and checks in order: it runs; the maps
    after the first pooling are 16x14x14; after the second, 36x7x7; it returns one row of 10
    numbers per image; each row depends on its own image only; they are logits (scores), not
    softmax probabilities. The first check that fails is explained in plain words, with the
    shapes your forward pass went through. Prints the verdict unless ``verbose=False``;
    returns a :class:`CheckResult`.

    >>> unpadded = torch.nn.Sequential(
    ...     torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...     torch.nn.Conv2d(16, 36, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...     torch.nn.Flatten(), torch.nn.Linear(36 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    >>> result = check_forward_shapes(unpadded, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    >>> print(result.message.splitlines()[3])
    After your first pooling the maps are 16x12x12, but they should be 16x14x14.
    """
    run = _ForwardRun(fn_or_model)
    return core.run_checks(
        run.problems(),
        CHECKS,
        heading=lambda number: f"Check {number} of {CHECKS} failed.",
        all_passed=lambda: (
            f"All {CHECKS} checks passed: {_describe(run.steps)}. "
            "Maps of 16x14x14 and 36x7x7, and 10 logits per image, for a batch of 1 and a batch of 5."
        ),
        verbose=verbose,
    )


class _ForwardRun:
    """The student's forward pass, run on a batch of 1 digit and on a batch of 5, and what it did."""

    def __init__(self, fn_or_model: object) -> None:
        self.fn_or_model = fn_or_model
        self.steps: list[ShapeStep] = []  # what the batch of 1 went through

    def problems(self) -> Iterator[str]:
        """The problem found by each of the six checks, in order ("" for a check that passes).

        Runs the forward pass first; raises :class:`CheckStopped` when it is still a stub or cannot be built.
        """
        one, five = self._run()
        maps = [step.shape[1:] for step in self.steps if len(step.shape) == 4]
        first_ok = DIGIT_STAGES[0] in maps
        second_ok = first_ok and DIGIT_STAGES[1] in maps[maps.index(DIGIT_STAGES[0]) :]
        yield self._explained(self._runs(one, first_ok, second_ok))
        yield self._explained("" if first_ok else _stage_problem(self.steps, first_ok, second_ok))
        yield self._explained("" if second_ok else _stage_problem(self.steps, first_ok, second_ok))
        yield self._explained(_one_row_of_logits(one))
        yield self._explained(self._batch_of_five(one, five))
        yield self._explained(_not_probabilities(five))

    def _explained(self, problem: str) -> str:
        """A problem, followed by the shapes the forward pass went through."""
        return f"{problem}\nYour forward pass: {_describe(self.steps)}" if problem else ""

    def _run(self) -> tuple[object, object]:
        """The results for the batch of 1 and the batch of 5 (or the exceptions raised), in eval mode."""
        try:
            forward = _as_forward(self.fn_or_model)
        except NotImplementedError as error:
            raise core.CheckStopped(core.not_written_yet(self.fn_or_model, error)) from None
        except Exception as error:  # building the model failed: say so
            raise core.CheckStopped(f"Building your model raised {type(error).__name__}: {error}") from None
        batch = torch.rand(5, *DIGIT_INPUT, generator=torch.Generator().manual_seed(7))
        modes = _eval_mode(self.fn_or_model)
        try:
            self.steps, one = trace_shapes(forward, batch[:1])
            _, five = trace_shapes(forward, batch)
        except NotImplementedError as error:
            raise core.CheckStopped(core.not_written_yet(self.fn_or_model, error)) from None
        finally:
            _restore_modes(modes)
        if stub := core.not_written_yet(forward, one):
            raise core.CheckStopped(stub)
        return one, five

    def _runs(self, one: object, first_ok: bool, second_ok: bool) -> str:
        if not isinstance(one, Exception):
            return ""
        said = f"Your forward pass raised {type(one).__name__}: {one}"
        parts = (said, _explain_error(self.steps, one), _stage_problem(self.steps, first_ok, second_ok))
        return "\n".join(part for part in parts if part)

    def _batch_of_five(self, one: torch.Tensor, five: object) -> str:
        if isinstance(five, Exception):
            return (
                f"With a batch of 5 digits your forward pass raised {type(five).__name__}: {five}\n"
                "It worked for one digit, so some size is fixed to 1 image: flatten with x.flatten(1) or "
                "x.view(x.shape[0], -1), which keep the batch axis, never with a fixed first size."
            )
        if not isinstance(five, torch.Tensor) or tuple(five.shape) != (5, DIGIT_CLASSES):
            return _explain_output(tuple(five.shape) if isinstance(five, torch.Tensor) else type(five).__name__, 5)
        if torch.allclose(five[:1], one, rtol=1e-4, atol=1e-5):
            return ""
        mixed = (
            "The first digit gets different scores alone and inside a batch of 5: the images are mixed "
            "somewhere. Flatten each image on its own (x.flatten(1)) and keep the batch axis first."
        )
        if isinstance(self.fn_or_model, torch.nn.Module):
            return mixed
        return mixed + (
            " (If your function calls a model with dropout, pass the model itself: the check switches it to "
            "eval mode, where dropout is off.)"
        )


def _one_row_of_logits(one: object) -> str:
    if not isinstance(one, torch.Tensor):
        return f"Your forward pass returned {type(one).__name__}; return the logits, a tensor of shape (N, 10)."
    return "" if tuple(one.shape) == (1, DIGIT_CLASSES) else _explain_output(tuple(one.shape), 1)


def _not_probabilities(five: torch.Tensor) -> str:
    if (five >= 0).all() and torch.allclose(five.sum(dim=1), torch.ones(5), atol=1e-4):
        return (
            "Each row of your output adds up to 1: you return softmax probabilities. Return the raw scores "
            "(logits) of the last linear layer; F.cross_entropy applies the softmax itself, and softmax twice "
            "makes training slow."
        )
    return ""


def _as_forward(fn_or_model: object) -> Callable[[torch.Tensor], object]:
    if isinstance(fn_or_model, type):
        if issubclass(fn_or_model, torch.nn.Module):
            return fn_or_model()
        raise ValueError(f"pass an nn.Module or a function, not the class {fn_or_model.__name__}")
    if not callable(fn_or_model):
        raise ValueError(
            f"pass your model (an nn.Module) or a function x -> logits; got a {type(fn_or_model).__name__}"
        )
    return fn_or_model


def _eval_mode(fn_or_model: object) -> dict:
    """Switch a module to eval mode (dropout off); remembers each submodule's mode."""
    if not isinstance(fn_or_model, torch.nn.Module):
        return {}
    modes = {module: module.training for module in fn_or_model.modules()}
    fn_or_model.eval()
    return modes


def _restore_modes(modes: dict) -> None:
    for module, training in modes.items():
        module.training = training


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes: wrong stages, wrong outputs, the errors they cause
# ----------------------------------------------------------------------------------------


def _describe(steps: list[ShapeStep]) -> str:
    """'1x28x28 -> conv2d 16x28x28 -> relu -> ...': each op, with its shape when the shape changed."""
    return describe_steps(steps, DIGIT_INPUT)


def _pools(steps: list[ShapeStep]) -> list[int]:
    return [i for i, step in enumerate(steps) if "pool" in step.op and len(step.shape) == 4]


def _convs(steps: list[ShapeStep]) -> list[int]:
    return [i for i, step in enumerate(steps) if step.op.startswith("conv") and len(step.shape) == 4]


def _explain_output(shape: tuple | str, batch: int) -> str:
    want = (batch, DIGIT_CLASSES)
    if shape == (DIGIT_CLASSES,):
        return (
            f"Your output has shape {shape}: the batch axis is gone. Return one row per image, shape {want}: "
            "flatten with x.flatten(1) or nn.Flatten(), not torch.flatten(x) or x.view(-1)."
        )
    if isinstance(shape, tuple) and len(shape) == 2 and shape[0] == batch:
        return (
            f"Your output has {shape[1]} numbers per image; the last layer needs {DIGIT_CLASSES} outputs, "
            "one score per digit: nn.Linear(128, 10)."
        )
    return f"Your output has shape {shape}; it should be {want}: one row of {DIGIT_CLASSES} scores per image."


def _stage_problem(steps: list[ShapeStep], first_ok: bool, second_ok: bool) -> str:
    """Which stage is wrong and why, from the shapes seen ('' if both stages were reached)."""
    if first_ok and second_ok:
        return ""
    stage = 0 if not first_ok else 1
    want = map_size((0, *DIGIT_STAGES[stage]))
    which = ("first", "second")[stage]
    convs, pools = _convs(steps), _pools(steps)
    conv = steps[convs[stage]].shape if len(convs) > stage else None
    if len(pools) <= stage:
        if conv is None:
            return f"Your forward pass never reached a {which} convolution, so no maps of {want}."
        return (
            f"I found no {which} pooling: after the {which} convolution the maps are {map_size(conv)} and stay that "
            f"size. Max pooling with a 2x2 window (nn.MaxPool2d(2) or F.max_pool2d(x, 2)) halves them to {want}."
        )
    pool = steps[pools[stage]].shape
    if stage == 0 and len(convs) > 1 and convs[1] < pools[0]:
        return (
            f"Your first pooling comes after two convolutions, and its maps are {map_size(pool)}, not {want}."
            "\nLikely cause: pool after each convolution: conv, ReLU, pool, then conv, ReLU, pool."
        )
    said = f"After your {which} pooling the maps are {map_size(pool)}, but they should be {want}."
    before_pool = steps[pools[stage] - 1].shape if pools[stage] > 0 else None
    return core.with_causes(said, _stage_causes(stage, conv, pool, before_pool))


def _stage_causes(stage: int, conv: tuple | None, pool: tuple, before_pool: tuple | None) -> list[str]:
    want = DIGIT_STAGES[stage]
    which = ("first", "second")[stage]
    size_in = DIGIT_INPUT[1] if stage == 0 else DIGIT_STAGES[0][1]
    causes = []
    if conv is not None and conv[1] != want[0]:
        in_channels = DIGIT_INPUT[0] if stage == 0 else DIGIT_STAGES[0][0]
        causes.append(
            f"your {which} convolution makes {conv[1]} maps; it should have {want[0]} filters: "
            f"nn.Conv2d({in_channels}, {want[0]}, kernel_size=5, padding=2)."
        )
    if conv is not None and conv[2:] != (size_in, size_in):
        lost = size_in - conv[2]
        if lost > 0:
            causes.append(
                f"your {which} convolution shrinks the maps from {size_in}x{size_in} to {conv[2]}x{conv[3]}: a 5x5 "
                f"kernel without enough padding loses {lost} pixels. Use padding=2, (5 - 1) / 2, to keep the size."
            )
        else:
            causes.append(
                f"your {which} convolution grows the maps from {size_in}x{size_in} to {conv[2]}x{conv[3]}: "
                "with a 5x5 kernel, padding=2 keeps the size; more padding adds pixels."
            )
    if before_pool is not None and len(before_pool) == 4 and pool[2] * 2 != before_pool[2]:
        factor = before_pool[2] / pool[2] if pool[2] else float("inf")
        causes.append(
            f"your pooling shrinks {before_pool[2]}x{before_pool[3]} to {pool[2]}x{pool[3]} (about {factor:.0f} times "
            "smaller); a 2x2 window with stride 2 halves each side: nn.MaxPool2d(2)."
        )
    if not causes:
        causes.append(
            "follow the shapes: 28x28 -> convolution (padding 2) 28x28 -> pooling 14x14 -> convolution "
            "14x14 -> pooling 7x7, with 16 then 36 channels."
        )
    return causes


def _explain_error(steps: list[ShapeStep], error: Exception) -> str:
    """Plain words for the errors a wrong shape causes in PyTorch layers."""
    text = str(error)
    flat = [step for step in steps if len(step.shape) == 1]
    if flat and any(len(step.shape) == 4 for step in steps):
        return (
            f"Likely cause: you flattened the batch axis too (a {flat[0].op} gave shape {flat[0].shape}). "
            "x.flatten(1) or nn.Flatten() keeps one row per image; torch.flatten(x) and x.view(-1) make one long "
            "vector of all the images."
        )
    if product := re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", text):
        return _explain_dense_sizes(steps, int(product.group(2)), int(product.group(3)))
    if channels := re.search(r"expected input\[[^\]]*\] to have (\d+) channels, but got (\d+) channels", text):
        expected, got = channels.groups()
        return (
            f"Likely cause: a convolution expects {expected} input channels but receives {got} maps. Its "
            f"in_channels must equal the out_channels of the layer before: nn.Conv2d({got}, ...)."
        )
    if isinstance(error, TypeError) and "argument" in text:
        return "Likely cause: your forward must take one argument, the batch x, and return the logits."
    return ""


def _explain_dense_sizes(steps: list[ShapeStep], got: int, expected: int) -> str:
    """A dense layer received ``got`` numbers per image where it expects ``expected``."""
    maps = [step.shape for step in steps if len(step.shape) == 4]
    last = f" (your last maps are {map_size(maps[-1])} = {got})" if maps and _numel(maps[-1][1:]) == got else ""
    want = DIGIT_STAGES[1]
    hint = ""
    if expected == _numel(want):
        hint = (
            f" It expects the second pooling's {map_size((0, *want))} = {expected} numbers, so the maps before it "
            "have the wrong size."
        )
    return f"Likely cause: a dense layer receives {got} numbers per image{last} but expects {expected}.{hint}"


def _numel(sizes: tuple[int, ...]) -> int:
    """The number of values in a tensor of these sizes (1 for none)."""
    product = 1
    for size in sizes:
        product *= size
    return product
