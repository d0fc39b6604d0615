"""What did the network learn? Every layer's output, the inputs that excite a channel most, who is taken for whom.

* :func:`layer_outputs` runs a batch through an ``nn.Sequential`` and keeps every layer's output;
* :func:`top_activations` finds, for one channel, the images that excite it most (one cell each),
  and :func:`patch_under` cuts out the input pixels under that cell's receptive field, in the
  spirit of Zeiler and Fergus (2014), "Visualizing and understanding convolutional networks";
* :func:`confusion_matrix` counts who is taken for whom.

:mod:`course_utils.plots.features` draws the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from course_utils.ops.receptive_field import ReceptiveField


@torch.no_grad()
def layer_outputs(model: nn.Sequential, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Run ``x`` through the layers of ``model`` one by one; ``(name, output)`` for every layer.

    The model runs in eval mode (no dropout) and gets its mode back afterwards. A name is the
    layer's index and type, e.g. ``"3 Conv2d"``.

    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    >>> [(name, tuple(out.shape)) for name, out in layer_outputs(model, torch.zeros(1, 1, 8, 8))]
    [('0 Conv2d', (1, 4, 8, 8)), ('1 ReLU', (1, 4, 8, 8)), ('2 MaxPool2d', (1, 4, 4, 4))]
    """
    if not isinstance(model, nn.Sequential):
        raise ValueError(
            f"layer_outputs walks an nn.Sequential layer by layer; got a {type(model).__name__}. "
            "Register forward hooks to see inside other models"
        )
    was_training = model.training
    model.eval()
    outputs = []
    try:
        for index, layer in enumerate(model):
            x = layer(x)
            outputs.append((f"{index} {type(layer).__name__}", x))
    finally:
        model.train(was_training)
    return outputs


@dataclass(frozen=True)
class Hit:
    """One strong activation: which image, which cell (row, column) of the map, how strong."""

    image: int
    row: int
    col: int
    value: float


def top_activations(activations: torch.Tensor, channel: int, k: int = 9) -> list[Hit]:
    """The ``k`` images whose map ``channel`` has the highest value anywhere, strongest first.

    ``activations`` has shape ``(N, C, H, W)``: one layer's output for N images. Each image
    counts once, at its strongest cell, so the hits show ``k`` different examples (as Zeiler
    and Fergus do) rather than ``k`` neighbouring cells of one image.

    >>> acts = torch.zeros(3, 1, 2, 2)
    >>> acts[1, 0, 1, 0], acts[2, 0, 0, 1], acts[2, 0, 1, 1] = 5.0, 2.0, 1.0
    >>> [(hit.image, hit.row, hit.col, hit.value) for hit in top_activations(acts, 0, k=2)]
    [(1, 1, 0, 5.0), (2, 0, 1, 2.0)]
    """
    if activations.ndim != 4:
        raise ValueError(f"expected one layer's outputs of shape (N, C, H, W), got {tuple(activations.shape)}")
    n, c, _, width = activations.shape
    if not 0 <= channel < c:
        raise ValueError(f"channel {channel} does not exist: this layer has channels 0 to {c - 1}")
    if not 1 <= k <= n:
        raise ValueError(f"k={k}: ask for between 1 and {n} images (one hit per image)")
    per_image = activations[:, channel].detach().reshape(n, -1)
    best_value, best_cell = per_image.max(dim=1)  # each image's strongest cell
    values, images = best_value.topk(k)
    return [
        Hit(int(i), int(best_cell[i]) // width, int(best_cell[i]) % width, float(v))
        for i, v in zip(images, values, strict=True)
    ]


def patch_under(image: torch.Tensor, field: ReceptiveField, row: int, col: int) -> torch.Tensor:
    """The input pixels that map cell ``(row, col)`` can see, as an ``rf x rf`` patch.

    ``image`` is ``(C, H, W)`` or ``(H, W)``; ``field`` is the receptive field table of the
    layers up to the map (``receptive_field(model[:k])``). The cell sees rows
    ``start + row * jump`` to ``start + row * jump + rf - 1`` (columns alike). Where that
    window hangs over the image's edge, the patch holds zeros: the padding the network saw.
    """
    if image.ndim not in (2, 3):
        raise ValueError(f"expected one image of shape (C, H, W) or (H, W), got {tuple(image.shape)}")
    if field.axes != 2:
        raise ValueError(f"the receptive field must describe 2-D layers, this one has {field.axes} axis/axes")
    height, width = image.shape[-2:]
    rf, jump, start = (_square(getattr(field, key), key) for key in ("rf", "jump", "start"))
    top, left = start[0] + row * jump[0], start[1] + col * jump[1]
    if top > height - 1 or left > width - 1 or row < 0 or col < 0:
        raise ValueError(f"cell ({row}, {col}) sees no pixel of a {height}x{width} image; is it in the map?")
    patch = image.new_zeros(*image.shape[:-2], rf[0], rf[1])
    rows = slice(max(top, 0), min(top + rf[0], height))
    cols = slice(max(left, 0), min(left + rf[1], width))
    patch[..., rows.start - top : rows.stop - top, cols.start - left : cols.stop - left] = image[..., rows, cols]
    return patch


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> torch.Tensor:
    """Count how often class ``i`` (row) was predicted as class ``j`` (column).

    The diagonal holds the right answers; every other non-zero cell is a kind of mistake.

    >>> confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 2]))
    tensor([[1, 1, 0],
            [0, 1, 0],
            [0, 0, 1]])
    """
    y_true, y_pred = torch.as_tensor(y_true).long().flatten(), torch.as_tensor(y_pred).long().flatten()
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions; pass one prediction per label")
    if len(y_true) and min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("class labels must be 0, 1, 2, ...; found a negative one")
    n = n_classes if n_classes is not None else int(max(y_true.max(), y_pred.max())) + 1 if len(y_true) else 0
    if len(y_true) and max(y_true.max(), y_pred.max()) >= n:
        raise ValueError(f"a label is {int(max(y_true.max(), y_pred.max()))}, but n_classes is {n}")
    return torch.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def _square(value, name: str) -> tuple[int, int]:
    """(rows, columns) from an int or a pair."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a (rows, columns) pair, got {value!r}")
