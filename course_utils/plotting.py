"""Small figure helpers the lessons share: pixel grids with their numbers, rows of images.

They only draw; every number a lesson teaches is computed in the notebook itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_NUMBERED_CELLS = 32


def _as_array(values) -> np.ndarray:
    """A NumPy copy of an array or a (CPU, detached) tensor."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def show_numbers(values, ax=None, fmt: str = "{:.0f}", cmap: str = "gray", vmin=None, vmax=None, fontsize=None):
    """Draw a small matrix as an image and write each value in its cell.

    Text is black on bright cells and white on dark ones, so every number stays
    readable. ``vmin``/``vmax`` fix the colour scale (default: the data's range).
    Returns the axes.

    >>> ax = show_numbers(np.array([[0, 255], [128, 64]]))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    grid = _as_array(values)
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


def show_images(images: Sequence, titles: Sequence[str] | None = None, cmap="gray", size: float = 2.2, **imshow):
    """Show images side by side, without ticks; returns ``(figure, axes)``.

    Each image is ``(H, W)`` or ``(H, W, 3)`` (channels last, as Matplotlib wants).
    ``cmap`` is one colour map for all, or one per image. Extra keywords
    (``vmin``, ``vmax``, ...) go to every ``imshow``.
    """
    import matplotlib.pyplot as plt

    arrays = [_as_array(image) for image in images]
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
    return fig, axes[0]
