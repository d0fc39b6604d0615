"""Scoring a segmentation: the confusion matrix of pixel classes and the mean intersection over union.

For one class ``c``, the pixels predicted ``c`` and the pixels that are ``c`` are two sets; their
IoU is ``|both| / |either|``, the pixel version of the box IoU of :mod:`course_utils.ops.boxes`.
The mean IoU averages it over the classes that occur (in the truth or the prediction), so a
rare class counts as much as the background that fills most of an image.
"""

from __future__ import annotations

import numpy as np
import torch


def confusion_matrix(predicted, target, classes: int) -> torch.Tensor:
    """``(classes, classes)`` pixel counts: row = true class, column = predicted class.

    >>> confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), classes=3)
    tensor([[1, 0, 0],
            [0, 1, 0],
            [0, 1, 1]])
    """
    predicted, target = torch.as_tensor(predicted), torch.as_tensor(target)
    if predicted.shape != target.shape:
        raise ValueError(f"predicted {tuple(predicted.shape)} and target {tuple(target.shape)} must have one shape; "
                         "take output.argmax(dim=1) of (N, classes, H, W) logits first")
    if predicted.is_floating_point() or target.is_floating_point():
        raise ValueError("predicted and target must hold integer class labels, not scores")
    for name, labels in (("predicted", predicted), ("target", target)):
        if labels.numel() and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(f"{name} labels must lie in 0 .. {classes - 1}, got {int(labels.min())} .. "
                             f"{int(labels.max())}")
    pairs = target.flatten().long() * classes + predicted.flatten().long()
    return torch.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


def class_iou(confusion: torch.Tensor) -> np.ndarray:
    """IoU of each class from a confusion matrix; NaN for a class that occurs nowhere.

    >>> class_iou(torch.tensor([[3, 1], [0, 4]])).round(3).tolist()
    [0.75, 0.8]
    """
    confusion = torch.as_tensor(confusion).double()
    both = confusion.diagonal()
    either = confusion.sum(dim=0) + confusion.sum(dim=1) - both
    with np.errstate(invalid="ignore", divide="ignore"):
        return (both / either).numpy()


def mean_iou(predicted, target, classes: int) -> float:
    """Mean over the classes that occur of the pixel IoU (see the module docstring).

    >>> mean_iou(torch.tensor([[0, 0, 1, 1]]), torch.tensor([[0, 0, 0, 1]]), classes=3)  # (2/3 + 1/2) / 2
    0.5833333333333333
    """
    return float(np.nanmean(class_iou(confusion_matrix(predicted, target, classes))))


def foreground_iou(predicted, target, background: int = 0) -> float:
    """IoU of the pixels that are *some* object (any class but ``background``): where, not which.

    >>> foreground_iou(torch.tensor([[0, 3, 3, 0]]), torch.tensor([[0, 3, 5, 5]]))  # 2 shared of 3
    0.6666666666666666
    """
    predicted, target = torch.as_tensor(predicted), torch.as_tensor(target)
    both = int(((predicted != background) & (target != background)).sum())
    either = int(((predicted != background) | (target != background)).sum())
    return both / either if either else float("nan")


__all__ = ["class_iou", "confusion_matrix", "foreground_iou", "mean_iou"]
