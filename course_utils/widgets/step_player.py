"""Pictures of a convolution at work: each position of the kernel, as small multiples or a player.

The numbers come from :func:`course_utils.ops.conv.sliding_steps`; this module only draws them.
Padding cells are tinted blue, the cells under the kernel are outlined in red (with
dilation, the taps sit ``dilation`` pixels apart), and the output fills in cell by cell.
"""

from __future__ import annotations

import numpy as np

from course_utils.ops.conv import sliding_steps
from course_utils.plots.steps import draw_frame
from course_utils.widgets.base import bundle, figure_png


class StepPlayer:
    """A play button and a slider that walk the kernel over a small image, one position per frame.

    Each frame is a :func:`draw_frame` picture (the input with the kernel's taps, the output
    filled in so far), sent to the browser as a PNG. Outside a live notebook the player shows
    as text: the settings and the output values in reading order. Attributes: :attr:`widget`,
    :attr:`steps` (one :class:`course_utils.ops.conv.SlidingStep` per frame), :attr:`slider`,
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
        """The kernel position on show (a :class:`course_utils.ops.conv.SlidingStep`)."""
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
