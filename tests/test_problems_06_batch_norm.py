"""Problem set 06_batch_norm: every numeric answer in ``data/problems/06_batch_norm.yaml``, computed.

Batch-norm values come from ``nn.BatchNorm2d`` itself (float64, eps close to 0), initialisation
spreads from PyTorch's own gain rules, folding from running the layers, and "which values share a
mean" from changing one input value and counting the outputs that move.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-12  # PyTorch wants eps > 0; this one changes nothing at 1e-9

# ----------------------------------------------------------------------------- bn-by-hand

# One channel, two images of 2 x 2: (N, C, H, W) = (2, 1, 2, 2).
BATCH = torch.tensor([[[[7.0, 3.0], [3.0, 3.0]]], [[[3.0, 3.0], [3.0, -1.0]]]], dtype=torch.float64)


def layer_after_one_step() -> tuple[nn.BatchNorm2d, torch.Tensor]:
    layer = nn.BatchNorm2d(1, eps=EPS).double()  # running mean 0, running variance 1, momentum 0.1
    with torch.no_grad():
        layer.weight.fill_(2.0)  # gamma
        layer.bias.fill_(1.0)  # beta
        out = layer.train()(BATCH)
    return layer, out


def batch_mean() -> float:
    """With momentum 1 the running mean becomes the batch mean: read it off PyTorch."""
    layer = nn.BatchNorm2d(1, momentum=1.0, eps=EPS).double()
    layer.train()(BATCH)
    return layer.running_mean.item()


def biased_variance() -> float:
    """Training mode divides by sqrt(biased variance): gamma = 1, beta = 0 turns 7 into (7 - mean) / std."""
    layer = nn.BatchNorm2d(1, eps=EPS, affine=False).double()
    normalised_seven = layer.train()(BATCH)[0, 0, 0, 0].item()
    return ((7.0 - batch_mean()) / normalised_seven) ** 2


def eval_output_for_seven() -> float:
    layer, _ = layer_after_one_step()
    with torch.no_grad():
        return layer.eval()(BATCH)[0, 0, 0, 0].item()


# ----------------------------------------------------------------------------- initialisation-gain


def he_std(layer: nn.Conv2d | nn.Linear) -> float:
    fan_in = layer.weight[0].numel()  # the inputs of one output value: C_in * k * k
    return nn.init.calculate_gain("relu") / math.sqrt(fan_in)


def pytorch_default_std(layer: nn.Conv2d | nn.Linear) -> float:
    """PyTorch's reset_parameters: kaiming_uniform_ with a = sqrt(5), std = gain / sqrt(fan_in)."""
    fan_in = layer.weight[0].numel()
    return nn.init.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(fan_in)


def default_gain() -> float:
    layer = nn.Linear(256, 256)
    return pytorch_default_std(layer) / he_std(layer)


def layers_until(factor: float, gain: float) -> int:
    """Each Linear/Conv + ReLU layer multiplies the spread by ``gain``: layers until it has changed by ``factor``."""
    spread, layers = 1.0, 0
    while (spread > factor) if factor < 1 else (spread < factor):
        spread *= gain
        layers += 1
    return layers


# ----------------------------------------------------------------------------- fold-into-conv


def conv_and_bn() -> nn.Sequential:
    conv = nn.Conv2d(64, 128, 3, padding=1, bias=False).double()
    bn = nn.BatchNorm2d(128, eps=EPS).double()
    with torch.no_grad():
        bn.weight[0], bn.bias[0] = 2.0, 0.5  # channel 0: gamma, beta
        bn.running_mean[0], bn.running_var[0] = 3.0, 16.0
    return nn.Sequential(conv, bn).eval()


def fold(pair: nn.Sequential) -> nn.Conv2d:
    conv, bn = pair
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding).double()
    with torch.no_grad():
        folded.weight[:] = conv.weight * scale.view(-1, 1, 1, 1)
        folded.bias[:] = bn.bias - bn.running_mean * scale
    return folded


def measured_bias() -> float:
    """Output of channel 0 on an all-zero input: the convolution gives 0, so this is the folded bias."""
    with torch.no_grad():
        return conv_and_bn()(torch.zeros(1, 64, 5, 5, dtype=torch.float64))[0, 0, 2, 2].item()


