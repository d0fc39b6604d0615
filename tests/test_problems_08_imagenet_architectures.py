"""Problem set 08_imagenet_architectures: every numeric answer in its YAML file, computed.

The answers live in ``data/problems/08_imagenet_architectures.yaml``.

The networks are the lesson's own (``course_utils.models``, whose parameter counts
``test_imagenet_models.py`` checks against torchvision's); parameters are counted with
``.numel()``, multiply-adds with PyTorch's ``FlopCounterMode``, map sizes by running the model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from measure import multiply_adds, n_params
from torch import nn

from course_utils import models

# ----------------------------------------------------------------------------- bottleneck-versus-two-3x3


def bottleneck() -> models.Bottleneck:
    return models.Bottleneck(256, 64)  # 256 -> 64 -> 64 -> 256: a block of stage 1 after the first


def bottleneck_convolutions() -> nn.Sequential:
    return nn.Sequential(*(m for m in bottleneck().modules() if isinstance(m, nn.Conv2d)))


def two_3x3() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.Conv2d(256, 256, 3, padding=1, bias=False))


# ----------------------------------------------------------------------------- resnet18-shortcuts-and-input-size


@functools.cache
def resnet18() -> nn.Sequential:
    return models.resnet18().eval()


def projections() -> list[nn.Module]:
    blocks = [m for m in resnet18().modules() if isinstance(m, models.BasicBlock)]
    return [b.shortcut for b in blocks if not isinstance(b.shortcut, nn.Identity)]


def stage4_height(size: int) -> int:
    with torch.no_grad():
        return resnet18()[:-1](torch.zeros(1, 3, size, size)).shape[-2]


# ----------------------------------------------------------------------------- alexnet-without-its-head


@functools.cache
def alexnet() -> nn.Sequential:
    return models.alexnet().eval()


def alexnet_with_global_pooling() -> nn.Sequential:
    convolutions = list(alexnet().children())[:-1]  # conv1 ... conv5, as the lesson's stage table names them
    return nn.Sequential(*convolutions, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 1000)).eval()


# ----------------------------------------------------------------------------- the-lessons-56-layers


def deep_blocks() -> list[models.DeepBlock]:
    return [m for m in models.deep_cnn(56, width=8, shortcuts=True).modules() if isinstance(m, models.DeepBlock)]


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("bottleneck-versus-two-3x3", 1): lambda: n_params(bottleneck_convolutions()),
    ("bottleneck-versus-two-3x3", 2): lambda: n_params(bottleneck()),
    ("bottleneck-versus-two-3x3", 3): lambda: n_params(two_3x3()),
    ("bottleneck-versus-two-3x3", 4): lambda: multiply_adds(bottleneck_convolutions(), (256, 56, 56)),
    ("resnet18-shortcuts-and-input-size", 1): lambda: len(projections()),
    ("resnet18-shortcuts-and-input-size", 2): lambda: sum(n_params(p) for p in projections()),
    ("resnet18-shortcuts-and-input-size", 3): lambda: stage4_height(160),
    ("resnet18-shortcuts-and-input-size", 4): lambda: n_params(resnet18()),
    ("resnet18-shortcuts-and-input-size", 5): lambda: multiply_adds(resnet18(), (3, 160, 160)),
    ("alexnet-without-its-head", 1): lambda: n_params(alexnet().head),
    ("alexnet-without-its-head", 2): lambda: multiply_adds(alexnet().head, (256, 6, 6)),
    ("alexnet-without-its-head", 3): lambda: n_params(alexnet_with_global_pooling()),
    ("alexnet-without-its-head", 4): lambda: multiply_adds(alexnet_with_global_pooling(), (3, 224, 224)),
    ("the-lessons-56-layers", 1): lambda: len(deep_blocks()) // 3,
    ("the-lessons-56-layers", 2): lambda: sum(isinstance(b.shortcut, nn.Identity) for b in deep_blocks()),
    ("the-lessons-56-layers", 3): lambda: n_params(models.deep_cnn(56, width=8)),
    ("the-lessons-56-layers", 4): lambda: (
        n_params(models.deep_cnn(56, width=8, shortcuts=True)) - n_params(models.deep_cnn(56, width=8))
    ),
}


# ----------------------------------------------------------------------------- claims of the solutions


def test_the_bottleneck_keeps_its_shape_and_uses_the_identity():
    block = bottleneck().eval()
    assert isinstance(block.shortcut, nn.Identity)
    with torch.no_grad():
        assert block(torch.zeros(1, 256, 56, 56)).shape == (1, 256, 56, 56)
    buffers = sum(b.numel() for name, b in block.named_buffers() if not name.endswith("num_batches_tracked"))
    assert n_params(block) + buffers == 71_168  # the wrong answer that counts running statistics


def test_resnet50_is_17_percent_larger_than_resnet34():
    with torch.device("meta"):
        ratio = n_params(models.resnet50()) / n_params(models.resnet34())
    assert round(100 * (ratio - 1)) == 17


def test_resnet18_compute_scales_with_the_pixels_except_the_dense_layer():
    dense = 512 * 1000
    full, small = multiply_adds(resnet18(), (3, 224, 224)), multiply_adds(resnet18(), (3, 160, 160))
    assert full == 1_814_073_344 and stage4_height(224) == 7
    assert (full - dense) * 25 == (small - dense) * 49


def test_the_alexnet_numbers_the_solution_uses():
    assert n_params(alexnet()) == 61_100_840 and multiply_adds(alexnet(), (3, 224, 224)) == 714_188_480
    assert n_params(alexnet()) - n_params(alexnet().head) == 2_469_696
    assert round(100 * n_params(alexnet().head) / n_params(alexnet())) == 96
    assert round(100 * multiply_adds(alexnet().head, (256, 6, 6)) / multiply_adds(alexnet(), (3, 224, 224))) == 8
    with torch.no_grad():
        assert alexnet_with_global_pooling()(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_the_56_layer_networks_have_56_layers():
    plain = models.deep_cnn(56, width=8)
    weighted = [m for m in plain.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert len(weighted) == 56 and len(deep_blocks()) == 27
