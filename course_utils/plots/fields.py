"""Receptive fields drawn on a photograph: one field as a rectangle, the nested fields of several layers.

* :func:`draw_field` outlines one field, a box ``((top, bottom), (left, right))`` of pixels;
* :func:`nested_fields` draws, layer after layer, the growing field of the cell nearest a pixel;
* :func:`table_for_image` gives the ``receptive_field`` table of a network for one photo's size
  (the :class:`~course_utils.widgets.FieldExplorer` uses it too).

The numbers come from :mod:`course_utils.ops.fields`; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from course_utils.ops.fields import Box, cell_at, check_table, field_box, field_size_text, layer_index
from course_utils.ops.receptive_field import Layer, ReceptiveField, receptive_field
from course_utils.plots.images import check_image

COLORS = ("#ffe119", "#3cb44b", "#4363d8", "#f58231", "#e6194b", "#911eb4", "#42d4f4", "#f032e6")


def draw_field(ax, box: Box, color: str = "red", label: str | None = None, lw: float = 2.0, **kwargs):
    """Outline ``box`` on an ``imshow`` axes (pixel centres at whole numbers); returns the rectangle."""
    from matplotlib.patches import Rectangle

    (top, bottom), (left, right) = box
    corner, height, width = (left - 0.5, top - 0.5), bottom - top + 1, right - left + 1
    rect = Rectangle(corner, width, height, fill=False, color=color, lw=lw, label=label, **kwargs)
    ax.add_patch(rect)
    return rect


def table_for_image(image: np.ndarray, layers: ReceptiveField | nn.Module | Sequence[Layer]) -> ReceptiveField:
    """The ``receptive_field`` table of ``layers`` for an image of this size.

    ``layers`` is anything ``receptive_field`` accepts (a model, ``Layer``s), or a table
    already made for the image's size, which is checked and returned as it is.

    >>> table = table_for_image(np.zeros((8, 10)), [Layer(3, padding=1), Layer(2, stride=2)])
    >>> table.input_size, table.rows[-1]["size"]
    ((8, 10), (4, 5))
    """
    if isinstance(layers, ReceptiveField):
        check_table(layers)
        if tuple(layers.input_size) != image.shape[:2]:
            raise ValueError(
                f"the table is for a {layers.input_size} input, the image is {image.shape[:2]}; "
                "make it with receptive_field(layers, input_size=image.shape[:2])"
            )
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

    image = check_image(image)
    table = table_for_image(image, layers)
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
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, title="field of one cell", title_fontsize=10)
    return ax
