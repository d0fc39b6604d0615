"""Pictures of a kernel sliding over an image (lessons 02 and 03): each position, and the output filling up.

* :func:`plot_steps`: small multiples of the kernel's positions over a 2-D input, then the
  output; :func:`draw_frame`: one such frame, the input (:func:`draw_input`) beside the output
  so far (:func:`draw_output`), which the :class:`~course_utils.widgets.StepPlayer` plays;
* :func:`draw_positions` / :func:`positions_figure`: every position of a kernel along one axis,
  one row per output cell, in the style of Dumoulin and Visin's guide (2016), which the
  :class:`~course_utils.widgets.SizeExplorer` redraws as its sliders move.

Padding cells are tinted blue, the taps of the kernel are red and input cells that no tap
reads are grey. The numbers come from :func:`course_utils.ops.sliding_steps` and
:mod:`course_utils.ops.geometry`; this module only draws them.
"""

from __future__ import annotations

import numpy as np

from course_utils.ops.conv import conv_output_size, sliding_steps
from course_utils.ops.geometry import kernel_positions, pad2d, per_axis, unused_cells

PAD_COLOUR = (0.80, 0.88, 1.0)  # light blue: zeros that padding adds
UNUSED_COLOUR = (0.82, 0.82, 0.82)  # grey: input cells that no tap reads
TAP_COLOUR = "tab:red"
MAX_NUMBERED = 12  # larger grids are drawn without their numbers, which would not be readable


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
    ax.text(width + 0.3, 0.5, "input", va="center", fontsize=10)
    for row, taps in enumerate(rows, start=1):
        y = row + 0.5
        ax.plot([taps[0] + 0.5, taps[-1] + 0.5], [y, y], color=TAP_COLOUR, linewidth=1, alpha=0.6)
        for tap in taps:
            ax.add_patch(Rectangle((tap + 0.15, row + 0.15), 0.7, 0.7, color=TAP_COLOUR))
        label = f"out[{row - 1}]" if fits else "does not fit"
        ax.text(max(width, taps[-1] + 1) + 0.3, y, label, va="center", fontsize=10)
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
    ax.set_title(title, fontsize=10)
    fig.tight_layout(pad=0.3)
    return fig


def _figure(figsize: tuple[float, float], pyplot: bool = False):
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize)
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


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
                ax.text(col, row, fmt.format(value), ha="center", va="center", fontsize=10)


def _padding_mask(shape: tuple[int, int], padding) -> np.ndarray:
    (ph, pw), (height, width) = per_axis(padding, "padding"), shape
    return ~pad2d(np.ones((1, 1, height, width), dtype=bool), (ph, pw))[0, 0]


def draw_input(ax, image, kernel, step, padding=0, dilation=1, numbers=True, fmt="{:.0f}") -> None:
    """The padded input with the kernel's taps outlined at ``step`` (a :class:`SlidingStep`)."""
    from matplotlib.patches import Rectangle

    image = np.asarray(image, dtype=float)
    padded = pad2d(image[None, None], per_axis(padding, "padding"))[0, 0]
    _grid(ax, padded, _padding_mask(image.shape, padding), numbers, fmt)
    (dh, dw), (kh, kw) = per_axis(dilation, "dilation"), np.shape(kernel)
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
        ax.set_title(f"out[{step.row}, {step.col}] = {fmt.format(step.value)}", fontsize=10)
    out_shape = conv_output_size(np.shape(image), np.shape(kernel), stride, padding, dilation)
    out_ax = axes.flat[len(steps)]
    draw_output(out_ax, out_shape, steps, numbers, fmt)
    out_ax.set_title(f"output {out_shape[0]}x{out_shape[1]}", fontsize=10)
    for ax in axes.flat[len(steps) + 1 :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def draw_frame(fig, image, kernel, steps, index, padding=0, dilation=1, numbers=True, fmt="{:.0f}") -> None:
    """One frame of the player: input with the kernel at step ``index``, output so far."""
    fig.clear()
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [np.shape(image)[1] + 4, np.shape(image)[1]]})
    draw_input(ax_in, image, kernel, steps[index], padding, dilation, numbers, fmt)
    ax_in.set_title("input (blue: padding)", fontsize=10)
    h_out, w_out = max(s.row for s in steps) + 1, max(s.col for s in steps) + 1
    draw_output(ax_out, (h_out, w_out), steps[: index + 1], numbers, fmt)
    step = steps[index]
    ax_out.set_title(f"out[{step.row}, {step.col}] = {fmt.format(step.value)}", fontsize=10)
