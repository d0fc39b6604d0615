"""How much does a feature map change when the image moves by a few pixels?

A convolution is *equivariant*: move the image and its feature map moves with it. A classifier
wants more: an answer that does not change at all, *invariance*. Pooling is the CNN's step
from the first to the second. These helpers put a number on it (lesson 05).

Moving an image by padding it with zeros would add an artificial border, and the feature
maps would see that border instead of the photo. So the image is never padded: two windows
are cut from a larger photo, the second one ``shift`` pixels further right (or down), like a
camera that pans. Both windows show real content, both feature maps have the same size, and
they are compared cell by cell, at the same positions:

.. math:: \\text{change}(d) = \\frac{\\lVert f(x_d) - f(x_0) \\rVert_2}{\\lVert f(x_0) \\rVert_2}

where :math:`x_d` is the window moved by :math:`d` pixels and :math:`f` computes the feature
maps. 0 means the features did not change at all (invariance); about 1 or more means the
features at each position are as different as two unrelated maps.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

DIRECTIONS = ("right", "down")


def relative_change(reference: torch.Tensor, moved: torch.Tensor) -> float:
    """``||moved - reference|| / ||reference||``, the L2 norm over all entries.

    >>> relative_change(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0]))
    0.0
    >>> relative_change(torch.tensor([3.0, 4.0]), torch.tensor([0.0, 4.0]))
    0.6
    """
    reference, moved = torch.as_tensor(reference), torch.as_tensor(moved)
    if reference.shape != moved.shape:
        raise ValueError(
            f"the feature maps have shapes {tuple(reference.shape)} and {tuple(moved.shape)}; "
            "compare maps of the same layer, computed on windows of the same size"
        )
    norm = torch.linalg.vector_norm(reference.double()).item()
    if norm == 0:
        raise ValueError(
            "the reference feature map is all zeros, so a relative change is undefined; "
            "pick a window with some content (edges, texture) or features that respond to it"
        )
    return torch.linalg.vector_norm((moved - reference).double()).item() / norm


def pan(
    image: torch.Tensor | np.ndarray, top: int, left: int, size: int, shift: int = 0, direction: str = "right"
) -> torch.Tensor:
    """The ``size x size`` window of ``image`` at (``top``, ``left``), moved ``shift`` pixels.

    ``image`` is ``(H, W)`` or ``(C, H, W)``; the window comes back as a batch of one,
    ``(1, C, size, size)``, ready for a convolution. ``direction="right"`` cuts the window
    ``shift`` columns further right, so the content in it moves *left* by ``shift`` pixels
    (the camera pans right); ``"down"`` does the same with rows.

    >>> ramp = torch.arange(6.0).expand(3, 6)
    >>> pan(ramp, 0, 0, size=3, shift=2)[0, 0]
    tensor([[2., 3., 4.],
            [2., 3., 4.],
            [2., 3., 4.]])
    """
    image = torch.as_tensor(image)
    if image.ndim == 2:
        image = image[None]
    if image.ndim != 3:
        raise ValueError(f"image must have shape (H, W) or (C, H, W), got {tuple(image.shape)}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    top, left = _whole(top, "top"), _whole(left, "left")
    size, shift = _whole(size, "size"), _whole(shift, "shift")
    if size < 1 or min(top, left, shift) < 0:
        raise ValueError(f"need size >= 1 and top, left, shift >= 0; got {size=}, {top=}, {left=}, {shift=}")
    if direction == "right":
        left += shift
    else:
        top += shift
    height, width = image.shape[-2:]
    if top + size > height or left + size > width:
        raise ValueError(
            f"a {size}x{size} window at row {top}, column {left} (after the shift) does not fit in the "
            f"{height}x{width} image; use a smaller size, a smaller shift, or a window further up and left"
        )
    return image[None, :, top : top + size, left : left + size]


def shift_sensitivity(
    features: Callable[[torch.Tensor], torch.Tensor],
    image: torch.Tensor | np.ndarray,
    shifts: Iterable[int] = range(5),
    size: int = 128,
    corners: Sequence[tuple[int, int]] | None = None,
    directions: Sequence[str] = DIRECTIONS,
) -> np.ndarray:
    """Mean relative change of ``features`` when the window moves by each of ``shifts`` pixels.

    For every window corner (``top``, ``left``) and every direction, ``features`` is computed
    on the window and on the window moved by ``d`` pixels (see :func:`pan`), and the two
    results are compared with :func:`relative_change`. Returns one mean per shift. Without
    ``corners``, four windows are spread over the image (its four corners, with room left
    for the largest shift).

    All windows go through ``features`` at once, as one batch of shape
    ``(N, C, size, size)`` (one call is much faster than many small ones), so ``features``
    must treat each image of the batch on its own, as every CNN layer does; it returns a
    tensor with the batch axis first and runs without gradients.

    >>> ramp = torch.arange(64.0).expand(64, 64)  # every row counts 0, 1, ..., 63
    >>> mean = lambda x: x.mean(dim=(-2, -1))  # columns 0..15 average 7.5; columns 1..16, 8.5
    >>> shift_sensitivity(mean, ramp, shifts=[0, 1], size=16, corners=[(0, 0)], directions=["right"]).round(4).tolist()
    [0.0, 0.1333]
    """
    image = torch.as_tensor(image)
    shifts = [_whole(d, "shift") for d in shifts]
    if not shifts or min(shifts) < 0:
        raise ValueError(f"shifts must be a non-empty list of whole numbers >= 0, got {shifts}")
    if corners is None:
        height, width = image.shape[-2:]
        room = size + max(shifts)
        if room > min(height, width):
            raise ValueError(
                f"a {size}x{size} window moved by up to {max(shifts)} pixels needs {room}x{room} pixels, "
                f"but the image is {height}x{width}; use a smaller size"
            )
        corners = [(top, left) for top in (0, height - room) for left in (0, width - room)]
    # One batch: for each corner its reference window, then every direction and shift.
    windows = [
        pan(image, top, left, size, d, direction) if direction else pan(image, top, left, size)
        for top, left in corners
        for direction, d in [(None, 0)] + [(direction, d) for direction in directions for d in shifts]
    ]
    with torch.no_grad():
        out = features(torch.cat(windows))
    if out.ndim == 0 or out.shape[0] != len(windows):
        raise ValueError(
            f"features returned shape {tuple(out.shape)} for a batch of {len(windows)} windows; "
            "it must keep the batch axis first and treat each window on its own"
        )
    out = out.reshape(len(corners), 1 + len(directions) * len(shifts), *out.shape[1:])
    moved = out[:, 1:].reshape(len(corners), len(directions), len(shifts), *out.shape[2:])
    changes = np.array(
        [
            [relative_change(out[j, 0], moved[j, k, i]) for j in range(len(corners)) for k in range(len(directions))]
            for i in range(len(shifts))
        ]
    )
    return changes.mean(axis=1)


def _whole(value: object, name: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a whole number of pixels, got {value!r}") from None
