"""Problem set 03_conv_arithmetic: every numeric answer in ``data/problems/03_conv_arithmetic.yaml``, computed.

Shapes come from running the layers (on the "meta" device where only shapes matter), parameters
from ``.numel()``, multiply-adds from PyTorch's ``FlopCounterMode`` (a multiply-add is 2 FLOPs).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from measure import multiply_adds, n_params
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

# ----------------------------------------------------------------------------- resnet-stem


def stem() -> nn.Sequential:
    """ResNet's first two layers (He et al., 2016)."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.MaxPool2d(3, stride=2, padding=1),
    )


def stem_side(side: int, layers: int = 2) -> int:
    x = torch.zeros(1, 3, side, side, device="meta")
    return stem().to("meta")[:layers](x).shape[-1]


# ----------------------------------------------------------------------------- transposed-decoder


def down(n: int) -> int:
    return F.conv2d(torch.zeros(1, 1, n, n, device="meta"), torch.zeros(1, 1, 3, 3, device="meta"),
                    stride=2, padding=1).shape[-1]  # fmt: skip


def up(n: int, kernel: int, output_padding: int = 0) -> int:
    x, w = torch.zeros(1, 1, n, n, device="meta"), torch.zeros(1, 1, kernel, kernel, device="meta")
    return F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=output_padding).shape[-1]


def encoded_side(side: int = 64) -> int:
    for _ in range(3):
        side = down(side)
    return side


def other_input_with_the_same_size() -> int:
    """The one side other than 64 that the first stride-2 convolution also takes to 32."""
    (side,) = [n for n in range(1, 200) if down(n) == down(64) and n != 64]
    return side


def output_padding_needed() -> int:
    return next(op for op in (0, 1) if up(encoded_side(), 3, op) == 2 * encoded_side())


def three_up_layers(kernel: int = 4) -> int:
    side = encoded_side()
    for _ in range(3):
        side = up(side, kernel)
    return side


def checkerboard_interior(kernel: int) -> torch.Tensor:
    flat = torch.ones(1, 1, 8, 8)
    out = F.conv_transpose2d(flat, torch.ones(1, 1, kernel, kernel), stride=2, padding=1)[0, 0]
    return out[2:-2, 2:-2]


# ----------------------------------------------------------------------------- separable-budget


def standard() -> nn.Conv2d:
    return nn.Conv2d(128, 256, 3, padding=1, bias=False)


def separable(groups: int = 128) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(128, 128, 3, padding=1, groups=groups, bias=False),  # depthwise: space
        nn.Conv2d(128, 256, 1, bias=False),  # pointwise: channels
    )


MAP = (128, 28, 28)

# ----------------------------------------------------------------------------- where-the-cost-lives


def small_vgg() -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 64, 3, padding=1),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(64, 64, 3, padding=1),
            relu2=nn.ReLU(),
            pool1=nn.MaxPool2d(2),
            conv3=nn.Conv2d(64, 128, 3, padding=1),
            relu3=nn.ReLU(),
            conv4=nn.Conv2d(128, 128, 3, padding=1),
            relu4=nn.ReLU(),
            pool2=nn.MaxPool2d(2),
            flatten=nn.Flatten(),
            fc=nn.Linear(128 * 8 * 8, 10),
        )
    )


def layer_costs() -> dict[str, tuple[int, int]]:
    """(parameters, multiply-adds) of every layer for one 3 x 32 x 32 image."""
    costs, x = {}, torch.zeros(1, 3, 32, 32)
    for name, layer in small_vgg().named_children():
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            y = layer(x)
        costs[name] = (n_params(layer), counter.get_total_flops() // 2)
        x = y
    return costs


def total_flops() -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        small_vgg()(torch.zeros(1, 3, 32, 32))
    return counter.get_total_flops()


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("resnet-stem", 1): lambda: stem_side(224),
    ("resnet-stem", 2): lambda: stem()[0].weight.numel(),
    ("resnet-stem", 3): lambda: multiply_adds(stem()[0], (3, 224, 224)),
    ("resnet-stem", 4): lambda: stem_side(230, layers=1),
    ("resnet-stem", 5): lambda: stem_side(230),
    ("transposed-decoder", 1): other_input_with_the_same_size,
    ("transposed-decoder", 2): lambda: up(encoded_side(), 3),
    ("transposed-decoder", 3): output_padding_needed,
    ("transposed-decoder", 4): three_up_layers,
    ("transposed-decoder", 5): lambda: (checkerboard_interior(3).max() / checkerboard_interior(3).min()).item(),
    ("separable-budget", 1): lambda: n_params(standard()),
    ("separable-budget", 2): lambda: n_params(separable()),
    ("separable-budget", 3): lambda: n_params(separable()) / n_params(standard()),
    ("separable-budget", 4): lambda: multiply_adds(standard(), MAP),
    ("separable-budget", 5): lambda: n_params(nn.Conv2d(128, 256, 3, groups=4, bias=False)),
    ("where-the-cost-lives", 1): lambda: n_params(small_vgg()),
    ("where-the-cost-lives", 2): lambda: layer_costs()["conv2"][1],
    ("where-the-cost-lives", 3): lambda: layer_costs()["conv4"][1] / layer_costs()["conv2"][1],
    ("where-the-cost-lives", 5): total_flops,
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_the_stem_parameters_do_not_depend_on_the_image_and_the_stem_divides_by_four():
    assert stem_side(224) * 4 == 224 and stem_side(230) * 4 != 230
    assert multiply_adds(stem()[0], (3, 224, 224)) == 64 * 112 * 112 * 3 * 7 * 7


def test_the_encoder_floor_sends_63_and_64_to_the_same_size():
    assert down(63) == down(64) == 32 and down(62) == 31
    assert [n for n in range(1, 200) if encoded_side(n) == 8] == list(range(57, 65))


def test_the_even_kernel_upsampler_paints_no_checkerboard():
    assert checkerboard_interior(3).unique().tolist() == [1.0, 2.0, 4.0]
    assert checkerboard_interior(4).unique().tolist() == [4.0]


def test_the_separable_ratio_is_one_over_c_out_plus_one_ninth():
    ratio = n_params(separable()) / n_params(standard())
    assert ratio == pytest.approx(1 / 256 + 1 / 9, rel=1e-12)
    assert multiply_adds(separable(), MAP) / multiply_adds(standard(), MAP) == pytest.approx(ratio, rel=1e-12)


def test_conv4_has_the_most_parameters_and_the_conv_layers_share_the_cost():
    costs = layer_costs()
    assert max(costs, key=lambda name: costs[name][0]) == "conv4"
    assert costs["conv2"][1] == costs["conv4"][1] == max(macs for _, macs in costs.values())
    assert costs["fc"][0] < costs["conv4"][0]
