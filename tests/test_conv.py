"""Unit tests for course_utils.ops.conv and the geometry it shares: the lectures' worked examples, every error message.

The worked examples are computed with the course's functions and compared with PyTorch and
with the numbers printed in the decks (seeds 000, 001, 002, 004), which the decks derive by
hand. Random shapes and settings are in test_conv_properties.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.ops import (
    check_conv_inputs,
    check_geometry,
    col2im,
    conv2d,
    conv2d_naive,
    conv2d_shifted,
    conv_matrix,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_size,
    convolve2d,
    correlate2d,
    dilated_extent,
    im2col,
    pad2d,
    per_axis,
    sliding_steps,
    strided_slice,
)

CONV2D_FUNCTIONS = [conv2d, conv2d_naive, conv2d_shifted]

# Seed 002 (Okazaki): the 4x4 input and the edge-detection kernel.
IMAGE_4X4 = np.array([[2, 1, 0, 0], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 0]])
EDGE = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
# Seed 002, stride slides: the 4x4 input with a row added on top and a column on the left.
IMAGE_5X5 = np.array([[2, 2, 1, 1, 0], [1, 2, 1, 0, 0], [2, 3, 2, 1, 1], [3, 4, 3, 2, 1], [1, 2, 2, 1, 0]])
# Seeds 000 and 001: the binary 5x5 image and the "X" kernel.
BINARY_5X5 = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def torch_correlate(image: np.ndarray, kernel: np.ndarray, **settings: int) -> np.ndarray:
    """PyTorch's answer for one 2D image and one 2D kernel, in float64."""
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, **settings)[0, 0].numpy()


# ----------------------------------------------------------------------------------------
# The decks' worked examples
# ----------------------------------------------------------------------------------------


def test_edge_kernel_on_4x4_gives_the_decks_2x2() -> None:
    result = correlate2d(IMAGE_4X4, EDGE)
    np.testing.assert_array_equal(result, torch_correlate(IMAGE_4X4, EDGE))
    np.testing.assert_array_equal(result, [[0, -2], [7, 5]])  # seed 002, slides 4-7


def test_first_position_is_the_decks_dot_product() -> None:
    # Seed 002 writes the first dot product out: 2x(-1) + 1x(-1) + ... + 2x(-1) = 0.
    first = next(sliding_steps(IMAGE_4X4, EDGE))
    np.testing.assert_array_equal(first.patch, [[2, 1, 0], [3, 2, 1], [4, 3, 2]])
    assert first.value == 2 * 8 - (2 + 1 + 0 + 3 + 1 + 4 + 3 + 2) == 0


def test_padding_1_keeps_the_4x4_size() -> None:
    result = correlate2d(IMAGE_4X4, EDGE, padding=1)
    np.testing.assert_array_equal(result, torch_correlate(IMAGE_4X4, EDGE, padding=1))
    deck = [[10, 0, -5, -2], [12, 0, -2, 4], [20, 7, 5, 3], [7, 4, 0, -4]]  # seed 002, slide 9
    np.testing.assert_array_equal(result, deck)


def test_stride_2_on_the_5x5_image() -> None:
    result = correlate2d(IMAGE_5X5, EDGE, stride=2)
    np.testing.assert_array_equal(result, torch_correlate(IMAGE_5X5, EDGE, stride=2))
    assert result.shape == (2, 2) == (conv_output_size(5, 3, stride=2),) * 2
    # The deck's two off-diagonal cells. (Its transcript prints 4 and -5 for the corners,
    # which its own input does not give: by hand 16 - 14 = 2 and 16 - 11 = 5.)
    assert (result[0, 1], result[1, 0]) == (-7, 14)
    assert (result[0, 0], result[1, 1]) == (16 - 14, 16 - 11)


def test_binary_image_with_x_kernel_first_output_is_4() -> None:
    result = correlate2d(BINARY_5X5, X_KERNEL)
    np.testing.assert_array_equal(result, torch_correlate(BINARY_5X5, X_KERNEL))
    assert result.shape == (5 - 3 + 1, 5 - 3 + 1)
    assert result[0, 0] == 4  # seeds 000 and 001: the three ones on the kernel's X, plus one


