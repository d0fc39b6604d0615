"""The size explorer, driven headlessly: move sliders, compare the size with a real F.conv2d."""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402

from course_utils.ops import formula_text, kernel_positions, size_formula, unused_cells
from course_utils.plots import draw_positions
from course_utils.widgets import SizeExplorer
from course_utils.widgets.base import WIDGET_VIEW_MIME
from course_utils.widgets.size_explorer import RANGES  # noqa: E402


def torch_width(n, kernel, stride=1, padding=0, dilation=1) -> int:
    """The width of a real 2D convolution of an n x n image with a k x k kernel."""
    out = F.conv2d(
        torch.zeros(1, 1, n, n), torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding, dilation=dilation
    )
    assert out.shape[-2] == out.shape[-1]
    return out.shape[-1]


def torch_refuses(n, kernel, stride=1, padding=0, dilation=1) -> bool:
    try:
        torch_width(n, kernel, stride, padding, dilation)
    except RuntimeError:
        return True
    return False


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


slider_values = st.fixed_dictionaries({name: st.integers(*RANGES[name]) for name in RANGES})


# ----------------------------------------------------------------------------- the widget


def test_starts_with_the_given_settings_and_their_size():
    explorer = SizeExplorer(n=5, kernel=3)
    assert explorer.settings == {"n": 5, "kernel": 3, "stride": 1, "padding": 0, "dilation": 1}
    assert explorer.size == 3 == torch_width(5, 3)
    assert explorer.updates == 1
    assert "= 3$$" in explorer.formula.value


@pytest.mark.parametrize(
    "changes",
    [
        {"padding": 1},  # same padding
        {"padding": 2},  # full padding
        {"stride": 2},
        {"n": 6, "stride": 2},  # one pixel left over
        {"n": 16, "kernel": 7, "stride": 2, "padding": 3},
        {"n": 12, "dilation": 2},
        {"n": 16, "kernel": 3, "stride": 3, "padding": 2, "dilation": 3},
    ],
)
def test_moving_sliders_reports_the_size_of_a_real_conv2d(changes):
    explorer = SizeExplorer(n=5, kernel=3)
    for name, value in changes.items():  # what dragging each slider does
        explorer.sliders[name].value = value
    assert explorer.size == torch_width(**explorer.settings)
    assert explorer.torch_size == explorer.size
    assert explorer.formula.value.endswith(f"= {explorer.size}$$</p>")
    assert "agrees" in explorer.message.value


@settings(max_examples=25)  # each setting draws a picture: slow-ish
@given(slider_values)
def test_every_slider_setting_agrees_with_pytorch(values):
    explorer = SizeExplorer()
    explorer.set(**values)
    if torch_refuses(**values):
        assert explorer.size is None
        assert "Try again" in explorer.message.value
    else:
        assert explorer.size == torch_width(**values)


def test_set_moves_several_sliders_and_recomputes_once():
    explorer = SizeExplorer()
    before = explorer.updates
    explorer.set(n=9, kernel=5, stride=2, padding=2, dilation=1)
    assert explorer.updates == before + 1
    assert explorer.size == torch_width(9, 5, 2, 2) == 5


@pytest.mark.parametrize(
    ("values", "advice"),
    [
        ({"n": 4, "kernel": 7}, "add padding >= 2"),
        ({"n": 3, "kernel": 3, "dilation": 2}, "add padding >= 1"),
        ({"n": 1, "kernel": 2}, "add padding >= 1"),
    ],
)
def test_a_kernel_that_does_not_fit_shows_a_message_not_a_traceback(values, advice):
    explorer = SizeExplorer()
    explorer.set(**values)  # must not raise
    assert torch_refuses(**explorer.settings), "PyTorch refuses these settings too"
    assert explorer.size is None
    assert "Try again" in explorer.message.value and advice in explorer.message.value.replace("&gt;", ">")
    assert "does not fit" in explorer.formula.value and "does not fit" in repr(explorer)
    assert bytes(explorer.picture.value).startswith(b"\x89PNG"), "the picture shows the kernel hanging over"
    explorer.sliders["padding"].value = 4  # fixing it brings the size back
    assert explorer.size == torch_width(**explorer.settings)
    assert "Try again" not in explorer.message.value


