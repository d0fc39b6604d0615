"""Bounding boxes in PyTorch, written to be read: formats, areas, IoU, non-maximum suppression.

Every function has the name, arguments and meaning of its ``torchvision.ops`` counterpart, so
that what a student learns here carries over unchanged. Layouts, fixed once for the module:

* ``boxes``: a float tensor of shape ``(N, 4)``, one box per row, in pixels;
* the format is ``"xyxy"`` unless a function says otherwise: ``(x1, y1, x2, y2)``, the
  top-left and the bottom-right corner, with ``x1 <= x2`` and ``y1 <= y2`` (x runs along the
  columns, y down the rows). Two other formats convert with :func:`box_convert`:
  ``"xywh"`` ``(x1, y1, width, height)`` (COCO's, and the ``(x0, y0, w, h)`` of the lectures)
  and ``"cxcywh"`` ``(centre x, centre y, width, height)`` (what detectors regress);
* a box covers the continuous rectangle between its corners: its width is ``x2 - x1`` (no
  "+1" as in some old pixel-counting code), so a box from 0 to 10 is 10 pixels wide.

Inputs may be tensors, NumPy arrays or nested lists; every function checks them and fails
with a ``ValueError`` that says how to fix a wrong shape, a NaN or a box with ``x2 < x1``.
Two versions of greedy NMS sit side by side: :func:`nms`, one loop over the boxes by score,
and :func:`nms_fast`, which computes every pairwise overlap at once (tested equal; ``python
-m bench nms`` times them).
"""

from __future__ import annotations

import numpy as np
import torch

FORMATS = ("xyxy", "xywh", "cxcywh")
"""The box formats :func:`box_convert` knows."""

# ----------------------------------------------------------------------------------------
# Checking the input
# ----------------------------------------------------------------------------------------


