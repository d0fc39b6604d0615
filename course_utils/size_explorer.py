"""What size comes out of a convolution? Sliders for the settings, the formula, the kernel positions.

Along each spatial axis a convolution's output has

    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1

cells, for an input of ``n`` pixels, a kernel of ``k`` taps, stride ``s``, zero padding ``p``
on each side and dilation ``d`` (see :func:`course_utils.conv.conv_output_size`). This module
shows that rule at work:

* :func:`size_formula` / :func:`formula_text`: the formula with the numbers filled in
  (LaTeX for the notebook, plain text for printing);
* :func:`draw_positions`: every position of the kernel along one axis, one row per output
  cell, in the style of Dumoulin and Visin's guide (2016);
* :class:`SizeExplorer`: sliders for ``n``, kernel, stride, padding and dilation that redraw
  both, and check the size against PyTorch;
* :func:`check_output_size`: the self-check of the lesson's exercise.

Everything is computed in Python, so tests drive the explorer without a browser::

    explorer = SizeExplorer(n=5, kernel=3)
    explorer.set(stride=2, padding=1)   # or explorer.sliders["stride"].value = 2
    explorer.size                       # 3, or None when the kernel does not fit
    explorer.message.value              # the friendly explanation when it does not
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from course_utils.checks import CheckResult
from course_utils.conv import conv_output_size
from course_utils.widget_view import bundle, figure_png

SETTINGS = ("n", "kernel", "stride", "padding", "dilation")
RANGES = {"n": (1, 16), "kernel": (1, 7), "stride": (1, 4), "padding": (0, 4), "dilation": (1, 4)}
LABELS = {"n": "input n", "kernel": "kernel k", "stride": "stride s", "padding": "padding p", "dilation": "dilation d"}

PAD_COLOUR = (0.80, 0.88, 1.0)  # the same blue as course_utils.conv_anim
UNUSED_COLOUR = (0.82, 0.82, 0.82)
TAP_COLOUR = "tab:red"


# ----------------------------------------------------------------------------------------
# The formula and the positions, as numbers
# ----------------------------------------------------------------------------------------


def size_formula(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    r"""The output-size formula with the numbers filled in, as LaTeX (without dollar signs).

    Raises the ``ValueError`` of :func:`~course_utils.conv.conv_output_size` when the
    kernel does not fit the padded input.

    >>> print(size_formula(5, 3, stride=2, padding=1).replace(" = ", "\n= "))
    \left\lfloor \frac{5 + 2 \cdot 1 - 1 \cdot (3 - 1) - 1}{2} \right\rfloor + 1
    = \left\lfloor \frac{4}{2} \right\rfloor + 1
    = 3
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilation * (kernel - 1) - 1
    return (
        rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - {dilation} \cdot ({kernel} - 1) - 1}}"
        rf"{{{stride}}} \right\rfloor + 1 = \left\lfloor \frac{{{top}}}{{{stride}}} \right\rfloor + 1 = {size}"
    )


