"""The self-check of lesson 06's exercise: the forward pass of batch normalization, compared with PyTorch.

The exercise asks for the forward pass in training mode, ``my_batch_norm(x, gamma, beta, eps=1e-5)``:
``x`` of shape ``(N, C, H, W)``, ``gamma`` and ``beta`` of shape ``(C,)``; for each channel ``c``, over
its ``N * H * W`` values, with the biased variance,
``y = gamma[c] * (x - mean_c) / sqrt(var_c + eps) + beta[c]``, the same shape as ``x``
(Ioffe and Szegedy, 2015). ``check_batch_norm(my_batch_norm)`` explains the first case it gets wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import core

_SHOW_CHANNEL_AT_MOST = 16  # list one channel's values when it has at most this many


@dataclass(frozen=True)
class BatchNormCase:
    """One call of the student's batch norm: ``fn(x, gamma, beta, eps=eps)``, float32 tensors."""

    name: str
    x: torch.Tensor  # (N, C, H, W)
    gamma: torch.Tensor  # (C,)
    beta: torch.Tensor  # (C,)
    eps: float = 1e-5

    def expected(self) -> np.ndarray:
        """PyTorch's output: ``F.batch_norm`` in training mode, computed in float64."""
        out = F.batch_norm(
            self.x.double(), None, None, self.gamma.double(), self.beta.double(), training=True, eps=self.eps
        )
        return out.numpy()

    def variant(
        self,
        dims: tuple[int, ...] = (0, 2, 3),
        correction: int = 0,
        eps: str = "inside",
        scale_shift: str = "right",
        divide_by: str = "std",
    ) -> np.ndarray:
        """The output of a batch norm computed another way: what a typical mistake gives (float64).

        ``dims``: axes the statistics are taken over; ``correction``: 1 for the unbiased
        variance; ``eps``: "inside" the square root, "outside" it, or "none";
        ``scale_shift``: "right", "swapped", "none", or "last axis" (gamma and beta
        broadcast against W); ``divide_by``: "std", "var" or "nothing".
        """
        x = self.x.double()
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, keepdim=True, correction=correction)
        eps_value = 0.0 if eps == "none" else self.eps
        if divide_by == "nothing":
            x_hat = x - mean
        elif divide_by == "var":
            x_hat = (x - mean) / (var + eps_value)
        elif eps == "outside":
            x_hat = (x - mean) / (var.sqrt() + eps_value)
        else:
            x_hat = (x - mean) / (var + eps_value).sqrt()
        gamma, beta = self.gamma.double(), self.beta.double()
        if scale_shift == "none":
            return x_hat.numpy()
        if scale_shift == "last axis":
            return (gamma * x_hat + beta).numpy()  # broadcasts against W, the last axis
        if scale_shift == "swapped":
            gamma, beta = beta, gamma
        return (gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)).numpy()

    def arguments(self) -> core.Arguments:
        return core.Arguments((self.x.clone(), self.gamma.clone(), self.beta.clone()), {"eps": self.eps})

    def call(self) -> str:
        n, c, h, w = self.x.shape
        return (
            f"fn(x, gamma, beta, eps={self.eps:g}) with x of shape ({n}, {c}, {h}, {w}) (N, C, H, W), "
            f"gamma = {_short(self.gamma)}, beta = {_short(self.beta)}"
        )


