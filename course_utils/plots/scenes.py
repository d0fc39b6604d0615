"""Figures of digit scenes: the truth (boxes, classes, pixel masks) and a detector's answers.

Boxes are ``xyxy`` pixels, as in :mod:`course_utils.ops.boxes`; a scene is ``(1, H, W)`` or
``(H, W)``. Ground truth is drawn in green, detections in orange with their class and score,
so one panel can hold both. Figures are 10 inches wide (the notebook's width at 100 dpi) and
write no text under 10 points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from course_utils.plots.images import to_numpy

TRUTH, DETECTED = "tab:green", "tab:orange"
FONT = 10


def _plane(image) -> np.ndarray:
    array = to_numpy(image)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ValueError(f"a scene is (1, H, W) or (H, W), got shape {array.shape}; pass scenes.images[i]")
    return array


def draw_boxes(ax, boxes, labels=None, scores=None, color: str = DETECTED, above: bool = True) -> None:
    """Draw ``xyxy`` boxes on ``ax``, each with its label (and score, when given) written beside it."""
    from matplotlib.patches import Rectangle

    boxes = torch.as_tensor(boxes, dtype=torch.float64).reshape(-1, 4)
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        # a pixel i spans [i - 0.5, i + 0.5] in imshow, so box edge x sits at x - 0.5
        ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, lw=2, color=color))
        if labels is None:
            continue
        text = f"{int(labels[k])}" + ("" if scores is None else f" {float(scores[k]):.2f}")
        y, va = (y1 - 1.0, "bottom") if above else (y2 + 0.5, "top")
        ax.text(x1 - 0.5, y, text, color="white", fontsize=FONT, va=va, ha="left", clip_on=True,
                bbox={"facecolor": color, "edgecolor": "none", "pad": 0.5, "alpha": 0.85})


def show_scenes(
    images: Sequence,
    targets: Sequence[dict] | None = None,
    detections: Sequence[dict] | None = None,
    titles: Sequence[str] | None = None,
    ncols: int = 5,
    width: float = 10.0,
):
    """Scenes in a grid with their true boxes (green, label below) and detections (orange, label and score above).

    ``targets`` and ``detections`` are one dict per scene, as ``Scenes.targets()`` and
    :func:`course_utils.models.detect` give them. Returns ``(figure, axes)``.
    """
    import matplotlib.pyplot as plt

    planes = [_plane(image) for image in images]
    if not planes:
        raise ValueError("show_scenes needs at least one scene")
    for name, given in (("targets", targets), ("detections", detections), ("titles", titles)):
        if given is not None and len(given) != len(planes):
            raise ValueError(f"got {len(given)} {name} for {len(planes)} scenes; give one per scene")
    ncols = min(ncols, len(planes))
    nrows = -(-len(planes) // ncols)
    side = width / ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, side * nrows + 0.3 * (titles is not None) * nrows),
                             squeeze=False, layout="constrained")
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= len(planes):
            ax.axis("off")
            continue
        ax.imshow(planes[index], cmap="gray", vmin=0, vmax=1)
        if targets is not None:
            truth = targets[index]
            draw_boxes(ax, truth["boxes"], truth.get("labels"), color=TRUTH, above=False)
        if detections is not None:
            found = detections[index]
            draw_boxes(ax, found["boxes"], found.get("labels"), found.get("scores"), color=DETECTED)
        if titles is not None:
            ax.set_title(titles[index], fontsize=FONT + 1)
    return fig, axes


def show_masks(images: Sequence, masks: Sequence, titles: Sequence[str] | None = None, classes: int = 11,
               width: float = 10.0):
    """Scenes (top row), then rows of pixel masks (0 background in black, ``1 + digit`` in ten colours), colour bar."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    rows = [list(images), *[list(m) for m in masks]]
    ncols = len(rows[0])
    if any(len(row) != ncols for row in rows):
        raise ValueError("give as many masks in each row as there are scenes")
    colours = ListedColormap(["black", *plt.get_cmap("tab10").colors][:classes])
    side = width / (ncols + 0.4)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(width, side * len(rows)), squeeze=False, layout="constrained")
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.imshow(_plane(item), cmap="gray", vmin=0, vmax=1)
            else:
                shown = ax.imshow(to_numpy(item), cmap=colours, vmin=-0.5, vmax=classes - 0.5, interpolation="nearest")
            if c == 0 and titles is not None:
                ax.set_ylabel(titles[r], fontsize=FONT + 1)
    bar = fig.colorbar(shown, ax=axes[1:].ravel().tolist(), ticks=range(classes), shrink=0.9)
    bar.ax.set_yticklabels(["none", *[str(d) for d in range(classes - 1)]], fontsize=FONT)
    return fig, axes


__all__ = ["draw_boxes", "show_masks", "show_scenes"]
