import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

from course_utils.conv import sliding_steps
from course_utils.conv_anim import conv_player, draw_input, plot_steps

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


def test_player_walks_every_step():
    player = conv_player(IMAGE, KERNEL)
    play, slider = player.children[0].children
    assert slider.max == 8 and play.max == 8
    slider.value = 8  # redraws without error
    plt.close("all")