def test_out_of_range_settings_are_refused_with_the_range():
    with pytest.raises(ValueError, match="from 1 to 16"):
        SizeExplorer(n=0)
    with pytest.raises(ValueError, match="kernel must be a whole number"):
        SizeExplorer(kernel=2.5)
    explorer = SizeExplorer()
    with pytest.raises(ValueError, match="unknown setting"):
        explorer.set(size=3)
    with pytest.raises(ValueError, match="stride must be from 1 to 4"):
        explorer.set(stride=9)


def test_the_picture_is_a_png_that_grows_with_the_output():
    explorer = SizeExplorer(n=5, kernel=3)
    small = Image.open(io.BytesIO(explorer.picture.value))
    explorer.set(n=16, padding=2)
    large = Image.open(io.BytesIO(explorer.picture.value))
    assert large.height > small.height and large.width > small.width


def test_notes_name_unused_cells_and_same_size():
    explorer = SizeExplorer(n=6, kernel=3, stride=2)
    assert "never read (grey): 5." in explorer.message.value
    explorer.set(n=6, stride=1, padding=1)
    assert "Same size" in explorer.message.value


def test_text_view_depends_only_on_the_settings():
    a, b = SizeExplorer(n=7, kernel=3, stride=2, padding=1), SizeExplorer()
    b.set(n=7, kernel=3, stride=2, padding=1)
    assert repr(a) == repr(b)
    assert "output 4" in repr(a) and "floor(6 / 2) + 1 = 4" in repr(a)
    bundle = a._repr_mimebundle_()
    assert bundle["text/plain"] == repr(a)
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == a.widget.model_id


# ----------------------------------------------------------------------------- formula and positions


@given(slider_values)
def test_positions_count_and_span_match_pytorch(values):
    if torch_refuses(**values):
        with pytest.raises(ValueError, match="add padding"):
            kernel_positions(**values)
        return
    rows = kernel_positions(**values)
    assert len(rows) == torch_width(**values)
    padded = values["n"] + 2 * values["padding"]
    assert all(0 <= tap < padded for taps in rows for tap in taps)
    assert all(len(taps) == values["kernel"] for taps in rows)


def test_unused_cells_are_the_ones_no_tap_reads():
    # Measure with PyTorch: a cell is read when the output's gradient reaches it.
    for n, k, s, p, d in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(3), range(1, 3)):
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        x = torch.zeros(1, 1, 1, n, requires_grad=True)
        F.conv2d(x, torch.ones(1, 1, 1, k), stride=(1, s), padding=(0, p), dilation=(1, d)).sum().backward()
        unread = (x.grad[0, 0, 0] == 0).nonzero().flatten().tolist()
        assert unused_cells(n, k, s, p, d) == unread, (n, k, s, p, d)


def test_formula_strings_show_the_numbers():
    assert formula_text(224, 7, stride=2, padding=3) == (
        "floor((224 + 2*3 - 1*(7 - 1) - 1) / 2) + 1 = floor(223 / 2) + 1 = 112"
    )
    assert r"\frac{223}{2}" in size_formula(224, 7, stride=2, padding=3)
    with pytest.raises(ValueError, match="add padding"):
        formula_text(3, 5)


def test_draw_positions_puts_one_red_row_per_output_cell():
    fig, ax = plt.subplots()
    draw_positions(ax, 7, 3, stride=2, padding=1)
    taps = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() < 1]
    assert len(taps) == 3 * torch_width(7, 3, 2, 1)
    cells = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() == 1]
    assert len(cells) == 7 + 2


# ----------------------------------------------------------------------------- the step player

BINARY = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