def check_batch_norm(fn: Callable[..., torch.Tensor], verbose: bool = True) -> core.CheckResult:
    """Check a student's batch normalization (training mode) against ``torch.nn.functional.batch_norm``.

    ``fn(x, gamma, beta, eps=1e-5)`` takes a float32 tensor ``x`` of shape ``(N, C, H, W)`` and
    ``gamma``, ``beta`` of shape ``(C,)``, and returns, with the same shape as ``x``,

    .. math:: y = \\gamma_c \\frac{x - \\mu_c}{\\sqrt{\\sigma_c^2 + \\epsilon}} + \\beta_c

    where :math:`\\mu_c` and :math:`\\sigma_c^2` are the mean and the *biased* variance of
    channel ``c`` over its ``N * H * W`` values (Ioffe and Szegedy, 2015). A tensor or a
    NumPy array may be returned.

    The cases go from one channel of 8 numbers to several channels on different scales,
    per-channel gamma and beta, a single image, non-square maps, a large eps, a constant
    channel and values far from zero. The first wrong one is explained: the likely mistake
    (statistics over the wrong axes, the unbiased variance, gamma and beta swapped, eps in
    the wrong place, ...), the first value that differs, or the error raised. Prints the
    verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def whole_batch(x, gamma, beta, eps=1e-5):
    ...     x_hat = (x - x.mean()) / torch.sqrt(x.var(correction=0) + eps)
    ...     return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
    >>> result = check_batch_norm(whole_batch, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 1)
    >>> print(result.message.splitlines()[-1])  # doctest: +ELLIPSIS
    Likely cause: you normalised over the whole batch at once, all channels together...
    """
    return core.run_cases(fn, BATCH_NORM, verbose)


def batch_norm_cases() -> list[BatchNormCase]:
    """The exercise's cases, simple first; every tensor is float32, as in a network."""
    generator = torch.Generator().manual_seed(2015)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator)

    def case(name: str, x: torch.Tensor, gamma: list[float], beta: list[float], eps: float = 1e-5) -> BatchNormCase:
        return BatchNormCase(name, x.float(), torch.tensor(gamma), torch.tensor(beta), eps)

    worked = torch.tensor([2.0, 4, 4, 4, 5, 5, 7, 9]).reshape(8, 1, 1, 1)
    scales = torch.cat([randn(4, 1, 2, 2), 100 + 10 * randn(4, 1, 2, 2)], dim=1)  # channel 1 near 100
    offsets = randn(3, 2, 4, 4) + torch.tensor([-5.0, 0, 5]).reshape(3, 1, 1, 1)  # each image shifted
    constant = torch.cat([randn(4, 1, 3, 3), torch.full((4, 1, 3, 3), 7.0)], dim=1)
    far = 300 + randn(4, 2, 3, 3)
    return [
        case("one channel, a batch of 8 single numbers (2, 4, 4, 4, 5, 5, 7, 9), gamma 3, beta 0.5",
             worked, [3.0], [0.5]),
        case("two channels on very different scales: channel 0 near 0, channel 1 near 100 (gamma 1, beta 0)",
             scales, [1.0, 1.0], [0.0, 0.0]),
        case("three channels with their own gamma and beta, a batch of 2 maps of 3x3",
             2 * randn(2, 3, 3, 3) + 1, [0.5, 2.0, -1.0], [1.0, -2.0, 0.25]),
        case("a batch of 3 images, each shifted by its own offset (-5, 0, +5)", offsets, [1.5, 0.5], [0.0, 1.0]),
        case("a single image (N = 1): the statistics come from H and W alone",
             3 * randn(1, 2, 4, 5) - 1, [1.0, 2.0], [0.5, -0.5]),
        case("non-square maps, C, H and W all different: (2, 3, 4, 5)", randn(2, 3, 4, 5) * 2,
             [1.0, -0.5, 2.0], [0.0, 1.0, -1.0]),
        case("a large eps = 0.1, a batch of 4 maps of 2x2", randn(4, 2, 2, 2), [1.0, 2.0], [0.0, 0.5], eps=0.1),
        case("a constant channel: every value of channel 1 is 7, so its variance is 0 and its output is beta",
             constant, [2.0, 3.0], [-1.0, 0.5]),
        case("16 channels, a batch of 8 maps of 7x7 (real numbers)", 4 * randn(8, 16, 7, 7) + 2,
             (1 + randn(16)).tolist(), randn(16).tolist()),
        case("values far from 0: mean 300, spread 1", far, [1.0, 2.0], [0.0, 0.0]),
    ]  # fmt: skip


def _fmt(value: float) -> str:
    """A number in at most 4 significant digits, with round-off dust near 0 shown as 0."""
    return f"{round(float(value), 6) + 0.0:.4g}"


def _short(values: torch.Tensor) -> str:
    """A per-channel vector in a few characters: '[3]', '[0.5, 2, -1]', or its shape when long."""
    if values.numel() > 4:
        return f"a tensor of shape {tuple(values.shape)}"
    return "[" + ", ".join(f"{v:g}" for v in values.tolist()) + "]"


