"""Average precision: how a detector is scored, from one ranked list to COCO's mAP@[.5:.95].

A detector returns boxes with confidence scores. Rank every detection of one class by score,
walk down the list, and call each one a *true positive* if it covers a ground-truth object of
its class that no better detection has claimed already (IoU at least a threshold), else a
*false positive* (a miss, or a duplicate). After the first ``k`` detections:

    precision(k) = TP(k) / k,      recall(k) = TP(k) / (number of ground-truth objects)

Average precision (AP) is the area under this precision-recall curve, after replacing each
precision by the best precision at that recall or beyond (the curve's upper envelope). Two
ways to take the area, both here:

* ``"all-point"`` (PASCAL VOC from 2010): the exact area under the envelope, a sum over every
  step in recall;
* ``"coco"``: the mean of the envelope at the 101 recalls 0, 0.01, ..., 1 (COCO's rule, as in
  pycocotools' ``COCOeval``, which the tests reproduce to 1e-6).

mAP is the mean of AP over the classes (those with at least one ground-truth object), and
COCO's headline number mAP@[.5:.95] also averages over the IoU thresholds 0.5, 0.55, ..., 0.95,
so that it rewards tight boxes; mAP@0.5 uses 0.5 alone.

Predictions and targets follow torchvision's detection models: one dict per image,
``{"boxes": (N, 4) xyxy, "scores": (N,), "labels": (N,)}`` and ``{"boxes": (M, 4), "labels": (M,)}``.
Matching follows COCO: a detection takes the still unclaimed object it overlaps most (the
PASCAL VOC devkit instead compares with the best object even when it is claimed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from course_utils.ops.boxes import box_iou, check_boxes

COCO_IOU_THRESHOLDS = tuple(np.linspace(0.5, 0.95, 10))
"""0.5, 0.55, ..., 0.95: the IoU thresholds of COCO's mAP@[.5:.95]."""
COCO_RECALLS = np.linspace(0.0, 1.0, 101)
"""The 101 recalls at which COCO reads the precision envelope."""
METHODS = ("all-point", "coco")


# ----------------------------------------------------------------------------------------
# One ranked list: precision, recall, AP
# ----------------------------------------------------------------------------------------


