"""Lesson 02's image-kernel editor: type the numbers of a small kernel, or pick a preset, see the photo change.

In the spirit of V. Powell's "Image Kernels Explained Visually" (setosa.io) and of CNN
Explainer (Wang et al. 2020): a ``k x k`` grid of number boxes, a drop-down of named
kernels, the photo and its filtered version side by side. Every change re-filters the photo
with :func:`course_utils.ops.conv.correlate2d` (zero padding ``k // 2``, so the result keeps
the photo's size), exactly what a convolution layer computes for one channel.

Everything is computed in Python, so tests drive it without a browser: set a number box's
``value`` or the drop-down's ``value``, then read :attr:`KernelEditor.kernel` and
:attr:`KernelEditor.filtered`::

    editor = KernelEditor(gray_cat, {"identity": ..., "edge": ...})
    editor.widget            # display this in a notebook (or just `editor`)
    editor.choose("edge")    # or editor.preset.value = "edge"
    editor.cells[1][1].value = 9.0
    editor.filtered          # correlate2d(gray_cat, editor.kernel, padding=1)

The editor shows a text view outside a live notebook (static slides, stored outputs).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from course_utils.ops.conv import correlate2d
from course_utils.plots.images import check_image
from course_utils.widgets.base import CourseWidget

CUSTOM = "custom"
IDENTITY_3X3 = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])


class KernelEditor(CourseWidget):
    """Edit a kernel, watch the image it filters.

    ``image``: a photo with values in [0, 1], gray ``(H, W)`` or colour ``(H, W, 3)`` (a
    colour photo is filtered one channel at a time with the same kernel, as image editors
    do). ``presets``: named kernels, all square with the same odd size (default: only the
    3 x 3 identity). ``initial``: the preset to start with (default: the first).
    ``width``: on-screen width of each picture, in pixels.

    Attributes a lesson or a test uses: :attr:`widget` (what to display), :attr:`kernel`,
    :attr:`filtered`, :attr:`cells` (the number boxes, ``cells[row][col]``), :attr:`preset`
    (the drop-down; it reads ``"custom"`` once your numbers match no preset),
    :attr:`result` (the filtered picture, a PNG ``widgets.Image``) and :attr:`updates`
    (how many times the image was filtered).
    """

    def __init__(
        self,
        image,
        presets: Mapping[str, object] | None = None,
        initial: str | None = None,
        width: int = 300,
    ):
        super().__init__()
        self.image = check_image(image)
        self.presets = _check_presets({"identity": IDENTITY_3X3} if presets is None else presets)
        self.size = next(iter(self.presets.values())).shape[0]
        initial = next(iter(self.presets)) if initial is None else initial
        if initial not in self.presets:
            raise ValueError(f"initial preset {initial!r} is not one of the presets: {', '.join(self.presets)}")
        self._filtered = np.zeros_like(self.image)

        box = widgets.Layout(width="5.5em")
        self.cells = [
            [widgets.FloatText(value=0.0, step=0.1, layout=box) for _ in range(self.size)] for _ in range(self.size)
        ]
        self.preset = widgets.Dropdown(options=[*self.presets, CUSTOM], value=initial, description="preset")
        self.summary = widgets.HTML()
        self.original = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        self.result = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        self.original.value = _png(self.image)

        self.redraw_on(*(cell for row in self.cells for cell in row))
        self.preset.observe(self._on_preset, names="value")

        grid = widgets.VBox([widgets.HBox(row) for row in self.cells])
        pictures = widgets.HBox(
            [
                widgets.VBox([widgets.HTML("<b>photo</b>"), self.original]),
                widgets.VBox([widgets.HTML("<b>filtered (values clipped to [0, 1])</b>"), self.result]),
            ]
        )
        self.widget = widgets.VBox([widgets.HBox([grid, widgets.VBox([self.preset, self.summary])]), pictures])
        self.set_kernel(self.presets[initial])

    # -- reading the state -------------------------------------------------------------------

    @property
    def kernel(self) -> np.ndarray:
        """The kernel in the number boxes, as a ``(k, k)`` float array."""
        return np.array([[cell.value for cell in row] for row in self.cells], dtype=float)

    @property
    def filtered(self) -> np.ndarray:
        """The image filtered with :attr:`kernel`: ``correlate2d(image, kernel, padding=k // 2)``.

        The raw values (they can be negative or above 1); the picture on screen clips them.
        """
        return self._filtered.copy()

    # -- changing it ---------------------------------------------------------------------------

    def set_kernel(self, kernel) -> None:
        """Put ``kernel`` (``k x k``) into the number boxes and filter the image once."""
        kernel = np.asarray(kernel, dtype=float)
        if kernel.shape != (self.size, self.size):
            raise ValueError(f"kernel must have shape ({self.size}, {self.size}) like the grid, got {kernel.shape}")
        with self.hold_redraws():
            for (row, col), value in np.ndenumerate(kernel):
                self.cells[row][col].value = float(value)
            self.redraw()

    def choose(self, name: str) -> None:
        """Load the preset ``name`` (the same as picking it in the drop-down)."""
        if name not in self.presets:
            raise ValueError(f"no preset named {name!r}; choose one of: {', '.join(self.presets)}")
        self.preset.value = name

    # -- callbacks -----------------------------------------------------------------------------

    def _on_preset(self, change: dict) -> None:
        # _draw also sets the drop-down, to the preset that matches the boxes: nothing to load then.
        name = change["new"]
        if name != CUSTOM and not np.array_equal(self.presets[name], self.kernel):
            self.set_kernel(self.presets[name])

    def _draw(self) -> None:
        kernel = self.kernel
        self._filtered = filter_image(self.image, kernel)
        self.result.value = _png(self._filtered)
        self.summary.value = _summary_html(kernel)
        self.preset.value = self._matching_preset(kernel)

    def _matching_preset(self, kernel: np.ndarray) -> str:
        if self.preset.value in self.presets and np.array_equal(self.presets[self.preset.value], kernel):
            return self.preset.value
        return next((name for name, k in self.presets.items() if np.array_equal(k, kernel)), CUSTOM)

    # -- display ---------------------------------------------------------------------------------

    def text(self) -> str:
        """The kernel's numbers, its preset and the image's size: what a stored notebook shows."""
        height, width = self.image.shape[:2]
        kind = "colour" if self.image.ndim == 3 else "gray"
        rows = "\n".join("  " + " ".join(f"{value:7.3g}" for value in row) for row in self.kernel)
        return (
            f"KernelEditor: {self.size}x{self.size} kernel {self.preset.value!r} on a {height}x{width} {kind} image\n"
            f"{rows}\n"
            f"(in a live notebook: edit the numbers or pick a preset to re-filter the image)"
        )


def filter_image(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Filter a gray ``(H, W)`` or colour ``(H, W, 3)`` image with an odd ``k x k`` kernel.

    Zero padding ``k // 2`` keeps the size; a colour image is filtered channel by channel.

    >>> filter_image(np.ones((3, 3)), np.ones((3, 3)))
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]])
    """
    kernel = np.asarray(kernel, dtype=float)
    padding = kernel.shape[0] // 2
    if image.ndim == 2:
        return correlate2d(image, kernel, padding=padding)
    return np.stack([correlate2d(image[..., c], kernel, padding=padding) for c in range(image.shape[2])], axis=-1)


def _check_presets(presets: Mapping[str, object]) -> dict[str, np.ndarray]:
    if not presets:
        raise ValueError("presets must name at least one kernel, e.g. {'identity': [[0, 0, 0], [0, 1, 0], [0, 0, 0]]}")
    checked = {}
    for name, kernel in presets.items():
        if not isinstance(name, str) or not name or name == CUSTOM:
            raise ValueError(f"preset names must be non-empty strings other than {CUSTOM!r}, got {name!r}")
        kernel = np.asarray(kernel, dtype=float)
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
            raise ValueError(f"preset {name!r} must be a square kernel of odd size (3x3, 5x5, ...), got {kernel.shape}")
        if not np.isfinite(kernel).all():
            raise ValueError(f"preset {name!r} contains a NaN or an infinity")
        checked[name] = kernel
    sizes = {kernel.shape for kernel in checked.values()}
    if len(sizes) > 1:
        raise ValueError(f"all presets must have the same size to share one grid, got {sorted(sizes)}")
    return checked


def _png(image: np.ndarray) -> bytes:
    """PNG bytes of an image, values clipped to [0, 1] as a photo viewer would."""
    from PIL import Image

    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    return buffer.getvalue()


def _summary_html(kernel: np.ndarray) -> str:
    """The sum of the entries, and what it does to a flat (uniform) region."""
    total = float(kernel.sum())
    if abs(total) < 1e-9:
        effect = "flat regions turn black; only changes survive"
    elif abs(total - 1) < 1e-9:
        effect = "flat regions keep their brightness"
    else:
        effect = f"flat regions are scaled by {total:.3g}"
    return f"<p>entries add up to <b>{total:.3g}</b>:<br>{effect}</p>"