# ----------------------------------------------------------------------------------------
# Judging one result
# ----------------------------------------------------------------------------------------


def _run_batch_norm_case(fn: Callable[..., torch.Tensor], case: BatchNormCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    return core.try_case(fn, case, BATCH_NORM)


def _judge(case: BatchNormCase, result: object, given: core.Arguments) -> str:
    """Empty if ``result`` is right for ``case``; else what went wrong, in words."""
    if isinstance(result, torch.Tensor):
        result = result.detach().cpu()
    got = core.float_array(result)
    if got is None:
        return core.not_an_array(result, "a tensor or an array")
    if not torch.equal(given.args[0], case.x):
        return (
            "Your function changed x in place (x -= ... or x /= ... on the tensor you were given). "
            "Compute on new tensors, x_hat = (x - mean) / ..., so that the caller's x stays as it was."
        )
    expected = case.expected()
    if got.shape != expected.shape:
        return _explain_batch_norm_shape(case, got.shape)
    if not np.isfinite(got).all():
        return _explain_not_finite(case)
    return "" if core.same(got, expected) else _explain_batch_norm_values(case, got, expected)


def _batch_norm_error_hint(case: BatchNormCase, error: Exception) -> str:
    text = str(error)
    if "size of tensor" in text or "broadcast" in text:
        return (
            "gamma and beta have shape (C,), which lines up with the last axis (W) of x. Reshape them to "
            "(1, C, 1, 1), gamma.reshape(1, -1, 1, 1), so that they match the channel axis of (N, C, H, W)."
        )
    return ""


def _explain_batch_norm_shape(case: BatchNormCase, got: tuple[int, ...]) -> str:
    n, c, h, w = case.x.shape
    said = f"Batch norm returns the same shape as x, {(n, c, h, w)}, but yours is {got}."
    if got in ((c,), (1, c, 1, 1)):
        cause = "you returned one number per channel (a mean or a variance), not the normalised x."
    elif len(got) != 4:
        cause = "a mean or sum without keepdim=True dropped an axis; keep all four (N, C, H, W)."
    else:
        cause = "gamma or beta broadcast against the wrong axis; reshape them to (1, C, 1, 1)."
    return core.with_causes(said, [cause])


def _explain_not_finite(case: BatchNormCase) -> str:
    said = "Your output contains NaN or infinity."
    if bool((case.x.var(dim=(0, 2, 3), correction=0) == 0).any()):
        cause = (
            "a constant channel has variance 0, and you divided by sqrt(0) = 0. That is what "
            "eps is for: divide by sqrt(var + eps), with eps inside the square root."
        )
    elif case.x.shape[0] * case.x.shape[2] * case.x.shape[3] > 1 and case.x.shape[0] == 1:
        cause = (
            "with a single image (N = 1), statistics over the batch axis alone have only one "
            "value per position, so its (unbiased) variance is undefined. Take the statistics over N, H and W."
        )
    else:
        cause = "a division by a variance of 0; divide by sqrt(var + eps)."
    return core.with_causes(said, [cause])


def _explain_batch_norm_values(case: BatchNormCase, got: np.ndarray, expected: np.ndarray) -> str:
    first, said = core.first_difference(got, expected, number=_fmt)
    channel = first[1]
    mine, theirs = got[:, channel], expected[:, channel]
    lines = [
        said,
        f"In channel {channel} your output has mean {_fmt(mine.mean())} and standard deviation {_fmt(mine.std())}; "
        f"PyTorch's has mean {_fmt(theirs.mean())} (beta[{channel}]) and standard deviation {_fmt(theirs.std())} "
        f"(about |gamma[{channel}]|).",
    ]
    if mine.size <= _SHOW_CHANNEL_AT_MOST:
        lines += [
            f"Channel {channel}, all its values in order:",
            f"  expected {core.show_array(theirs.ravel())}",
            f"  got      {core.show_array(mine.ravel())}",
        ]
    causes = core.likely_causes(got, _batch_norm_value_mistakes(case))
    if not causes and float(case.x.abs().mean()) > 100 * float(case.x.std()):
        causes = [
            "these values sit far from 0 (about 300) with a spread of only 1. Computing the variance as "
            "mean(x**2) - mean(x)**2 subtracts two numbers near 90,000 and loses most digits in float32. "
            "Subtract the mean first: mean((x - mean)**2)."
        ]
    return core.with_causes("\n".join(lines), causes)


# ----------------------------------------------------------------------------------------
# The catalogue of typical mistakes
# ----------------------------------------------------------------------------------------


def _batch_norm_value_mistakes(case: BatchNormCase) -> list[core.Mistake]:
    """Outputs that typical mistakes produce (with the right shape), and what to say."""
    right = case.expected()
    n, c, h, w = case.x.shape
    per_channel = "one mean and one variance per channel, over the N, H and W axes: x.mean(dim=(0, 2, 3))"
    mistakes = [
        (
            case.variant(dims=(0, 1, 2, 3)),
            f"you normalised over the whole batch at once, all channels together. Batch norm computes {per_channel}.",
        ),
        (
            case.variant(dims=(2, 3)),
            "you normalised each image's channels on their own, over H and W only (that is instance "
            f"normalisation). Batch norm also averages over the images of the batch: {per_channel}.",
        ),
        (
            case.variant(dims=(1, 2, 3)),
            "you normalised each image over all its channels (that is layer normalisation). Batch norm "
            f"normalises each channel across the batch: {per_channel}.",
        ),
        (
            case.variant(dims=(0,)),
            "you averaged over the batch axis only, so every pixel position got its own mean and variance. "
            f"In a convolutional layer a channel shares them over all positions: {per_channel}.",
        ),
        (
            case.variant(correction=1),
            f"you used the unbiased variance, dividing by n - 1 = {n * h * w - 1} (the default of torch.var and "
            f"x.std()). Batch norm normalises with the biased variance, dividing by n = N * H * W = {n * h * w}: "
            "x.var(dim=(0, 2, 3), correction=0), or ((x - mean) ** 2).mean(...).",
        ),
        (
            case.variant(scale_shift="swapped"),
            "gamma and beta are swapped. gamma scales and beta shifts: y = gamma * x_hat + beta, as in Ioffe and "
            "Szegedy (2015). (Some texts swap the two letters.)",
        ),
        (
            case.variant(scale_shift="none"),
            "you returned x_hat, the normalised values: scale them by gamma and shift them by beta, per channel.",
        ),
        (
            case.variant(eps="outside"),
            "eps belongs inside the square root: (x - mean) / sqrt(var + eps), not / (sqrt(var) + eps).",
        ),
        (
            case.variant(eps="none"),
            f"you left out eps (here {case.eps:g}): divide by sqrt(var + eps). It keeps a channel with a tiny "
            "variance from blowing up.",
        ),
        (
            case.variant(divide_by="var"),
            "you divided by the variance. Divide by its square root, the standard deviation: sqrt(var + eps).",
        ),
        (
            case.variant(divide_by="nothing"),
            "you subtracted the mean but did not divide by the standard deviation, sqrt(var + eps).",
        ),
    ]
    if w == c:  # only then does broadcasting against the last axis run without an error
        mistakes.append(
            (
                case.variant(scale_shift="last axis"),
                "gamma and beta line up with the last axis (W), not with the channels: gamma * x_hat broadcasts "
                "(C,) against W. Reshape them to (1, C, 1, 1): gamma.reshape(1, -1, 1, 1).",
            )
        )
    # A mistake that changes nothing in this case (one channel, H = W = 1, ...) cannot be the cause.
    return core.possible_mistakes(mistakes, right)


BATCH_NORM = core.Exercise(
    cases=batch_norm_cases,
    judge=_judge,
    usage="Your function must accept fn(x, gamma, beta, eps=1e-5), with those names.",
    all_passed="your batch norm matches PyTorch's batch_norm in training mode, per channel, with gamma and beta, "
    "any batch size, eps, a constant channel and values far from 0.",
    error_hint=_batch_norm_error_hint,
)
