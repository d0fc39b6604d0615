"""The self-check of lesson 10's VAE exercise: the loss of a variational autoencoder, compared with the reference.

The exercise asks for ``my_vae_loss(reconstruction, x, mean, log_var)``: ``reconstruction`` and ``x``
of shape ``(N, 1, 28, 28)`` in [0, 1], ``mean`` and ``log_var`` of shape ``(N, code_size)``. For each
image, the binary cross-entropy **summed** over its 784 pixels plus the KL term
:math:`-\\tfrac12 \\sum_j (1 + \\log\\sigma_j^2 - \\mu_j^2 - \\sigma_j^2)`; then the **mean** over the
images: one number (:func:`course_utils.models.vae_loss`). ``check_vae_loss(my_vae_loss)`` runs it on
cases from one image to many, and when a number comes out wrong it names the typical slip that
gives exactly that number: a missing 1/2, a sum where a mean belongs (or the reverse), a sign,
``log_var`` used as if it were the variance, squared error for cross-entropy, a term left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from course_utils.checks import core
from course_utils.models.vae import vae_loss

PIXELS = 28 * 28
RTOL = 1e-4


@dataclass(frozen=True)
class VaeLossCase:
    """One call ``fn(reconstruction, x, mean, log_var)``, float32 tensors."""

    name: str
    reconstruction: torch.Tensor
    x: torch.Tensor
    mean: torch.Tensor
    log_var: torch.Tensor

    def arguments(self) -> core.Arguments:
        tensors = (self.reconstruction, self.x, self.mean, self.log_var)
        return core.Arguments(tuple(t.clone() for t in tensors), {})

    def call(self) -> str:
        n, code = self.mean.shape
        images = f"{n} image{'s' * (n > 1)}"
        return f"fn(reconstruction, x, mean, log_var) with a batch of {images} and codes of {code}"

    def parts(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The two terms per image, in float64: summed cross-entropy and KL, each ``(N,)``."""
        bce = F.binary_cross_entropy(self.reconstruction.double(), self.x.double(), reduction="none").flatten(1)
        mean, log_var = self.mean.double(), self.log_var.double()
        kl = -0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(dim=1)
        return bce.sum(dim=1), kl

    def expected(self) -> float:
        return vae_loss(self.reconstruction.double(), self.x.double(), self.mean.double(), self.log_var.double()).item()

    def mistakes(self) -> list[core.Mistake]:
        """What each typical slip returns in this case, and what to tell the student about it."""
        bce, kl = self.parts()
        mean, log_var = self.mean.double(), self.log_var.double()
        squared = ((self.reconstruction.double() - self.x.double()) ** 2).flatten(1).sum(dim=1)
        kl_no_exp = -0.5 * (1 + log_var - mean**2 - log_var).sum(dim=1)
        kl_as_variance = -0.5 * (1 + log_var.clamp_min(1e-12).log() - mean**2 - log_var).sum(dim=1)
        kl_rule = "-0.5 * sum(1 + log_var - mean^2 - exp(log_var))"
        slips = [
            (bce + 2 * kl, f"the KL term lacks its factor 1/2: it is {kl_rule}."),
            (bce - kl, f"the KL term has the wrong sign: KL = {kl_rule} is never negative, and the loss adds it."),
            (bce / PIXELS + kl, "the cross-entropy is averaged over the 784 pixels (F.binary_cross_entropy's default "
                                "reduction='mean'); sum it over the pixels of each image, as the KL term is summed "
                                "over the code, then take the mean over the images."),
            ((bce + kl) * len(bce), "you summed over the batch: take the mean over the images, so that the loss does "
                                    "not grow with the batch size."),
            (bce / PIXELS + kl / mean.shape[1], "both terms are averaged over their numbers (pixels, code numbers); "
                                                "sum each over one image, then average over the images."),
            (bce + kl / mean.shape[1], "the KL term is averaged over the code numbers; sum it over them."),
            (bce + kl_no_exp, "the variance is exp(log_var), not log_var: the last term of the KL sum is "
                              "exp(log_var)."),
            (bce + kl_as_variance, "log_var already is the log of the variance: use it as it is, and exp(log_var) "
                                   "for the variance."),
            (squared + kl, "the reconstruction term is the squared error; this exercise uses the binary cross-entropy "
                           "(F.binary_cross_entropy with reduction='sum' per image)."),
            (bce, f"the KL term is missing: add {kl_rule} per image."),
            (kl, "the reconstruction term is missing: add the binary cross-entropy, summed over the pixels."),
        ]
        return [(per_image.mean().item(), text) for per_image, text in slips]


def check_vae_loss(fn: Callable[..., object], verbose: bool = True) -> core.CheckResult:
    """Check a VAE loss: summed cross-entropy plus KL per image, averaged over the images.

    ``fn(reconstruction, x, mean, log_var)`` must return one number (a 0-d tensor or a float).
    The cases go from one image with a code of 2 to batches of 16 with codes of 8; the first wrong
    one is explained, with the typical slip that gives exactly the number returned. Prints the
    verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> def no_half(reconstruction, x, mean, log_var):
    ...     bce = F.binary_cross_entropy(reconstruction, x, reduction="sum") / len(x)
    ...     return bce - (1 + log_var - mean**2 - log_var.exp()).sum() / len(x)
    >>> result = check_vae_loss(no_half, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 0)
    >>> print(result.message.splitlines()[-1])
    Likely cause: the KL term lacks its factor 1/2: it is -0.5 * sum(1 + log_var - mean^2 - exp(log_var)).
    """
    exercise = core.Exercise(
        cases=vae_loss_cases,
        judge=_judge,
        usage="Your function must take four arguments, my_vae_loss(reconstruction, x, mean, log_var).",
        all_passed="your loss matches the reference, from one image to batches of 16.",
        returns="the loss",
    )
    return core.run_cases(fn, exercise, verbose)


def vae_loss_cases() -> list[VaeLossCase]:
    """Cases from simple to hard, all drawn with a fixed seed."""
    generator = torch.Generator().manual_seed(10)

    def case(name: str, n: int, code: int, spread: float = 1.0) -> VaeLossCase:
        reconstruction = torch.sigmoid(torch.randn(n, 1, 28, 28, generator=generator))
        ink = (torch.rand(n, 1, 28, 28, generator=generator) > 0.7).float()
        x = ink * torch.rand(n, 1, 28, 28, generator=generator)
        mean = spread * torch.randn(n, code, generator=generator)
        log_var = spread * torch.randn(n, code, generator=generator)
        return VaeLossCase(name, reconstruction, x, mean, log_var)

    return [
        case("one image, a code of 2", 1, 2),
        case("a batch of 4 images, codes of 2", 4, 2),
        case("a batch of 16 images, codes of 8", 16, 8),
        case("a batch of 16 images, codes of 8, means and log-variances far from 0", 16, 8, spread=2.5),
    ]


def _judge(case: VaeLossCase, result: object, given: core.Arguments) -> str:
    if isinstance(result, torch.Tensor):
        if result.numel() != 1:
            return (
                f"Your function returned a tensor of shape {tuple(result.shape)}; return one number: the loss of "
                "each image, averaged over the batch (.mean())."
            )
        got = result.detach().double().item()
    elif isinstance(result, int | float):
        got = float(result)
    else:
        return core.not_an_array(result, "one number")
    expected = case.expected()
    if _close(got, expected):
        return ""
    said = f"Expected a loss of {expected:.4f}, got {got:.4f}."
    mistakes = core.possible_mistakes(case.mistakes(), expected, equal=_close)
    return core.with_causes(said, core.likely_causes(got, mistakes, equal=_close))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(b))
