"""check_basic_block: a stub is "not written yet", ResNet's block passes, each typical mistake gets its diagnosis."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.checks import check_basic_block
from course_utils.models import BasicBlock


def student_block(mistake: str | None = None):
    """The exercise as a student writes it; ``mistake`` switches on one bug."""

    class MyBasicBlock(nn.Module):
        def __init__(self, in_channels, channels, stride=1):
            super().__init__()
            bias = mistake == "biases"
            first, second = (1, stride) if mistake == "stride on conv2" else (stride, 1)
            self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=first, padding=1, bias=bias)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, stride=second, padding=1, bias=bias)
            self.bn2 = nn.BatchNorm2d(channels)
            project = stride != 1 or in_channels != channels or mistake == "always project"
            if mistake == "never project":
                project = False
            self.shortcut = (
                nn.Sequential(nn.Conv2d(in_channels, channels, 1, stride=stride, bias=bias), nn.BatchNorm2d(channels))
                if project
                else nn.Identity()
            )

        def forward(self, x):
            out = self.bn1(self.conv1(x))
            if mistake != "no middle relu":
                out = torch.relu(out)
            out = self.bn2(self.conv2(out))
            if mistake == "no shortcut":
                return torch.relu(out)
            if mistake == "relu before add":
                return torch.relu(out) + self.shortcut(x)
            if mistake == "no final relu":
                return out + self.shortcut(x)
            return torch.relu(out + self.shortcut(x))

    return MyBasicBlock


def test_the_reference_and_a_correct_student_block_pass(capsys):
    assert check_basic_block(BasicBlock, verbose=False)
    result = check_basic_block(student_block())
    assert result and result.cases_passed == result.cases_total == 6
    assert capsys.readouterr().out.startswith("All 6 configurations passed")


def test_a_stub_is_not_written_yet():
    class MyBasicBlock(nn.Module):
        def __init__(self, in_channels, channels, stride=1):
            super().__init__()

        def forward(self, x):
            raise NotImplementedError("write the forward pass")

    result = check_basic_block(MyBasicBlock, verbose=False)
    assert not result and result.message.startswith("Not written yet: MyBasicBlock still raises NotImplementedError")

    class Empty(nn.Module):
        def __init__(self, in_channels, channels, stride=1):
            raise NotImplementedError("create the layers")

    assert check_basic_block(Empty, verbose=False).message.startswith("Not written yet")


@pytest.mark.parametrize(
    ("mistake", "configuration", "says"),
    [
        ("never project", 2, "the shortcut must be a 1x1 convolution with the same stride"),
        ("always project", 1, "use the identity then, it has no parameters"),
        ("biases", 1, "write bias=False"),
        ("no shortcut", 1, "the shortcut is missing"),
        ("relu before add", 1, "the last ReLU comes before the addition"),
        ("no final relu", 1, "the last ReLU is missing"),
        ("no middle relu", 1, "the ReLU between the two convolutions is missing"),
        ("stride on conv2", 2, "the stride sits on the second convolution"),
    ],
)
def test_each_typical_mistake_is_explained(mistake, configuration, says):
    result = check_basic_block(student_block(mistake), verbose=False)
    assert not result and result.cases_passed == configuration - 1, result.message
    assert result.message.startswith(f"Configuration {configuration} of 6 failed"), result.message
    assert says in result.message, result.message


def test_a_block_that_ignores_the_stride_is_told_so():
    class NoStride(nn.Module):
        def __init__(self, in_channels, channels, stride=1):
            super().__init__()
            self.inner = BasicBlock(in_channels, channels, 1)

        def forward(self, x):
            return self.inner(x)

    result = check_basic_block(NoStride, verbose=False)
    assert not result and "the stride is not used" in result.message, result.message
