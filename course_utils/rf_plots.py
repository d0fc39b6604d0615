"""Receptive fields drawn on a photograph: nested boxes for slides, and an explorer widget.

The numbers come from :mod:`course_utils.receptive_field`; this module only finds the
right cell and draws its field:

* :func:`field_box` the input pixels one cell of one layer sees (clipped to the image);
* :func:`cell_at` the cell of a layer whose field is centred nearest to a pixel;
* :func:`draw_field` one field as a rectangle on a Matplotlib axes;
* :func:`nested_fields` the fields of several layers around one pixel, in one picture;
* :class:`FieldExplorer` pick a layer and a cell with sliders, see what that cell sees.

Pixels and cells are ``(row, column)`` pairs, counted from 0 at the top left, and a box is
``((top, bottom), (left, right))`` with both ends included, like
``ReceptiveField.region``.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from torch import nn

from course_utils.receptive_field import Layer, ReceptiveField, receptive_field
from course_utils.widget_view import WIDGET_VIEW_MIME, bundle

__all__ = [
    "WIDGET_VIEW_MIME",
    "FieldExplorer",
    "cell_at",
    "draw_field",
    "field_box",
    "field_centre",
    "layer_table",
    "nested_fields",
]
Box = tuple[tuple[int, int], tuple[int, int]]
COLORS = ("#ffe119", "#3cb44b", "#4363d8", "#f58231", "#e6194b", "#911eb4", "#42d4f4", "#f032e6")


# ----------------------------------------------------------------------------- which cell, which pixels


def _check_table(table: ReceptiveField) -> None:
    if not isinstance(table, ReceptiveField):
        raise ValueError(f"expected the table made by receptive_field(...), got {type(table).__name__}")
    if table.axes != 2 or table.input_size is None:
        raise ValueError(
            "draw fields of a 2-D table that knows the image size: receptive_field(layers, input_size=(H, W))"
        )


def _layer_index(table: ReceptiveField, layer: int | str) -> int:
    """Row of ``table`` for a layer given by position (negative counts from the end) or by name."""
    names = [row["layer"] for row in table.rows]
    if isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"no layer named {layer!r}; the layers are {', '.join(names)}")
        return names.index(layer)
    if not -len(names) <= layer < len(names):
        raise ValueError(f"layer {layer} does not exist: the table has {len(names)} layers (0 to {len(names) - 1})")
    return layer % len(names)


def _per_axis(row: dict, key: str) -> tuple[int, int]:
    value = row[key]
    return tuple(value) if isinstance(value, tuple) else (value, value)


def layer_table(table: ReceptiveField, layer: int | str) -> ReceptiveField:
    """The table of the network cut after ``layer``: its last row is that layer's."""
    _check_table(table)
    index = _layer_index(table, layer)
    return ReceptiveField(table.rows[: index + 1], table.axes, table.input_size)


def field_box(table: ReceptiveField, layer: int | str, cell: tuple[int, int]) -> Box:
    """The pixels seen by ``cell`` of ``layer``: ``((top, bottom), (left, right))``, clipped to the image.

    >>> from course_utils.receptive_field import Layer
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> field_box(table, 1, (1, 2))
    ((1, 4), (3, 6))
    """
    return layer_table(table, layer).region(tuple(cell))


def cell_at(table: ReceptiveField, layer: int | str, pixel: tuple[float, float]) -> tuple[int, int]:
    """The cell of ``layer`` whose field is centred nearest to ``pixel`` (row, column).

    The field of cell ``i`` is centred at ``start + i * jump + (rf - 1) / 2``; solve for ``i``,
    round, and keep it inside the layer's output.

    >>> from course_utils.receptive_field import Layer
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> cell_at(table, 1, (3, 5.2))
    (1, 2)
    """
    _check_table(table)
    row = table.rows[_layer_index(table, layer)]
    cell = []
    for axis in range(2):
        rf, jump, start, size = (_per_axis(row, key)[axis] for key in ("rf", "jump", "start", "size"))
        index = round((pixel[axis] - start - (rf - 1) / 2) / jump)
        cell.append(int(min(max(index, 0), size - 1)))
    return tuple(cell)


def field_centre(table: ReceptiveField, layer: int | str, cell: tuple[int, int]) -> tuple[float, float]:
    """Where the field of ``cell`` is centred: ``start + cell * jump + (rf - 1) / 2`` per axis.

    This is the pixel the cell is "about", even when part of its field hangs over the
    image's edge (then it is not the centre of the clipped box).

    >>> from course_utils.receptive_field import Layer
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> field_centre(table, 1, (0, 3))
    (0.5, 6.5)
    """
    _check_table(table)
    row = table.rows[_layer_index(table, layer)]
    rf, jump, start = (_per_axis(row, key) for key in ("rf", "jump", "start"))
    return tuple(start[a] + cell[a] * jump[a] + (rf[a] - 1) / 2 for a in range(2))


# ----------------------------------------------------------------------------- drawing


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
        _check_table(layers)
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
        index = _layer_index(table, layer)
        row = table.rows[index]
        box = field_box(table, index, cell_at(table, index, pixel))
        draw_field(ax, box, COLORS[number % len(COLORS)], f"{row['layer']}: {_size_text(row['rf'])}")
    ax.plot(pixel[1], pixel[0], "+", color="white", ms=8, mew=2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="field of one cell", title_fontsize=8)
    return ax


def _size_text(rf) -> str:
    height, width = rf if isinstance(rf, tuple) else (rf, rf)
    return f"{height} x {width} px"


# ----------------------------------------------------------------------------- the explorer


