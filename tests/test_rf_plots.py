"""Receptive fields on a photo: the boxes agree with autograd, the explorer is driven headlessly."""

from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from torch import nn

from course_utils.ops import (
    Layer,
    cell_at,
    empirical_receptive_field,
    field_box,
    field_centre,
    layer_table,
    receptive_field,
)
from course_utils.plots import draw_field, nested_fields
from course_utils.widgets import FieldExplorer
from course_utils.widgets.base import WIDGET_VIEW_MIME

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def vgg_blocks(blocks=(2, 2, 3)) -> list[Layer]:
    """The geometry of VGG-16's first blocks: 3x3 convolutions with padding 1, then 2x2 pooling."""
    layers = []
    for block, convs in enumerate(blocks, start=1):
        layers += [Layer(3, padding=1, name=f"conv{block}_{i}") for i in range(1, convs + 1)]
        layers.append(Layer(2, stride=2, name=f"pool{block}"))
    return layers


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.random((40, 60, 3))


@pytest.fixture(scope="module")
def table():
    return receptive_field(vgg_blocks(), input_size=(40, 60))


# ----------------------------------------------------------------------------- boxes and cells


def test_field_box_equals_autograd_for_every_layer(table):
    layers = vgg_blocks()
    for index, row in enumerate(table.rows):
        height, width = row["size"]
        for cell in [(0, 0), (height // 2, width // 3), (height - 1, width - 1)]:
            measured = empirical_receptive_field(layers[: index + 1], (40, 60), cell)
            assert field_box(table, index, cell) == measured, (row["layer"], cell)


def test_layers_can_be_named_or_counted_from_the_end(table):
    assert field_box(table, "conv2_2", (3, 4)) == field_box(table, 4, (3, 4))
    assert field_box(table, -1, (1, 1)) == field_box(table, "pool3", (1, 1))
    assert layer_table(table, "pool2").rf == 16


@given(kernel=st.integers(1, 5), stride=st.integers(1, 3), padding=st.integers(0, 2), layers=st.integers(1, 4))
def test_cell_at_the_centre_of_a_cells_field_finds_that_cell(kernel, stride, padding, layers):
    padding = min(padding, kernel - 1)
    try:
        stack = receptive_field([Layer(kernel, stride, padding)] * layers, input_size=(30, 31))
    except ValueError:  # the input is too small for this stack
        return
    height, width = stack.rows[-1]["size"] if isinstance(stack.rows[-1]["size"], tuple) else (stack.size,) * 2
    for cell in [(0, 0), (height - 1, width - 1), (height // 2, width // 2)]:
        assert cell_at(stack, -1, field_centre(stack, -1, cell)) == cell


def test_cell_at_stays_inside_the_map(table):
    assert cell_at(table, "pool3", (-100, -100)) == (0, 0)
    assert cell_at(table, "pool3", (1000, 1000)) == (4, 6)  # 40 x 60 -> 20 x 30 -> 10 x 15 -> 5 x 7


def test_field_centre_is_the_middle_of_an_unclipped_box(table):
    box = field_box(table, "conv2_2", (5, 7))  # an inner cell: its whole field lies on the image
    assert field_centre(table, "conv2_2", (5, 7)) == tuple((a + b) / 2 for a, b in box)


def test_bad_layers_and_tables_are_explained(table):
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        field_box(table, "conv9", (0, 0))
    with pytest.raises(ValueError, match="has 10 layers"):
        cell_at(table, 10, (0, 0))
    with pytest.raises(ValueError, match="input_size"):
        field_box(receptive_field(vgg_blocks()), 0, (0, 0))


# ----------------------------------------------------------------------------- drawing


def test_draw_field_covers_exactly_the_box_pixels():
    fig, ax = plt.subplots()
    rect = draw_field(ax, ((2, 5), (10, 12)))
    assert rect.get_xy() == (9.5, 1.5) and rect.get_width() == 3 and rect.get_height() == 4
    plt.close(fig)


def test_nested_fields_draws_one_growing_box_per_layer(photo, table):
    fig, ax = plt.subplots()
    shown = ["conv1_2", "conv2_2", "pool2"]
    nested_fields(photo, table, pixel=(20, 30), show=shown, ax=ax)
    boxes = [
        ((r.get_y() + 0.5, r.get_y() + r.get_height() - 0.5), (r.get_x() + 0.5, r.get_x() + r.get_width() - 0.5))
        for r in ax.patches
    ]
    assert len(boxes) == 3
    for inner, outer in zip(boxes, boxes[1:], strict=False):
        assert outer[0][0] <= inner[0][0] <= inner[0][1] <= outer[0][1]
        assert outer[1][0] <= inner[1][0] <= inner[1][1] <= outer[1][1]
    sides = [box[0][1] - box[0][0] + 1 for box in boxes]
    assert sides == [5, 14, 16]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "conv1_2: 5 x 5 px",
        "conv2_2: 14 x 14 px",
        "pool2: 16 x 16 px",
    ]
    plt.close(fig)


def test_nested_fields_accepts_a_model(photo):
    model = nn.Sequential(nn.Conv2d(3, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
    fig, ax = plt.subplots()
    nested_fields(photo, model, pixel=(20, 30), ax=ax)
    assert len(ax.patches) == 2
    plt.close(fig)


def test_images_and_tables_are_checked(photo, table):
    with pytest.raises(ValueError, match="channels last"):
        nested_fields(photo.transpose(2, 0, 1), table, pixel=(1, 1))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        FieldExplorer(photo * 255, table)
    with pytest.raises(ValueError, match="the table is for a"):
        FieldExplorer(photo[:20], table)


# ----------------------------------------------------------------------------- the explorer


def decoded(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)))


def test_explorer_starts_at_the_cell_nearest_the_pixel(photo, table):
    explorer = FieldExplorer(photo, table, layer="conv2_2", pixel=(10, 20))
    assert explorer.name == "conv2_2" and explorer.layer == 4
    assert explorer.cell == cell_at(table, "conv2_2", (10, 20))
    assert explorer.box == field_box(table, "conv2_2", explorer.cell)
    assert (explorer.row.max, explorer.col.max) == (19, 29)
    assert explorer.updates == 1 and decoded(explorer.jpeg).ndim == 3


def test_moving_a_slider_redraws_once_with_the_new_field(photo, table):
    explorer = FieldExplorer(photo, table, layer="conv3_3")
    before, picture = explorer.updates, explorer.jpeg
    explorer.col.value = 0
    assert explorer.updates == before + 1 and explorer.jpeg != picture
    assert explorer.box == field_box(table, "conv3_3", (explorer.cell[0], 0))
    assert explorer.picture.value == explorer.jpeg
    assert "lies on the padding" in explorer.caption_text  # the left-most cell hangs over the edge


def test_changing_the_layer_keeps_the_same_spot(photo, table):
    explorer = FieldExplorer(photo, table, layer="conv1_1", pixel=(21, 33))
    explorer.layer_menu.value = 8  # what picking conv3_3 in the drop-down does
    assert explorer.name == "conv3_3" and explorer.updates == 2
    assert explorer.cell == cell_at(table, 8, (21, 33))
    assert (explorer.row.max, explorer.col.max) == (9, 14)
    explorer.layer_menu.value = 0  # and back down: the sliders' range grows again
    assert explorer.cell == cell_at(table, 0, field_centre(table, 8, cell_at(table, 8, (21, 33))))
    assert (explorer.row.max, explorer.col.max) == (39, 59)


def test_select_checks_the_cell(photo, table):
    explorer = FieldExplorer(photo, table)
    explorer.select("pool2", (9, 14))
    assert explorer.cell == (9, 14) and explorer.name == "pool2"
    with pytest.raises(ValueError, match="outside the 10 x 15 map"):
        explorer.select("pool2", (10, 0))


def test_the_dimmed_picture_shows_the_field_brighter(table):
    photo = np.full((40, 60), 0.9)
    explorer = FieldExplorer(photo, table, layer="conv1_2", pixel=(20, 30))
    fig = explorer.figure()
    shown = fig.axes[0].images[0].get_array()
    (top, bottom), (left, right) = explorer.box
    assert np.allclose(shown[top : bottom + 1, left : right + 1], 0.9)
    assert np.allclose(shown[0, 0], 0.9 * 0.35)


def test_display_bundle_is_widget_picture_and_a_text_that_depends_only_on_the_state(photo, table):
    one, two = FieldExplorer(photo, table, layer=3), FieldExplorer(photo, table, layer=3)
    bundle = one._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == one.widget.model_id
    assert base64.b64decode(bundle["image/jpeg"]) == one.jpeg
    assert bundle["text/plain"] == two._repr_mimebundle_()["text/plain"] == repr(one)
    assert repr(one).startswith("FieldExplorer: conv2_1: cell (row 10, col 14) of its 20 x 30 map sees rows")


def test_the_explorer_can_hide_field_sizes_until_the_room_has_predicted():
    from course_utils.ops import Layer
    from course_utils.widgets import FieldExplorer

    image = np.zeros((32, 32))
    layers = [Layer(3, padding=1, name="conv1"), Layer(3, padding=1, name="conv2")]
    explorer = FieldExplorer(image, layers, show_sizes=False)
    labels = [label for label, _ in explorer.layer_menu.options]
    assert labels == ["conv1", "conv2"] and "px" not in explorer.caption_text and "5 x 5" not in explorer.text()
    explorer.select("conv1")
    explorer.sizes_box.value = True  # the reveal
    assert explorer.name == "conv1" and "(field 3 x 3 px)" in explorer.layer_menu.options[0][0]
    assert "3 x 3 pixels" in explorer.caption_text
