"""Problem set 07_training_a_cnn: every numeric answer in ``data/problems/07_training_a_cnn.yaml``, computed.

The networks are the lesson's own (``course_utils.models``, the shipped checkpoint, the recipe's
constants), run in PyTorch; fields are measured with autograd, the schedule with ``OneCycleLR``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from measure import n_params
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import course_utils
from course_utils import models
from course_utils.training import recipes

# ----------------------------------------------------------------------------- digit-cnn-without-padding


def unpadded_variant() -> nn.Sequential:
    """The lesson's digit CNN with padding 0 in its second convolution (the dense layer adapts)."""
    net = models.digit_cnn()
    assert isinstance(net[3], nn.Conv2d) and isinstance(net[8], nn.Linear)
    net[3].padding = (0, 0)
    net[8] = nn.LazyLinear(128)
    with torch.no_grad():
        net.eval()(torch.zeros(1, 1, 28, 28))  # materialises the dense layer
    return net


def flattened_length() -> int:
    with torch.no_grad():
        return unpadded_variant()[:7](torch.zeros(1, 1, 28, 28)).shape[-1]


def conv2_multiply_adds(net: nn.Sequential) -> int:
    with torch.no_grad():
        feature = net[:3](torch.zeros(1, 1, 28, 28))
        with FlopCounterMode(display=False) as counter:
            net[3](feature)
    return counter.get_total_flops() // 2


def conv2_field(net: nn.Sequential, final: bool = False) -> int:
    """Width of the input region that one central cell of conv2 (or of the final pooling) depends on.

    The network's geometry with all-one weights and average pooling, so that no path is lost.
    """
    copies = [nn.Conv2d(1, 1, 5, padding=net[0].padding, bias=False), nn.AvgPool2d(2),
              nn.Conv2d(1, 1, 5, padding=net[3].padding, bias=False)]  # fmt: skip
    copies += [nn.AvgPool2d(2)] if final else []
    probe = nn.Sequential(*copies).double()
    for layer in (probe[0], probe[2]):
        nn.init.ones_(layer.weight)
    image = torch.zeros(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    out = probe(image)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    columns = (image.grad[0, 0] != 0).any(dim=0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


def cells_moved_by_four_pixels() -> int:
    """Move a digit-like blob 4 pixels right; by how many cells does the last map move?"""
    torch.manual_seed(0)
    features = unpadded_variant()[:6].eval()  # conv, ReLU, pool, conv, ReLU, pool
    blob = torch.zeros(1, 1, 28, 28)
    blob[..., 8:20, 6:18] = torch.rand(12, 12)  # ink well inside the frame, as in MNIST
    with torch.no_grad():
        before, after = features(blob), features(F.pad(blob, (4, -4)))
    moves = [k for k in range(4) if torch.allclose(after[..., k:], before[..., : before.shape[-1] - k], atol=1e-6)]
    assert len(moves) == 1, moves
    return moves[0]


# ----------------------------------------------------------------------------- the-recipe-in-steps

N_TRAIN = 4000


def batches() -> list[torch.Tensor]:
    return list(torch.arange(N_TRAIN).split(recipes.BATCH_SIZE))


@functools.cache
def learning_rates() -> tuple[float, ...]:
    steps = recipes.EPOCHS * len(batches())
    optimizer = torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=recipes.LR)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipes.LR, total_steps=steps)
    rates = []
    for _ in range(steps):
        rates.append(schedule.get_last_lr()[0])
        optimizer.step()
        schedule.step()
    return tuple(rates)


# ----------------------------------------------------------------------------- ask-a-person


@functools.cache
def confidences() -> tuple[torch.Tensor, torch.Tensor]:
    """(confidence, right) of the shipped digit CNN on the 1,000 test digits."""
    x_test, y_test = course_utils.load_mnist().test
    cnn = recipes.load_digit_cnn()
    with torch.no_grad():
        probabilities = cnn(x_test).softmax(dim=1)
    confidence, predicted = probabilities.max(dim=1)
    return confidence, predicted == y_test


def flagged(threshold: float = 0.9) -> tuple[int, int]:
    """(mistakes, right answers) below the threshold."""
    confidence, right = confidences()
    unsure = confidence < threshold
    return int((unsure & ~right).sum()), int((unsure & right).sum())


def kept_accuracy(threshold: float = 0.9) -> float:
    confidence, right = confidences()
    kept = confidence >= threshold
    return int((kept & right).sum()) / int(kept.sum())


# ----------------------------------------------------------------------------- the-face-network


