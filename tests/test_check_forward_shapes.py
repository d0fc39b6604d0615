"""check_forward_shapes accepts the digit CNN in every form a student writes it and explains wrong stages."""

from __future__ import annotations

import pytest


def student_digit_cnn(*, mistake=None):
    """The lesson's exercise as a student writes it, as an nn.Module; ``mistake`` switches on one bug."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    padding = 0 if mistake == "no padding" else 1 if mistake == "padding 1" else 2
    first = 6 if mistake == "6 filters" else 16
    second_in = 1 if mistake == "conv2 takes 1 channel" else first

    class DigitCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, first, 5, padding=padding)
            self.conv2 = nn.Conv2d(second_in, 36, 5, padding=0 if mistake == "no padding in conv2" else padding)
            flat = 36 * 14 * 14 if mistake == "one pooling, dense resized" else 36 * 7 * 7
            self.hidden = nn.Linear(flat, 128)
            self.out = nn.Linear(128, 9 if mistake == "9 outputs" else 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            if mistake != "no first pooling":
                x = F.max_pool2d(x, 4 if mistake == "pool 4" else 2)
            x = F.relu(self.conv2(x))
            if mistake not in ("no second pooling", "one pooling, dense resized"):
                x = F.max_pool2d(x, 2)
            if mistake == "torch.flatten":
                x = torch.flatten(x)
            elif mistake == "view(1, -1)":
                x = x.view(1, -1)
            else:
                x = x.flatten(1)
            logits = self.out(F.relu(self.hidden(x)))
            return logits.softmax(dim=-1) if mistake == "softmax" else logits

    return DigitCNN()


def test_a_correct_digit_cnn_passes_every_check(capsys) -> None:
    from course_utils.checks import check_forward_shapes

    result = check_forward_shapes(student_digit_cnn())
    assert result and result.cases_passed == result.cases_total == 6
    printed = capsys.readouterr().out.strip()
    assert printed == result.message and printed.startswith("All 6 checks passed")
    assert "max_pool2d 16x14x14" in printed and "max_pool2d 36x7x7" in printed and "linear 10" in printed


def test_the_course_models_sequential_class_and_plain_functions_are_accepted() -> None:
    import torch

    from course_utils.checks import check_forward_shapes
    from course_utils.models import digit_cnn

    model = digit_cnn()
    assert check_forward_shapes(model, verbose=False)
    assert model.training, "the check switches to eval mode for its run only"
    assert check_forward_shapes(type(student_digit_cnn()), verbose=False)  # a class is built first
    in_training_mode = check_forward_shapes(lambda x: model(x), verbose=False)  # dropout on: rows differ
    assert not in_training_mode and "pass the model itself" in in_training_mode.message
    model.eval()
    assert check_forward_shapes(lambda x: model(x), verbose=False)
    assert not check_forward_shapes(torch.zeros(3), verbose=False)


@pytest.mark.parametrize(
    ("mistake", "check", "says"),
    [
        ("no padding", 1, "After your first pooling the maps are 16x12x12, but they should be 16x14x14"),
        ("no padding", 1, "a dense layer receives 576 numbers per image (your last maps are 36x4x4 = 576)"),
        ("padding 1", 1, "shrinks the maps from 28x28 to 26x26: a 5x5 kernel without enough padding loses 2"),
        ("no padding in conv2", 1, "After your second pooling the maps are 36x5x5, but they should be 36x7x7"),
        ("6 filters", 2, "your first convolution makes 6 maps; it should have 16 filters"),
        ("conv2 takes 1 channel", 1, "a convolution expects 1 input channels but receives 16 maps"),
        ("no first pooling", 1, "Your first pooling comes after two convolutions"),
        ("pool 4", 1, "your pooling shrinks 28x28 to 7x7 (about 4 times smaller)"),
        ("no second pooling", 1, "I found no second pooling: after the second convolution the maps are 36x14x14"),
        ("one pooling, dense resized", 3, "I found no second pooling"),
        ("9 outputs", 4, "the last layer needs 10 outputs, one score per digit"),
        ("torch.flatten", 4, "the batch axis is gone"),
        ("view(1, -1)", 5, "With a batch of 5 digits your forward pass raised RuntimeError"),
        ("softmax", 6, "you return softmax probabilities"),
    ],
)
def test_a_typical_forward_mistake_is_explained(mistake: str, check: int, says: str) -> None:
    from course_utils.checks import check_forward_shapes

    result = check_forward_shapes(student_digit_cnn(mistake=mistake), verbose=False)
    assert not result.passed and result.cases_passed == check - 1
    assert result.message.startswith(f"Check {check} of 6 failed."), result.message
    assert says in result.message, result.message
    assert "Your forward pass: 1x28x28 -> conv2d" in result.message


def test_the_trace_sees_nn_layers_and_functional_calls_alike() -> None:
    import torch

    from course_utils.checks.shape_trace import trace_shapes
    from course_utils.models import digit_cnn

    x = torch.zeros(2, 1, 28, 28)
    by_modules, _ = trace_shapes(digit_cnn().eval(), x)
    by_functions, _ = trace_shapes(student_digit_cnn(), x)
    maps = [[step.shape for step in steps if len(step.shape) == 4] for steps in (by_modules, by_functions)]
    expected = [(2, 16, 28, 28)] * 2 + [(2, 16, 14, 14)] + [(2, 36, 14, 14)] * 2 + [(2, 36, 7, 7)]
    assert maps[0] == maps[1] == expected
    assert by_modules[-1].shape == by_functions[-1].shape == (2, 10)


def test_a_forward_stub_is_reported_as_not_written_yet() -> None:
    from torch import nn

    from course_utils.checks import check_forward_shapes

    class Stub(nn.Module):
        def forward(self, x):
            raise NotImplementedError("write the forward pass")

    result = check_forward_shapes(Stub(), verbose=False)
    assert not result and result.cases_passed == 0
    assert result.message.startswith("Not written yet: Stub still raises NotImplementedError (write the forward pass)")
