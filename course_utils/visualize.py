"""What did the network learn? Feature maps, top-activating patches, confusion matrices, mistakes.

Lesson 07 opens up a trained CNN with these helpers:

* :func:`layer_outputs` runs a batch through an ``nn.Sequential`` and keeps every layer's output;
* :func:`plot_kernels` and :func:`plot_feature_maps` draw first-layer kernels and feature maps;
* :func:`top_activations` finds, for one channel, the images that excite it most (one cell each),
  and :func:`patch_under` cuts out the input pixels under that cell's receptive field, in the
  spirit of Zeiler and Fergus (2014), "Visualizing and understanding convolutional networks";
* :func:`confusion_matrix` / :func:`plot_confusion_matrix` count and draw who is taken for whom;
* :func:`show_mistakes` shows misclassified images with their true and predicted labels.

The helpers only compute what the lesson shows and draw it; each one is short enough to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from course_utils.receptive_field import ReceptiveField


def _as_array(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def _square(value, name: str) -> tuple[int, int]:
    """(rows, columns) from an int or a pair."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a (rows, columns) pair, got {value!r}")


# ----------------------------------------------------------------------------- inside the network


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


def _grid(n: int, ncols: int, size: float, title_room: float = 0.0):
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + title_room) * nrows), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_axis_off()
    return fig, axes.flat


def plot_kernels(weight: torch.Tensor, ncols: int = 8, size: float = 0.9):
    """Draw each filter of a first layer, ``weight`` of shape ``(C_out, 1, kH, kW)``; returns the figure.

    Red is a positive weight, blue a negative one, white zero, on one colour scale shared by
    all filters, so strong and weak filters can be compared.
    """
    kernels = _as_array(weight)
    if kernels.ndim != 4 or kernels.shape[1] != 1:
        raise ValueError(
            f"expected first-layer weights of shape (C_out, 1, kH, kW), got {kernels.shape}; "
            "for a later layer pick one input channel: weight[:, c:c+1]"
        )
    limit = float(np.abs(kernels).max()) or 1.0
    fig, axes = _grid(len(kernels), ncols, size, title_room=0.25)
    for index, (ax, kernel) in enumerate(zip(axes, kernels, strict=False)):
        ax.set_axis_on()
        ax.imshow(kernel[0], cmap="bwr", vmin=-limit, vmax=limit)
        ax.set_title(str(index), fontsize=7, pad=2)
    fig.tight_layout()
    return fig


def plot_feature_maps(maps: torch.Tensor, title: str = "", ncols: int = 8, size: float = 0.9, channels=None):
    """Draw the feature maps of one image, ``maps`` of shape ``(C, H, W)``; returns the figure.

    Each map gets its own gray scale from 0 (black) to its largest value (white), as ReLU
    outputs are never negative; a map that is black everywhere did not fire. ``channels``
    picks which ones to show (default: all).
    """
    maps = _as_array(maps)
    if maps.ndim != 3:
        raise ValueError(f"expected the maps of one image, shape (C, H, W), got {maps.shape}; use out[0]")
    channels = range(len(maps)) if channels is None else list(channels)
    fig, axes = _grid(len(channels), ncols, size, title_room=0.3)
    for ax, channel in zip(axes, channels, strict=False):
        ax.set_axis_on()
        top = max(float(maps[channel].max()), 1e-12)
        ax.imshow(maps[channel], cmap="gray", vmin=min(0.0, float(maps[channel].min())), vmax=top)
        ax.set_title(str(channel), fontsize=7, pad=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- what excites a channel


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


def plot_top_patches(patches: dict[int, Sequence[torch.Tensor]], size: float = 0.75, titles: dict | None = None):
    """One row per channel: its top patches (each ``(H, W)`` or ``(1, H, W)``), strongest first.

    ``patches`` maps a channel number to its patches; ``titles`` optionally labels each row.
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not patches:
        raise ValueError("no patches to show: pass {channel: [patch, ...]}")
    ncols = max(len(row) for row in patches.values())
    fig, axes = plt.subplots(len(patches), ncols, figsize=(size * ncols + 0.9, size * len(patches)), squeeze=False)
    for ax_row, (channel, row) in zip(axes, patches.items(), strict=True):
        for ax in ax_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_frame_on(False)
        for ax, patch in zip(ax_row, row, strict=False):
            ax.imshow(_as_array(patch).reshape(patch.shape[-2:]), cmap="gray", vmin=0, vmax=1)
        label = titles.get(channel, f"channel {channel}") if titles else f"channel {channel}"
        ax_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout(pad=0.3)
    return fig


# ----------------------------------------------------------------------------- results


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


def plot_confusion_matrix(matrix, labels: Sequence[str] | None = None, ax=None):
    """Draw a confusion matrix: right answers in gray on the diagonal, mistakes in red elsewhere.

    Every non-zero count is written in its cell. Mistakes get their own colour scale, so a
    cell with 3 errors stands out even next to a diagonal of 100s. Returns the axes.
    """
    import matplotlib.pyplot as plt

    counts = _as_array(matrix).astype(int)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a confusion matrix is square, got shape {counts.shape}")
    n = len(counts)
    labels = [str(i) for i in range(n)] if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} classes")
    ax = ax if ax is not None else plt.gca()
    errors = np.where(np.eye(n, dtype=bool), 0, counts)
    worst = max(int(errors.max()), 1)
    image = np.ones((n, n, 3))
    red = plt.get_cmap("Reds")(0.15 + 0.75 * errors / worst)[..., :3]
    image[errors > 0] = red[errors > 0]
    image[np.eye(n, dtype=bool)] = 0.85
    ax.imshow(image)
    for (i, j), count in np.ndenumerate(counts):
        if count:
            dark = i != j and errors[i, j] / worst > 0.6
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax


def show_mistakes(images, y_true, probabilities, ncols: int = 8, size: float = 1.0, names=None):
    """A grid of the misclassified images, titled "true -> predicted (confidence)".

    ``probabilities`` is ``(N, classes)`` (softmax outputs). Mistakes are shown most confident
    first: the ones the network was surest about are the most interesting. ``names`` maps a
    class number to a label (default: the number). Returns ``(figure, indices)``, the indices
    of the mistakes in the order shown.
    """
    images, probabilities = torch.as_tensor(images), torch.as_tensor(probabilities)
    y_true = torch.as_tensor(y_true)
    if not len(images) == len(y_true) == len(probabilities):
        raise ValueError(
            f"got {len(images)} images, {len(y_true)} labels and {len(probabilities)} rows of probabilities; "
            "pass one of each per example"
        )
    confidence, predicted = probabilities.max(dim=1)
    wrong = torch.nonzero(predicted != y_true).flatten()
    order = wrong[confidence[wrong].argsort(descending=True, stable=True)]
    if len(order) == 0:
        raise ValueError("no mistakes to show: every prediction is right")

    def name(c) -> str:
        return str(int(c)) if names is None else str(names[int(c)])

    fig, axes = _grid(len(order), ncols, size, title_room=0.3)
    for ax, index in zip(axes, order, strict=False):
        ax.set_axis_on()
        ax.imshow(_as_array(images[index]).reshape(images.shape[-2:]), cmap="gray", vmin=0, vmax=1)
        ax.set_title(
            f"{name(y_true[index])} → {name(predicted[index])}\n{confidence[index]:.1%}", fontsize=8, linespacing=1.1
        )
    fig.tight_layout(pad=0.3)
    return fig, order.tolist()
