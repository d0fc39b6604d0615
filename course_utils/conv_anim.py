"""Pictures of a convolution at work: each position of the kernel, as small multiples or a player.

The numbers come from :func:`course_utils.conv.sliding_steps`; this module only draws them.
Padding cells are tinted blue, the cells under the kernel are outlined in red (with
dilation, the taps sit ``dilation`` pixels apart), and the output fills in cell by cell.
"""

from __future__ import annotations

import numpy as np

from course_utils.conv import _pad, _pair, conv_output_size, sliding_steps
from course_utils.widget_view import bundle, figure_png

PAD_COLOUR = (0.80, 0.88, 1.0)
TAP_COLOUR = "tab:red"
MAX_NUMBERED = 12


def _grid(ax, values: np.ndarray, mask: np.ndarray | None, numbers: bool, fmt: str) -> None:
    """Draw a matrix as light cells with grid lines, optional numbers, padding cells tinted."""
    from matplotlib.colors import to_rgb

    height, width = values.shape
    colours = np.ones((height, width, 3))
    if mask is not None:
        colours[mask] = to_rgb(PAD_COLOUR)
    ax.imshow(colours, extent=(-0.5, width - 0.5, height - 0.5, -0.5))
    ax.set_xticks(np.arange(-0.5, width), minor=True)
    ax.set_yticks(np.arange(-0.5, height), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if numbers and max(height, width) <= MAX_NUMBERED:
        for (row, col), value in np.ndenumerate(values):
            if not np.isnan(value):
                ax.text(col, row, fmt.format(value), ha="center", va="center", fontsize=8)


def _padding_mask(shape: tuple[int, int], padding) -> np.ndarray:
    (ph, pw), (height, width) = _pair(padding, "padding"), shape
    return ~_pad(np.ones((1, 1, height, width), dtype=bool), (ph, pw))[0, 0]


def draw_input(ax, image, kernel, step, padding=0, dilation=1, numbers=True, fmt="{:.0f}") -> None:
    """The padded input with the kernel's taps outlined at ``step`` (a :class:`SlidingStep`)."""
    from matplotlib.patches import Rectangle

    image = np.asarray(image, dtype=float)
    padded = _pad(image[None, None], _pair(padding, "padding"))[0, 0]
    _grid(ax, padded, _padding_mask(image.shape, padding), numbers, fmt)
    (dh, dw), (kh, kw) = _pair(dilation, "dilation"), np.shape(kernel)
    for u, v in np.ndindex(kh, kw):
        corner = (step.left + v * dw - 0.5, step.top + u * dh - 0.5)
        ax.add_patch(Rectangle(corner, 1, 1, fill=False, edgecolor=TAP_COLOUR, linewidth=2))


def draw_output(ax, shape, steps_done, numbers=True, fmt="{:.0f}") -> None:
    """The output grid with the values computed so far; the newest cell outlined."""
    from matplotlib.patches import Rectangle

    values = np.full(shape, np.nan)
    for step in steps_done:
        values[step.row, step.col] = step.value
    _grid(ax, values, None, numbers, fmt)
    if steps_done:
        last = steps_done[-1]
        ax.add_patch(Rectangle((last.col - 0.5, last.row - 0.5), 1, 1, fill=False, edgecolor=TAP_COLOUR, linewidth=2))


def plot_steps(image, kernel, stride=1, padding=0, dilation=1, numbers=True, fmt="{:.0f}", cols=3, size=1.8):
    """Every position of the kernel as one small picture, in reading order, then the output.

    Each panel's title gives the output cell and its value. Returns the figure.
    """
    import matplotlib.pyplot as plt

    steps = list(sliding_steps(image, kernel, stride, padding, dilation))
    rows = -(-(len(steps) + 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for ax, step in zip(axes.flat, steps, strict=False):
        draw_input(ax, image, kernel, step, padding, dilation, numbers, fmt)
        ax.set_title(f"out[{step.row}, {step.col}] = {fmt.format(step.value)}", fontsize=9)
    out_shape = conv_output_size(np.shape(image), np.shape(kernel), stride, padding, dilation)
    out_ax = axes.flat[len(steps)]
    draw_output(out_ax, out_shape, steps, numbers, fmt)
    out_ax.set_title(f"output {out_shape[0]}x{out_shape[1]}", fontsize=9)
    for ax in axes.flat[len(steps) + 1 :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def draw_frame(fig, image, kernel, steps, index, padding=0, dilation=1, numbers=True, fmt="{:.0f}") -> None:
    """One frame of the player: input with the kernel at step ``index``, output so far."""
    fig.clear()
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [np.shape(image)[1] + 4, np.shape(image)[1]]})
    draw_input(ax_in, image, kernel, steps[index], padding, dilation, numbers, fmt)
    ax_in.set_title("input (blue: padding)", fontsize=9)
    h_out, w_out = max(s.row for s in steps) + 1, max(s.col for s in steps) + 1
    draw_output(ax_out, (h_out, w_out), steps[: index + 1], numbers, fmt)
    step = steps[index]
    ax_out.set_title(f"out[{step.row}, {step.col}] = {fmt.format(step.value)}", fontsize=9)


class StepPlayer:
    """A play button and a slider that walk the kernel over a small image, one position per frame.

    Each frame is a :func:`draw_frame` picture (the input with the kernel's taps, the output
    filled in so far), sent to the browser as a PNG. Outside a live notebook the player shows
    as text: the settings and the output values in reading order. Attributes: :attr:`widget`,
    :attr:`steps` (one :class:`course_utils.conv.SlidingStep` per frame), :attr:`slider`,
    :attr:`play`, :attr:`picture` and :attr:`step` (the position on show).
    """

    def __init__(self, image, kernel, stride=1, padding=0, dilation=1, numbers=True, fmt="{:.0f}", interval=700):
        import ipywidgets as widgets

        self.image, self.kernel = np.asarray(image), np.asarray(kernel)
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.numbers, self.fmt = numbers, fmt
        self.steps = list(sliding_steps(self.image, self.kernel, stride, padding, dilation))
        last = len(self.steps) - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step")
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval, description="play")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.picture = widgets.Image(format="png")
        self.slider.observe(lambda _change: self._draw(), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.picture])
        self._draw()

    @property
    def step(self):
        """The kernel position on show (a :class:`course_utils.conv.SlidingStep`)."""
        return self.steps[self.slider.value]

    def frame(self, index: int) -> bytes:
        """PNG bytes of frame ``index``."""
        from matplotlib.figure import Figure  # not pyplot: nothing is shown, nothing leaks

        figure = Figure(figsize=(6, 3), dpi=72)
        draw_frame(
            figure, self.image, self.kernel, self.steps, index, self.padding, self.dilation, self.numbers, self.fmt
        )
        return figure_png(figure)

    def _draw(self) -> None:
        self.picture.value = self.frame(self.slider.value)

    def __repr__(self) -> str:
        (height, width), (kh, kw) = self.image.shape, self.kernel.shape
        rows, cols = self.steps[-1].row + 1, self.steps[-1].col + 1
        positions = f"{len(self.steps)} position{'s' * (len(self.steps) != 1)}"
        values = ", ".join(self.fmt.format(step.value) for step in self.steps)
        return (
            f"StepPlayer: {positions} of a {kh}x{kw} kernel on a {height}x{width} image "
            f"(stride {self.stride}, padding {self.padding}, dilation {self.dilation}) -> output {rows}x{cols}\n"
            f"outputs in reading order: {values}\n"
            "(in a live notebook: press play or drag the slider)"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return bundle(self.widget, repr(self))
