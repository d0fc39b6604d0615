"""Lessons 02 and 03's step player: a play button and a slider walk the kernel over a small image.

Each frame shows one position of the kernel: the input with the kernel's taps outlined in
red (padding cells tinted blue; with dilation, the taps sit ``dilation`` pixels apart) and
the output filled in cell by cell up to that position. The numbers come from
:func:`course_utils.ops.conv.sliding_steps`, the drawing from
:func:`course_utils.plots.draw_frame`; this module only plays them.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course_utils.ops.conv import SlidingStep, sliding_steps
from course_utils.plots.steps import draw_frame
from course_utils.widgets.base import CourseWidget, figure_png


class StepPlayer(CourseWidget):
    """A play button and a slider that walk the kernel over a small image, one position per frame.

    Each frame is a :func:`draw_frame` picture (the input with the kernel's taps, the output
    filled in so far), sent to the browser as a PNG. Outside a live notebook the player shows
    as text: the settings and the output values in reading order. Attributes: :attr:`widget`,
    :attr:`steps` (one :class:`course_utils.ops.conv.SlidingStep` per frame), :attr:`slider`,
    :attr:`play`, :attr:`picture` and :attr:`step` (the position on show).
    """

    def __init__(self, image, kernel, stride=1, padding=0, dilation=1, numbers=True, fmt="{:.0f}", interval=700):
        super().__init__()
        self.image, self.kernel = np.asarray(image), np.asarray(kernel)
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.numbers, self.fmt = numbers, fmt
        self.steps = list(sliding_steps(self.image, self.kernel, stride, padding, dilation))
        last = len(self.steps) - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step")
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval, description="play")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.picture = widgets.Image(format="png")
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.picture])
        self.redraw_on(self.slider)
        self.redraw()

    @property
    def step(self) -> SlidingStep:
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

    def text(self) -> str:
        """The settings and the output values in reading order: what a stored notebook shows."""
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
