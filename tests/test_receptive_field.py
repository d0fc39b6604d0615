"""Receptive fields: the recurrence against autograd, and the lectures' numbers."""

from itertools import count

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from course_utils.ops import Layer, empirical_receptive_field, field_gradient, receptive_field


def per_axis(table, key):
    value = table.rows[-1][key]
    return value if isinstance(value, tuple) else (value,) * table.axes


def torch_output_size(model, channels, input_size):
    with torch.no_grad():
        return tuple(model.eval()(torch.zeros(1, channels, *input_size)).shape[2:])


# ----------------------------------------------------------------------------------------
# Random stacks of Conv2d / MaxPool2d / AvgPool2d (with per-pixel layers in between)
# ----------------------------------------------------------------------------------------


def pairs(low, high):
    return st.tuples(st.integers(low, high), st.integers(low, high))


@st.composite
def stacks(draw, contiguous=False):
    """A random nn.Sequential and its number of input channels.

    ``contiguous`` keeps every field free of holes and every cell on at least one image pixel
    (no dilation, stride <= kernel, conv padding < kernel), so fields can be compared right up
    to the image border after clipping.
    """
    channels = first = draw(st.integers(1, 3))
    modules: list[nn.Module] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "max", "avg"]))
        kernel = draw(pairs(1, 4))
        dilation = (1, 1) if contiguous or kind == "avg" else draw(pairs(1, 3))
        stride = tuple(draw(st.integers(1, k if contiguous else 3)) for k in kernel)
        if kind == "conv":
            most = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)] if contiguous else [3, 3]
            padding = tuple(draw(st.integers(0, m)) for m in most)
            out = draw(st.integers(1, 3))
            modules.append(nn.Conv2d(channels, out, kernel, stride, padding, dilation))
            channels = out
            modules += draw(st.sampled_from([[], [nn.ReLU()], [nn.BatchNorm2d(out), nn.ReLU()]]))
        else:
            padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
            ceil_mode = draw(st.booleans())
            if kind == "max":
                modules.append(nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode))
            else:
                modules.append(nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode))
    return nn.Sequential(*modules), first


