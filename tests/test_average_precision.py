"""Average precision and mAP: hand-computed lists, and pycocotools' COCOeval as the oracle to 1e-6."""

import contextlib
import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from course_utils.ops import (
    average_precision,
    box_convert,
    match_detections,
    mean_average_precision,
    precision_envelope,
    precision_recall,
)


def coco_eval(predictions, targets, n_classes=10):
    """COCOeval's stats[0] (mAP@[.5:.95]) and stats[1] (mAP@0.5) for torchvision-style dicts; -1: no ground truth."""

    def dataset(annotations):
        return {
            "images": [{"id": i + 1} for i in range(len(targets))],
            "categories": [{"id": c} for c in range(n_classes)],
            "annotations": annotations,
        }

    def boxes_xywh(boxes):
        return box_convert(torch.as_tensor(boxes, dtype=torch.float64).reshape(-1, 4), "xyxy", "xywh").tolist()

    gt, dt = [], []
    for image, (prediction, target) in enumerate(zip(predictions, targets, strict=True)):
        for box, label in zip(boxes_xywh(target["boxes"]), list(target["labels"]), strict=True):
            # ids from 1: COCOeval treats a matched ground-truth id of 0 as "no match"
            gt.append({"id": len(gt) + 1, "image_id": image + 1, "category_id": int(label), "bbox": box,
                       "area": box[2] * box[3], "iscrowd": 0})
        for box, label, score in zip(boxes_xywh(prediction["boxes"]), list(prediction["labels"]),
                                     list(prediction["scores"]), strict=True):
            dt.append({"id": len(dt) + 1, "image_id": image + 1, "category_id": int(label), "bbox": box,
                       "area": box[2] * box[3], "iscrowd": 0, "score": float(score)})
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt, coco_dt = COCO(), COCO()
        coco_gt.dataset, coco_dt.dataset = dataset(gt), dataset(dt)  # loadRes cannot take an empty list
        coco_gt.createIndex()
        coco_dt.createIndex()
        evaluation = COCOeval(coco_gt, coco_dt, "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation.stats[0], evaluation.stats[1]


def assert_same_as_coco(predictions, targets):
    expected_map, expected_map50 = coco_eval(predictions, targets)
    result = mean_average_precision(predictions, targets)
    result50 = mean_average_precision(predictions, targets, iou_thresholds=[0.5])
    if expected_map == -1:  # no ground-truth object in any class
        assert np.isnan(result.map) and np.isnan(result50.map)
        return
    assert result.map == pytest.approx(expected_map, abs=1e-6)
    assert result50.map == pytest.approx(expected_map50, abs=1e-6)


# ----------------------------------------------------------------------------------------
# Generated scenes: objects, and detections that jitter, duplicate, miss and invent them
# ----------------------------------------------------------------------------------------


@st.composite
def detection_sets(draw, max_images=4, max_objects=6, classes=3):
    targets, predictions = [], []
    for _ in range(draw(st.integers(1, max_images))):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        n = draw(st.integers(0, max_objects))
        corner = rng.uniform(0, 80, (n, 2))
        size = rng.uniform(4, 30, (n, 2))
        gt = np.concatenate([corner, corner + size], axis=1)
        gt_labels = rng.integers(0, classes, n)
        boxes, labels = [], []
        for box, label in zip(gt, gt_labels, strict=True):
            for _ in range(rng.choice([0, 1, 1, 2, 3])):  # missed, found, found twice or more
                jitter = rng.normal(0, draw(st.sampled_from([0.5, 2.0, 5.0])), 4)
                moved = box + jitter
                boxes.append(np.concatenate([np.minimum(moved[:2], moved[2:]), np.maximum(moved[:2], moved[2:])]))
                labels.append(label if rng.random() < 0.9 else rng.integers(0, classes))
        for _ in range(rng.integers(0, 3)):  # invented objects
            c = rng.uniform(0, 80, 2)
            boxes.append(np.concatenate([c, c + rng.uniform(4, 30, 2)]))
            labels.append(rng.integers(0, classes))
        # rounded scores: ties, within and across images
        scores = np.round(rng.uniform(0, 1, len(boxes)), draw(st.sampled_from([1, 6])))
        targets.append({"boxes": gt.reshape(-1, 4), "labels": gt_labels})
        predictions.append({"boxes": np.array(boxes).reshape(-1, 4), "scores": scores, "labels": np.array(labels)})
    return predictions, targets


@settings(max_examples=150, deadline=None)
@given(case=detection_sets())
def test_map_equals_cocoeval_on_generated_detections(case):
    assert_same_as_coco(*case)


@settings(max_examples=10, deadline=None)
@given(case=detection_sets(max_images=3, max_objects=40, classes=2))
def test_map_equals_cocoeval_on_crowded_scenes(case):
    assert_same_as_coco(*case)


def test_map_equals_cocoeval_beyond_100_detections_per_image():
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 200, (150, 2))
    gt = np.concatenate([corner, corner + 10], axis=1)
    prediction = {"boxes": gt + rng.normal(0, 1, gt.shape), "scores": rng.uniform(0, 1, 150), "labels": np.zeros(150)}
    assert_same_as_coco([prediction], [{"boxes": gt, "labels": np.zeros(150)}])


