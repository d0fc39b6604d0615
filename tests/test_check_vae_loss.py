"""check_vae_loss passes the reference, reports a stub, and names each typical slip it claims to catch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import check_vae_loss
from course_utils.models import vae_loss


def student(mistake: str | None = None):
    """The exercise as a student writes it; ``mistake`` switches on one slip."""

    def my_vae_loss(reconstruction, x, mean, log_var):
        n = len(x)
        if mistake == "mse":
            reconstruction_term = ((reconstruction - x) ** 2).sum() / n
        elif mistake == "bce mean":
            reconstruction_term = F.binary_cross_entropy(reconstruction, x)
        else:
            reconstruction_term = F.binary_cross_entropy(reconstruction, x, reduction="sum") / n
        variance = log_var if mistake == "no exp" else log_var.exp()
        half = 1.0 if mistake == "no half" else 0.5
        kl = -half * (1 + log_var - mean**2 - variance).sum() / n
        if mistake == "kl mean over code":
            kl = kl / mean.shape[1]
        if mistake == "sign":
            kl = -kl
        total = reconstruction_term + kl
        if mistake == "sum over batch":
            total = total * n
        if mistake == "no kl":
            total = reconstruction_term
        if mistake == "per image":
            per_pixel = F.binary_cross_entropy(reconstruction, x, reduction="none")
            return per_pixel.flatten(1).sum(1) - 0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(1)
        return total

    return my_vae_loss


def test_a_correct_loss_and_the_reference_pass(capsys):
    assert check_vae_loss(student())
    assert check_vae_loss(vae_loss)
    assert capsys.readouterr().out.startswith("All 4 cases passed")


def test_a_stub_is_not_written_yet_and_does_not_raise():
    def my_vae_loss(reconstruction, x, mean, log_var):
        """Write the loss."""
        raise NotImplementedError("write the VAE loss")

    result = check_vae_loss(my_vae_loss, verbose=False)
    assert not result and result.message.startswith("Not written yet")


@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        ("no half", "lacks its factor 1/2"),
        ("sign", "wrong sign"),
        ("bce mean", "averaged over the 784 pixels"),
        ("sum over batch", "summed over the batch"),
        ("no exp", "the variance is exp(log_var)"),
        ("kl mean over code", "averaged over the code numbers"),
        ("mse", "squared error"),
        ("no kl", "KL term is missing"),
    ],
)
def test_each_typical_mistake_is_named(mistake, said):
    result = check_vae_loss(student(mistake), verbose=False)
    assert not result
    causes = [line for line in result.message.splitlines() if line.startswith("Likely cause")]
    assert len(causes) == 1 and said in causes[0], result.message


def test_one_number_per_image_is_refused_with_a_reason():
    result = check_vae_loss(student("per image"), verbose=False)
    assert not result and result.cases_passed == 1 and "return one number" in result.message


def test_the_sum_over_the_batch_is_not_blamed_for_a_batch_of_one():
    """With one image a sum and a mean over the batch agree: that slip shows only from the second case."""
    result = check_vae_loss(student("sum over batch"), verbose=False)
    assert result.cases_passed == 1


def test_the_reference_is_the_negative_elbo_per_image():
    torch.manual_seed(0)
    x = torch.rand(3, 1, 28, 28)
    mean, log_var = torch.zeros(3, 2), torch.zeros(3, 2)
    assert vae_loss(x.clamp(0.01, 0.99), x, mean, log_var).item() == pytest.approx(
        F.binary_cross_entropy(x.clamp(0.01, 0.99), x, reduction="sum").item() / 3, rel=1e-6
    )
