"""The kernel editor, driven headlessly: type numbers or pick a preset, compare with correlate2d."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import course_utils
from course_utils.ops import correlate2d
from course_utils.widgets import KernelEditor
from course_utils.widgets.base import WIDGET_VIEW_MIME
from course_utils.widgets.kernel_editor import CUSTOM, filter_image

PRESETS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": np.ones((3, 3)) / 9,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "edge": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


@pytest.fixture(scope="module")
def gray_cat() -> np.ndarray:
    return course_utils.load_image("chelsea", gray=True)[::3, ::3]  # 100 x 151: fast


def decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_starts_with_the_first_preset(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS)
    assert editor.preset.value == "identity"
    np.testing.assert_array_equal(editor.kernel, PRESETS["identity"])
    np.testing.assert_allclose(editor.filtered, gray_cat)
    assert editor.updates == 1


def test_typing_numbers_refilters_the_photo(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS)
    editor.cells[0][0].value = 1.0  # a top-left tap: the photo moves down and right
    editor.cells[1][1].value = 0.0
    kernel = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(editor.kernel, kernel)
    np.testing.assert_array_equal(editor.filtered, correlate2d(gray_cat, kernel, padding=1))
    np.testing.assert_array_equal(editor.filtered[1:, 1:], gray_cat[:-1, :-1])
    assert editor.preset.value == CUSTOM, "numbers that match no preset"


@pytest.mark.parametrize("name", list(PRESETS))
def test_choosing_a_preset_filters_once_like_correlate2d(gray_cat, name):
    editor = KernelEditor(gray_cat, PRESETS, initial="identity")
    before = editor.updates
    editor.preset.value = name  # what picking it in the drop-down does
    kernel = np.asarray(PRESETS[name], dtype=float)
    np.testing.assert_array_equal(editor.kernel, kernel)
    np.testing.assert_array_equal(editor.filtered, correlate2d(gray_cat, kernel, padding=1))
    assert editor.filtered.shape == gray_cat.shape
    assert editor.updates - before == (0 if name == "identity" else 1), "one filtering per preset, not one per box"


def test_the_filtered_photo_matches_pytorch(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS, initial="emboss")
    x = torch.from_numpy(gray_cat).double()[None, None]
    weight = torch.tensor(PRESETS["emboss"], dtype=torch.float64)[None, None]
    np.testing.assert_allclose(editor.filtered, F.conv2d(x, weight, padding=1)[0, 0].numpy(), atol=1e-12)


def test_typing_a_preset_by_hand_selects_its_name(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS)
    editor.set_kernel(np.array(PRESETS["edge"]) * 2)
    assert editor.preset.value == CUSTOM
    editor.set_kernel(PRESETS["edge"])
    assert editor.preset.value == "edge"
    editor.choose("sharpen")
    np.testing.assert_array_equal(editor.kernel, PRESETS["sharpen"])


def test_picture_on_screen_is_the_result_clipped(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS, initial="edge")
    shown = decoded(editor.result.value)
    want = np.round(np.clip(correlate2d(gray_cat, np.array(PRESETS["edge"], dtype=float), padding=1), 0, 1) * 255)
    np.testing.assert_array_equal(shown, want.astype(np.uint8))
    original = np.round(gray_cat.astype(float) * 255).astype(np.uint8)
    np.testing.assert_array_equal(decoded(editor.original.value), original)
    assert "add up to <b>0</b>" in editor.summary.value and "black" in editor.summary.value
    editor.choose("sharpen")
    assert "add up to <b>1</b>" in editor.summary.value


def test_colour_photos_are_filtered_channel_by_channel():
    cat = course_utils.load_image("chelsea")[::4, ::4]
    editor = KernelEditor(cat, PRESETS, initial="sharpen")
    kernel = np.asarray(PRESETS["sharpen"], dtype=float)
    for c in range(3):
        np.testing.assert_array_equal(editor.filtered[..., c], correlate2d(cat[..., c], kernel, padding=1))
    assert decoded(editor.result.value).shape == cat.shape


def test_larger_odd_kernels_get_a_larger_grid():
    image = np.random.default_rng(0).random((12, 10))
    blur5 = np.ones((5, 5)) / 25
    editor = KernelEditor(image, {"blur 5x5": blur5})
    assert len(editor.cells) == 5 and all(len(row) == 5 for row in editor.cells)
    np.testing.assert_allclose(editor.filtered, correlate2d(image, blur5, padding=2))


def test_text_view_is_deterministic_and_names_the_state(gray_cat):
    first, second = KernelEditor(gray_cat, PRESETS, initial="edge"), KernelEditor(gray_cat, PRESETS, initial="edge")
    bundle = first._repr_mimebundle_()
    assert bundle["text/plain"] == second._repr_mimebundle_()["text/plain"] == repr(first)
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == first.widget.model_id
    assert "3x3 kernel 'edge' on a 100x151 gray image" in repr(first)
    assert "      8" in repr(first)


def test_filter_image_keeps_the_size():
    image = np.random.default_rng(1).random((7, 9, 3))
    assert filter_image(image, np.ones((3, 3))).shape == (7, 9, 3)


@pytest.mark.parametrize(
    ("image", "presets", "message"),
    [
        (np.zeros((3, 5, 5)), None, "channels first"),
        (np.zeros((4, 4, 2)), None, r"gray \(H, W\) or colour"),
        (np.full((4, 4), 255.0), None, "divide a uint8 photo by 255"),
        (np.zeros((4, 4)), {}, "at least one kernel"),
        (np.zeros((4, 4)), {"even": np.ones((2, 2))}, "odd size"),
        (np.zeros((4, 4)), {"a": np.ones((3, 3)), "b": np.ones((5, 5))}, "same size"),
        (np.zeros((4, 4)), {CUSTOM: np.ones((3, 3))}, "other than"),
    ],
)
def test_bad_inputs_say_what_to_fix(image, presets, message):
    with pytest.raises(ValueError, match=message):
        KernelEditor(image, presets)


def test_bad_calls_say_what_to_fix(gray_cat):
    editor = KernelEditor(gray_cat, PRESETS)
    with pytest.raises(ValueError, match="no preset named 'blur'"):
        editor.choose("blur")
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        editor.set_kernel(np.ones((5, 5)))
    with pytest.raises(ValueError, match="initial preset"):
        KernelEditor(gray_cat, PRESETS, initial="blur")


# ----------------------------------------------------------------------------- the step player

BINARY = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