def check_boxes(boxes, name: str = "boxes", fmt: str = "xyxy") -> torch.Tensor:
    """Return ``boxes`` as a float tensor ``(N, 4)``, or fail with a message that says how to fix it.

    Wrong shapes, NaN or infinite coordinates, ``x2 < x1`` or ``y2 < y1`` in ``"xyxy"``, and
    negative widths or heights in the other formats are errors. ``N`` may be 0.

    >>> check_boxes([[0, 0, 10, 5]])
    tensor([[ 0.,  0., 10.,  5.]])
    >>> check_boxes([[10, 0, 0, 5]])
    Traceback (most recent call last):
    ...
    ValueError: boxes[0] = [10.0, 0.0, 0.0, 5.0] has x2 < x1 or y2 < y1; xyxy boxes are (x1, y1, x2, y2) ...
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown box format {fmt!r}; choose one of {', '.join(FORMATS)}")
    boxes = torch.as_tensor(boxes)
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if boxes.ndim == 1 and boxes.numel() == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(
            f"{name} must have shape (N, 4), one box per row, got shape {tuple(boxes.shape)}; "
            f"for a single box use {name}[None]"
        )
    if not torch.isfinite(boxes).all():
        row = int((~torch.isfinite(boxes)).any(dim=1).nonzero()[0])
        raise ValueError(f"{name}[{row}] = {boxes[row].tolist()} is not finite; drop or fix such boxes first")
    if fmt == "xyxy":
        bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
        hint = (
            "xyxy boxes are (x1, y1, x2, y2) with the top-left corner first "
            '(convert (x, y, w, h) boxes with box_convert(boxes, "xywh", "xyxy"))'
        )
        problem = "has x2 < x1 or y2 < y1"
    else:
        bad = (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
        hint = "a width or height cannot be negative"
        problem = "has a negative width or height"
    if bad.any():
        row = int(bad.nonzero()[0])
        raise ValueError(f"{name}[{row}] = {boxes[row].tolist()} {problem}; {hint}")
    return boxes


def _check_scores(scores, n_boxes: int, name: str = "scores") -> torch.Tensor:
    scores = torch.as_tensor(scores)
    if not scores.is_floating_point():
        scores = scores.float()
    if scores.shape != (n_boxes,):
        raise ValueError(f"{name} must have shape ({n_boxes},), one per box, got shape {tuple(scores.shape)}")
    if torch.isnan(scores).any():
        raise ValueError(f"{name} contains NaN; a score must be a number to rank the boxes")
    return scores


def _check_threshold(iou_threshold: float) -> float:
    if not 0.0 <= float(iou_threshold) <= 1.0:
        raise ValueError(f"iou_threshold must lie in [0, 1], got {iou_threshold}; 0.5 is a common choice")
    return float(iou_threshold)


# ----------------------------------------------------------------------------------------
# Formats and areas
# ----------------------------------------------------------------------------------------


def box_convert(boxes, in_fmt: str, out_fmt: str) -> torch.Tensor:
    """Convert boxes between ``"xyxy"``, ``"xywh"`` and ``"cxcywh"`` (like ``torchvision.ops.box_convert``).

        xywh -> xyxy:    (x, y, w, h)    -> (x, y, x + w, y + h)
        cxcywh -> xyxy:  (cx, cy, w, h)  -> (cx - w/2, cy - h/2, cx + w/2, cy + h/2)

    >>> box_convert([[2, 4, 6, 8]], "xyxy", "cxcywh")
    tensor([[4., 6., 4., 4.]])
    >>> box_convert([[2, 4, 4, 4]], "xywh", "xyxy")
    tensor([[2., 4., 6., 8.]])
    """
    boxes = check_boxes(boxes, fmt=in_fmt)
    check_boxes(boxes[:0], fmt=out_fmt)  # only to check the name of out_fmt
    if in_fmt == "xywh":
        x, y, w, h = boxes.unbind(-1)
        boxes = torch.stack([x, y, x + w, y + h], dim=-1)
    elif in_fmt == "cxcywh":
        cx, cy, w, h = boxes.unbind(-1)
        boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)
    x1, y1, x2, y2 = boxes.unbind(-1)
    if out_fmt == "xywh":
        return torch.stack([x1, y1, x2 - x1, y2 - y1], dim=-1)
    if out_fmt == "cxcywh":
        return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)
    return boxes


def box_area(boxes) -> torch.Tensor:
    """Area of each ``xyxy`` box, ``(x2 - x1) * (y2 - y1)``: shape ``(N,)``.

    >>> box_area([[0, 0, 10, 5], [1, 1, 1, 4]])
    tensor([50.,  0.])
    """
    boxes = check_boxes(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


# ----------------------------------------------------------------------------------------
# Overlap: IoU and generalised IoU
# ----------------------------------------------------------------------------------------


def box_intersection(boxes1, boxes2) -> torch.Tensor:
    """Area of the overlap of every pair: ``(N, M)``.

    The overlap of two boxes is a box from the larger of the top-left corners to the smaller
    of the bottom-right ones; when the boxes are apart its width or height comes out negative,
    so it is clamped at 0 (no overlap, not a negative area).

    >>> box_intersection([[0, 0, 4, 4]], [[2, 2, 6, 6], [5, 5, 8, 8]])
    tensor([[4., 0.]])
    """
    boxes1, boxes2 = check_boxes(boxes1, "boxes1"), check_boxes(boxes2, "boxes2")
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    size = (bottom_right - top_left).clamp(min=0)  # disjoint boxes: width or height 0, not < 0
    return size[..., 0] * size[..., 1]


def box_iou(boxes1, boxes2) -> torch.Tensor:
    """Intersection over union of every pair of ``xyxy`` boxes (like ``torchvision.ops.box_iou``).

    .. math:: \\mathrm{IoU}(A, B) = \\frac{|A \\cap B|}{|A \\cup B|}
              = \\frac{|A \\cap B|}{|A| + |B| - |A \\cap B|}

    ``boxes1``: ``(N, 4)``, ``boxes2``: ``(M, 4)``; returns ``(N, M)``, each value in [0, 1]:
    1 for identical boxes, 0 for boxes that do not overlap. (Two boxes of zero area give
    0 / 0 = NaN, as in torchvision.)

    >>> box_iou([[0, 0, 4, 4]], [[2, 2, 6, 6], [0, 0, 4, 4], [4, 0, 8, 4]])
    tensor([[0.1429, 1.0000, 0.0000]])
    """
    boxes1, boxes2 = check_boxes(boxes1, "boxes1"), check_boxes(boxes2, "boxes2")
    inter = box_intersection(boxes1, boxes2)
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter
    return inter / union


def generalized_box_iou(boxes1, boxes2) -> torch.Tensor:
    """Generalised IoU of every pair (Rezatofighi et al., 2019; like ``torchvision.ops.generalized_box_iou``).

    .. math:: \\mathrm{GIoU}(A, B) = \\mathrm{IoU}(A, B) - \\frac{|C| - |A \\cup B|}{|C|}

    where ``C`` is the smallest box that encloses both. In [-1, 1]; unlike IoU it still says
    *how far apart* two disjoint boxes are, which gives a loss a gradient to follow.

    >>> generalized_box_iou([[0, 0, 2, 2]], [[0, 0, 2, 2], [2, 0, 4, 2], [6, 0, 8, 2]])
    tensor([[ 1.0000,  0.0000, -0.5000]])
    """
    boxes1, boxes2 = check_boxes(boxes1, "boxes1"), check_boxes(boxes2, "boxes2")
    inter = box_intersection(boxes1, boxes2)
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter
    top_left = torch.minimum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.maximum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    enclosing = (bottom_right - top_left).prod(dim=-1)
    return inter / union - (enclosing - union) / enclosing


def generalized_box_iou_loss(boxes1, boxes2, reduction: str = "none", eps: float = 1e-7) -> torch.Tensor:
    """``1 - GIoU`` of *paired* boxes, row ``i`` with row ``i`` (like ``torchvision.ops.generalized_box_iou_loss``).

    A loss for box regression: 0 for a perfect box, up to 2 for a box far away. ``reduction``:
    ``"none"`` (one value per pair), ``"mean"`` or ``"sum"``. ``eps`` keeps the divisions finite.
    Unlike the other functions it does not check its input, so that it stays cheap inside a
    training loop.

    >>> a, b = torch.tensor([[0.0, 0, 2, 2], [0, 0, 2, 2]]), torch.tensor([[0.0, 0, 2, 2], [6, 0, 8, 2]])
    >>> generalized_box_iou_loss(a, b)
    tensor([0.0000, 1.5000])
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    x1, y1, x2, y2 = boxes1.unbind(-1)
    a1, b1, a2, b2 = boxes2.unbind(-1)
    inter = (torch.minimum(x2, a2) - torch.maximum(x1, a1)).clamp(min=0) * (
        torch.minimum(y2, b2) - torch.maximum(y1, b1)
    ).clamp(min=0)
    union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - inter
    enclosing = (torch.maximum(x2, a2) - torch.minimum(x1, a1)) * (torch.maximum(y2, b2) - torch.minimum(y1, b1))
    loss = 1 - inter / (union + eps) + (enclosing - union) / (enclosing + eps)
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


