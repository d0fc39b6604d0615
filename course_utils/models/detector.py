"""A small one-stage, centre-based detector for digit scenes, with its targets, loss and decoding.

The network (:class:`DigitDetector`) maps a ``(N, 1, 64, 64)`` scene to a ``STRIDE = 4`` times
smaller grid of cells, ``(N, classes + 4, 16, 16)``, in one pass (one stage: no proposals):

* a *heatmap* per class (``classes`` channels, logits): "the centre of a digit of this class
  is in this cell" (Zhou et al., 2019, CenterNet);
* four *distances* per cell (log scale, in cells): from the cell's centre to the left, top,
  right and bottom side of the digit's box (Tian et al., 2019, FCOS).

Training targets (:func:`detector_targets`): each digit puts a Gaussian bump on its class's
heatmap, 1 at the cell of its box centre and falling off with the box size; the cells around
the centre (a 3 x 3 block) learn the box. :func:`detection_loss` is the penalty-reduced focal
loss of CenterNet on the heatmap plus the generalised-IoU loss on the boxes.
:func:`decode_detections` turns the grid back into boxes: every local maximum of a heatmap (a
3 x 3 max pooling, which here does the work of NMS) is a detection, scored by its sigmoid.

Boxes are ``xyxy`` pixels, as in :mod:`course_utils.ops.boxes`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.ops.boxes import batched_nms, generalized_box_iou_loss

STRIDE = 4
CLASSES = 10


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)
    )


class DigitDetector(nn.Module):
    """Encoder to a 16 x 16 grid (stride 4) and an 8 x 8 context (stride 8) brought back up; two 1 x 1 heads.

    ``width`` scales every layer's channels (the default has about 150,000 parameters).

    >>> DigitDetector()(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 14, 16, 16])
    """

    def __init__(self, classes: int = CLASSES, width: int = 32):
        super().__init__()
        w = width
        self.classes = classes
        self.stem = nn.Sequential(_block(1, w // 2, 2), _block(w // 2, w))  # 32 x 32
        self.down4 = nn.Sequential(_block(w, 3 * w // 2, 2), _block(3 * w // 2, 3 * w // 2))  # 16 x 16
        self.down8 = nn.Sequential(_block(3 * w // 2, 2 * w, 2), _block(2 * w, 2 * w))  # 8 x 8: a wider view
        self.lateral = nn.Conv2d(2 * w, 3 * w // 2, 1)
        self.merge = _block(3 * w // 2, 3 * w // 2)
        self.heatmap = nn.Conv2d(3 * w // 2, classes, 1)
        self.box = nn.Conv2d(3 * w // 2, 4, 1)
        nn.init.constant_(self.heatmap.bias, -4.0)  # start by predicting "no centre here" (p ~ 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fine = self.down4(self.stem(x))
        coarse = self.down8(fine)
        features = self.merge(fine + F.interpolate(self.lateral(coarse), scale_factor=2.0, mode="nearest"))
        return torch.cat([self.heatmap(features), self.box(features)], dim=1)


def cell_centres(grid: int, stride: int = STRIDE) -> torch.Tensor:
    """``(2, grid, grid)``: the x and y pixel coordinate of every cell's centre."""
    centres = (torch.arange(grid, dtype=torch.float32) + 0.5) * stride
    y, x = torch.meshgrid(centres, centres, indexing="ij")
    return torch.stack([x, y])


