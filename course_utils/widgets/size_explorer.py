"""Lesson 03's size explorer: sliders for a convolution's settings, the size that comes out.

Along each spatial axis a convolution's output has

    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1

cells, for an input of ``n`` pixels, a kernel of ``k`` taps, stride ``s``, zero padding ``p``
on each side and dilation ``d`` (see :func:`course_utils.ops.conv.conv_output_size`).
:class:`SizeExplorer` shows that rule at work: sliders for ``n``, kernel, stride, padding and
dilation; the formula with the numbers filled in (:func:`course_utils.ops.size_formula`); the
size PyTorch's ``F.conv2d`` really gives; and every position of the kernel along one axis
(:func:`course_utils.plots.positions_figure`).

Everything is computed in Python, so tests drive the explorer without a browser::

    explorer = SizeExplorer(n=5, kernel=3)
    explorer.set(stride=2, padding=1)   # or explorer.sliders["stride"].value = 2
    explorer.size                       # 3, or None when the kernel does not fit
    explorer.message.value              # the friendly explanation when it does not
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from course_utils.ops.conv import conv_output_size
from course_utils.ops.geometry import formula_text, pytorch_size, size_formula, unused_cells
from course_utils.plots.steps import positions_figure
from course_utils.widgets.base import CourseWidget, figure_png

SETTINGS = ("n", "kernel", "stride", "padding", "dilation")
RANGES = {"n": (1, 16), "kernel": (1, 7), "stride": (1, 4), "padding": (0, 4), "dilation": (1, 4)}
LABELS = {"n": "input n", "kernel": "kernel k", "stride": "stride s", "padding": "padding p", "dilation": "dilation d"}


class SizeExplorer(CourseWidget):
    """Sliders for ``n``, kernel, stride, padding and dilation; the size that comes out.

    Each change shows the formula with the numbers filled in, the size that PyTorch's
    ``F.conv2d`` really produces, and the picture of the kernel positions
    (:func:`course_utils.plots.draw_positions`). Settings for which the kernel does not fit
    the padded input show a message that says how to fix them, instead of an error.

    Attributes a lesson or a test uses: :attr:`widget` (what to display), :attr:`settings`,
    :attr:`size` (None when the settings are invalid), :attr:`sliders` (by setting name),
    :attr:`formula` and :attr:`message` (HTML widgets), :attr:`picture` (a PNG
    ``widgets.Image``) and :attr:`updates` (how many times it recomputed).
    """

    def __init__(self, n: int = 5, kernel: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1):
        start = {"n": n, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
        for name, value in start.items():
            low, high = RANGES[name]
            if not isinstance(value, int | np.integer) or not low <= value <= high:
                raise ValueError(
                    f"{name} must be a whole number from {low} to {high} (the slider's range), got {value!r}"
                )
        super().__init__()
        self.size: int | None = None
        self.torch_size: int | None = None
        self.sliders = {
            name: widgets.IntSlider(
                value=int(start[name]),
                min=RANGES[name][0],
                max=RANGES[name][1],
                description=LABELS[name],
                continuous_update=False,
                style={"description_width": "5.5em"},
            )
            for name in SETTINGS
        }
        self.formula = widgets.HTMLMath()
        self.message = widgets.HTML()
        self.picture = widgets.Image(format="png")
        controls = widgets.VBox(list(self.sliders.values()))
        self.widget = widgets.VBox([widgets.HBox([controls, widgets.VBox([self.formula, self.message])]), self.picture])
        self.redraw_on(*self.sliders.values())
        self.redraw()

    @property
    def settings(self) -> dict[str, int]:
        """The current settings, by name: ``n``, ``kernel``, ``stride``, ``padding``, ``dilation``."""
        return {name: int(slider.value) for name, slider in self.sliders.items()}

    def set(self, **settings: int) -> None:
        """Move several sliders at once and recompute once, e.g. ``set(stride=2, padding=1)``."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; use {', '.join(SETTINGS)}")
        for name, value in settings.items():
            low, high = RANGES[name]
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high} (the slider's range), got {value}")
        with self.hold_redraws():
            for name, value in settings.items():
                self.sliders[name].value = value
            self.redraw()

    def _draw(self) -> None:
        settings = self.settings
        self.torch_size = pytorch_size(**settings)
        try:
            self.size = conv_output_size(**settings)
        except ValueError as error:
            self.size = None
            self.formula.value = "<p>No output: the kernel does not fit.</p>"
            self.message.value = f'<p style="color: #b42318"><b>Try again:</b> {html.escape(str(error))}.</p>'
        else:
            self.formula.value = f"<p>$$n_\\text{{out}} = {size_formula(**settings)}$$</p>"
            self.message.value = f"<p>{_notes(settings, self.size, self.torch_size)}</p>"
        self.picture.value = figure_png(positions_figure(**settings, pyplot=False))

    def text(self) -> str:
        """The settings, the size and the formula: what a stored notebook shows."""
        settings = ", ".join(f"{name}={value}" for name, value in self.settings.items())
        if self.size is None:
            result = "the kernel does not fit"
        else:
            result = f"output {self.size}\n  {formula_text(**self.settings)}"
        return f"SizeExplorer: {settings} -> {result}\n(in a live notebook: move the sliders to see the size change)"


def _notes(settings: dict[str, int], size: int, torch_size: int | None) -> str:
    """A few words on the result: PyTorch agrees, the size kept or changed, cells dropped."""
    n = settings["n"]
    agree = "agrees" if torch_size == size else f"says {torch_size}: please report this"
    notes = [f"PyTorch's <code>F.conv2d</code> {agree}: {n} pixels in, {size} out."]
    if size == n:
        notes.append("Same size as the input.")
    unused = unused_cells(**settings)
    if unused:
        cells = ", ".join(map(str, unused[:8])) + (", ..." if len(unused) > 8 else "")
        notes.append(f"Input cells never read (grey): {cells}.")
    return "<br>".join(notes)