@given(stack=stacks(), data=st.data())
def test_theory_equals_autograd_for_a_cell_whose_field_is_inside_the_image(stack, data):
    model, channels = stack
    free = receptive_field(model)  # the field does not depend on the input size
    rf, jump, start = (per_axis(free, key) for key in ("rf", "jump", "start"))
    # The first cell whose field does not hang over the left/top edge, with a little room after it.
    first_inside = [max(0, -(s // j)) for s, j in zip(start, jump, strict=True)]
    input_size = tuple(
        s + i * j + r + data.draw(st.integers(0, 2 * j), label="room")
        for s, j, r, i in zip(start, jump, rf, first_inside, strict=True)
    )
    table = receptive_field(model, input_size)
    size = per_axis(table, "size")
    assert size == torch_output_size(model, channels, input_size)

    inside = [
        [i for i in range(first, n_out) if s + i * j + r <= n]
        for first, n_out, s, j, r, n in zip(first_inside, size, start, jump, rf, input_size, strict=True)
    ]
    assume(all(inside))
    cell = tuple(data.draw(st.sampled_from(cells), label="cell") for cells in inside)
    expected = tuple((s + i * j, s + i * j + r - 1) for s, j, r, i in zip(start, jump, rf, cell, strict=True))
    assert table.region(cell) == expected
    assert empirical_receptive_field(model, input_size, cell) == expected


@given(stack=stacks(contiguous=True), data=st.data())
def test_theory_equals_autograd_up_to_the_border_after_clipping(stack, data):
    model, channels = stack
    rf = per_axis(receptive_field(model), "rf")
    input_size = tuple(data.draw(st.integers(max(1, r // 2), r + 8), label="input") for r in rf)
    try:
        table = receptive_field(model, input_size)
    except ValueError:
        assume(False)  # input too small for this stack; PyTorch would refuse it too
    size = per_axis(table, "size")
    assert size == torch_output_size(model, channels, input_size)
    cell = tuple(data.draw(st.integers(0, n - 1), label="cell") for n in size)
    assert empirical_receptive_field(model, input_size, cell) == table.region(cell)


@given(
    layers=st.lists(
        st.builds(
            Layer,
            kernel=st.integers(1, 5),
            stride=st.integers(1, 3),
            padding=st.integers(0, 2),
            dilation=st.integers(1, 3),
        ),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
def test_layer_specs_in_1d_agree_with_autograd(layers, data):
    free = receptive_field(layers)
    start, jump, rf = free.start, free.jump, free.rf
    first = max(0, -(start // jump))
    n = start + first * jump + rf + data.draw(st.integers(0, 3 * jump))
    size = receptive_field(layers, n).size
    assume(first < size)
    cell = data.draw(st.integers(first, size - 1))
    assume(start + cell * jump + rf <= n)
    assert empirical_receptive_field(layers, n, cell) == ((start + cell * jump, start + cell * jump + rf - 1),)


# ----------------------------------------------------------------------------------------
# Worked examples, computed by hand
# ----------------------------------------------------------------------------------------


def vgg_block():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


def test_a_vgg_block_by_hand():
    # 3x3 pad 1: rf 1 + 2 = 3, start 0 - 1 = -1; again: rf 5, start -2; 2x2 pool: rf 5 + 1 = 6, jump 2.
    table = receptive_field(vgg_block(), input_size=32)
    assert [row["layer"] for row in table.rows] == ["0 (Conv2d)", "3 (Conv2d)", "5 (MaxPool2d)"]
    assert [(r["rf"], r["jump"], r["start"], r["size"]) for r in table.rows] == [
        (3, 1, -1, 32),
        (5, 1, -2, 32),
        (6, 2, -2, 16),
    ]
    assert [(r["kernel"], r["stride"], r["padding"], r["dilation"]) for r in table.rows] == [
        (3, 1, 1, 1),
        (3, 1, 1, 1),
        (2, 2, 0, 1),
    ]
    assert (table.rf, table.jump, table.start, table.size) == (6, 2, -2, 16)
    assert table.region((0, 5)) == ((0, 3), (8, 13))  # rows -2..3 clipped to 0..3; columns 10-2..10+3


def test_specs_dicts_and_modules_give_the_same_numbers():
    numbers = ("kernel", "stride", "padding", "dilation", "rf", "jump", "start", "size")
    specs = [Layer(3, padding=1), Layer(3, padding=1), Layer(2, stride=2)]
    dicts = [{"kernel": 3, "padding": 1}, {"kernel": 3, "padding": 1}, {"kernel": 2, "stride": 2}]
    tables = [receptive_field(source, input_size=32) for source in (vgg_block(), specs, dicts)]
    rows = [[tuple(row[key] for key in numbers) for row in table.rows] for table in tables]
    assert rows[0] == rows[1] == rows[2]
    assert [row["layer"] for row in tables[2].rows] == ["layer 0", "layer 1", "layer 2"]


def test_rectangular_settings_give_tuples_and_square_ones_ints():
    table = receptive_field([Layer((3, 5), padding=(1, 2)), Layer(2, stride=2)], input_size=(8, 10))
    first, second = table.rows
    assert (first["kernel"], first["padding"], first["rf"], first["start"], first["size"]) == (
        (3, 5),
        (1, 2),
        (3, 5),
        (-1, -2),
        (8, 10),
    )
    assert (second["kernel"], second["stride"], second["jump"], second["rf"], second["size"]) == (
        2,
        2,
        2,
        (4, 6),
        (4, 5),
    )


def test_dilation_leaves_holes_that_the_bounding_box_spans():
    model = nn.Conv1d(1, 1, kernel_size=2, dilation=3)  # taps on pixels 0 and 3 only
    np.testing.assert_array_equal(field_gradient(model, 6, 0), [1, 0, 0, 1, 0, 0])
    assert receptive_field(model).rf == 4
    assert empirical_receptive_field(model, 6, 0) == ((0, 3),)


def test_max_pool_is_measured_over_its_whole_window():
    # A max pool would send the gradient to one pixel; the measurement must see all 3x3.
    model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.MaxPool2d(3, stride=2))
    gradient = field_gradient(model, (9, 9), (1, 2))
    assert np.count_nonzero(gradient) == 4 * 4
    assert empirical_receptive_field(model, (9, 9), (1, 2)) == ((2, 5), (4, 7))


def test_a_partial_ceil_mode_window_near_the_border():
    model = nn.Sequential(
        nn.MaxPool1d(2, padding=1, ceil_mode=True),  # 31 -> 16 cells (a 17th would start on padding)
        nn.MaxPool1d(4, padding=2, ceil_mode=True),  # 16 -> 5
        nn.Conv1d(1, 1, 2, stride=2),  # 5 -> 2
        nn.MaxPool1d(3, stride=2, ceil_mode=True),  # 2 -> 1, a partial window
    )
    # Back from cell 0: cells 0..2 of 2 -> 0..1; pixels of the conv 0..3; of pool 2: -2..13 -> 0..13;
    # of pool 1: -1..26 -> 0..26. Clipping the whole field, -5..42, at the image alone would claim 0..30.
    assert receptive_field(model, 31).region(0) == ((0, 26),)
    assert empirical_receptive_field(model, 31, 0) == ((0, 26),)


def test_padding_same_is_read_as_numbers():
    same = receptive_field(nn.Conv2d(1, 1, 5, padding="same", dilation=2), input_size=20)
    numbers = receptive_field([Layer(5, padding=4, dilation=2)], input_size=20)
    assert (same.rf, same.start, same.size) == (numbers.rf, numbers.start, numbers.size) == (9, -4, 20)
    assert receptive_field(nn.Conv2d(1, 1, 3, padding="valid")).start == 0


def test_conv1d_models_have_one_axis():
    model = nn.Sequential(nn.Conv1d(2, 4, 5, stride=2), nn.ReLU(), nn.MaxPool1d(3), nn.AvgPool1d(2))
    table = receptive_field(model, input_size=50)
    # 5; then 5 + 2*2 = 9 (jump 2 -> 6); then 9 + 1*6 = 15 (jump 12)
    assert [(r["rf"], r["jump"], r["size"]) for r in table.rows] == [(5, 2, 23), (9, 6, 7), (15, 12, 3)]
    assert table.size == torch_output_size(model, 2, (50,))[0]


def test_the_table_shows_its_numbers_as_text_and_html():
    table = receptive_field(vgg_block(), input_size=32)
    text = repr(table).splitlines()
    assert text[0].split() == ["layer", "kernel", "stride", "padding", "dilation", "rf", "jump", "start", "size"]
    assert text[3].split() == ["5", "(MaxPool2d)", "2", "2", "0", "1", "6", "2", "-2", "16"]
    page = table._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 4
    assert "<td>5 (MaxPool2d)</td><td>2</td><td>2</td><td>0</td><td>1</td><td>6</td><td>2</td><td>-2</td>" in page


# ----------------------------------------------------------------------------------------
# The lectures' numbers
# ----------------------------------------------------------------------------------------


def test_how_many_3x3_convolutions_see_a_100_pixel_cat():
    # Seed 001: "about 50". Each stride-1 3x3 adds 2 pixels: rf = 1 + 2n >= 100 -> n = 50, rf 101.
    depth = next(n for n in count(1) if receptive_field([Layer(3)] * n).rf >= 100)
    assert depth == 50
    assert receptive_field([Layer(3)] * 49).rf == 99
    assert receptive_field([Layer(3)] * 50).rf == 101
    stack = nn.Sequential(*[nn.Conv1d(1, 1, 3) for _ in range(50)])
    assert empirical_receptive_field(stack, 120, 0) == ((0, 100),)  # measured: 101 pixels


def mlhep_network():
    # Seed 001: a 3x100x100 image, 100 filters of 3x5x5 -> 100x96x96, pooling by 3 -> 100x32x32,
    # then a second 5x5 convolution.
    return nn.Sequential(nn.Conv2d(3, 100, 5), nn.ReLU(), nn.MaxPool2d(3), nn.Conv2d(100, 100, 5), nn.ReLU())


def test_the_mlhep_shapes():
    model = mlhep_network()
    with torch.no_grad():
        assert model[:2](torch.zeros(1, 3, 100, 100)).shape == (1, 100, 96, 96)
        assert model[:3](torch.zeros(1, 3, 100, 100)).shape == (1, 100, 32, 32)
    table = receptive_field(model, input_size=100)
    assert [row["size"] for row in table.rows] == [96, 32, 28]


def test_the_mlhep_quiz_pixels_one_cell_after_the_second_convolution_depends_on():
    # By hand: conv 5 -> 5; pool 3 -> 5 + 2 = 7, jump 3; conv 5 -> 7 + 4 * 3 = 19: 19 x 19 pixels.
    table = receptive_field(mlhep_network(), input_size=100)
    assert table.rf == 19
    gradient = field_gradient(mlhep_network(), (100, 100), (10, 10))
    assert np.count_nonzero(gradient) == 19 * 19 == 361  # per colour channel: 3 * 361 = 1083 numbers


# ----------------------------------------------------------------------------------------
# Bad input says how to fix it
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ([Layer(3, stride=0)], r"'layer 0': stride must be >= 1, got 0; stride 1 moves the kernel one pixel"),
        ([Layer(3, padding=-1)], r"'layer 0': padding must be >= 0, got -1; 0 adds no padding"),
        ([Layer(0)], r"'layer 0': kernel must be >= 1, got 0; the kernel must have at least one tap"),
        ([Layer(3), Layer((3, 0))], r"'layer 1': kernel width must be >= 1, got 0"),
        ([Layer(3, dilation=0)], r"dilation must be >= 1, got 0; dilation 1 is an ordinary"),
        ([Layer(2.5)], r"kernel must be an int or a tuple of one int, got 2.5"),
        ([Layer(True)], r"kernel must be an int or a tuple of one int, got True"),
        ([{"kernel": 3, "strides": 2}], r"unknown keys \['strides'\]; use the keys"),
        ([{"stride": 2}], r"has no 'kernel'"),
        ([3], r"item 0 is a int; give a Layer"),
        ([Layer((3, 3)), Layer((3, 3, 3))], r"mix \[2, 3\] spatial axes"),
        ([], r"found no convolution or pooling"),
        (nn.Sequential(nn.ReLU()), r"found no convolution or pooling"),
        (
            nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(4, 2)),
            r"does not know layer '1 \(Flatten\)'.* Pass only the convolutional part .*model.features",
        ),
        (nn.Linear(4, 2), r"does not know layer 'Linear'"),
        (nn.Conv2d(1, 1, 4, padding="same"), r"padding='same' with an even kernel, .* give the padding as numbers"),
    ],
)
def test_bad_layers_are_explained(source, message):
    with pytest.raises(ValueError, match=message):
        receptive_field(source)


def test_an_input_too_small_for_the_kernel_is_explained():
    message = r"layer 'layer 1': kernel 5 \(dilated extent 5\) is larger than the padded input 4; .* or a larger input"
    with pytest.raises(ValueError, match=message):
        receptive_field([Layer(1), Layer(5)], input_size=4)
    with pytest.raises(ValueError, match=r"layer 'layer 0': kernel_size 5 \(dilated extent 5\) is larger than the"):
        receptive_field([Layer(5, stride=2, ceil_mode=True)], input_size=2)
    with pytest.raises(ValueError, match=r"input_size must be an int or a pair of ints \(height, width\), got \(8,"):
        receptive_field([Layer(3)], input_size=(8, 8.5))
    with pytest.raises(ValueError, match=r"input size width must be >= 1, got 0; the input must have at least one"):
        receptive_field([Layer(1)], input_size=(8, 0))


def test_cells_outside_the_output_are_refused():
    with pytest.raises(ValueError, match=r"outside the output of size 6"):
        receptive_field([Layer(3)], input_size=8).region(6)
    with pytest.raises(ValueError, match=r"out_index 6 is outside the model's output of size 6"):
        empirical_receptive_field([Layer(3)], 8, 6)


def test_a_cell_that_sees_only_padding_is_explained():
    with pytest.raises(ValueError, match=r"sees only padding"):
        empirical_receptive_field([Layer(1, padding=2)], 3, 0)
