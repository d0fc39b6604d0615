import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.plots import (  # noqa: E402
    bar_counts,
    plot_accuracy_vs_compute,
    plot_challenge_history,
    plot_curves,
    show_images,
    show_numbers,
    show_patch,
)
from course_utils.plots.images import MAX_NUMBERED_CELLS  # noqa: E402


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


def test_show_images_without_colorbar_keeps_one_axes_per_image():
    fig, axes = show_images([np.zeros((4, 4))] * 3)
    assert len(fig.axes) == 3


@pytest.mark.parametrize(
    "low, high, extend",
    [(-1, 1, "neither"), (-0.5, 1, "min"), (-1, 0.5, "max"), (-0.5, 0.5, "both")],
)
def test_show_images_colorbar_shows_where_values_were_clipped(low, high, extend):
    images = [np.linspace(-1, 1, 16).reshape(4, 4), np.zeros((4, 4))]
    fig, axes = show_images(images, colorbar="weight", cmap="bwr", vmin=low, vmax=high)
    assert len(fig.axes) == 3  # two images and one shared colour bar
    bar = fig.axes[-1]
    assert bar.get_ylabel() == "weight"
    assert axes[-1].images[0].colorbar.extend == extend


def test_show_images_colorbar_true_has_no_label():
    fig, _ = show_images([np.eye(3)], colorbar=True)
    assert fig.axes[-1].get_ylabel() == ""


def test_show_patch_draws_the_photo_an_exact_box_and_the_numbers():
    image = np.linspace(0, 1, 60 * 80, dtype=np.float32).reshape(60, 80)
    fig, (photo, close_up, numbers) = show_patch(image, top=20, left=30, size=4, context=16)
    box = close_up.patches[0]
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (29.5, 19.5, 4, 4)
    # The close-up is drawn in the photo's coordinates, so its axes read as rows and columns.
    assert close_up.images[0].get_extent() == [23.5, 39.5, 29.5, 13.5]  # centred on the patch
    assert photo.get_xlabel() == close_up.get_xlabel() == "column"
    assert photo.get_ylabel() == close_up.get_ylabel() == "row"
    expected = np.round(image[20:24, 30:34] * 255).astype(int)
    assert sorted(int(t.get_text()) for t in numbers.texts) == sorted(expected.flatten().tolist())


def test_show_patch_keeps_the_close_up_inside_the_image():
    image = np.zeros((30, 40))
    _, (_, close_up, _) = show_patch(image, top=0, left=36, size=4, context=20)
    left, right, bottom, top = close_up.images[0].get_extent()
    assert (left, right, bottom, top) == (19.5, 39.5, 19.5, -0.5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image": np.zeros((10, 10, 3)), "top": 0, "left": 0}, r"gray \(H, W\) image.*pick one channel"),
        ({"image": np.zeros((10, 10)), "top": 5, "left": 0}, "does not fit.*top <= 2"),
        ({"image": np.zeros((10, 10)), "top": 0, "left": 0, "context": 4}, "at least as large as the patch"),
    ],
)
def test_show_patch_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_patch(**kwargs)


def test_bar_counts_labels_every_bar_and_highlights_in_red():
    counts = {"conv": 27, "dense": 30_000}
    ax = bar_counts(counts, highlight=["conv"], xlabel="weights")
    assert [t.get_text() for t in ax.texts] == [" 27", " 30,000"]
    colours = [bar.get_facecolor() for bar in ax.patches]
    assert colours[0] != colours[1]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "weights"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["conv", "dense"]
    assert ax.yaxis_inverted()  # the first entry is on top


def test_bar_counts_linear_axis():
    ax = bar_counts({"a": 0, "b": 10}, log=False)
    assert ax.get_xscale() == "linear" and ax.get_xlim()[1] == pytest.approx(13)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"counts": {}}, "at least one count"),
        ({"counts": {"a": 1}, "highlight": ["b"]}, r"cannot highlight \['b'\]"),
        ({"counts": {"a": 0}}, "logarithmic axis needs counts above 0"),
    ],
)
def test_bar_counts_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bar_counts(**kwargs)