def precision_recall(is_true_positive: Sequence[bool], n_ground_truth: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection of a list already ranked by score.

    >>> precision, recall = precision_recall([True, True, False, True], n_ground_truth=5)
    >>> precision.round(2).tolist(), recall.tolist()
    ([1.0, 1.0, 0.67, 0.75], [0.2, 0.4, 0.4, 0.6])
    """
    hits = np.asarray(is_true_positive, dtype=bool)
    if hits.ndim != 1:
        raise ValueError(f"is_true_positive must be a flat list of booleans, got shape {hits.shape}")
    if n_ground_truth < hits.sum():
        raise ValueError(f"{hits.sum()} true positives but only {n_ground_truth} ground-truth objects; "
                         "each object can be found once")
    true_positives = np.cumsum(hits)
    precision = true_positives / np.arange(1, len(hits) + 1)
    recall = true_positives / n_ground_truth if n_ground_truth else np.zeros(len(hits))
    return precision, recall


def precision_envelope(precision: np.ndarray) -> np.ndarray:
    """Each precision replaced by the best precision at this rank or any later one (higher recall).

    >>> precision_envelope(np.array([1.0, 0.5, 0.67, 0.5])).tolist()
    [1.0, 0.67, 0.67, 0.5]
    """
    return np.maximum.accumulate(np.asarray(precision, dtype=np.float64)[::-1])[::-1]


def average_precision(precision: Sequence[float], recall: Sequence[float], method: str = "all-point") -> float:
    """Area under the precision envelope of one ranked list (see the module docstring).

    ``"all-point"``: sum over the list of (recall step) x (envelope there).
    ``"coco"``: mean over the recalls 0, 0.01, ..., 1 of the envelope at the first rank whose
    recall reaches it (0 beyond the last recall reached).

    >>> precision, recall = precision_recall([True, False, True, False], n_ground_truth=2)
    >>> average_precision(precision, recall)  # 0.5 * 1 + 0.5 * 2/3
    0.8333333333333333
    >>> round(average_precision(precision, recall, "coco"), 4)
    0.835
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    precision, recall = np.asarray(precision, dtype=np.float64), np.asarray(recall, dtype=np.float64)
    if precision.shape != recall.shape or precision.ndim != 1:
        raise ValueError(f"precision and recall must be flat and of one length, got {precision.shape}, {recall.shape}")
    if len(precision) == 0:
        return 0.0
    envelope = precision_envelope(precision)
    if method == "all-point":
        steps = np.diff(recall, prepend=0.0)
        return float(np.sum(steps * envelope))
    first = np.searchsorted(recall, COCO_RECALLS, side="left")  # first rank reaching each recall
    reached = first < len(envelope)
    return float(np.sum(envelope[first[reached]]) / len(COCO_RECALLS))


# ----------------------------------------------------------------------------------------
# Matching detections to objects, in one image
# ----------------------------------------------------------------------------------------


def match_detections(iou: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Which detections (rows, best score first) are true positives, given their IoU with the objects (columns).

    Each detection in turn takes the unclaimed object it overlaps most, if that IoU is at least
    ``iou_threshold`` (on a tie, the later object, as in COCOeval). Returns booleans, one per row.

    >>> iou = np.array([[0.8, 0.1], [0.7, 0.0], [0.0, 0.4]])
    >>> match_detections(iou, 0.5).tolist()  # row 1 is a duplicate of row 0; row 2 overlaps too little
    [True, False, False]
    """
    iou = np.asarray(iou, dtype=np.float64)
    threshold = min(float(iou_threshold), 1 - 1e-10)  # COCOeval's cap: IoU 1 still passes threshold 1
    claimed = np.zeros(iou.shape[1], dtype=bool)
    hits = np.zeros(iou.shape[0], dtype=bool)
    for row in range(iou.shape[0]):
        best, best_iou = -1, threshold
        for column in range(iou.shape[1]):
            if not claimed[column] and iou[row, column] >= best_iou:
                best, best_iou = column, iou[row, column]
        if best >= 0:
            claimed[best] = hits[row] = True
    return hits


# ----------------------------------------------------------------------------------------
# Many images, many classes: mAP
# ----------------------------------------------------------------------------------------


class MeanAP(NamedTuple):
    """mAP over the IoU thresholds, and its parts; NaN where no class has a ground-truth object."""

    map: float
    """mean over the IoU thresholds and the classes"""
    per_threshold: dict[float, float]
    """mAP at each IoU threshold (mean over the classes)"""
    per_class: dict[int, float]
    """AP of each class (mean over the IoU thresholds)"""


def _image(prediction: dict, target: dict, index: int) -> tuple:
    for key in ("boxes", "scores", "labels"):
        if key not in prediction:
            raise ValueError(f"predictions[{index}] has no {key!r}; give each image a dict with boxes, scores, labels")
    for key in ("boxes", "labels"):
        if key not in target:
            raise ValueError(f"targets[{index}] has no {key!r}; give each image a dict with boxes and labels")
    boxes = check_boxes(prediction["boxes"], f"predictions[{index}]['boxes']").double()
    gt_boxes = check_boxes(target["boxes"], f"targets[{index}]['boxes']").double()
    scores = torch.as_tensor(prediction["scores"], dtype=torch.float64).flatten()
    labels = torch.as_tensor(prediction["labels"]).flatten()
    gt_labels = torch.as_tensor(target["labels"]).flatten()
    if not len(scores) == len(labels) == len(boxes) or len(gt_labels) != len(gt_boxes):
        raise ValueError(f"image {index}: boxes, scores and labels must have one entry per box")
    if torch.isnan(scores).any():
        raise ValueError(f"predictions[{index}]['scores'] contains NaN")
    return boxes, scores.numpy(), labels.numpy(), gt_boxes, gt_labels.numpy()


def mean_average_precision(
    predictions: Sequence[dict],
    targets: Sequence[dict],
    iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
    method: str = "coco",
    max_detections: int = 100,
) -> MeanAP:
    """mAP of a detector's ``predictions`` against ``targets``, one dict per image (see the module docstring).

    The defaults give COCO's mAP@[.5:.95] (what pycocotools' ``COCOeval.stats[0]`` reports for
    these boxes); ``iou_thresholds=[0.5]`` gives mAP@0.5, ``method="all-point"`` PASCAL VOC's
    area. At most ``max_detections`` of each class per image count, the best scores first.

    >>> targets = [{"boxes": [[0, 0, 10, 10]], "labels": [7]}]
    >>> predictions = [{"boxes": [[0, 0, 10, 10], [0, 0, 10, 12]], "scores": [0.6, 0.9], "labels": [7, 7]}]
    >>> result = mean_average_precision(predictions, targets)
    >>> round(result.per_threshold[0.5], 3), round(result.map, 3)  # the 0.9 box has IoU 0.83: a hit up to 0.8
    (1.0, 0.85)
    """
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions but {len(targets)} targets; give one dict per image each")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    thresholds = [float(t) for t in iou_thresholds]
    images = [_image(p, t, i) for i, (p, t) in enumerate(zip(predictions, targets, strict=True))]
    classes = sorted({int(c) for *_, gt_labels in images for c in gt_labels})
    ap = np.zeros((len(thresholds), len(classes)))
    for c, label in enumerate(classes):
        n_objects = 0
        scores, hits = [], [[] for _ in thresholds]
        for boxes, image_scores, labels, gt_boxes, gt_labels in images:
            mine = np.flatnonzero(labels == label)
            mine = mine[np.argsort(-image_scores[mine], kind="stable")][:max_detections]
            objects = np.flatnonzero(gt_labels == label)
            n_objects += len(objects)
            iou = box_iou(boxes[mine], gt_boxes[objects]).numpy()
            scores.append(image_scores[mine])
            for t, threshold in enumerate(thresholds):
                hits[t].append(match_detections(iou, threshold))
        ranking = np.argsort(-np.concatenate(scores), kind="stable")
        for t in range(len(thresholds)):
            precision, recall = precision_recall(np.concatenate(hits[t])[ranking], n_objects)
            ap[t, c] = average_precision(precision, recall, method)
    if not classes:
        nan = float("nan")
        return MeanAP(nan, dict.fromkeys(thresholds, nan), {})
    return MeanAP(
        float(ap.mean()),
        {threshold: float(value) for threshold, value in zip(thresholds, ap.mean(axis=1), strict=True)},
        {label: float(value) for label, value in zip(classes, ap.mean(axis=0), strict=True)},
    )


__all__ = [
    "COCO_IOU_THRESHOLDS",
    "COCO_RECALLS",
    "METHODS",
    "MeanAP",
    "average_precision",
    "match_detections",
    "mean_average_precision",
    "precision_envelope",
    "precision_recall",
]