def test_emboss_kernel_on_one_patch_is_minus_106() -> None:
    patch = np.array([[162, 125, 108], [177, 127, 98], [191, 135, 80]])  # seed 004
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    result = correlate2d(patch, emboss)
    np.testing.assert_array_equal(result, torch_correlate(patch, emboss))
    assert result[0, 0] == -106


# Seed 002, "multiple channels": three 4x4 channels (the last is the 4x4 image above) and
# one 3x3 kernel per channel.
CHANNELS = np.array(
    [
        [[3, 4, 2, 1], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 4]],
        [[2, 3, 4, 2], [3, 2, 1, 1], [4, 3, 2, 1], [2, 2, 1, 1]],
        IMAGE_4X4,
    ]
)
FILTER_1 = np.array([[[-2, -2, 0], [-1, 8, -5], [-1, -1, -3]], [[0, 0, -2], [-1, 8, 0], [-1, -1, -3]], EDGE])
FILTER_2 = np.array([*FILTER_1[:2], [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]])


def test_multi_channel_sums_one_correlation_per_channel() -> None:
    result = conv2d(CHANNELS[None], FILTER_1[None])
    expected = F.conv2d(torch.tensor(CHANNELS[None] * 1.0), torch.tensor(FILTER_1[None] * 1.0))
    np.testing.assert_array_equal(result, expected.numpy())
    assert result.shape == (1, 1, 2, 2)  # three channels in, one channel out
    per_channel = sum(correlate2d(c, k) for c, k in zip(CHANNELS, FILTER_1, strict=True))
    np.testing.assert_array_equal(result[0, 0], per_channel)


def test_multi_filter_gives_one_output_channel_per_filter() -> None:
    filters = np.stack([FILTER_1, FILTER_2])
    result = conv2d(CHANNELS[None], filters)
    expected = F.conv2d(torch.tensor(CHANNELS[None] * 1.0), torch.tensor(filters * 1.0))
    np.testing.assert_array_equal(result, expected.numpy())
    assert result.shape == (1, 2, 2, 2)
    for o, single in enumerate(filters):
        np.testing.assert_array_equal(result[0, o], conv2d(CHANNELS[None], single[None])[0, 0])


def test_rgb_100x100_with_100_5x5_filters_gives_100x96x96() -> None:
    # Seed 001: "Image: 3 x 100 x 100, Filters: 100 x (3x5x5) -> 100x96x96".
    real = F.conv2d(torch.zeros(1, 3, 100, 100), torch.zeros(100, 3, 5, 5))
    assert conv_output_size((100, 100), 5) == (96, 96) == tuple(real.shape[2:])


@pytest.mark.parametrize("fn", CONV2D_FUNCTIONS)
def test_every_conv2d_agrees_on_the_deck_examples(fn) -> None:
    x = CHANNELS[None].astype(np.float64)
    weight = np.stack([FILTER_1, FILTER_2]).astype(np.float64)
    bias = np.array([0.5, -1.0])
    for settings in [{}, {"padding": 1}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": 2}]:
        expected = F.conv2d(torch.tensor(x), torch.tensor(weight), torch.tensor(bias), **settings)
        np.testing.assert_allclose(fn(x, weight, bias, **settings), expected.numpy(), atol=1e-12)


def test_integer_inputs_give_float_outputs() -> None:
    for fn in CONV2D_FUNCTIONS:
        assert fn(IMAGE_4X4[None, None], EDGE[None, None]).dtype == np.float64


def test_float32_stays_float32() -> None:
    x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32)
    for fn in CONV2D_FUNCTIONS:
        assert fn(x, w, stride=2).dtype == np.float32
    assert conv_transpose2d(x, np.ones((2, 3, 3, 3), np.float32)).dtype == np.float32


# ----------------------------------------------------------------------------------------
# Sizes, single-image helpers, the explicit matrix
# ----------------------------------------------------------------------------------------


def test_output_size_returns_an_int_for_ints_and_a_pair_for_pairs() -> None:
    assert conv_output_size(28, 5, padding=2) == 28
    assert conv_output_size((28, 20), 5) == (24, 16)
    assert conv_output_size(7, (3, 1), stride=(2, 1)) == (3, 7)
    assert conv_transpose_output_size(14, 2, stride=2) == 28
    assert conv_transpose_output_size((7, 5), 3, stride=2, padding=1, output_padding=(1, 0)) == (
        14,
        9,
    )


