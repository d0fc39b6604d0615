"""The digit classifiers of lesson 07, written out layer by layer."""

from __future__ import annotations

from torch import nn


def digit_cnn() -> nn.Sequential:
    """The digit CNN of the Qiu lecture: two 5x5 convolutions (16, 36 channels), each pooled, then 128 -> 10.

    28x28 -> conv 5x5 (padding 2) -> 16x28x28 -> pool -> 16x14x14
          -> conv 5x5 (padding 2) -> 36x14x14 -> pool -> 36x7x7 -> 128 -> 10
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 36, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(36 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def lenet5() -> nn.Sequential:
    """LeNet-5 (LeCun et al., 1998) on 28x28 digits, padded to the paper's 32x32.

    Like the paper: 5x5 convolutions with 6 and 16 channels, average-pool "sub-sampling",
    tanh, then 120 -> 84 -> 10. (The paper's sparse C3 connections and RBF output are
    replaced by their common modern equivalents: full connections and a linear layer.)
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Tanh(),
        nn.Linear(120, 84),
        nn.Tanh(),
        nn.Linear(84, 10),
    )


def mlp(hidden: int = 256) -> nn.Sequential:
    """The baseline: flatten the 28x28 image and use two dense layers."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 10),
    )