def test_plot_curves_draws_each_curve_and_the_baseline():
    ax = plot_curves(
        [-1, 0, 1],
        {"dense": [0.2, 0.9, 0.3], "conv": [0.8, 0.8, 0.8]},
        xlabel="shift",
        ylabel="accuracy",
        baseline=(0.1, "guessing"),
        ylim=(0, 1),
    )
    assert [line.get_label() for line in ax.lines] == ["dense", "conv", "guessing"]
    assert list(ax.lines[0].get_ydata()) == [0.2, 0.9, 0.3]
    assert ax.lines[0].get_marker() != ax.lines[1].get_marker()
    assert ax.get_ylim() == (0, 1) and (ax.get_xlabel(), ax.get_ylabel()) == ("shift", "accuracy")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["dense", "conv", "guessing"]


def test_plot_curves_accepts_tensors_and_draws_on_given_axes():
    fig, ax = plt.subplots()
    assert plot_curves(range(3), {"a": torch.tensor([1.0, 2.0, 3.0])}, ax=ax) is ax


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x": [0, 1], "curves": {}}, "at least one curve"),
        ({"x": [0, 1], "curves": {"a": [1, 2, 3]}}, "curve 'a' has 3 values for 2 x positions"),
    ],
)
def test_plot_curves_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_curves(**kwargs)


def _published(name: str) -> list[dict]:
    import csv

    from course_utils.integrity import verified_path

    with open(verified_path(name), newline="") as f:
        return list(csv.DictReader(f))


def test_benchmark_figures_draw_every_row_and_refuse_empty_input():
    winners = _published("ilsvrc_winners.csv")
    ax = plot_challenge_history(winners)
    assert len(ax.patches) == sum(r["kind"] == "winner" for r in winners)
    models = [r for r in _published("imagenet_models.csv") if r["top1_percent"]]
    ax = plot_accuracy_vs_compute(models, label_below={"GoogLeNet"})
    assert [t.get_text().split("\n")[0] for t in ax.texts] == [r["model"] for r in models]
    with pytest.raises(ValueError, match="ilsvrc_winners.csv"):
        plot_challenge_history([])
    with pytest.raises(ValueError, match="imagenet_models.csv"):
        plot_accuracy_vs_compute([])


def _smallest_text(fig) -> float:
    return min(text.get_fontsize() for text in fig.findobj(matplotlib.text.Text) if text.get_text().strip())


def test_course_figures_write_no_text_smaller_than_the_notebooks():
    """10 points at the course's 100 dpi is 14 px: the size of the notebook's own text."""
    from course_utils.analysis import LayerStatistics
    from course_utils.plots import (
        plot_kernels,
        plot_layer_statistics,
        plot_steps,
        positions_figure,
        show_masks,
        show_scenes,
    )

    image = np.random.default_rng(0).random((60, 80))
    stats = LayerStatistics(np.array([1.0, 0.5]), np.array([0.1, 0.2]))
    figures = [
        show_patch(image, 10, 10)[0],
        bar_counts({"a": 10, "b": 1000}).figure,
        plot_curves([1, 2, 3], {"train": [1, 2, 3]}, xlabel="epoch").figure,
        plot_steps(np.arange(25).reshape(5, 5), np.ones((3, 3))),
        positions_figure(5, 3, stride=2, padding=1),
        plot_layer_statistics({"run": stats}),
        plot_kernels(torch.randn(4, 1, 3, 3)),
        show_scenes(torch.zeros(3, 1, 64, 64), [{"boxes": [[1, 30, 20, 60]], "labels": [7]}] * 3,
                    [{"boxes": [[2, 2, 20, 30]], "labels": [7], "scores": [0.9]}] * 3, titles=["a", "b", "c"])[0],
        show_masks(torch.zeros(2, 1, 64, 64), [torch.zeros(2, 64, 64, dtype=torch.int64)], titles=["x", "y"])[0],
        plot_challenge_history(_published("ilsvrc_winners.csv")).figure,
        plot_accuracy_vs_compute([r for r in _published("imagenet_models.csv") if r["top1_percent"]]).figure,
    ]
    for fig in figures:
        assert _smallest_text(fig) >= 10