def detector_targets(
    boxes: torch.Tensor, labels: torch.Tensor, grid: int = 16, classes: int = CLASSES, stride: int = STRIDE
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training targets for scenes padded as in :class:`course_utils.scenes.Scenes`.

    ``boxes`` ``(N, K, 4)``, ``labels`` ``(N, K)`` (-1 for no object). Returns the heatmaps
    ``(N, classes, grid, grid)`` in [0, 1], the box each cell must predict ``(N, 4, grid, grid)``
    and each cell's weight in the box loss ``(N, grid, grid)`` (0 where it learns no box).
    """
    # NumPy, object by object: many tiny steps, where NumPy's overhead is a tenth of PyTorch's
    boxes, labels = np.asarray(boxes, dtype=np.float32), np.asarray(labels)
    n = len(boxes)
    heat = np.zeros((n, classes, grid, grid), dtype=np.float32)
    target_boxes = np.zeros((n, 4, grid, grid), dtype=np.float32)
    weight = np.zeros((n, grid, grid), dtype=np.float32)
    cells = np.arange(grid, dtype=np.float32)
    for i, k in zip(*np.nonzero(labels >= 0), strict=True):
        label, (x1, y1, x2, y2) = labels[i, k], boxes[i, k]
        cx, cy = (x1 + x2) / 2 / stride - 0.5, (y1 + y2) / 2 / stride - 0.5  # in cell units
        sx, sy = max((x2 - x1) / stride / 6, 0.5), max((y2 - y1) / stride / 6, 0.5)
        bump = np.exp(-((cells[None, :] - cx) ** 2) / (2 * sx**2) - (cells[:, None] - cy) ** 2 / (2 * sy**2))
        peak_row, peak_col = min(max(round(cy), 0), grid - 1), min(max(round(cx), 0), grid - 1)
        bump[peak_row, peak_col] = 1.0
        np.maximum(heat[i, label], bump, out=heat[i, label])
        rows = slice(max(peak_row - 1, 0), peak_row + 2)
        cols = slice(max(peak_col - 1, 0), peak_col + 2)
        claim = bump[rows, cols] > weight[i, rows, cols]  # a cell learns the box whose bump is highest there
        weight[i, rows, cols][claim] = bump[rows, cols][claim]
        target_boxes[i, :, rows, cols][:, claim] = boxes[i, k][:, None]
    return torch.from_numpy(heat), torch.from_numpy(target_boxes), torch.from_numpy(weight)


def predicted_boxes(distances: torch.Tensor, stride: int = STRIDE) -> torch.Tensor:
    """``(N, 4, G, G)`` log-distances (in cells) to ``xyxy`` boxes around each cell's centre, same shape."""
    centre = cell_centres(distances.shape[-1], stride).to(distances)
    sides = torch.exp(distances.clamp(max=4.0)) * stride
    return torch.cat([centre - sides[:, :2], centre + sides[:, 2:]], dim=1)


def focal_loss(logits: torch.Tensor, heat: torch.Tensor, alpha: float = 2.0, beta: float = 4.0) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, summed and divided by the number of objects."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    centre = heat.eq(1.0).float()
    positive = -centre * (1 - p) ** alpha * torch.log(p)
    negative = -(1 - centre) * (1 - heat) ** beta * p**alpha * torch.log(1 - p)
    return (positive + negative).sum() / centre.sum().clamp(min=1.0)


def detection_loss(
    output: torch.Tensor, targets: tuple[torch.Tensor, ...], box_weight: float = 2.0, l1_weight: float = 0.5
) -> torch.Tensor:
    """Heatmap focal loss + ``box_weight`` x (1 - GIoU) + ``l1_weight`` x the L1 distance of the box corners (in cells).

    The box terms are averaged over the cells that learn a box, each weighted by its heatmap target.
    GIoU makes the boxes overlap; the L1 term keeps pulling once they nearly do, for tight boxes.
    """
    heat, target_boxes, weight = targets
    classes = heat.shape[1]
    loss = focal_loss(output[:, :classes], heat)
    boxes = predicted_boxes(output[:, classes:])
    chosen = weight > 0
    if chosen.any():
        predicted = boxes.permute(0, 2, 3, 1)[chosen]
        wanted = target_boxes.permute(0, 2, 3, 1)[chosen]
        per_cell = box_weight * generalized_box_iou_loss(predicted, wanted)
        per_cell = per_cell + l1_weight * (predicted - wanted).abs().sum(dim=-1) / STRIDE
        loss = loss + (per_cell * weight[chosen]).sum() / weight[chosen].sum()
    return loss


@torch.no_grad()
def decode_detections(
    output: torch.Tensor, top_k: int = 20, min_score: float = 0.05, nms_threshold: float | None = 0.7
) -> list[dict[str, torch.Tensor]]:
    """The detections of each image: ``{"boxes", "scores", "labels"}``, best score first.

    A detection is a cell whose heatmap logit is the largest in its 3 x 3 neighbourhood (of its
    class), among the ``top_k`` best of the image and above ``min_score`` after the sigmoid. A
    class-wise NMS at ``nms_threshold`` (None: none) removes the rare duplicate that the 3 x 3
    peak test lets through.
    """
    classes = output.shape[1] - 4
    heat = torch.sigmoid(output[:, :classes])
    peaks = heat * (heat == F.max_pool2d(heat, 3, stride=1, padding=1))
    boxes = predicted_boxes(output[:, classes:])
    grid = heat.shape[-1]
    results = []
    for i in range(len(output)):
        scores, index = peaks[i].flatten().topk(min(top_k, peaks[i].numel()))
        keep = scores > min_score
        scores, index = scores[keep], index[keep]
        labels, cell = index // (grid * grid), index % (grid * grid)
        chosen = boxes[i].flatten(1)[:, cell].T
        if nms_threshold is not None and len(chosen):
            kept = batched_nms(chosen, scores, labels, nms_threshold)
            chosen, scores, labels = chosen[kept], scores[kept], labels[kept]
        results.append({"boxes": chosen, "scores": scores, "labels": labels})
    return results


def detect(model: nn.Module, images: torch.Tensor, batch_size: int = 250, **options) -> list[dict[str, torch.Tensor]]:
    """Run ``model`` in evaluation mode on ``images`` and decode its detections (``options``: see decode)."""
    model.eval()
    results = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            results += decode_detections(model(images[start : start + batch_size]), **options)
    return results


__all__ = [
    "CLASSES",
    "STRIDE",
    "DigitDetector",
    "cell_centres",
    "decode_detections",
    "detect",
    "detection_loss",
    "detector_targets",
    "focal_loss",
    "predicted_boxes",
]
