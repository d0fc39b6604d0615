"""Receptive fields drawn on a photograph: one field as a rectangle, nested fields of several layers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from course_utils.ops.fields import Box, cell_at, check_table, field_box, field_size_text, layer_index
from course_utils.ops.receptive_field import Layer, ReceptiveField, receptive_field

COLORS = ("#ffe119", "#3cb44b", "#4363d8", "#f58231", "#e6194b", "#911eb4", "#42d4f4", "#f032e6")


def draw_field(ax, box: Box, color: str = "red", label: str | None = None, lw: float = 2.0, **kwargs):
    """Outline ``box`` on an ``imshow`` axes (pixel centres at whole numbers); returns the rectangle."""
    from matplotlib.patches import Rectangle

    (top, bottom), (left, right) = box
    corner, height, width = (left - 0.5, top - 0.5), bottom - top + 1, right - left + 1
    rect = Rectangle(corner, width, height, fill=False, color=color, lw=lw, label=label, **kwargs)
    ax.add_patch(rect)
    return rect


def _check_image(image) -> np.ndarray:
    if hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    image = np.asarray(image, dtype=float)
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"image must be gray (H, W) or colour (H, W, 3), channels last; got shape {image.shape}")
    if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
        raise ValueError("image values must lie in [0, 1]; course_utils.load_image gives such images")
    return image


def _table_for(image: np.ndarray, layers) -> ReceptiveField:
    if isinstance(layers, ReceptiveField):
        check_table(layers)
        if tuple(layers.input_size) != image.shape[:2]:
            raise ValueError(f"the table is for a {layers.input_size} input, the image is {image.shape[:2]}")
        return layers
    return receptive_field(layers, input_size=image.shape[:2])


def nested_fields(
    image,
    layers: ReceptiveField | nn.Module | Sequence[Layer],
    pixel: tuple[float, float],
    show: Sequence[int | str] | None = None,
    ax=None,
):
    """Draw, for each layer in ``show`` (default: all), the field of its cell nearest ``pixel``.

    ``layers`` is a table from ``receptive_field`` (with the image's size) or anything
    ``receptive_field`` accepts. The legend gives each field's size; a field that reaches
    past the image is drawn clipped, as only those pixels exist. Returns the axes.
    """
    import matplotlib.pyplot as plt

    image = _check_image(image)
    table = _table_for(image, layers)
    show = range(len(table.rows)) if show is None else show
    ax = ax if ax is not None else plt.gca()
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    for number, layer in enumerate(show):
        index = layer_index(table, layer)
        row = table.rows[index]
        box = field_box(table, index, cell_at(table, index, pixel))
        draw_field(ax, box, COLORS[number % len(COLORS)], f"{row['layer']}: {field_size_text(row['rf'])}")
    ax.plot(pixel[1], pixel[0], "+", color="white", ms=8, mew=2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="field of one cell", title_fontsize=8)
    return ax
