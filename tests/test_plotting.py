import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.plotting import MAX_NUMBERED_CELLS, show_images, show_numbers  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_numbers_writes_every_value_in_its_cell():
    values = np.array([[0, 255, 7], [128, 64, 200]])
    ax = show_numbers(values)
    texts = {(t.get_position(), t.get_text()) for t in ax.texts}
    expected = {((col, row), str(values[row, col])) for row in range(2) for col in range(3)}
    assert texts == expected
    assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0


def test_show_numbers_keeps_text_readable_on_dark_and_bright_cells():
    ax = show_numbers(np.array([[0.0, 1.0]]), fmt="{:.1f}")
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours == {"0.0": "white", "1.0": "black"}


def test_show_numbers_uses_the_fixed_colour_scale():
    ax = show_numbers(np.array([[10, 20]]), vmin=0, vmax=255)
    assert ax.images[0].get_clim() == (0, 255)
    # On a 0..255 scale both values are dark, so both labels are white.
    assert [t.get_color() for t in ax.texts] == ["white", "white"]


def test_show_numbers_accepts_a_tensor_and_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert show_numbers(torch.eye(3), ax=ax) is ax
    assert len(ax.texts) == 9


def test_show_numbers_rejects_images_with_channels_and_big_matrices():
    with pytest.raises(ValueError, match="2-D matrix.*pick one channel"):
        show_numbers(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="too many cells"):
        show_numbers(np.zeros((MAX_NUMBERED_CELLS + 1, 2)))


def test_show_images_draws_one_panel_per_image_with_titles():
    gray, rgb = np.zeros((10, 20)), np.ones((10, 20, 3))
    fig, axes = show_images([gray, rgb], titles=["gray", "colour"], cmap=["gray", None])
    assert len(axes) == 2 and len(fig.axes) == 2
    assert [ax.get_title() for ax in axes] == ["gray", "colour"]
    assert axes[0].images[0].get_array().shape == (10, 20)
    assert axes[1].images[0].get_array().shape == (10, 20, 3)


def test_show_images_passes_imshow_keywords_to_every_panel():
    _, axes = show_images([np.zeros((4, 4)), torch.ones(4, 4)], vmin=-1, vmax=1)
    assert all(ax.images[0].get_clim() == (-1, 1) for ax in axes)


def test_show_images_explains_a_channels_first_image():
    with pytest.raises(ValueError, match=r"channels first.*permute\(1, 2, 0\)"):
        show_images([torch.zeros(3, 8, 10)])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"images": []}, "at least one image"),
        ({"images": [np.zeros((2, 3, 4, 5))]}, r"expected \(H, W\) or \(H, W, 3\)"),
        ({"images": [np.zeros((4, 4))] * 2, "cmap": ["gray"]}, "1 colour maps for 2 images"),
        ({"images": [np.zeros((4, 4))] * 2, "titles": ["a"]}, "1 titles for 2 images"),
    ],
)
def test_show_images_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_images(**kwargs)