def test_transpose_output_sizes_match_torch() -> None:
    x = torch.zeros(1, 1, 7, 5)
    out = F.conv_transpose2d(x, torch.zeros(1, 1, 3, 3), stride=2, padding=1, output_padding=(1, 0))
    assert conv_transpose_output_size((7, 5), 3, 2, 1, (1, 0)) == tuple(out.shape[2:])


def test_convolve2d_flips_the_kernel_and_correlate2d_does_not() -> None:
    # An image with a single bright pixel: convolution draws the kernel itself around it,
    # cross-correlation draws the kernel rotated by 180 degrees.
    kernel = np.arange(1.0, 7.0).reshape(2, 3)
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1
    np.testing.assert_array_equal(convolve2d(impulse, kernel)[1:3, 0:3], kernel)
    np.testing.assert_array_equal(correlate2d(impulse, kernel)[1:3, 0:3], kernel[::-1, ::-1])


def test_convolve2d_equals_correlate2d_for_symmetric_kernels() -> None:
    np.testing.assert_array_equal(convolve2d(IMAGE_5X5, EDGE), correlate2d(IMAGE_5X5, EDGE))


def test_sliding_steps_visit_every_position_in_reading_order() -> None:
    steps = list(sliding_steps(IMAGE_5X5, EDGE, stride=2, padding=1))
    assert [(s.row, s.col) for s in steps] == [(r, c) for r in range(3) for c in range(3)]
    assert [(s.top, s.left) for s in steps[:4]] == [(0, 0), (0, 2), (0, 4), (2, 0)]
    # The first window hangs over the padding: its top row and left column are zeros.
    assert not steps[0].patch[0].any() and not steps[0].patch[:, 0].any()
    values = np.array([s.value for s in steps]).reshape(3, 3)
    np.testing.assert_array_equal(values, torch_correlate(IMAGE_5X5, EDGE, stride=2, padding=1))


def test_conv_matrix_of_the_deck_example_holds_the_kernel_in_each_row() -> None:
    # Seed 002, "convolution as one matrix-vector product".
    matrix = conv_matrix((1, 4, 4), EDGE[None, None])
    assert matrix.shape == (4, 16)
    np.testing.assert_array_equal(matrix @ IMAGE_4X4.ravel(), [0, -2, 7, 5])
    # Output (0, 1) sees input rows 0-2 and columns 1-3: the kernel, shifted one place.
    np.testing.assert_array_equal(matrix[1].reshape(4, 4)[:3, 1:], EDGE)
    assert (matrix != 0).sum(axis=1).tolist() == [9, 9, 9, 9]