# ----------------------------------------------------------------------------------------
# Non-maximum suppression
# ----------------------------------------------------------------------------------------


def _by_score(scores: torch.Tensor) -> torch.Tensor:
    """Indices from the highest score down; equal scores keep their input order."""
    return torch.sort(scores, descending=True, stable=True).indices


def nms(boxes, scores, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression (like ``torchvision.ops.nms``), one box at a time.

    Visit the boxes from the highest score down; keep a box unless it overlaps a box already
    kept with IoU *greater than* ``iou_threshold``. Returns the indices of the kept boxes
    (int64), highest score first.

    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
    >>> nms(boxes, [0.9, 0.8, 0.7], iou_threshold=0.5)   # box 1 overlaps box 0 with IoU 0.68
    tensor([0, 2])
    """
    boxes = check_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    iou_threshold = _check_threshold(iou_threshold)
    keep: list[int] = []
    for index in _by_score(scores).tolist():
        if keep:
            overlaps = box_iou(boxes[index : index + 1], boxes[keep])[0]
            if (overlaps > iou_threshold).any():
                continue  # a better box already covers this object
        keep.append(index)
    return torch.tensor(keep, dtype=torch.int64)


def nms_fast(boxes, scores, iou_threshold: float, block: int = 2048) -> torch.Tensor:
    """:func:`nms` with the overlaps computed all at once: same result, far fewer Python steps.

    Greedy NMS is sequential (whether a box survives depends on which better boxes survived),
    but *which pairs overlap too much* is not: one matrix ``suppresses[i, j] = IoU > threshold``
    of the boxes in score order, built ``block`` rows at a time to bound memory, answers it.
    The greedy pass then only walks the kept boxes and ORs their rows into a mask.

    >>> nms_fast([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5)
    tensor([0, 2])
    """
    boxes = check_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    iou_threshold = _check_threshold(iou_threshold)
    order = _by_score(scores)
    ranked = boxes[order]
    suppresses = torch.cat(
        [box_iou(ranked[start : start + block], ranked) > iou_threshold for start in range(0, len(ranked), block)]
    ) if len(ranked) else torch.zeros((0, 0), dtype=torch.bool)
    suppresses = suppresses.numpy()  # NumPy: cheaper than tensors for one small step at a time
    removed = np.zeros(len(ranked), dtype=bool)
    keep = []
    for rank in range(len(ranked)):
        if not removed[rank]:
            keep.append(rank)
            removed |= suppresses[rank]
    return order[torch.tensor(keep, dtype=torch.int64)]


def batched_nms(boxes, scores, idxs, iou_threshold: float) -> torch.Tensor:
    """NMS within each class (like ``torchvision.ops.batched_nms``): boxes of two classes never suppress each other.

    ``idxs``: ``(N,)`` integers, the class (or image) of each box. Returns the kept indices,
    highest score first across all classes.

    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [1, 1, 11, 11]]
    >>> batched_nms(boxes, [0.9, 0.8, 0.7], [3, 3, 5], 0.5)  # box 2 is another class: kept
    tensor([0, 2])
    """
    boxes = check_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    idxs = torch.as_tensor(idxs)
    if idxs.shape != (len(boxes),) or idxs.is_floating_point():
        raise ValueError(f"idxs must be {len(boxes)} integers, one class per box, got {idxs.dtype} {tuple(idxs.shape)}")
    keep = [
        members[nms(boxes[members], scores[members], iou_threshold)]
        for members in (torch.nonzero(idxs == value).flatten() for value in torch.unique(idxs))
    ]
    if not keep:
        return torch.zeros(0, dtype=torch.int64)
    keep = torch.cat(keep)
    return keep[_by_score(scores[keep])]


def clip_boxes_to_image(boxes, size: tuple[int, int]) -> torch.Tensor:
    """Clip ``xyxy`` boxes to an image of ``size = (height, width)`` (like torchvision's).

    >>> clip_boxes_to_image([[-5, 2, 70, 30]], (64, 64))
    tensor([[ 0.,  2., 64., 30.]])
    """
    boxes = check_boxes(boxes)
    height, width = size
    x = boxes[:, 0::2].clamp(0, width)
    y = boxes[:, 1::2].clamp(0, height)
    return torch.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], dim=-1)


__all__ = [
    "FORMATS",
    "batched_nms",
    "box_area",
    "box_convert",
    "box_intersection",
    "box_iou",
    "check_boxes",
    "clip_boxes_to_image",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "nms",
    "nms_fast",
]
