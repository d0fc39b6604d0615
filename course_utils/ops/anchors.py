"""Anchors: reference boxes on a feature map, their matching to objects, and the box deltas.

A detector does not draw boxes from nothing. It places a fixed set of *anchors* on the
image, a few boxes of chosen sizes and aspect ratios centred on every cell of a feature map
(Ren et al., 2015, Faster R-CNN: 3 sizes x 3 aspect ratios = 9 per cell), and learns for each
anchor (1) whether an object is there and (2) how to move and stretch the anchor onto it.

* :func:`anchor_grid` makes the anchors (``xyxy``, in image pixels, as in
  :mod:`course_utils.ops.boxes`); an aspect ratio is height / width, as in torchvision.
* :func:`match_anchors` decides which object each anchor must learn (torchvision's ``Matcher``).
* :func:`encode_boxes` / :func:`decode_boxes` turn a box into the four numbers the network
  predicts relative to its anchor, and back:

  .. math:: t_x = \\frac{x - x_a}{w_a},\\quad t_y = \\frac{y - y_a}{h_a},\\quad
            t_w = \\log\\frac{w}{w_a},\\quad t_h = \\log\\frac{h}{h_a}

  where ``(x, y, w, h)`` is the box's centre and size and ``(x_a, y_a, w_a, h_a)`` the
  anchor's (torchvision's ``BoxCoder`` with weights 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from course_utils.ops.boxes import box_convert, check_boxes

BACKGROUND = -1
""":func:`match_anchors`' label for an anchor that must learn "no object here"."""
IGNORED = -2
""":func:`match_anchors`' label for an anchor that is neither clearly an object nor clearly background."""

# torchvision's limit on predicted log-scale deltas: a box at most 1000/16 times its anchor.
DELTA_CLIP = math.log(1000.0 / 16)


def anchor_shapes(sizes: Sequence[float], aspect_ratios: Sequence[float]) -> torch.Tensor:
    """The ``len(aspect_ratios) * len(sizes)`` anchor shapes as ``(width, height)``, ratio by ratio.

    An anchor of size ``s`` and aspect ratio ``r = height / width`` keeps the area ``s**2``:
    ``width = s / sqrt(r)``, ``height = s * sqrt(r)``.

    >>> anchor_shapes([16], [0.5, 1.0, 2.0])
    tensor([[22.6274, 11.3137],
            [16.0000, 16.0000],
            [11.3137, 22.6274]])
    """
    sizes = torch.as_tensor(sizes, dtype=torch.float32).flatten()
    ratios = torch.as_tensor(aspect_ratios, dtype=torch.float32).flatten()
    if len(sizes) == 0 or len(ratios) == 0 or (sizes <= 0).any() or (ratios <= 0).any():
        raise ValueError(f"sizes and aspect_ratios must be non-empty and positive, got {sizes.tolist()} and "
                         f"{ratios.tolist()}; Faster R-CNN used sizes (128, 256, 512), ratios (0.5, 1, 2)")
    root = ratios.sqrt()[:, None]
    widths = (sizes[None, :] / root).flatten()
    heights = (sizes[None, :] * root).flatten()
    return torch.stack([widths, heights], dim=1)


def anchor_grid(
    feature_size: tuple[int, int],
    stride: int | tuple[int, int],
    sizes: Sequence[float],
    aspect_ratios: Sequence[float] = (1.0,),
    offset: float = 0.5,
) -> torch.Tensor:
    """Every anchor of a feature map of ``feature_size = (H, W)`` cells, in image pixels: ``(H * W * K, 4)``.

    ``K = len(sizes) * len(aspect_ratios)`` anchors per cell, centred at ``((j + offset) * stride,
    (i + offset) * stride)`` for the cell in row ``i``, column ``j``; one cell's ``K`` anchors are
    consecutive, cells in reading order. ``offset=0.5`` puts the centres in the middle of the
    cells; torchvision's ``AnchorGenerator`` uses 0 (and rounds its anchors to whole pixels).

    >>> anchor_grid((2, 2), stride=8, sizes=[8])
    tensor([[ 0.,  0.,  8.,  8.],
            [ 8.,  0., 16.,  8.],
            [ 0.,  8.,  8., 16.],
            [ 8.,  8., 16., 16.]])
    >>> len(anchor_grid((38, 50), 16, sizes=[128, 256, 512], aspect_ratios=[0.5, 1, 2]))  # 9 per cell
    17100
    """
    height, width = feature_size
    stride_y, stride_x = (stride, stride) if isinstance(stride, int | float) else stride
    if height < 1 or width < 1 or stride_y <= 0 or stride_x <= 0:
        raise ValueError(f"feature_size must be positive and stride > 0, got {feature_size} and {stride}")
    shapes = anchor_shapes(sizes, aspect_ratios)  # (K, 2)
    ys = (torch.arange(height, dtype=torch.float32) + offset) * stride_y
    xs = (torch.arange(width, dtype=torch.float32) + offset) * stride_x
    cy, cx = torch.meshgrid(ys, xs, indexing="ij")
    centres = torch.stack([cx.flatten(), cy.flatten()], dim=1)  # (H * W, 2)
    half = shapes / 2
    top_left = centres[:, None, :] - half[None]
    bottom_right = centres[:, None, :] + half[None]
    return torch.cat([top_left, bottom_right], dim=-1).reshape(-1, 4)


