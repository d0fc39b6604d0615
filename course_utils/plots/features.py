"""Pictures of what a trained network learned (lesson 07): kernels, feature maps, top patches, mistakes.

* :func:`plot_kernels` and :func:`plot_feature_maps` draw first-layer kernels and feature maps;
* :func:`plot_top_patches` draws, for each channel, the input patches that excite it most, in the
  spirit of Zeiler and Fergus (2014), "Visualizing and understanding convolutional networks";
* :func:`plot_confusion_matrix` draws who is taken for whom;
* :func:`show_mistakes` shows misclassified images with their true and predicted labels.

The numbers (layer outputs, top activations, the patches under a cell's receptive field, the
confusion matrix) come from :mod:`course_utils.analysis.features`; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from course_utils.plots.images import to_numpy

# ----------------------------------------------------------------------------- inside the network


def _panels(n: int, ncols: int, size: float, title_room: float = 0.0):
    """A figure with ``n`` empty panels (no ticks, no frames), ``ncols`` to a row; returns ``(figure, axes)``."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + title_room) * nrows), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_axis_off()
    return fig, axes.flat


def plot_kernels(weight: torch.Tensor, ncols: int = 8, size: float = 1.2):
    """Draw each filter of a first layer, ``weight`` of shape ``(C_out, 1, kH, kW)``; returns the figure.

    Red is a positive weight, blue a negative one, white zero, on one colour scale shared by
    all filters, so strong and weak filters can be compared.
    """
    kernels = to_numpy(weight)
    if kernels.ndim != 4 or kernels.shape[1] != 1:
        raise ValueError(
            f"expected first-layer weights of shape (C_out, 1, kH, kW), got {kernels.shape}; "
            "for a later layer pick one input channel: weight[:, c:c+1]"
        )
    limit = float(np.abs(kernels).max()) or 1.0
    fig, axes = _panels(len(kernels), ncols, size, title_room=0.25)
    for index, (ax, kernel) in enumerate(zip(axes, kernels, strict=False)):
        ax.set_axis_on()
        ax.imshow(kernel[0], cmap="bwr", vmin=-limit, vmax=limit)
        ax.set_title(str(index), fontsize=10, pad=2)
    fig.tight_layout()
    return fig


def plot_feature_maps(maps: torch.Tensor, title: str = "", ncols: int = 8, size: float = 1.2, channels=None):
    """Draw the feature maps of one image, ``maps`` of shape ``(C, H, W)``; returns the figure.

    Each map gets its own gray scale from 0 (black) to its largest value (white), as ReLU
    outputs are never negative; a map that is black everywhere did not fire. ``channels``
    picks which ones to show (default: all).
    """
    maps = to_numpy(maps)
    if maps.ndim != 3:
        raise ValueError(f"expected the maps of one image, shape (C, H, W), got {maps.shape}; use out[0]")
    channels = range(len(maps)) if channels is None else list(channels)
    fig, axes = _panels(len(channels), ncols, size, title_room=0.3)
    for ax, channel in zip(axes, channels, strict=False):
        ax.set_axis_on()
        top = max(float(maps[channel].max()), 1e-12)
        ax.imshow(maps[channel], cmap="gray", vmin=min(0.0, float(maps[channel].min())), vmax=top)
        ax.set_title(str(channel), fontsize=10, pad=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- what excites a channel


def plot_top_patches(patches: dict[int, Sequence[torch.Tensor]], size: float = 1.0, titles: dict | None = None):
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
            ax.imshow(to_numpy(patch).reshape(patch.shape[-2:]), cmap="gray", vmin=0, vmax=1)
        label = titles.get(channel, f"channel {channel}") if titles else f"channel {channel}"
        ax_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10)
    fig.tight_layout(pad=0.3)
    return fig


# ----------------------------------------------------------------------------- results


def plot_confusion_matrix(matrix, labels: Sequence[str] | None = None, ax=None):
    """Draw a confusion matrix: right answers in gray on the diagonal, mistakes in red elsewhere.

    Every non-zero count is written in its cell. Mistakes get their own colour scale, so a
    cell with 3 errors stands out even next to a diagonal of 100s. Returns the axes.
    """
    import matplotlib.pyplot as plt

    counts = to_numpy(matrix).astype(int)
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
            ax.text(j, i, str(count), ha="center", va="center", fontsize=10, color="white" if dark else "black")
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

    fig, axes = _panels(len(order), ncols, size, title_room=0.3)
    for ax, index in zip(axes, order, strict=False):
        ax.set_axis_on()
        ax.imshow(to_numpy(images[index]).reshape(images.shape[-2:]), cmap="gray", vmin=0, vmax=1)
        ax.set_title(
            f"{name(y_true[index])} → {name(predicted[index])}\n{confidence[index]:.1%}", fontsize=10, linespacing=1.1
        )
    fig.tight_layout(pad=0.3)
    return fig, order.tolist()
