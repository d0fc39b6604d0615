"""check_batch_norm accepts correct solutions (torch, NumPy, autograd) and explains typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import course_utils.checks.batch_norm as checks_module
from course_utils.checks import CheckResult


def student_batch_norm(x, gamma, beta, eps=1e-5, *, mistake=None):
    """A solution as a student writes it with torch; ``mistake`` switches on one typical bug."""
    import torch

    axes = {"whole batch": (0, 1, 2, 3), "per image": (1, 2, 3), "per image channel": (2, 3), "batch axis": (0,)}
    dims = axes.get(mistake, (0, 2, 3))
    mean = x.mean(dim=dims, keepdim=True)
    if mistake == "unbiased":
        var = x.var(dim=dims, keepdim=True)  # torch's default divides by n - 1
    elif mistake == "naive variance":
        var = (x**2).mean(dim=dims, keepdim=True) - mean**2
    else:
        var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    if mistake == "no eps":
        eps = 0.0
    if mistake == "eps outside":
        x_hat = (x - mean) / (torch.sqrt(var) + eps)
    elif mistake == "divides by variance":
        x_hat = (x - mean) / (var + eps)
    elif mistake == "only centres":
        x_hat = x - mean
    else:
        x_hat = (x - mean) / torch.sqrt(var + eps)
    if mistake == "swapped":
        gamma, beta = beta, gamma
    if mistake == "no gamma beta":
        return x_hat
    if mistake == "last axis":
        return gamma * x_hat + beta
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)


def wrong_batch_norm(mistake: str):
    def fn(x, gamma, beta, eps=1e-5):
        return student_batch_norm(x, gamma, beta, eps, mistake=mistake)

    return fn


def test_a_correct_batch_norm_passes_every_case(capsys) -> None:
    result = checks_module.check_batch_norm(student_batch_norm)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.batch_norm_cases()) >= 10
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_numpy_pytorch_and_the_course_reference_pass() -> None:
    import torch
    import torch.nn.functional as F

    from course_utils.ops import batch_norm2d

    def with_numpy(x, gamma, beta, eps=1e-5):  # an array is accepted too; np.var is the biased one
        x, gamma, beta = x.numpy(), gamma.numpy()[None, :, None, None], beta.numpy()[None, :, None, None]
        mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
        return gamma * (x - mean) / np.sqrt(var + eps) + beta

    def with_torch(x, gamma, beta, eps=1e-5):
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)

    def with_autograd(x, gamma, beta, eps=1e-5):  # a result that requires grad is fine
        return batch_norm2d(x, gamma.requires_grad_(), beta, eps=eps)

    for fn in (with_numpy, with_torch, with_autograd):
        assert checks_module.check_batch_norm(fn, verbose=False).passed, fn.__name__
    assert torch.is_tensor(with_torch(*_first_case_arguments()))


def _first_case_arguments():
    case = checks_module.batch_norm_cases()[0]
    return case.x, case.gamma, case.beta


def test_batch_norm_cases_go_from_the_worked_example_to_hard_ones() -> None:
    import torch

    cases = checks_module.batch_norm_cases()
    first = cases[0]
    assert first.expected().ravel().tolist() == pytest.approx([-4, -1, -1, -1, 0.5, 0.5, 3.5, 6.5], abs=1e-4)
    assert all(c.x.dtype == torch.float32 and c.x.ndim == 4 for c in cases)
    assert any(c.x.shape[0] == 1 for c in cases)  # a single image
    assert any(len(set(c.x.shape[1:])) == 3 for c in cases)  # C, H and W all different
    assert any(c.eps != 1e-5 for c in cases)
    assert any((c.x.var(dim=(0, 2, 3)) == 0).any() for c in cases)  # a constant channel
    assert any(c.x.mean() > 100 * c.x.std() for c in cases)  # far from 0
    assert any(not torch.equal(c.gamma, c.gamma[:1].expand_as(c.gamma)) for c in cases)  # per-channel gamma


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("whole batch", "you normalised over the whole batch at once, all channels together"),
        ("per image", "that is layer normalisation"),
        ("per image channel", "that is instance normalisation"),
        ("batch axis", "you averaged over the batch axis only"),
        ("unbiased", "you used the unbiased variance, dividing by n - 1 = 7"),
        ("swapped", "gamma and beta are swapped"),
        ("no gamma beta", "you returned x_hat"),
        ("eps outside", "eps belongs inside the square root"),
        ("no eps", "you left out eps (here 0.1)"),
        ("divides by variance", "you divided by the variance"),
        ("only centres", "did not divide by the standard deviation"),
        ("last axis", "gamma and beta line up with the last axis (W)"),
        ("naive variance", "mean(x**2) - mean(x)**2"),
    ],
)
def test_a_typical_batch_norm_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_batch_norm(wrong_batch_norm(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_the_first_wrong_value_and_the_channel_statistics_are_reported() -> None:
    message = checks_module.check_batch_norm(wrong_batch_norm("swapped"), verbose=False).message
    assert "The first is output[0, 0, 0, 0]: expected -4, got 2.25." in message
    assert "In channel 0 your output has mean 3 and standard deviation 0.5; PyTorch's has mean 0.5" in message
    assert "expected [-4.  -1.  -1.  -1.   0.5  0.5  3.5  6.5]" in message


def test_changing_x_in_place_is_explained() -> None:
    def in_place(x, gamma, beta, eps=1e-5):
        x -= x.mean(dim=(0, 2, 3), keepdim=True)
        return student_batch_norm(x, gamma, beta, eps)

    result = checks_module.check_batch_norm(in_place, verbose=False)
    assert result.cases_passed == 0 and "changed x in place" in result.message


def test_a_constant_channel_without_eps_is_explained() -> None:
    case = next(c for c in checks_module.batch_norm_cases() if "constant" in c.name)
    problem = checks_module._run_batch_norm_case(wrong_batch_norm("no eps"), case)
    assert "NaN or infinity" in problem and "a constant channel has variance 0" in problem


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (lambda x, gamma, beta, eps=1e-5: None, "did you forget to return"),
        (lambda x, gamma, beta, eps=1e-5: x.mean(dim=(0, 2, 3)), "one number per channel"),
        (lambda x, gamma, beta, eps=1e-5: x[:, :, 0], "without keepdim=True dropped an axis"),
        (lambda x, gamma, beta: x, "fn(x, gamma, beta, eps=1e-5)"),
        (lambda x, gamma, beta, eps=1e-5: "normalised", "returned a str"),
    ],
)
def test_wrong_returns_and_signatures_are_explained(fn, says) -> None:
    result = checks_module.check_batch_norm(fn, verbose=False)
    assert result.cases_passed == 0 and says in result.message


def test_a_broadcasting_error_gets_the_reshape_hint() -> None:
    # gamma of shape (C,) against (N, C, H, W) raises when W != C; the hint names the fix.
    def unreshaped(x, gamma, beta, eps=1e-5):
        return gamma * student_batch_norm(x, gamma.new_ones(gamma.shape), gamma.new_zeros(gamma.shape), eps) + beta

    case = next(c for c in checks_module.batch_norm_cases() if c.x.shape[1] not in (1, c.x.shape[3]))
    problem = checks_module._run_batch_norm_case(unreshaped, case)
    assert "raised RuntimeError" in problem and "gamma.reshape(1, -1, 1, 1)" in problem


def test_every_batch_norm_case_can_be_explained() -> None:
    # The explanations compute an output for each mistake; none may crash, and each case keeps some.
    for case in checks_module.batch_norm_cases():
        assert checks_module._batch_norm_value_mistakes(case)