def match_anchors(
    iou: torch.Tensor,
    high: float = 0.7,
    low: float = 0.3,
    allow_low_quality_matches: bool = True,
) -> torch.Tensor:
    """Which object each anchor must learn, from the IoU matrix ``(objects, anchors)`` (torchvision's ``Matcher``).

    For every anchor (a column), take the object it overlaps most. The anchor is matched to
    that object (its index) if the IoU is ``>= high``, is background (``BACKGROUND = -1``) if
    the IoU is ``< low``, and is left out of the loss (``IGNORED = -2``) in between. With
    ``allow_low_quality_matches``, the anchors that some object overlaps most become foreground
    even below ``high``, so that no object goes unlearned (Faster R-CNN's rule). As in torchvision,
    such an anchor learns the object *it* overlaps most, which is that object unless two objects
    share their best anchor; an object with no overlapping anchor at all stays unmatched. Returns
    ``(anchors,)`` int64.

    >>> iou = torch.tensor([[0.9, 0.5, 0.1, 0.0], [0.0, 0.2, 0.4, 0.1]])
    >>> match_anchors(iou)  # anchor 2 is object 1's best: matched, though below 0.7
    tensor([ 0, -2,  1, -1])
    """
    iou = torch.as_tensor(iou)
    if iou.ndim != 2:
        raise ValueError(
            f"iou must be a matrix (objects, anchors), got shape {tuple(iou.shape)}; use box_iou(gt, anchors)"
        )
    if not 0 <= low <= high <= 1:
        raise ValueError(f"need 0 <= low <= high <= 1, got low={low}, high={high}")
    if iou.shape[0] == 0:
        return torch.full((iou.shape[1],), BACKGROUND, dtype=torch.int64)
    best, matches = iou.max(dim=0)
    original = matches.clone()
    matches[best < low] = BACKGROUND
    matches[(best >= low) & (best < high)] = IGNORED
    if allow_low_quality_matches:
        best_per_object = iou.max(dim=1, keepdim=True).values
        anchors = torch.nonzero((iou == best_per_object) & (best_per_object > 0))[:, 1]
        matches[anchors] = original[anchors]
    return matches


def encode_boxes(boxes, anchors, weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> torch.Tensor:
    """The deltas ``(tx, ty, tw, th)`` that move each anchor onto its box: ``(N, 4)`` (Faster R-CNN's).

    ``boxes`` and ``anchors`` are ``(N, 4)`` ``xyxy``, row ``i`` of one paired with row ``i`` of
    the other. ``weights`` scale the four deltas (torchvision's ``BoxCoder(weights)``).

    >>> encode_boxes([[12, 10, 28, 42]], [[0, 0, 32, 32]])  # centre moved (4, 10), width halved
    tensor([[ 0.1250,  0.3125, -0.6931,  0.0000]])
    """
    boxes, anchors = check_boxes(boxes), check_boxes(anchors, "anchors")
    if boxes.shape != anchors.shape:
        raise ValueError(f"boxes {tuple(boxes.shape)} and anchors {tuple(anchors.shape)} must pair up row by row")
    x, y, w, h = box_convert(boxes, "xyxy", "cxcywh").unbind(-1)
    xa, ya, wa, ha = box_convert(anchors, "xyxy", "cxcywh").unbind(-1)
    if (wa <= 0).any() or (ha <= 0).any() or (w <= 0).any() or (h <= 0).any():
        raise ValueError("boxes and anchors need a positive width and height to be encoded (log of a size)")
    wx, wy, ww, wh = weights
    return torch.stack([wx * (x - xa) / wa, wy * (y - ya) / ha, ww * torch.log(w / wa), wh * torch.log(h / ha)], -1)


def decode_boxes(deltas, anchors, weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> torch.Tensor:
    """The ``xyxy`` boxes that the ``deltas`` ``(N, 4)`` make of the ``anchors``: the inverse of :func:`encode_boxes`.

    ``tw`` and ``th`` are clipped at ``log(1000 / 16)`` as in torchvision, so a wild prediction
    cannot overflow ``exp``. Works on tensors that need gradients (a loss on decoded boxes).

    >>> decode_boxes([[0.125, 0.3125, -0.6931472, 0.0]], [[0, 0, 32, 32]])
    tensor([[12., 10., 28., 42.]])
    """
    deltas = torch.as_tensor(deltas)
    anchors = check_boxes(anchors, "anchors")
    if deltas.shape != anchors.shape:
        raise ValueError(f"deltas {tuple(deltas.shape)} and anchors {tuple(anchors.shape)} must pair up row by row")
    xa, ya, wa, ha = box_convert(anchors, "xyxy", "cxcywh").unbind(-1)
    wx, wy, ww, wh = weights
    tx, ty = deltas[:, 0] / wx, deltas[:, 1] / wy
    tw, th = (deltas[:, 2] / ww).clamp(max=DELTA_CLIP), (deltas[:, 3] / wh).clamp(max=DELTA_CLIP)
    x, y = xa + tx * wa, ya + ty * ha
    w, h = wa * torch.exp(tw), ha * torch.exp(th)
    return torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=-1)


__all__ = [
    "BACKGROUND",
    "DELTA_CLIP",
    "IGNORED",
    "anchor_grid",
    "anchor_shapes",
    "decode_boxes",
    "encode_boxes",
    "match_anchors",
]
