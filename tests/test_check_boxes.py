"""Lesson 09's checkers, check_box_iou and check_nms: stubs, solutions and each typical mistake."""

import torch

from course_utils.checks import check_box_iou, check_nms
from course_utils.ops import box_iou, nms


def stub_iou(boxes1, boxes2):
    """Return the (N, M) IoU matrix."""
    raise NotImplementedError("compute the IoU of every pair")


def solution_iou(boxes1, boxes2):
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=-1)
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    return inter / (area1[:, None] + area2[None, :] - inter)


def no_clamp(boxes1, boxes2):
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = (bottom_right - top_left).prod(dim=-1)
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    return inter / (area1[:, None] + area2[None, :] - inter)


def as_xywh(boxes1, boxes2):
    def corners(b):
        return torch.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], dim=1)

    return solution_iou(corners(boxes1), corners(boxes2))


def union_twice(boxes1, boxes2):
    iou = solution_iou(boxes1, boxes2)
    return iou / (1 + iou)  # inter / (a1 + a2): from i / (u) with u = a1 + a2 - i


def test_check_box_iou_stub_solution_and_mistakes(capsys):
    result = check_box_iou(stub_iou)
    assert not result and "Not written yet" in result.message
    assert check_box_iou(solution_iou, verbose=False)
    assert check_box_iou(box_iou, verbose=False)
    assert "clamp the overlap's width" in check_box_iou(no_clamp, verbose=False).message
    assert "(x, y, width, height)" in check_box_iou(as_xywh, verbose=False).message
    assert "counts the overlap twice" in check_box_iou(union_twice, verbose=False).message
    transposed = check_box_iou(lambda a, b: solution_iou(a, b).T, verbose=False)
    assert "transposed" in transposed.message
    assert "Not written yet" in capsys.readouterr().out


def stub_nms(boxes, scores, iou_threshold):
    """Return the kept indices, best first."""
    raise NotImplementedError


def solution_nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    keep = []
    for i in order.tolist():
        if all(box_iou(boxes[i : i + 1], boxes[k : k + 1]).item() <= iou_threshold for k in keep):
            keep.append(i)
    return torch.tensor(keep)


def input_order_result(boxes, scores, iou_threshold):
    return torch.sort(solution_nms(boxes, scores, iou_threshold)).values


def greater_or_equal(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True)
    keep = []
    for i in order.tolist():
        if all(box_iou(boxes[i : i + 1], boxes[k : k + 1]).item() < iou_threshold for k in keep):
            keep.append(i)
    return torch.tensor(keep)


def only_best(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True, stable=True).tolist()
    keep = [order[0]]
    for i in order[1:]:
        if box_iou(boxes[i : i + 1], boxes[order[0] : order[0] + 1]).item() <= iou_threshold:
            keep.append(i)
    return torch.tensor(keep)


def test_check_nms_stub_solution_and_mistakes():
    assert "Not written yet" in check_nms(stub_nms, verbose=False).message
    assert check_nms(solution_nms, verbose=False)
    assert check_nms(nms, verbose=False)
    assert "best score first" in check_nms(input_order_result, verbose=False).message
    assert "(> not >=)" in check_nms(greater_or_equal, verbose=False).message
    assert "not only with the best one" in check_nms(only_best, verbose=False).message