def test_conv_matrix_drops_taps_that_land_on_padding() -> None:
    matrix = conv_matrix((1, 3, 3), np.ones((1, 1, 3, 3)), padding=1)
    taps_inside = (matrix != 0).sum(axis=1).reshape(3, 3)
    np.testing.assert_array_equal(taps_inside, [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_col2im_counts_how_many_patches_cover_each_pixel() -> None:
    cols = im2col(np.ones((1, 1, 4, 4)), 3)
    np.testing.assert_array_equal(
        col2im(np.ones_like(cols), 4, 3)[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]
    )


# ----------------------------------------------------------------------------------------
# Bad settings: each fails with a ValueError that says what is wrong and how to fix it
# ----------------------------------------------------------------------------------------

X = np.zeros((1, 3, 4, 4))
W = np.zeros((2, 3, 3, 3))

GEOMETRY_ERRORS = [
    (
        {"kernel_size": 5},
        "kernel 5 (dilated extent 5) is larger than the padded input 4; add padding >= 1 or use a smaller kernel, "
        "or a larger input",
    ),
    (
        {"kernel_size": 3, "dilation": 3},
        "kernel 3 (dilated extent 7) is larger than the padded input 4; "
        "add padding >= 2 or use a smaller kernel or dilation, or a larger input",
    ),
    ({"stride": 0}, "stride must be >= 1, got 0; stride 1 moves the kernel one pixel at a time"),
    ({"stride": -2}, "stride must be >= 1, got -2"),
    ({"padding": -1}, "padding must be >= 0, got -1; 0 adds no padding, and to shrink the input, crop it"),
    ({"dilation": 0}, "dilation must be >= 1, got 0; dilation 1 is an ordinary, undilated kernel"),
    ({"stride": 1.5}, "stride must be an int or a pair of ints (height, width), got 1.5"),
    ({"padding": (1, 2, 3)}, "padding must be an int or a pair of ints (height, width), got (1, 2, 3)"),
    ({"dilation": True}, "dilation must be an int or a pair of ints (height, width), got True"),
]


@pytest.mark.parametrize(("settings", "message"), GEOMETRY_ERRORS)
def test_conv_output_size_explains_bad_settings(settings: dict, message: str) -> None:
    settings = {"kernel_size": 3, **settings}
    kernel = settings.pop("kernel_size")
    with pytest.raises(ValueError, match=re.escape(message)):
        conv_output_size(4, kernel, **settings)


# The same mistakes made with conv2d: it works with (height, width) pairs, so its messages
# name the axis.
CONV2D_GEOMETRY_ERRORS = [
    (
        {"weight": np.zeros((2, 3, 5, 5))},
        "kernel height 5 (dilated extent 5) is larger than the padded input height 4; "
        "add padding >= 1 or use a smaller kernel",
    ),
    (
        {"weight": np.zeros((2, 3, 1, 5))},
        "kernel width 5 (dilated extent 5) is larger than the padded input width 4",
    ),
    (
        {"dilation": (1, 3)},
        "kernel width 3 (dilated extent 7) is larger than the padded input width 4; "
        "add padding >= 2 or use a smaller kernel or dilation",
    ),
    ({"stride": 0}, "stride height must be >= 1, got 0; stride 1 moves the kernel one pixel"),
    ({"stride": (1, -1)}, "stride width must be >= 1, got -1"),
    ({"padding": -1}, "padding height must be >= 0, got -1; 0 adds no padding, and to shrink the input, crop it"),
    ({"dilation": 0}, "dilation height must be >= 1, got 0"),
    ({"stride": 1.5}, "stride must be an int or a pair of ints (height, width), got 1.5"),
]


@pytest.mark.parametrize(("settings", "message"), CONV2D_GEOMETRY_ERRORS)
@pytest.mark.parametrize("fn", CONV2D_FUNCTIONS)
def test_every_conv2d_explains_bad_settings(fn, settings: dict, message: str) -> None:
    settings = {"weight": W, **settings}
    with pytest.raises(ValueError, match=re.escape(message)):
        fn(X, **settings)


@pytest.mark.parametrize(("settings", "message"), CONV2D_GEOMETRY_ERRORS)
def test_im2col_explains_bad_settings(settings: dict, message: str) -> None:
    kernel = settings.get("weight", W).shape[2:]
    settings = {name: value for name, value in settings.items() if name != "weight"}
    with pytest.raises(ValueError, match=re.escape(message)):
        im2col(X, kernel, **settings)


SHAPE_ERRORS = [
    (
        lambda fn: fn(np.zeros((3, 4, 4)), W),
        "x must have 4 dimensions (N, C_in, H, W), got shape (3, 4, 4); for a single image use x[None]",
    ),
    (
        lambda fn: fn(X, np.zeros((3, 3))),
        "weight must have 4 dimensions (C_out, C_in/groups, kH, kW), got shape (3, 3)",
    ),
    (
        lambda fn: fn(X, np.zeros((2, 2, 3, 3))),
        "weight expects 2 input channels per group x 1 groups = 2 channels, but x has 3; "
        "weight must be (C_out, C_in/groups, kH, kW) = (2, 3, kH, kW)",
    ),
    (
        lambda fn: fn(X, np.zeros((4, 1, 3, 3)), groups=2),
        "input channels 3 are not divisible by groups 2; use a groups value that divides both C_in and C_out",
    ),
    (
        lambda fn: fn(np.zeros((1, 4, 4, 4)), np.zeros((3, 2, 3, 3)), groups=2),
        "output channels 3 are not divisible by groups 2",
    ),
    (lambda fn: fn(X, W, groups=0), "groups must be an int >= 1, got 0"),
    (
        lambda fn: fn(X, W, bias=np.zeros(3)),
        "bias must have shape (C_out,) = (2,), one value per filter, got (3,)",
    ),
]


@pytest.mark.parametrize(("call", "message"), SHAPE_ERRORS)
@pytest.mark.parametrize("fn", CONV2D_FUNCTIONS)
def test_every_conv2d_explains_bad_shapes(fn, call, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call(fn)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=2),
            "output_padding 2 must be smaller than the stride 2 or the dilation 1: it only "
            "picks one of the input sizes that the convolution maps to the same output; "
            "use 0 <= output_padding < 2",
        ),
        (
            lambda: conv_transpose_output_size(3, 3, output_padding=1),
            "output_padding 1 must be smaller than the stride 1 or the dilation 1",
        ),
        (
            lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=-1),
            "output_padding must be >= 0, got -1; output_padding can only add cells to the output (0 adds none)",
        ),
        (
            lambda: conv_transpose_output_size(2, 1, padding=1),
            "padding 1 crops away the whole output (size 0); use padding <= 0",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 3, 3))),
            "weight has 2 input channels (its first axis) but x has 3; "
            "a transposed convolution's weight is (C_in, C_out/groups, kH, kW)",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((3, 1, 3, 3)), groups=2),
            "input channels 3 are not divisible by groups 2",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((3, 2, 3, 3)), stride=2, output_padding=(0, 2)),
            "output_padding width 2 must be smaller than the stride 2 or the dilation 1",
        ),
        (
            lambda: im2col(np.zeros((4, 4)), 3),
            "x must have 4 dimensions (N, C, H, W), got shape (4, 4)",
        ),
        (
            lambda: col2im(np.zeros((1, 9, 3)), 4, 3),
            "cols must have shape (N, C*3*3, 4) for a 3x3 kernel on a 4x4 image (2x2 patches), "
            "got (1, 9, 3); check output_size, kernel, stride, padding and dilation",
        ),
        (
            lambda: correlate2d(np.zeros((1, 4, 4)), EDGE),
            "image must be 2D (height, width), got shape (1, 4, 4); for channels and batches use conv2d",
        ),
        (
            lambda: convolve2d(IMAGE_4X4, EDGE[None]),
            "kernel must be 2D (height, width), got shape (1, 3, 3)",
        ),
        (
            lambda: next(sliding_steps(IMAGE_4X4, np.ones((5, 5)))),
            "kernel height 5 (dilated extent 5) is larger than the padded input height 4",
        ),
        (
            lambda: conv_matrix((4, 4), EDGE[None, None]),
            "input_shape must be (C_in, H, W) for one image, got (4, 4)",
        ),
        (
            lambda: conv_matrix((2, 4, 4), EDGE[None, None]),
            "weight expects 1 input channels per group x 1 groups = 1 channels, but x has 2",
        ),
    ],
)
def test_other_functions_explain_bad_inputs(call, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# ----------------------------------------------------------------------------------------
# The shared geometry: settings per axis, their checks, padding, tap positions
# ----------------------------------------------------------------------------------------


def test_per_axis_reads_an_int_or_one_value_per_axis() -> None:
    assert per_axis(3, "kernel") == (3, 3)
    assert per_axis((3, 5), "kernel") == (3, 5)
    assert per_axis([3, 5], "kernel") == (3, 5)
    assert per_axis(np.int64(4), "stride") == (4, 4)
    assert per_axis(torch.Size([2, 1]), "stride") == (2, 1)  # a module's kernel_size
    assert per_axis(2, "stride", axes=1) == (2,)
    assert per_axis((1, 2, 3), "padding", axes=3) == (1, 2, 3)


@pytest.mark.parametrize(
    ("value", "axes", "message"),
    [
        (1.5, 2, "stride must be an int or a pair of ints (height, width), got 1.5"),
        ("2", 2, "stride must be an int or a pair of ints (height, width), got '2'"),
        (None, 2, "stride must be an int or a pair of ints (height, width), got None"),
        ((1, True), 2, "stride must be an int or a pair of ints (height, width), got (1, True)"),
        ((1, 2), 1, "stride must be an int or a tuple of one int, got (1, 2)"),
        ((1, 2), 3, "stride must be an int or a tuple of 3 ints, got (1, 2)"),
    ],
)
def test_per_axis_says_what_to_pass_instead(value, axes: int, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        per_axis(value, "stride", axes)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"n": 0}, "input size must be >= 1, got 0; the input must have at least one pixel"),
        ({"kernel": 0}, "kernel must be >= 1, got 0; the kernel must have at least one tap"),
        ({"kernel": 0, "kernel_name": "kernel_size"}, "kernel_size must be >= 1, got 0"),
        ({"stride": 0, "axis": "width"}, "stride width must be >= 1, got 0; stride 1 moves the kernel"),
        ({"padding": -2}, "padding must be >= 0, got -2; 0 adds no padding, and to shrink the input, crop it"),
        ({"dilation": 0}, "dilation must be >= 1, got 0; dilation 1 is an ordinary, undilated kernel"),
        ({"output_padding": -1}, "output_padding must be >= 0, got -1; output_padding can only add cells"),
    ],
)
def test_check_geometry_names_the_setting_and_the_fix(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_geometry(**settings)


def test_check_geometry_accepts_every_possible_setting() -> None:
    check_geometry(n=1, kernel=1, stride=1, padding=0, dilation=1, output_padding=0)
    check_geometry()  # nothing to check


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("kernel", range(1, 6))
@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_the_padding_a_too_large_kernel_asks_for_is_the_least_that_fits(n: int, kernel: int, dilation: int) -> None:
    """When conv_output_size says "add padding >= p", padding p fits and p - 1 does not, as in PyTorch."""
    try:
        conv_output_size(n, kernel, dilation=dilation)
    except ValueError as error:
        least = int(re.search(r"add padding >= (\d+)", str(error)).group(1))
    else:
        return
    assert conv_output_size(n, kernel, padding=least, dilation=dilation) >= 1
    with pytest.raises(ValueError, match="is larger than the padded input"):
        conv_output_size(n, kernel, padding=least - 1, dilation=dilation)
    x, w = torch.zeros(1, 1, n, 1), torch.zeros(1, 1, kernel, 1)
    assert F.conv2d(x, w, padding=(least, 0), dilation=(dilation, 1)).shape[2] >= 1
    with pytest.raises(RuntimeError):
        F.conv2d(x, w, padding=(least - 1, 0), dilation=(dilation, 1))


def test_dilated_extent_counts_the_pixels_a_kernel_spans() -> None:
    assert [dilated_extent(3, d) for d in (1, 2, 3)] == [3, 5, 7]
    assert dilated_extent(1, 5) == 1


def test_pad2d_pads_the_last_two_axes_like_torch() -> None:
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    expected = F.pad(torch.from_numpy(x), (2, 2, 1, 1)).numpy()  # (left, right, top, bottom)
    np.testing.assert_array_equal(pad2d(x, (1, 2)), expected)
    np.testing.assert_array_equal(pad2d(x[0, 0], 1), np.pad(x[0, 0], 1))
    assert np.isneginf(pad2d(x, 1, -np.inf)[:, :, 0]).all() and pad2d(x, 1, -np.inf).dtype == x.dtype
    assert pad2d(np.ones((2, 2), dtype=bool), 1).sum() == 4


@pytest.mark.parametrize(("start", "step", "count"), [(0, 1, 1), (0, 2, 3), (3, 1, 4), (2, 3, 5), (5, 4, 1)])
def test_strided_slice_holds_exactly_count_positions(start: int, step: int, count: int) -> None:
    positions = list(range(40))[strided_slice(start, step, count)]
    assert positions == [start + i * step for i in range(count)]


def test_check_conv_inputs_returns_float_arrays() -> None:
    x, weight, bias = check_conv_inputs(IMAGE_4X4[None, None], EDGE[None, None], np.array([1]))
    assert x.dtype == weight.dtype == bias.dtype == np.float64
    with pytest.raises(ValueError, match=re.escape("bias must have shape (C_out,) = (1,)")):
        check_conv_inputs(IMAGE_4X4[None, None], EDGE[None, None], np.zeros(2))
