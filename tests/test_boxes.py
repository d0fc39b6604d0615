"""Box formats, IoU and NMS: properties, an exact-geometry oracle (shapely), a brute-force NMS, errors."""

import re

import numpy as np
import pytest
import shapely
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.ops import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    generalized_box_iou,
    nms,
    nms_fast,
)


@st.composite
def box_sets(draw, min_size=1, max_size=12, positive=True):
    """Random xyxy boxes (float64) on a 0..100 canvas, with a chance of identical and touching boxes."""
    n = draw(st.integers(min_size, max_size))
    coords = st.floats(0, 100, allow_nan=False, width=32)
    least = 0.5 if positive else 0.0
    rows = []
    for _ in range(n):
        x1, y1 = draw(coords), draw(coords)
        w, h = draw(st.floats(least, 60, width=32)), draw(st.floats(least, 60, width=32))
        rows.append([x1, y1, x1 + w, y1 + h])
    if n > 1 and draw(st.booleans()):
        rows[-1] = list(rows[0])  # an exact duplicate
    return torch.tensor(rows, dtype=torch.float64)


def polygon(box):
    x1, y1, x2, y2 = box.tolist()
    return shapely.box(x1, y1, x2, y2)


# ----------------------------------------------------------------------------------------
# Formats and areas
# ----------------------------------------------------------------------------------------


@given(boxes=box_sets(positive=False))
def test_box_convert_round_trips_through_every_format(boxes):
    for fmt in ("xywh", "cxcywh"):
        there = box_convert(boxes, "xyxy", fmt)
        torch.testing.assert_close(box_convert(there, fmt, "xyxy"), boxes)
        torch.testing.assert_close(box_convert(box_convert(there, fmt, "xywh"), "xywh", fmt), there)


def test_box_convert_known_values():
    torch.testing.assert_close(box_convert([[10, 20, 30, 60]], "xyxy", "xywh"), torch.tensor([[10.0, 20, 20, 40]]))
    torch.testing.assert_close(box_convert([[10, 20, 30, 60]], "xyxy", "cxcywh"), torch.tensor([[20.0, 40, 20, 40]]))


@given(boxes=box_sets())
def test_box_area_equals_shapely(boxes):
    expected = [polygon(b).area for b in boxes]
    np.testing.assert_allclose(box_area(boxes).numpy(), expected, rtol=1e-9)


# ----------------------------------------------------------------------------------------
# IoU and GIoU
# ----------------------------------------------------------------------------------------


@settings(max_examples=200)
@given(boxes1=box_sets(), boxes2=box_sets())
def test_box_iou_equals_exact_polygon_intersection(boxes1, boxes2):
    expected = np.array(
        [[polygon(a).intersection(polygon(b)).area / polygon(a).union(polygon(b)).area for b in boxes2] for a in boxes1]
    )
    np.testing.assert_allclose(box_iou(boxes1, boxes2).numpy(), expected, rtol=1e-9, atol=1e-12)


@given(boxes1=box_sets(), boxes2=box_sets())
def test_box_iou_is_symmetric_bounded_and_one_on_itself(boxes1, boxes2):
    iou = box_iou(boxes1, boxes2)
    assert iou.shape == (len(boxes1), len(boxes2))
    torch.testing.assert_close(iou, box_iou(boxes2, boxes1).T)
    assert ((iou >= 0) & (iou <= 1 + 1e-12)).all()
    torch.testing.assert_close(box_iou(boxes1, boxes1).diagonal(), torch.ones(len(boxes1), dtype=torch.float64))


@given(boxes=box_sets(), gap=st.floats(0, 50))
def test_box_iou_is_zero_for_disjoint_and_touching_boxes(boxes, gap):
    moved = boxes.clone()
    shift = boxes[:, 2].max() - boxes[:, 0].min() + gap  # every moved box lies right of every box
    moved[:, 0::2] += shift
    assert (box_iou(boxes, moved) == 0).all()


@given(boxes1=box_sets(), boxes2=box_sets())
def test_generalized_iou_equals_its_definition_and_bounds(boxes1, boxes2):
    giou = generalized_box_iou(boxes1, boxes2)
    for i, a in enumerate(boxes1):
        for j, b in enumerate(boxes2):
            pa, pb = polygon(a), polygon(b)
            hull = shapely.box(*pa.union(pb).bounds)
            expected = pa.intersection(pb).area / pa.union(pb).area - (hull.area - pa.union(pb).area) / hull.area
            assert giou[i, j].item() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert ((giou >= -1) & (giou <= box_iou(boxes1, boxes2) + 1e-12)).all()


# ----------------------------------------------------------------------------------------
# NMS
# ----------------------------------------------------------------------------------------


def brute_force_nms(boxes, scores, threshold):
    """The definition, pair by pair with plain floats: a box survives unless a kept, better box overlaps it too much."""
    order = sorted(range(len(boxes)), key=lambda i: -float(scores[i]))  # sorted() is stable: ties keep input order
    kept = []
    for i in order:
        x1, y1, x2, y2 = boxes[i].tolist()
        survives = True
        for k in kept:
            a1, b1, a2, b2 = boxes[k].tolist()
            inter = max(0.0, min(x2, a2) - max(x1, a1)) * max(0.0, min(y2, b2) - max(y1, b1))
            union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - inter
            if inter / union > threshold:
                survives = False
                break
        if survives:
            kept.append(i)
    return kept


