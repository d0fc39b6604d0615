import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

from course_utils.ops import sliding_steps
from course_utils.plots import plot_steps
from course_utils.plots.steps import draw_input
from course_utils.widgets import StepPlayer

IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def torch_conv(image, kernel, **settings):
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    return F.conv2d(x, torch.tensor(kernel, dtype=torch.float64)[None, None], **settings)[0, 0].numpy()


def test_plot_steps_titles_are_pytorch_values():
    fig = plot_steps(IMAGE, KERNEL, stride=2, padding=1)
    expected = torch_conv(IMAGE, KERNEL, stride=2, padding=1)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title().startswith("out[")]
    assert len(titles) == expected.size
    for (row, col), value in np.ndenumerate(expected):
        assert f"out[{row}, {col}] = {value:.0f}" in titles
    assert any(ax.get_title() == "output 3x3" for ax in fig.axes)
    plt.close(fig)


def test_taps_sit_dilation_apart_in_padded_coordinates():
    step = list(sliding_steps(IMAGE, KERNEL, stride=1, padding=1, dilation=2))[1]
    fig, ax = plt.subplots()
    draw_input(ax, IMAGE, KERNEL, step, padding=1, dilation=2)
    corners = sorted(p.get_xy() for p in ax.patches if isinstance(p, Rectangle))
    left, top = step.left, step.top
    assert corners == sorted((left + 2 * v - 0.5, top + 2 * u - 0.5) for u in range(3) for v in range(3))
    plt.close(fig)


def test_player_has_one_frame_per_output_value():
    player = StepPlayer(IMAGE, KERNEL)
    expected = torch_conv(IMAGE, KERNEL)
    assert player.slider.max == player.play.max == expected.size - 1
    assert [step.value for step in player.steps] == expected.ravel().tolist()


def test_moving_the_slider_redraws_the_frame():
    player = StepPlayer(IMAGE, KERNEL, stride=2, padding=1)
    first = player.picture.value
    player.slider.value = player.slider.max  # what dragging it, or play, does
    assert player.picture.value != first and player.picture.value == player.frame(player.slider.max)
    expected = torch_conv(IMAGE, KERNEL, stride=2, padding=1)
    assert (player.step.row, player.step.col, player.step.value) == (2, 2, expected[2, 2])


def test_player_text_is_the_settings_and_outputs_only():
    player = StepPlayer(IMAGE, KERNEL, dilation=2)
    assert repr(player).splitlines()[:2] == [
        "StepPlayer: 1 position of a 3x3 kernel on a 5x5 image (stride 1, padding 0, dilation 1) -> output 1x1"
        .replace("dilation 1", "dilation 2"),
        f"outputs in reading order: {torch_conv(IMAGE, KERNEL, dilation=2)[0, 0]:.0f}",
    ]
    assert repr(player) == repr(StepPlayer(IMAGE, KERNEL, dilation=2))