def face_cnn(ceil_mode: bool = False) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=ceil_mode),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=ceil_mode),
        nn.Flatten(), nn.LazyLinear(2),
    )  # fmt: skip


def built_face_cnn(ceil_mode: bool = False) -> nn.Sequential:
    net = face_cnn(ceil_mode)
    with torch.no_grad():
        net(torch.zeros(1, 1, 25, 25))
    return net


def conv1_cells_never_pooled() -> int:
    feature = torch.zeros(1, 1, 25, 25, requires_grad=True)
    F.avg_pool2d(feature, 2).sum().backward()  # same windows as the max pooling, gradient to all of them
    return int((feature.grad == 0).sum())


def linear_copy() -> nn.Sequential:
    """The face network's geometry with all-one weights and sum-like pooling: every path counts."""
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, bias=False), nn.AvgPool2d(2),
                        nn.Conv2d(1, 1, 3, padding=1, bias=False), nn.AvgPool2d(2)).double()  # fmt: skip
    for layer in (net[0], net[2]):
        nn.init.ones_(layer.weight)
    return net


def unreachable_pixels() -> int:
    image = torch.zeros(1, 1, 25, 25, dtype=torch.float64, requires_grad=True)
    linear_copy()(image).sum().backward()
    return int((image.grad == 0).sum())


def final_cell_field() -> int:
    image = torch.zeros(1, 1, 25, 25, dtype=torch.float64, requires_grad=True)
    linear_copy()(image)[0, 0, 3, 3].backward()
    columns = (image.grad[0, 0] != 0).any(dim=0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("digit-cnn-without-padding", 1): flattened_length,
    ("digit-cnn-without-padding", 2): lambda: n_params(unpadded_variant()),
    ("digit-cnn-without-padding", 3): lambda: conv2_multiply_adds(unpadded_variant()),
    ("digit-cnn-without-padding", 4): lambda: conv2_field(unpadded_variant(), final=True),
    ("digit-cnn-without-padding", 5): cells_moved_by_four_pixels,
    ("the-recipe-in-steps", 1): lambda: len(batches()),
    ("the-recipe-in-steps", 2): lambda: len(batches()[-1]),
    ("the-recipe-in-steps", 3): lambda: len(learning_rates()),
    ("the-recipe-in-steps", 4): lambda: max(range(len(learning_rates())), key=learning_rates().__getitem__) + 1,
    ("the-recipe-in-steps", 5): lambda: learning_rates()[0],
    ("ask-a-person", 1): lambda: sum(flagged()),
    ("ask-a-person", 2): lambda: flagged()[0] / int((~confidences()[1]).sum()),
    ("ask-a-person", 3): kept_accuracy,
    ("ask-a-person", 4): lambda: flagged()[1] / sum(flagged()),
    ("the-face-network", 1): conv1_cells_never_pooled,
    ("the-face-network", 2): unreachable_pixels,
    ("the-face-network", 3): final_cell_field,
    ("the-face-network", 4): lambda: n_params(built_face_cnn()),
    ("the-face-network", 5): lambda: n_params(built_face_cnn(ceil_mode=True)[-1]),
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_the_padded_original_has_the_numbers_the_solution_compares_with():
    original = models.digit_cnn()
    assert n_params(original) == 242_062 and conv2_multiply_adds(original) == 2_822_400
    assert conv2_field(original) == conv2_field(unpadded_variant()) == 14  # the lesson's quiz
    assert conv2_field(original, final=True) == conv2_field(unpadded_variant(), final=True)


def test_the_unpadded_variant_trains_on_the_same_shapes_until_the_dense_layer():
    variant = copy.deepcopy(unpadded_variant())
    with torch.no_grad():
        assert variant[:6](torch.zeros(2, 1, 28, 28)).shape == (2, 36, 5, 5)
        assert variant(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_the_schedule_ends_near_zero():
    rates = learning_rates()
    assert max(rates) == pytest.approx(recipes.LR, rel=1e-12)
    assert rates[-1] == pytest.approx(recipes.LR / 25 / 1e4, rel=1e-9)


def test_the_shipped_cnn_makes_twelve_mistakes_and_three_escape_the_threshold():
    confidence, right = confidences()
    assert int((~right).sum()) == 12
    assert flagged() == (9, 18)
    assert (confidence[~right] > 0.95).any()  # the solution's warning: some mistakes are confident


def test_the_dropped_row_and_column_still_reach_the_output_through_conv1():
    assert conv1_cells_never_pooled() == 25 + 25 - 1
    with torch.no_grad():
        assert face_cnn()[:6](torch.zeros(1, 1, 25, 25)).shape == (1, 16, 6, 6)