EMPTY = np.zeros((0, 4))
ONE = np.array([[0.0, 0.0, 10.0, 10.0]])


@pytest.mark.parametrize(
    ("predictions", "targets"),
    [
        pytest.param([{"boxes": EMPTY, "scores": [], "labels": []}], [{"boxes": ONE, "labels": [1]}],
                     id="no detections"),
        pytest.param([{"boxes": ONE, "scores": [0.9], "labels": [1]}], [{"boxes": EMPTY, "labels": []}],
                     id="no ground truth at all"),
        pytest.param([{"boxes": np.vstack([ONE, ONE + 50]), "scores": [0.9, 0.8], "labels": [1, 2]}],
                     [{"boxes": ONE, "labels": [1]}], id="a class with detections but no ground truth"),
        pytest.param([{"boxes": np.vstack([ONE, ONE, ONE]), "scores": [0.9, 0.9, 0.9], "labels": [1, 1, 1]}],
                     [{"boxes": ONE, "labels": [1]}], id="exact duplicates with tied scores"),
        pytest.param([{"boxes": ONE, "scores": [0.5], "labels": [1]}, {"boxes": EMPTY, "scores": [], "labels": []}],
                     [{"boxes": ONE, "labels": [1]}, {"boxes": ONE, "labels": [1]}], id="an image with no detections"),
        pytest.param([{"boxes": np.array([[0.0, 0, 10, 20]]), "scores": [0.5], "labels": [1]}],
                     [{"boxes": ONE, "labels": [1]}], id="IoU exactly 0.5"),
        pytest.param([{"boxes": np.array([[0.0, 0, 10, 10], [0, 0, 10, 10]]), "scores": [0.5, 0.4], "labels": [1, 1]}],
                     [{"boxes": np.array([[0.0, 0, 10, 10], [0, 0, 10, 10]]), "labels": [1, 1]}],
                     id="two identical objects"),
    ],
)
def test_map_equals_cocoeval_on_edge_cases(predictions, targets):
    assert_same_as_coco(predictions, targets)


# ----------------------------------------------------------------------------------------
# One ranked list by hand
# ----------------------------------------------------------------------------------------


def test_average_precision_of_a_ranked_list_by_hand():
    # 3 objects; ranked detections hit, miss, hit, hit: precision 1, 1/2, 2/3, 3/4 at recall 1/3, 1/3, 2/3, 1
    precision, recall = precision_recall([True, False, True, True], n_ground_truth=3)
    np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3, 3 / 4])
    np.testing.assert_allclose(precision_envelope(precision), [1, 3 / 4, 3 / 4, 3 / 4])
    assert average_precision(precision, recall) == pytest.approx(1 / 3 * 1 + 2 / 3 * 3 / 4)
    # COCO: recalls 0..0.33 (34 of them) read 1, the other 67 read 3/4
    assert average_precision(precision, recall, "coco") == pytest.approx((34 * 1 + 67 * 0.75) / 101)


def test_a_perfect_ranking_has_ap_one_and_unfound_objects_cost_recall():
    precision, recall = precision_recall([True, True], n_ground_truth=2)
    assert average_precision(precision, recall) == 1.0 == average_precision(precision, recall, "coco")
    precision, recall = precision_recall([True, True], n_ground_truth=4)
    assert average_precision(precision, recall) == 0.5


def test_match_detections_lets_each_object_be_found_once():
    iou = np.array([[0.9, 0.6], [0.8, 0.0], [0.7, 0.55]])
    assert match_detections(iou, 0.5).tolist() == [True, False, True]
    assert match_detections(iou, 0.95).tolist() == [False, False, False]
    assert match_detections(np.zeros((2, 0)), 0.5).tolist() == [False, False]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mean_average_precision([{}], []), r"1 predictions but 0 targets"),
        (lambda: mean_average_precision([{"boxes": ONE}], [{"boxes": ONE, "labels": [0]}]), r"has no 'scores'"),
        (lambda: mean_average_precision([{"boxes": ONE[:, :3], "scores": [1], "labels": [0]}],
                                        [{"boxes": ONE, "labels": [0]}]), r"shape \(N, 4\)"),
        (lambda: mean_average_precision([{"boxes": ONE, "scores": [1, 2], "labels": [0]}],
                                        [{"boxes": ONE, "labels": [0]}]), r"one entry per box"),
        (lambda: average_precision([1.0], [1.0], "voc11"), r"unknown method 'voc11'"),
        (lambda: precision_recall([True, True], 1), r"each object can be found once"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
