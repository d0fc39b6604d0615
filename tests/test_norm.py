"""Batch normalization from scratch against nn.BatchNorm2d: forward, backward, running statistics."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from course_utils.ops import BatchNorm2d, batch_norm2d, group_norm

shapes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 5)).filter(
    lambda s: s[0] * s[2] * s[3] > 1  # training needs two values per channel, in PyTorch too
)


def reference(channels, momentum, seed):
    """nn.BatchNorm2d in float64 with random gamma and beta (and, for eval, random running stats)."""
    generator = torch.Generator().manual_seed(seed)
    layer = nn.BatchNorm2d(channels, momentum=momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.randn(channels, generator=generator, dtype=torch.float64))
        layer.bias.copy_(torch.randn(channels, generator=generator, dtype=torch.float64))
    return layer


def forward_and_grads(function, x, grad_out, *params):
    x = x.clone().requires_grad_()
    out = function(x)
    out.backward(grad_out)
    return [out.detach(), x.grad] + [p.grad for p in params]


@given(shape=shapes, steps=st.integers(1, 4), momentum=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_training_steps_then_eval_equal_nn_batchnorm2d(shape, steps, momentum, seed):
    generator = torch.Generator().manual_seed(seed)
    layer = reference(shape[1], momentum, seed)
    gamma = layer.weight.detach().clone().requires_grad_()
    beta = layer.bias.detach().clone().requires_grad_()
    running_mean, running_var = layer.running_mean.clone(), layer.running_var.clone()

    for training in [True] * steps + [False]:
        layer.train(training)
        x = 3 * torch.randn(shape, generator=generator, dtype=torch.float64) + 2
        grad_out = torch.randn(shape, generator=generator, dtype=torch.float64)
        for p in (gamma, beta, layer.weight, layer.bias):
            p.grad = None
        ours = forward_and_grads(
            lambda x: batch_norm2d(x, gamma, beta, running_mean, running_var, training, momentum),  # noqa: B023
            x,
            grad_out,
            gamma,
            beta,
        )
        theirs = forward_and_grads(layer, x, grad_out, layer.weight, layer.bias)
        for name, a, b in zip(["output", "grad x", "grad gamma", "grad beta"], ours, theirs, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9, msg=f"{name} (training={training})")
        torch.testing.assert_close(running_mean, layer.running_mean, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(running_var, layer.running_var, rtol=1e-12, atol=1e-12)


@given(shape=shapes, seed=st.integers(0, 2**16))
def test_the_module_is_a_drop_in_for_nn_batchnorm2d(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    ours, theirs = BatchNorm2d(shape[1], momentum=0.3), nn.BatchNorm2d(shape[1], momentum=0.3)
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        x = torch.randn(shape, generator=generator) * 2 - 1
        torch.testing.assert_close(ours(x), theirs(x))
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)


def test_training_output_has_mean_beta_and_std_gamma_per_channel():
    """The definition, without PyTorch's layer: per channel, mean -> beta, (biased) std -> |gamma|."""
    x = torch.randn(8, 3, 5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 7 + 4
    gamma, beta = (
        torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64),
        torch.tensor([0.0, -1.0, 3.0], dtype=torch.float64),
    )
    out = batch_norm2d(x, gamma, beta, eps=0.0)
    torch.testing.assert_close(out.mean(dim=(0, 2, 3)), beta)
    torch.testing.assert_close(out.std(dim=(0, 2, 3), correction=0), gamma.abs())


def test_running_statistics_by_hand():
    x = torch.tensor([1.0, 3.0, 5.0, 7.0]).reshape(4, 1, 1, 1)  # mean 4, unbiased variance 20 / 3
    running_mean, running_var = torch.zeros(1), torch.ones(1)
    batch_norm2d(x, torch.ones(1), torch.zeros(1), running_mean, running_var, momentum=0.5)
    torch.testing.assert_close(running_mean, torch.tensor([0.5 * 0 + 0.5 * 4]))
    torch.testing.assert_close(running_var, torch.tensor([0.5 * 1 + 0.5 * 20 / 3]))
    # Evaluation uses them: (x - 2) / sqrt(23 / 6 + eps) for the first value, x = 1.
    out = batch_norm2d(x, torch.ones(1), torch.zeros(1), running_mean, running_var, training=False, eps=0.0)
    torch.testing.assert_close(out[0].flatten(), torch.tensor([-1 / (23 / 6) ** 0.5]))


@given(
    shape=st.tuples(st.integers(1, 3), st.sampled_from([1, 2, 4, 6]), st.integers(1, 4), st.integers(1, 4)),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_group_norm_equals_pytorch(shape, data, seed):
    channels = shape[1]
    groups = data.draw(st.sampled_from([g for g in range(1, channels + 1) if channels % g == 0]))
    assume(channels // groups * shape[2] * shape[3] > 1)  # a group of one value has no variance to normalise by
    generator = torch.Generator().manual_seed(seed)
    x, gamma, beta = (torch.randn(s, generator=generator, dtype=torch.float64) for s in (shape, channels, channels))
    torch.testing.assert_close(group_norm(x, groups, gamma, beta), F.group_norm(x, groups, gamma, beta))
    if groups == channels:  # one channel per group: instance normalisation
        torch.testing.assert_close(group_norm(x, groups, gamma, beta), F.instance_norm(x, weight=gamma, bias=beta))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: batch_norm2d(torch.ones(3, 4, 4), torch.ones(3), torch.zeros(3)),
            r"\(N, C, H, W\), got \(3, 4, 4\).*x\[None\]",
        ),
        (
            lambda: batch_norm2d(torch.ones(2, 3, 4, 4), torch.ones(4), torch.zeros(3)),
            r"gamma has shape \(4,\) but x has 3 channels",
        ),
        (
            lambda: batch_norm2d(torch.ones(2, 3, 4, 4), torch.ones(3), torch.zeros(3), torch.zeros(2), torch.ones(3)),
            r"running_mean has shape \(2,\) but x has 3 channels; running_mean needs one value per channel",
        ),
        (
            lambda: batch_norm2d(torch.ones(1, 2, 1, 1), torch.ones(2), torch.zeros(2)),
            r"more than one value per channel",
        ),
        (
            lambda: batch_norm2d(torch.ones(2, 2, 1, 1), torch.ones(2), torch.zeros(2), training=False),
            r"training=False normalises with running_mean and running_var; pass both",
        ),
        (
            lambda: group_norm(torch.ones(2, 6, 3, 3), 4, torch.ones(6), torch.zeros(6)),
            r"num_groups=4 must be a divisor of the 6 channels",
        ),
        (
            lambda: group_norm(torch.ones(2, 6, 3, 3), 2, torch.ones(6), torch.zeros(5)),
            r"beta has shape \(5,\) but x has 6",
        ),
    ],
)
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