@st.composite
def scored_boxes(draw):
    boxes = draw(box_sets(max_size=30))
    # few distinct values: ties in score are common
    scores = torch.tensor(draw(st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9]), min_size=len(boxes),
                                        max_size=len(boxes))), dtype=torch.float64)
    return boxes, scores


@settings(max_examples=200)
@given(case=scored_boxes(), threshold=st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.7, 1.0]))
def test_nms_and_nms_fast_equal_the_brute_force_reference(case, threshold):
    boxes, scores = case
    expected = brute_force_nms(boxes, scores, threshold)
    assert nms(boxes, scores, threshold).tolist() == expected
    assert nms_fast(boxes, scores, threshold, block=7).tolist() == expected


@given(case=scored_boxes(), threshold=st.floats(0, 1))
def test_nms_keeps_a_sorted_subset_with_no_pair_above_the_threshold(case, threshold):
    boxes, scores = case
    keep = nms(boxes, scores, threshold)
    assert keep.dtype == torch.int64 and len(set(keep.tolist())) == len(keep)
    assert set(keep.tolist()) <= set(range(len(boxes)))
    assert (scores[keep][:-1] >= scores[keep][1:]).all()
    iou = box_iou(boxes[keep], boxes[keep])
    iou.fill_diagonal_(0)
    assert (iou <= threshold).all()
    if len(boxes):
        assert int(scores.argmax()) in keep.tolist() or scores[keep[0]] == scores.max()


def test_nms_on_the_ranked_detections_of_one_object():
    boxes = [[10, 10, 50, 50], [12, 10, 52, 50], [60, 60, 90, 90], [11, 12, 49, 51]]
    scores = [0.835, 0.829, 0.802, 0.782]
    assert nms(boxes, scores, 0.5).tolist() == [0, 2]
    assert nms(boxes, scores, 0.99).tolist() == [0, 1, 2, 3]


@given(case=scored_boxes(), threshold=st.sampled_from([0.3, 0.5]), data=st.data())
def test_batched_nms_equals_nms_class_by_class(case, threshold, data):
    boxes, scores = case
    labels = torch.tensor(data.draw(st.lists(st.integers(0, 2), min_size=len(boxes), max_size=len(boxes))))
    keep = batched_nms(boxes, scores, labels, threshold)
    expected = set()
    for label in labels.unique():
        members = torch.nonzero(labels == label).flatten()
        expected |= set(members[nms(boxes[members], scores[members], threshold)].tolist())
    assert set(keep.tolist()) == expected
    assert (scores[keep][:-1] >= scores[keep][1:]).all()


def test_empty_inputs_give_empty_outputs():
    empty = torch.zeros((0, 4))
    assert box_iou(empty, [[0, 0, 1, 1]]).shape == (0, 1)
    assert nms(empty, torch.zeros(0), 0.5).tolist() == []
    assert nms_fast(empty, torch.zeros(0), 0.5).tolist() == []
    assert batched_nms(empty, torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5).tolist() == []


def test_clip_boxes_to_image():
    torch.testing.assert_close(clip_boxes_to_image([[-3, 5, 70, 80]], (64, 100)), torch.tensor([[0.0, 5, 70, 64]]))


# ----------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: box_iou([[5, 0, 1, 4]], [[0, 0, 1, 1]]), r"boxes1\[0\] = .* has x2 < x1 or y2 < y1; xyxy boxes are"),
        (lambda: box_iou([0, 0, 1, 1], [[0, 0, 1, 1]]), r"boxes1 must have shape \(N, 4\).*use boxes1\[None\]"),
        (lambda: box_area([[0, 0, 1, 1, 1]]), r"shape \(N, 4\)"),
        (lambda: box_iou([[0, 0, float("nan"), 1]], [[0, 0, 1, 1]]), r"boxes1\[0\] .* is not finite"),
        (lambda: box_convert([[0, 0, -1, 2]], "xywh", "xyxy"), r"negative width or height"),
        (lambda: box_convert([[0, 0, 1, 2]], "xyxy", "yxyx"), r"unknown box format 'yxyx'"),
        (lambda: nms([[0, 0, 1, 1]], [0.5, 0.4], 0.5), r"scores must have shape \(1,\)"),
        (lambda: nms([[0, 0, 1, 1]], [float("nan")], 0.5), r"scores contains NaN"),
        (lambda: nms([[0, 0, 1, 1]], [0.5], 1.5), r"iou_threshold must lie in \[0, 1\]"),
        (lambda: batched_nms([[0, 0, 1, 1]], [0.5], [0.5], 0.5), r"idxs must be 1 integers"),
    ],
)
def test_bad_input_gets_a_value_error_that_says_how_to_fix_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_error_message_names_the_fix_for_xywh_boxes():
    with pytest.raises(ValueError, match=re.escape('box_convert(boxes, "xywh", "xyxy")')):
        box_iou([[10, 10, 5, 5]], [[0, 0, 1, 1]])