def measured_scale() -> float:
    """How much channel 0 of conv + BN moves per unit of the convolution's own output."""
    pair = conv_and_bn()
    x = torch.randn(1, 64, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        conv_out = pair[0](x)[0, 0, 2, 2]
        moved = pair(x)[0, 0, 2, 2] - measured_bias()
    return (moved / conv_out).item()


# ----------------------------------------------------------------------------- who-shares-a-mean

SHAPE = (8, 32, 16, 16)


def values_per_mean(norm: Callable[[torch.Tensor], torch.Tensor]) -> int:
    """Change one input value: every value normalised with the same mean and variance moves with it."""
    x = torch.randn(SHAPE, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    nudged = x.clone()
    nudged[3, 5, 7, 9] += 1.0
    return int(((norm(nudged) - norm(x)).abs() > 1e-12).sum())


def group_norm_8(x: torch.Tensor) -> torch.Tensor:
    return F.group_norm(x, 8)


def instance_norm(x: torch.Tensor) -> torch.Tensor:
    return F.instance_norm(x)


def pair_output() -> float:
    layer = nn.BatchNorm1d(1, eps=EPS).double()
    with torch.no_grad():
        layer.weight.fill_(3.0)
        layer.bias.fill_(1.0)
        return layer.train()(torch.tensor([[10.0], [50.0]], dtype=torch.float64))[0, 0].item()


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("bn-by-hand", 1): batch_mean,
    ("bn-by-hand", 2): biased_variance,
    ("bn-by-hand", 3): lambda: layer_after_one_step()[1][0, 0, 0, 0].item(),
    ("bn-by-hand", 4): lambda: layer_after_one_step()[0].running_mean.item(),
    ("bn-by-hand", 5): lambda: layer_after_one_step()[0].running_var.item(),
    ("bn-by-hand", 6): eval_output_for_seven,
    ("initialisation-gain", 1): lambda: he_std(nn.Conv2d(128, 256, 3)),
    ("initialisation-gain", 2): default_gain,
    ("initialisation-gain", 3): lambda: layers_until(1e-3, default_gain()),
    ("initialisation-gain", 4): lambda: layers_until(1e3, 1.1),
    ("fold-into-conv", 1): lambda: sum(p.numel() for p in conv_and_bn().parameters()),
    ("fold-into-conv", 2): lambda: sum(p.numel() for p in fold(conv_and_bn()).parameters()),
    ("fold-into-conv", 3): measured_scale,
    ("fold-into-conv", 4): measured_bias,
    ("who-shares-a-mean", 1): lambda: math.prod(SHAPE) // values_per_mean(group_norm_8),
    ("who-shares-a-mean", 2): lambda: values_per_mean(group_norm_8),
    ("who-shares-a-mean", 3): lambda: values_per_mean(instance_norm),
    ("who-shares-a-mean", 4): pair_output,
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_the_statement_batch_has_mean_3_and_a_different_eval_answer():
    layer, out = layer_after_one_step()
    assert out[0, 0, 0, 0].item() != pytest.approx(eval_output_for_seven())  # eval does not use the batch
    assert out[1, 0, 0, 0].item() == pytest.approx(1.0)  # a 3 sits at the mean: it becomes beta
    assert layer.num_batches_tracked.item() == 1


def test_pytorch_default_weights_have_the_spread_of_the_formula():
    layer = nn.Linear(1024, 4096)
    assert layer.weight.std().item() == pytest.approx(pytorch_default_std(layer), rel=0.01)
    assert default_gain() == pytest.approx(1 / math.sqrt(6), rel=1e-12)


def test_a_deep_relu_stack_with_default_weights_shrinks_the_spread_by_about_the_gain_per_layer():
    torch.manual_seed(0)
    x = torch.randn(512, 1024)
    start = x.pow(2).mean().sqrt()
    for _ in range(8):
        layer = nn.Linear(1024, 1024, bias=False)
        x = torch.relu(layer(x))
    ratio = (x.pow(2).mean().sqrt() / start).item()
    assert ratio == pytest.approx(default_gain() ** 8, rel=0.3)
    assert ratio < 1e-3


def test_the_folded_convolution_gives_the_same_output_with_fewer_parameters():
    pair = conv_and_bn()
    x = torch.randn(2, 64, 9, 9, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(pair(x), fold(pair)(x), atol=1e-10)


def test_a_bias_before_batch_norm_is_removed_with_the_mean():
    conv = nn.Conv2d(4, 8, 3).double()
    bn = nn.BatchNorm2d(8).double().train()
    x = torch.randn(4, 4, 6, 6, dtype=torch.float64)
    with torch.no_grad():
        with_bias = bn(conv(x))
        conv.bias.add_(5.0)
        assert torch.allclose(bn(conv(x)), with_bias, atol=1e-10)


def test_batch_norm_and_layer_norm_share_their_means_as_the_solution_says():
    assert values_per_mean(lambda x: F.batch_norm(x, None, None, training=True)) == 8 * 16 * 16
    assert values_per_mean(lambda x: F.layer_norm(x, x.shape[1:])) == 32 * 16 * 16
    assert pair_output() == pytest.approx(-2.0) and values_per_mean(group_norm_8) == 4 * 16 * 16