def formula_text(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The same formula as plain text, for printing.

    >>> formula_text(5, 3, stride=2, padding=1)
    'floor((5 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = floor(4 / 2) + 1 = 3'
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilation * (kernel - 1) - 1
    start = f"floor(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1"
    return f"{start} = floor({top} / {stride}) + 1 = {size}"


def kernel_positions(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[list[int]]:
    """For each output cell, the padded-input cells its kernel taps read, along one axis.

    Padded cells are numbered ``0 .. n + 2p - 1``; the real input starts at ``p``.

    >>> kernel_positions(5, 3, stride=2)
    [[0, 1, 2], [2, 3, 4]]
    >>> kernel_positions(5, 2, dilation=3)
    [[0, 3], [1, 4]]
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    return [[j * stride + u * dilation for u in range(kernel)] for j in range(size)]


def unused_cells(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[int]:
    """Real input cells (numbered ``0 .. n - 1``) that no kernel tap ever reads.

    The floor in the formula drops the last cells when the kernel cannot take one more
    whole step; a stride larger than the kernel's reach, or dilation with a stride, skips
    cells in between.

    >>> unused_cells(6, 3, stride=2)   # the sixth pixel: no third step fits
    [5]
    >>> unused_cells(7, 1, stride=3)
    [1, 2, 4, 5]
    """
    read = {cell - padding for taps in kernel_positions(n, kernel, stride, padding, dilation) for cell in taps}
    return [cell for cell in range(n) if cell not in read]


def pytorch_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int | None:
    """The output width that ``torch.nn.functional.conv2d`` really produces (None if it refuses).

    Runs one convolution of a ``1 x n`` zero image with a ``1 x k`` kernel, on one thread:
    on a busy machine, waking a second thread for so tiny a job costs milliseconds.
    """
    import torch
    import torch.nn.functional as F

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = F.conv2d(
            torch.zeros(1, 1, 1, n),
            torch.zeros(1, 1, 1, kernel),
            stride=(1, stride),
            padding=(0, padding),
            dilation=(1, dilation),
        )
    except RuntimeError:
        return None
    finally:
        torch.set_num_threads(threads)
    return int(out.shape[-1])


# ----------------------------------------------------------------------------------------
# The picture
# ----------------------------------------------------------------------------------------


def draw_positions(ax, n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> None:
    """Every kernel position along one axis: the padded input on top, one row per output cell.

    Padding cells are blue, input cells that no tap reads are grey, and each row shows the
    taps of one position in red, joined by a line over the pixels it spans. When the kernel
    does not fit, the single row shows it hanging over the edge.
    """
    from matplotlib.patches import Rectangle

    width = n + 2 * padding
    try:
        rows = kernel_positions(n, kernel, stride, padding, dilation)
        unused = set(unused_cells(n, kernel, stride, padding, dilation))
        fits = True
    except ValueError:
        rows = [[u * dilation for u in range(kernel)]]
        unused, fits = set(), False
    for cell in range(width):
        inside = padding <= cell < padding + n
        colour = PAD_COLOUR if not inside else UNUSED_COLOUR if cell - padding in unused else "white"
        ax.add_patch(Rectangle((cell, 0), 1, 1, facecolor=colour, edgecolor="0.4", linewidth=0.8))
    ax.text(width + 0.3, 0.5, "input", va="center", fontsize=8)
    for row, taps in enumerate(rows, start=1):
        y = row + 0.5
        ax.plot([taps[0] + 0.5, taps[-1] + 0.5], [y, y], color=TAP_COLOUR, linewidth=1, alpha=0.6)
        for tap in taps:
            ax.add_patch(Rectangle((tap + 0.15, row + 0.15), 0.7, 0.7, color=TAP_COLOUR))
        label = f"out[{row - 1}]" if fits else "does not fit"
        ax.text(max(width, taps[-1] + 1) + 0.3, y, label, va="center", fontsize=8)
    if not fits:
        ax.plot([width, width], [0, 2], color="black", linewidth=2)
    right = max(width, rows[-1][-1] + 1) + 3.2
    ax.set_xlim(-0.2, right)
    ax.set_ylim(len(rows) + 1.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")


def positions_figure(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, scale: float = 0.28, pyplot: bool = True
):
    """A figure holding :func:`draw_positions`, sized to fit it, with a one-line title.

    With ``pyplot=False`` the figure is made without pyplot, so it never shows up by itself
    in a notebook (the widgets use that to draw PNG frames).
    """
    try:
        rows = conv_output_size(n, kernel, stride, padding, dilation)
        title = f"n={n}, k={kernel}, s={stride}, p={padding}, d={dilation}: {rows} positions"
    except ValueError:
        rows = 1
        title = f"n={n}, k={kernel}, s={stride}, p={padding}, d={dilation}: the kernel does not fit"
    cells = max(n + 2 * padding, dilation * (kernel - 1) + 1) + 3.5
    figsize = (max(cells * scale, 3.5), (rows + 1.3) * scale + 0.35)
    fig = _figure(figsize, pyplot)
    ax = fig.subplots()
    draw_positions(ax, n, kernel, stride, padding, dilation)
    ax.set_title(title, fontsize=9)
    fig.tight_layout(pad=0.3)
    return fig


def _figure(figsize: tuple[float, float], pyplot: bool = False):
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize)
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)




# ----------------------------------------------------------------------------------------
# The widget
# ----------------------------------------------------------------------------------------


class SizeExplorer:
    """Sliders for ``n``, kernel, stride, padding and dilation; the size that comes out.

    Each change shows the formula with the numbers filled in, the size that PyTorch's
    ``F.conv2d`` really produces, and the picture of the kernel positions
    (:func:`draw_positions`). Settings for which the kernel does not fit the padded input
    show a message that says how to fix them, instead of an error.

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
        self.updates = 0
        self.size: int | None = None
        self.torch_size: int | None = None
        self._quiet = False
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
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        controls = widgets.VBox(list(self.sliders.values()))
        self.widget = widgets.VBox([widgets.HBox([controls, widgets.VBox([self.formula, self.message])]), self.picture])
        self._update()

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
        self._quiet = True
        try:
            for name, value in settings.items():
                self.sliders[name].value = value
        finally:
            self._quiet = False
        self._update()

    def _on_change(self, _change: dict) -> None:
        if not self._quiet:
            self._update()

    def _update(self) -> None:
        settings = self.settings
        self.updates += 1
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

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value}" for name, value in self.settings.items())
        if self.size is None:
            result = "the kernel does not fit"
        else:
            result = f"output {self.size}\n  {formula_text(**self.settings)}"
        return f"SizeExplorer: {settings} -> {result}\n(in a live notebook: move the sliders to see the size change)"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live widget, and a text view that depends only on the settings."""
        return bundle(self.widget, repr(self))


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


# ----------------------------------------------------------------------------------------
# A step-by-step player of the kernel's positions
# ----------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------
# The exercise check
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeCase:
    """One call of the student's function: ``fn(n, kernel, stride, padding, dilation)``."""

    name: str
    n: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    @property
    def args(self) -> dict[str, int]:
        return {
            "n": self.n,
            "kernel": self.kernel,
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
        }

    def call(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.args.items())


def size_cases() -> list[SizeCase]:
    """The exercise's cases, simple first, then every valid setting in a small range."""
    cases = [
        SizeCase("no padding: the lecture's 4x4 image and 3x3 kernel", 4, 3),
        SizeCase("same padding: 5x5 kernel, padding 2", 64, 5, padding=2),
        SizeCase("full padding: 3x3 kernel, padding 2", 5, 3, padding=2),
        SizeCase("stride 2, the kernel fits exactly", 5, 3, stride=2),
        SizeCase("stride 2, one pixel left over", 6, 3, stride=2),
        SizeCase("stride 2 with padding: the first layer of a ResNet", 224, 7, stride=2, padding=3),
        SizeCase("dilation 2", 32, 3, dilation=2),
        SizeCase("1x1 kernel, stride 3", 10, 1, stride=3),
        SizeCase("everything at once", 17, 3, stride=3, padding=2, dilation=3),
    ]
    for n in range(1, 13):
        for kernel in range(1, 6):
            for stride in range(1, 5):
                for padding in range(4):
                    for dilation in range(1, 4):
                        if dilation * (kernel - 1) + 1 <= n + 2 * padding:
                            cases.append(SizeCase("a sweep over small settings", n, kernel, stride, padding, dilation))
    return cases


def check_output_size(fn: Callable[..., int], verbose: bool = True) -> CheckResult:
    """Check ``fn(n, kernel, stride=1, padding=0, dilation=1)`` against PyTorch's output sizes.

    The expected size of each case is measured by running ``F.conv2d`` (see
    :func:`pytorch_size`). The first wrong case is explained: a float instead of an int,
    or which classic slip (a forgotten ``+ 1``, padding on one side only, rounding up, the
    dilation left out, ...) gives the number the function returned. Prints the verdict
    unless ``verbose=False``; returns a :class:`~course_utils.checks.CheckResult`.

    >>> check_output_size(lambda n, kernel, stride=1, padding=0, dilation=1: n - kernel + 1, verbose=False).passed
    False
    """
    cases = size_cases()
    for number, case in enumerate(cases, start=1):
        problem = _size_problem(fn, case)
        if problem:
            message = f"Case {number} of {len(cases)} failed: {case.name}.\nWe called fn({case.call()}).\n{problem}"
            return _report(CheckResult(False, number - 1, len(cases), message), verbose)
    message = (
        f"All {len(cases)} cases passed: your sizes equal PyTorch's for padding, stride, "
        f"dilation and their combinations."
    )
    return _report(CheckResult(True, len(cases), len(cases), message), verbose)


def _size_problem(fn: Callable[..., int], case: SizeCase) -> str:
    """Empty if ``fn`` gets ``case`` right; else what went wrong, in words."""
    expected = pytorch_size(**case.args)
    try:
        got = fn(**case.args)
    except Exception as error:  # whatever it is, the student needs to see it
        hint = ""
        if isinstance(error, TypeError) and "argument" in str(error):
            hint = "\nYour function must accept fn(n, kernel, stride=1, padding=0, dilation=1), with those names."
        return f"Your function raised {type(error).__name__}: {error}{hint}"
    if got is None:
        return "Your function returned None: did you forget to return the size?"
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        if isinstance(got, float | np.floating) and float(got) == expected:
            return (
                f"You returned {got!r}, a float. A size is a whole number: use // (floor "
                f"division), which also rounds down as the formula asks."
            )
        return f"You returned {got!r} ({type(got).__name__}); return an int, e.g. {expected}."
    if got == expected:
        return ""
    said = f"PyTorch's F.conv2d gives {expected}, you returned {got}."
    causes = [text for value, text in _size_mistakes(case) if value == got and value != expected]
    if not causes:
        causes = [f"work it out step by step: {formula_text(**case.args)}."]
    return said + "".join(f"\nLikely cause: {text}" for text in causes)


def _size_mistakes(case: SizeCase) -> Iterable[tuple[int, str]]:
    """Sizes that classic slips give for ``case``, and what to say about each."""
    n, k, s, p, d = case.n, case.kernel, case.stride, case.padding, case.dilation
    extent = d * (k - 1) + 1
    return [
        ((n + 2 * p - extent) // s, "the + 1 is missing: a kernel that fits exactly once still gives one output."),
        (
            -(-(n + 2 * p - extent) // s) + 1,
            "you rounded up. The formula rounds down: a last step that would hang over the edge is not taken.",
        ),
        ((n - extent) // s + 1, f"the padding is missing: padding {p} adds {p} zero(s) on each side, {2 * p} in all."),
        ((n + p - extent) // s + 1, f"you padded one side only: padding {p} goes on both sides, so add 2 * {p}."),
        ((n + 2 * p - k) // s + 1, f"the dilation is missing: {k} taps with dilation {d} span {extent} pixels."),
        (
            (n + 2 * p - d * k) // s + 1,
            f"the span of a dilated kernel is d*(k - 1) + 1 = {extent} pixels, not d*k = {d * k}: "
            f"the gaps sit between the taps, not after the last one.",
        ),
        (n + 2 * p - extent + 1, f"the stride is missing: with stride {s} the kernel jumps {s} pixels per step."),
        ((n + 2 * p - extent + 1) // s, "divide only the room left after the first position, then add 1 for it."),
    ]


def _report(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result.message)
    return result