class FieldExplorer:
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

    Everything is computed in Python, so tests drive it headlessly: ``select(...)`` or set
    ``layer_menu.value``, ``row.value``, ``col.value``, then read ``box``, ``caption_text``
    and ``jpeg`` (the picture). Displayed, it is the live widget; a notebook saved without
    widget state (and a static slide) shows the picture of the first view instead, and its text is
    :meth:`__repr__`, which depends only on the selection.
    """

    def __init__(
        self,
        image,
        layers: ReceptiveField | nn.Module | Sequence[Layer],
        layer: int | str = -1,
        pixel: tuple[float, float] | None = None,
        width: int = 480,
    ):
        self.image = _check_image(image)
        self.table = _table_for(self.image, layers)
        self.updates = 0
        self.jpeg = b""
        self._quiet = False
        index = _layer_index(self.table, layer)
        pixel = ((self.image.shape[0] - 1) / 2, (self.image.shape[1] - 1) / 2) if pixel is None else pixel
        cell = cell_at(self.table, index, pixel)

        options = [(f"{row['layer']} (field {_size_text(row['rf'])})", i) for i, row in enumerate(self.table.rows)]
        self.layer_menu = widgets.Dropdown(options=options, value=index, description="layer")
        self.row = widgets.IntSlider(description="cell row", continuous_update=False)
        self.col = widgets.IntSlider(description="cell col", continuous_update=False)
        self.caption = widgets.HTML()
        self.picture = widgets.Image(format="jpeg", layout=widgets.Layout(width=f"{width}px"))
        self.widget = widgets.VBox([self.layer_menu, widgets.HBox([self.row, self.col]), self.picture, self.caption])
        self._set_cell(index, cell)
        self.layer_menu.observe(self._on_layer, names="value")
        self.row.observe(self._on_cell, names="value")
        self.col.observe(self._on_cell, names="value")
        self._update()

    # -- state ----------------------------------------------------------------------------------

    @property
    def layer(self) -> int:
        """Index of the chosen layer in the table."""
        return self.layer_menu.value

    @property
    def name(self) -> str:
        return self.table.rows[self.layer]["layer"]

    @property
    def cell(self) -> tuple[int, int]:
        return (self.row.value, self.col.value)

    @property
    def box(self) -> Box:
        """The input pixels the chosen cell sees, ``((top, bottom), (left, right))``."""
        return field_box(self.table, self.layer, self.cell)

    @property
    def caption_text(self) -> str:
        row = self.table.rows[self.layer]
        height, width = _per_axis(row, "size")
        (top, bottom), (left, right) = self.box
        seen = (bottom - top + 1, right - left + 1)
        text = (
            f"{self.name}: cell (row {self.cell[0]}, col {self.cell[1]}) of its {height} x {width} map "
            f"sees rows {top}-{bottom}, columns {left}-{right}: {seen[0]} x {seen[1]} pixels"
        )
        if seen != _per_axis(row, "rf"):
            text += f" (the rest of its {_size_text(row['rf'])} field lies on the padding)"
        jump = _per_axis(row, "jump")
        if jump == (1, 1):
            return text + "; neighbouring cells are 1 pixel apart"
        spacing = f"{jump[0]}" if jump[0] == jump[1] else f"{jump[0]} x {jump[1]}"
        return text + f"; neighbouring cells are {spacing} pixels apart"

    def select(self, layer: int | str | None = None, cell: tuple[int, int] | None = None, pixel=None) -> None:
        """Choose a layer and a cell (or the cell nearest ``pixel``), as the controls would; draws once."""
        index = self.layer if layer is None else _layer_index(self.table, layer)
        if cell is None:
            pixel = field_centre(self.table, self.layer, self.cell) if pixel is None else pixel
            cell = cell_at(self.table, index, pixel)
        size = _per_axis(self.table.rows[index], "size")
        if not all(0 <= c < n for c, n in zip(cell, size, strict=True)):
            raise ValueError(f"cell {tuple(cell)} is outside the {size[0]} x {size[1]} map of layer {index}")
        self._set_cell(index, cell)
        self._update()

    def _set_cell(self, index: int, cell: tuple[int, int]) -> None:
        height, width = _per_axis(self.table.rows[index], "size")
        self._quiet = True  # several controls change: draw once, at the end
        try:
            self.layer_menu.value = index
            # Widen the range before moving the value, so the value is never clipped on the way.
            self.row.max, self.col.max = max(self.row.max, height - 1), max(self.col.max, width - 1)
            self.row.value, self.col.value = cell
            self.row.max, self.col.max = height - 1, width - 1
        finally:
            self._quiet = False

    def _on_layer(self, change: dict) -> None:
        if not self._quiet:
            centre = field_centre(self.table, change["old"], self.cell)
            self.select(change["new"], cell_at(self.table, change["new"], centre))

    def _on_cell(self, _change: dict) -> None:
        if not self._quiet:
            self._update()

    def _update(self) -> None:
        self.jpeg = self._render_jpeg()
        self.picture.value = self.jpeg
        self.caption.value = f"<p>{html.escape(self.caption_text)}</p>"
        self.updates += 1

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
        rf, jump, start, size = (_per_axis(row, key) for key in ("rf", "jump", "start", "size"))
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

    def __repr__(self) -> str:
        return f"FieldExplorer: {self.caption_text}\n(in a live notebook: pick a layer and a cell to see its field)"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live widget, its text and, for static slides and viewers, the picture of this view.

        nbval compares only the text, which depends on the selection alone.
        """
        data = bundle(self.widget, repr(self))
        data["image/jpeg"] = base64.b64encode(self.jpeg).decode("ascii")
        return data
