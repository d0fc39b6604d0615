"""Where a receptive field lies on the image: the box one cell sees, the cell that sees a pixel.

Pixels and cells are ``(row, column)`` pairs, counted from 0 at the top left, and a box is
``((top, bottom), (left, right))`` with both ends included, like ``ReceptiveField.region``.
The numbers come from :func:`course_utils.ops.receptive_field`.
"""

from __future__ import annotations

from course_utils.ops.geometry import per_axis
from course_utils.ops.receptive_field import ReceptiveField

Box = tuple[tuple[int, int], tuple[int, int]]


def check_table(table: ReceptiveField) -> None:
    """Fail with a fix-it message unless ``table`` is a 2-D ``receptive_field`` table that knows the image size."""
    if not isinstance(table, ReceptiveField):
        raise ValueError(f"expected the table made by receptive_field(...), got {type(table).__name__}")
    if table.axes != 2 or table.input_size is None:
        raise ValueError(
            "draw fields of a 2-D table that knows the image size: receptive_field(layers, input_size=(H, W))"
        )


def layer_index(table: ReceptiveField, layer: int | str) -> int:
    """Row of ``table`` for a layer given by position (negative counts from the end) or by name."""
    names = [row["layer"] for row in table.rows]
    if isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"no layer named {layer!r}; the layers are {', '.join(names)}")
        return names.index(layer)
    if not -len(names) <= layer < len(names):
        raise ValueError(f"layer {layer} does not exist: the table has {len(names)} layers (0 to {len(names) - 1})")
    return layer % len(names)


def row_pair(row: dict, key: str) -> tuple[int, int]:
    """One column of a table row as ``(height, width)``, also where the table stores one number for both."""
    return per_axis(row[key], key)


def layer_table(table: ReceptiveField, layer: int | str) -> ReceptiveField:
    """The table of the network cut after ``layer``: its last row is that layer's."""
    check_table(table)
    index = layer_index(table, layer)
    return ReceptiveField(table.rows[: index + 1], table.axes, table.input_size)


def field_box(table: ReceptiveField, layer: int | str, cell: tuple[int, int]) -> Box:
    """The pixels seen by ``cell`` of ``layer``: ``((top, bottom), (left, right))``, clipped to the image.

    >>> from course_utils.ops import Layer, receptive_field
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> field_box(table, 1, (1, 2))
    ((1, 4), (3, 6))
    """
    return layer_table(table, layer).region(tuple(cell))


def cell_at(table: ReceptiveField, layer: int | str, pixel: tuple[float, float]) -> tuple[int, int]:
    """The cell of ``layer`` whose field is centred nearest to ``pixel`` (row, column).

    The field of cell ``i`` is centred at ``start + i * jump + (rf - 1) / 2``; solve for ``i``,
    round, and keep it inside the layer's output.

    >>> from course_utils.ops import Layer, receptive_field
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> cell_at(table, 1, (3, 5.2))
    (1, 2)
    """
    check_table(table)
    row = table.rows[layer_index(table, layer)]
    cell = []
    for axis in range(2):
        rf, jump, start, size = (row_pair(row, key)[axis] for key in ("rf", "jump", "start", "size"))
        index = round((pixel[axis] - start - (rf - 1) / 2) / jump)
        cell.append(int(min(max(index, 0), size - 1)))
    return tuple(cell)


def field_centre(table: ReceptiveField, layer: int | str, cell: tuple[int, int]) -> tuple[float, float]:
    """Where the field of ``cell`` is centred: ``start + cell * jump + (rf - 1) / 2`` per axis.

    This is the pixel the cell is "about", even when part of its field hangs over the
    image's edge (then it is not the centre of the clipped box).

    >>> from course_utils.ops import Layer, receptive_field
    >>> table = receptive_field([Layer(3, padding=1), Layer(2, stride=2)], input_size=(8, 8))
    >>> field_centre(table, 1, (0, 3))
    (0.5, 6.5)
    """
    check_table(table)
    row = table.rows[layer_index(table, layer)]
    rf, jump, start = (row_pair(row, key) for key in ("rf", "jump", "start"))
    return tuple(start[a] + cell[a] * jump[a] + (rf[a] - 1) / 2 for a in range(2))


def field_size_text(rf: int | tuple[int, int]) -> str:
    """A field size for a caption: ``"5 x 5 px"``.

    >>> field_size_text(5), field_size_text((5, 3))
    ('5 x 5 px', '5 x 3 px')
    """
    height, width = per_axis(rf, "rf")
    return f"{height} x {width} px"
