"""Lesson 04's receptive-field explorer: pick a layer and one of its cells, see the part of the photo it sees.

The numbers come from :mod:`course_utils.ops.fields`; the drawing from :mod:`course_utils.plots.fields`.

Pixels and cells are ``(row, column)`` pairs, counted from 0 at the top left, and a box is
``((top, bottom), (left, right))`` with both ends included, like
``ReceptiveField.region``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from torch import nn

from course_utils.ops.fields import Box, cell_at, field_box, field_centre, field_size_text, layer_index, row_pair
from course_utils.ops.receptive_field import Layer, ReceptiveField
from course_utils.plots.fields import draw_field, table_for_image
from course_utils.plots.images import check_image
from course_utils.widgets.base import CourseWidget


class FieldExplorer(CourseWidget):
    """Pick a layer and one of its cells; see the part of the photo that cell sees.

    ``image``: the network's input, gray ``(H, W)`` or colour ``(H, W, 3)`` in [0, 1].
    ``layers``: what ``receptive_field`` accepts (a model or ``Layer``s), or its table for
    this image size. ``layer`` (index or name, default the last) and ``pixel`` (default the
    image's centre) choose the first cell shown.

    The drop-down picks the layer; when it changes, the sliders jump to the cell of the new
    layer centred nearest to the old cell's field centre, so you can walk up the network and
    watch one spot's field grow. Outside the field the photo is dimmed; a cross marks the
    field's centre, and white dots the field centres of the layer's other cells when they
    are at least 8 pixels apart (closer dots would hide the photo).

    ``show_sizes=False`` hides the numbers (the drop-down lists layer names only, the caption
    names the cell but not its field) until the "show field sizes" box is ticked: the room can
    predict each layer's field before the lecturer reveals it.

    Everything is computed in Python, so tests drive it headlessly: ``select(...)`` or set
    ``layer_menu.value``, ``row.value``, ``col.value``, then read ``box``, ``caption_text``
    and ``jpeg`` (the picture). Displayed, it is the live widget; a notebook saved without
    widget state (and a static slide) shows the picture of the first view instead, and its text is
    :meth:`text`, which depends only on the selection.
    """

    def __init__(
        self,
        image,
        layers: ReceptiveField | nn.Module | Sequence[Layer],
        layer: int | str = -1,
        pixel: tuple[float, float] | None = None,
        width: int = 480,
        show_sizes: bool = True,
    ):
        super().__init__()
        self.image = check_image(image)
        self.table = table_for_image(self.image, layers)
        self.jpeg = b""
        index = layer_index(self.table, layer)
        pixel = ((self.image.shape[0] - 1) / 2, (self.image.shape[1] - 1) / 2) if pixel is None else pixel
        cell = cell_at(self.table, index, pixel)

        self.sizes_box = widgets.Checkbox(value=show_sizes, description="show field sizes", indent=False)
        self.layer_menu = widgets.Dropdown(options=self._menu_options(), value=index, description="layer")
        self.row = widgets.IntSlider(description="cell row", continuous_update=False)
        self.col = widgets.IntSlider(description="cell col", continuous_update=False)
        self.caption = widgets.HTML()
        self.picture = widgets.Image(format="jpeg", layout=widgets.Layout(width=f"{width}px"))
        controls = [widgets.HBox([self.layer_menu, self.sizes_box]), widgets.HBox([self.row, self.col])]
        self.widget = widgets.VBox([*controls, self.picture, self.caption])
        self.layer_menu.observe(self._on_layer, names="value")
        self.sizes_box.observe(self._on_show_sizes, names="value")
        self.redraw_on(self.row, self.col)
        self.select(index, cell)

    # -- state ----------------------------------------------------------------------------------

    @property
    def layer(self) -> int:
        """Index of the chosen layer in the table."""
        return self.layer_menu.value

    @property
    def name(self) -> str:
        """Name of the chosen layer."""
        return self.table.rows[self.layer]["layer"]

    @property
    def cell(self) -> tuple[int, int]:
        """The chosen cell of the layer's output map, ``(row, column)``."""
        return (self.row.value, self.col.value)

    @property
    def box(self) -> Box:
        """The input pixels the chosen cell sees, ``((top, bottom), (left, right))``."""
        return field_box(self.table, self.layer, self.cell)

    @property
    def show_sizes(self) -> bool:
        """Whether the field sizes are on show (the drop-down's labels and the caption)."""
        return self.sizes_box.value

    @property
    def caption_text(self) -> str:
        """One sentence: which pixels the chosen cell sees, and how far apart its neighbours are."""
        if not self.show_sizes:
            return (
                f"{self.name}: cell (row {self.cell[0]}, col {self.cell[1]}). How large is its field? "
                "Predict, then tick 'show field sizes'"
            )
        row = self.table.rows[self.layer]
        height, width = row_pair(row, "size")
        (top, bottom), (left, right) = self.box
        seen = (bottom - top + 1, right - left + 1)
        text = (
            f"{self.name}: cell (row {self.cell[0]}, col {self.cell[1]}) of its {height} x {width} map "
            f"sees rows {top}-{bottom}, columns {left}-{right}: {seen[0]} x {seen[1]} pixels"
        )
        if seen != row_pair(row, "rf"):
            text += f" (the rest of its {field_size_text(row['rf'])} field lies on the padding)"
        jump = row_pair(row, "jump")
        if jump == (1, 1):
            return text + "; neighbouring cells are 1 pixel apart"
        spacing = f"{jump[0]}" if jump[0] == jump[1] else f"{jump[0]} x {jump[1]}"
        return text + f"; neighbouring cells are {spacing} pixels apart"

    def select(self, layer: int | str | None = None, cell: tuple[int, int] | None = None, pixel=None) -> None:
        """Choose a layer and a cell (or the cell nearest ``pixel``), as the controls would; draws once."""
        index = self.layer if layer is None else layer_index(self.table, layer)
        if cell is None:
            pixel = field_centre(self.table, self.layer, self.cell) if pixel is None else pixel
            cell = cell_at(self.table, index, pixel)
        size = row_pair(self.table.rows[index], "size")
        if not all(0 <= c < n for c, n in zip(cell, size, strict=True)):
            raise ValueError(f"cell {tuple(cell)} is outside the {size[0]} x {size[1]} map of layer {index}")
        height, width = size
        with self.hold_redraws():
            self.layer_menu.value = index
            # Widen the range before moving the value, so the value is never clipped on the way.
            self.row.max, self.col.max = max(self.row.max, height - 1), max(self.col.max, width - 1)
            self.row.value, self.col.value = cell
            self.row.max, self.col.max = height - 1, width - 1
            self.redraw()

    def _menu_options(self) -> list[tuple[str, int]]:
        def label(row: dict) -> str:
            return f"{row['layer']} (field {field_size_text(row['rf'])})" if self.show_sizes else row["layer"]

        return [(label(row), i) for i, row in enumerate(self.table.rows)]

    def _on_show_sizes(self, _change: dict) -> None:
        with self.hold_redraws():  # new labels keep the chosen layer
            self.layer_menu.options = self._menu_options()
            self.layer_menu.value = self.layer
            self.redraw()

    def _on_layer(self, change: dict) -> None:
        if not self.holding:  # the student picked a layer: jump to the cell that sees the same spot
            centre = field_centre(self.table, change["old"], self.cell)
            self.select(change["new"], cell_at(self.table, change["new"], centre))

    def _draw(self) -> None:
        self.jpeg = self._render_jpeg()
        self.picture.value = self.jpeg
        self.caption.value = f"<p>{html.escape(self.caption_text)}</p>"

    # -- drawing --------------------------------------------------------------------------------

    def figure(self):
        """The current view as a Matplotlib figure (not shown; ``Figure`` without pyplot)."""
        from matplotlib.figure import Figure

        height, width = self.image.shape[:2]
        fig = Figure(figsize=(5.0, 5.0 * height / width), dpi=72, layout="constrained")
        ax = fig.add_subplot()
        (top, bottom), (left, right) = box = self.box
        shown = self.image * 0.35  # dim what the cell cannot see
        shown[top : bottom + 1, left : right + 1] = self.image[top : bottom + 1, left : right + 1]
        ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
        row = self.table.rows[self.layer]
        rf, jump, start, size = (row_pair(row, key) for key in ("rf", "jump", "start", "size"))
        if min(jump) >= 8:
            centres = [start[a] + np.arange(size[a]) * jump[a] + (rf[a] - 1) / 2 for a in range(2)]
            rows, cols = np.meshgrid(*centres, indexing="ij")
            ax.plot(cols.ravel(), rows.ravel(), ".", color="white", ms=3, alpha=0.6)
        draw_field(ax, box, "#ffe119", lw=2)
        centre = field_centre(self.table, self.layer, self.cell)
        ax.plot(centre[1], centre[0], "+", color="#ffe119", ms=10, mew=2)
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
        ax.set_title(f"{self.name}, cell ({self.cell[0]}, {self.cell[1]})", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig

    def _render_jpeg(self) -> bytes:
        # JPEG, not PNG: a photo is 4 times smaller, which keeps the stored notebook light.
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="jpeg", pil_kwargs={"quality": 85})
        return buffer.getvalue()

    # -- display --------------------------------------------------------------------------------

    def text(self) -> str:
        """The caption of the chosen cell: what a stored notebook shows (nbval compares only this)."""
        return f"FieldExplorer: {self.caption_text}\n(in a live notebook: pick a layer and a cell to see its field)"

    def snapshot(self) -> tuple[str, bytes]:
        """The picture of this view, for static slides and viewers without a kernel."""
        return "image/jpeg", self.jpeg
