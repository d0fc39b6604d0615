"""Small figure helpers the lessons share: pixel grids with their numbers, rows of images.

They only draw; every number a lesson teaches is computed in the notebook itself. Two
helpers check what the figures and widgets are given: :func:`to_numpy` (an array or a
tensor) and :func:`check_image` (a photo, channels last, values in [0, 1]).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence

import numpy as np

MAX_NUMBERED_CELLS = 32


def to_numpy(values) -> np.ndarray:
    """A NumPy array of an array, a list or a tensor (detached and moved to the CPU).

    >>> import torch
    >>> to_numpy(torch.ones(2, requires_grad=True))
    array([1., 1.], dtype=float32)
    """
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def check_image(image) -> np.ndarray:
    """A photo as a float array, gray ``(H, W)`` or colour ``(H, W, 3)`` with values in [0, 1].

    Fails with a message that says how to fix a channels-first tensor or a uint8 photo.

    >>> check_image([[0, 0.5], [1, 0.25]]).dtype
    dtype('float64')
    """
    image = np.asarray(to_numpy(image), dtype=float)
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[2] not in (1, 3):
        raise ValueError(
            f"image has shape {image.shape}, channels first; images here are channels last, (H, W, 3): "
            "pass image.permute(1, 2, 0) for a tensor"
        )
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"image must be gray (H, W) or colour (H, W, 3), channels last; got shape {image.shape}")
    if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"image values must lie in [0, 1], got {image.min():.3g} .. {image.max():.3g}; "
            "divide a uint8 photo by 255 (course_utils.load_image does)"
        )
    return image


def show_numbers(values, ax=None, fmt: str = "{:.0f}", cmap: str = "gray", vmin=None, vmax=None, fontsize=None):
    """Draw a small matrix as an image and write each value in its cell.

    Text is black on bright cells and white on dark ones, so every number stays
    readable. ``vmin``/``vmax`` fix the colour scale (default: the data's range).
    Returns the axes.

    >>> ax = show_numbers(np.array([[0, 255], [128, 64]]))
    >>> [text.get_text() for text in ax.texts]
    ['0', '255', '128', '64']
    """
    import matplotlib.pyplot as plt

    grid = to_numpy(values)
    if grid.ndim != 2:
        raise ValueError(f"show_numbers draws a 2-D matrix, got shape {grid.shape}; pick one channel first")
    if max(grid.shape) > MAX_NUMBERED_CELLS:
        raise ValueError(
            f"a {grid.shape[0]}x{grid.shape[1]} matrix has too many cells to label; "
            f"show a patch of at most {MAX_NUMBERED_CELLS}x{MAX_NUMBERED_CELLS}"
        )
    ax = ax if ax is not None else plt.gca()
    low = np.min(grid) if vmin is None else vmin
    high = np.max(grid) if vmax is None else vmax
    image = ax.imshow(grid, cmap=cmap, vmin=low, vmax=high)
    for (row, col), value in np.ndenumerate(grid):
        red, green, blue, _ = image.cmap(image.norm(value))
        colour = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        ax.text(col, row, fmt.format(value), ha="center", va="center", fontsize=fontsize, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def show_images(
    images: Sequence,
    titles: Sequence[str] | None = None,
    cmap="gray",
    size: float = 2.2,
    colorbar: bool | str = False,
    **imshow,
):
    """Show images side by side, without ticks; returns ``(figure, axes)``.

    Each image is ``(H, W)`` or ``(H, W, 3)`` (channels last, as Matplotlib wants).
    ``cmap`` is one colour map for all, or one per image. Extra keywords
    (``vmin``, ``vmax``, ...) go to every ``imshow``. ``colorbar`` adds one colour bar
    for the row (a string labels it); give the images one colour scale (``vmin``,
    ``vmax``) so that the bar is true for all of them. When values lie beyond the scale,
    the bar ends in arrows, so a clipped picture never passes for the whole story.
    """
    import matplotlib.pyplot as plt

    arrays = [to_numpy(image) for image in images]
    if not arrays:
        raise ValueError("show_images needs at least one image")
    for index, array in enumerate(arrays):
        if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[2] not in (3, 4):
            raise ValueError(
                f"image {index} has shape {array.shape}: that is channels first (C, H, W); "
                "Matplotlib wants (H, W, C), so pass image.permute(1, 2, 0) or image.transpose(1, 2, 0)"
            )
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise ValueError(f"image {index} has shape {array.shape}; expected (H, W) or (H, W, 3)")
    cmaps = [cmap] * len(arrays) if isinstance(cmap, str) or cmap is None else list(cmap)
    if len(cmaps) != len(arrays):
        raise ValueError(f"got {len(cmaps)} colour maps for {len(arrays)} images; give one, or one per image")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"got {len(titles)} titles for {len(arrays)} images; give one title per image")
    height, width = arrays[0].shape[:2]
    fig, axes = plt.subplots(1, len(arrays), figsize=(size * len(arrays), size * height / width + 0.4), squeeze=False)
    for index, (ax, array) in enumerate(zip(axes[0], arrays, strict=True)):
        ax.imshow(array, cmap=cmaps[index], **imshow)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[index])
    fig.tight_layout()
    if colorbar:
        _add_colorbar(fig, axes[0], arrays, "" if colorbar is True else str(colorbar))
    return fig, axes[0]


def _add_colorbar(fig, axes, arrays: Sequence[np.ndarray], label: str) -> None:
    """One colour bar for a row of images drawn on the same scale, with arrows where values were clipped."""
    low, high = axes[-1].images[0].get_clim()
    below = any(np.nanmin(array) < low for array in arrays)
    above = any(np.nanmax(array) > high for array in arrays)
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max", (True, True): "both"}
    bar = fig.colorbar(axes[-1].images[0], ax=list(axes), extend=extend[below, above], fraction=0.03, pad=0.02)
    if label:
        bar.set_label(label)


def show_patch(image, top: int, left: int, size: int = 8, context: int = 48, scale: float = 255, fontsize=10):
    """A photo, a close-up around a small patch, and the patch's numbers; returns ``(figure, axes)``.

    ``image`` is a gray ``(H, W)`` array in [0, 1]. The patch is
    ``image[top : top + size, left : left + size]``, drawn as a red box of exactly that size
    in the close-up (a ``context``-pixel square around it) and shown as numbers
    ``round(value * scale)`` on the right: 0..255 by default, as the image file stores them.
    Both pictures are labelled with row and column numbers of the photo.
    """
    import matplotlib.pyplot as plt

    gray = to_numpy(image)
    if gray.ndim != 2:
        raise ValueError(f"show_patch draws a gray (H, W) image, got shape {gray.shape}; pick one channel first")
    height, width = gray.shape
    if not (0 <= top <= height - size and 0 <= left <= width - size):
        raise ValueError(
            f"a {size}x{size} patch at row {top}, column {left} does not fit in a {height}x{width} image; "
            f"choose top <= {height - size} and left <= {width - size}"
        )
    if context < size:
        raise ValueError(f"the close-up ({context} pixels) must be at least as large as the patch ({size})")
    row0 = min(max(top + size // 2 - context // 2, 0), max(height - context, 0))
    col0 = min(max(left + size // 2 - context // 2, 0), max(width - context, 0))
    rows, cols = slice(row0, row0 + context), slice(col0, col0 + context)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.5), width_ratios=[1.5, 1, 1], layout="constrained")
    photo, close_up, numbers = axes
    photo.imshow(gray, cmap="gray", vmin=0, vmax=1)
    photo.add_patch(plt.Rectangle((col0 - 0.5, row0 - 0.5), context, context, fill=False, color="red", lw=1))
    photo.set_title("the photo")
    crop_extent = (col0 - 0.5, cols.stop - 0.5, rows.stop - 0.5, row0 - 0.5)
    close_up.imshow(gray[rows, cols], cmap="gray", vmin=0, vmax=1, extent=crop_extent)
    close_up.add_patch(plt.Rectangle((left - 0.5, top - 0.5), size, size, fill=False, color="red", lw=1.5))
    close_up.set_title(f"close-up, {size}x{size} box")
    for ax in (photo, close_up):
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    values = np.round(gray[top : top + size, left : left + size] * scale)
    show_numbers(values, ax=numbers, vmin=0, vmax=scale, fontsize=fontsize)
    numbers.set_title("what the computer sees")
    return fig, axes


def bar_counts(counts: Mapping[str, float], highlight: Collection[str] = (), xlabel: str = "", ax=None, log=True):
    """Horizontal bars, one per entry of ``counts``, each labelled with its number; returns the axes.

    Entries named in ``highlight`` are drawn in red, the others in blue. The axis is
    logarithmic by default, so counts that differ a millionfold fit on one slide.
    """
    import matplotlib.pyplot as plt

    if not counts:
        raise ValueError("bar_counts needs at least one count")
    unknown = set(highlight) - set(counts)
    if unknown:
        raise ValueError(f"cannot highlight {sorted(unknown)}: not among the counts {list(counts)}")
    values = [float(v) for v in counts.values()]
    if log and min(values) <= 0:
        raise ValueError("a logarithmic axis needs counts above 0; pass log=False")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.4 * len(counts) + 0.8), layout="constrained")
    colours = ["tab:red" if name in highlight else "tab:blue" for name in counts]
    bars = ax.barh(list(counts), values, color=colours)
    ax.bar_label(bars, labels=[f" {v:,.0f}" for v in values], fontsize=10)
    ax.invert_yaxis()  # first entry on top, in reading order
    if log:
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 3, max(values) * 300)  # room for the labels
    else:
        ax.set_xlim(0, max(values) * 1.3)
    ax.set_xlabel(xlabel)
    return ax


def plot_curves(
    x: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "",
    ylabel: str = "",
    baseline: tuple[float, str] | None = None,
    ylim: tuple[float, float] | None = None,
    ax=None,
):
    """One line with markers per entry of ``curves`` (label -> values at ``x``); returns the axes.

    ``baseline=(value, label)`` adds a dotted horizontal line, such as the accuracy of
    guessing. The legend sits above the plot, where it hides no data.
    """
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("plot_curves needs at least one curve")
    for label, values in curves.items():
        if len(values) != len(x):
            raise ValueError(f"curve {label!r} has {len(values)} values for {len(x)} x positions")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    for (label, values), marker in zip(curves.items(), itertools.cycle("osD^v"), strict=False):
        ax.plot(list(x), [float(v) for v in values], marker=marker, ls="-", label=label)
    if baseline is not None:
        ax.axhline(baseline[0], color="gray", ls=":", label=baseline[1])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=10)
    return ax
