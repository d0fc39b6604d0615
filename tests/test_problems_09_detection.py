"""Problem set 09_detection: every numeric answer in ``data/problems/09_detection.yaml``, computed.

Boxes, anchors, deltas and average precision come from ``course_utils.ops`` (whose IoU is checked
against shapely and whose AP against pycocotools in their own tests), in float64 so that the
answers hold to the problem set's tolerance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pytest
import torch

from course_utils import ops

# ----------------------------------------------------------------------------- iou-and-giou-by-hand


def as_xyxy(box: Sequence[float], fmt: str) -> torch.Tensor:
    return ops.box_convert(torch.tensor([box], dtype=torch.float64), fmt, "xyxy")


A = as_xyxy((2, 2, 10, 8), "xyxy")
B = as_xyxy((6, 4, 8, 6), "xywh")
C = as_xyxy((14, 2, 4, 4), "cxcywh")

# ----------------------------------------------------------------------------- anchors-on-a-pyramid

STRIDES = (8, 16, 32, 64, 128)
RATIOS = (0.5, 1.0, 2.0)


def pyramid_anchors(image_side: int, stride: int) -> torch.Tensor:
    """RetinaNet's 9 anchors per cell on the level of this stride: sizes 4 strides times 2^0, 2^(1/3), 2^(2/3)."""
    sizes = [4 * stride * 2 ** (k / 3) for k in range(3)]
    cells = image_side // stride
    return ops.anchor_grid((cells, cells), stride, sizes=sizes, aspect_ratios=RATIOS)


def anchors_per_image(image_side: int) -> int:
    return sum(len(pyramid_anchors(image_side, stride)) for stride in STRIDES)


def anchor_centre_x(row: int, column: int, stride: int = 16, image_side: int = 512) -> float:
    per_cell = len(RATIOS) * 3
    cells = image_side // stride
    anchors = pyramid_anchors(image_side, stride)[(row * cells + column) * per_cell :][:per_cell]
    centres = ops.box_convert(anchors, "xyxy", "cxcywh")[:, 0]
    assert torch.allclose(centres, centres[0]), "a cell's anchors share their centre"
    return centres[0].item()


# ----------------------------------------------------------------------------- average-precision-two-ways

RANKED = (True, True, False, True, False, False, True, False)  # R R W R W W R W
DUPLICATE = 4  # rank 5, counted from 0
N_SEVENS = 5


def ap(hits: Sequence[bool], method: str = "all-point") -> float:
    precision, recall = ops.precision_recall(list(hits), N_SEVENS)
    return ops.average_precision(precision, recall, method)


def without_duplicate() -> tuple[bool, ...]:
    return RANKED[:DUPLICATE] + RANKED[DUPLICATE + 1 :]


def best_ranking() -> tuple[bool, ...]:
    return tuple(sorted(RANKED, reverse=True))


# ----------------------------------------------------------------------------- encode-and-decode-a-box

ANCHOR = torch.tensor([[16.0, 16, 48, 48]], dtype=torch.float64)
TRUE_BOX = torch.tensor([[20.0, 16, 60, 32]], dtype=torch.float64)
TORCHVISION_WEIGHTS = (10.0, 10.0, 5.0, 5.0)
PREDICTED_DELTAS = torch.tensor([[0.25, -0.25, 0.0, -0.5]], dtype=torch.float64)


@functools.cache
def decoded() -> torch.Tensor:
    return ops.decode_boxes(PREDICTED_DELTAS, ANCHOR)


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("iou-and-giou-by-hand", 1): lambda: ops.box_intersection(A, B).item(),
    ("iou-and-giou-by-hand", 2): lambda: ops.box_iou(A, B).item(),
    ("iou-and-giou-by-hand", 3): lambda: ops.generalized_box_iou(A, B).item(),
    ("iou-and-giou-by-hand", 4): lambda: ops.generalized_box_iou(A, C).item(),
    ("iou-and-giou-by-hand", 5): lambda: ops.generalized_box_iou_loss(C, A).item(),
    ("anchors-on-a-pyramid", 1): lambda: len(pyramid_anchors(512, 8)),
    ("anchors-on-a-pyramid", 2): lambda: anchors_per_image(512),
    ("anchors-on-a-pyramid", 3): lambda: len(pyramid_anchors(512, 8)) / anchors_per_image(512),
    ("anchors-on-a-pyramid", 4): lambda: anchors_per_image(640),
    ("anchors-on-a-pyramid", 5): lambda: anchor_centre_x(3, 10),
    ("average-precision-two-ways", 1): lambda: ops.precision_recall(list(RANKED), N_SEVENS)[0][DUPLICATE],
    ("average-precision-two-ways", 2): lambda: ap(RANKED),
    ("average-precision-two-ways", 3): lambda: ap(RANKED, "coco"),
    ("average-precision-two-ways", 4): lambda: ap(without_duplicate()),
    ("average-precision-two-ways", 5): lambda: ap(best_ranking()),
    ("average-precision-two-ways", 6): lambda: ap(best_ranking(), "coco"),
    ("encode-and-decode-a-box", 1): lambda: ops.encode_boxes(TRUE_BOX, ANCHOR)[0, 0].item(),
    ("encode-and-decode-a-box", 2): lambda: ops.encode_boxes(TRUE_BOX, ANCHOR)[0, 2].item(),
    ("encode-and-decode-a-box", 3): lambda: ops.encode_boxes(TRUE_BOX, ANCHOR, TORCHVISION_WEIGHTS)[0, 3].item(),
    ("encode-and-decode-a-box", 4): lambda: (decoded()[0, 3] - decoded()[0, 1]).item(),
    ("encode-and-decode-a-box", 5): lambda: ops.box_iou(decoded(), TRUE_BOX).item(),
}


# ----------------------------------------------------------------------------- claims of the solutions


def test_the_converted_boxes_are_the_ones_the_solution_works_with():
    assert B.tolist() == [[6, 4, 14, 10]] and C.tolist() == [[12, 0, 16, 4]]
    assert ops.box_iou(A, C).item() == 0  # part 4: C does not touch A
    # the typical mistake: B read as xyxy is a 2 x 2 box
    assert ops.box_iou(A, torch.tensor([[6.0, 4, 8, 6]], dtype=torch.float64)).item() == pytest.approx(1 / 12)


def test_giou_loss_has_a_gradient_where_iou_loss_has_none():
    moving = C.clone().requires_grad_(True)
    (1 - ops.box_iou(moving, A)).sum().backward()
    assert torch.count_nonzero(moving.grad) == 0
    moving.grad = None
    ops.generalized_box_iou_loss(moving, A).sum().backward()
    assert moving.grad[0, 0] > 0  # lowering x1 (moving towards A) lowers the loss


def test_the_pyramid_counts_scale_with_the_area():
    assert anchors_per_image(640) == anchors_per_image(512) * (640 / 512) ** 2
    level_8 = pyramid_anchors(512, 8)
    widths = ops.box_convert(level_8[:9], "xyxy", "cxcywh")[:, 2]
    assert widths.min().item() == pytest.approx(32 / 2**0.5, rel=1e-6)  # size 32 at ratio 2 (tall)


def test_the_ap_solution_reads_the_envelope_and_the_coco_grid_as_stated():
    precision, recall = ops.precision_recall(list(RANKED), N_SEVENS)
    assert ops.precision_envelope(precision)[[0, 1, 3, 6]] == pytest.approx([1, 1, 3 / 4, 4 / 7])
    assert ap(RANKED, "coco") == pytest.approx((21 + 20 + 15 + 80 / 7) / 101)
    assert ap(best_ranking(), "coco") == pytest.approx(81 / 101)
    # the typical mistake: dividing by the sevens found rather than by all of them
    found = np.flatnonzero(RANKED)
    assert np.mean(precision[found]) == pytest.approx(0.830, abs=5e-4)
    # and dropping the duplicate while reading recall 0.8 at the old rank
    assert ap(RANKED) == pytest.approx(0.664, abs=5e-4)


def test_decoding_inverts_encoding_and_the_decoded_box_is_as_described():
    targets = ops.encode_boxes(TRUE_BOX, ANCHOR, TORCHVISION_WEIGHTS)
    assert torch.allclose(ops.decode_boxes(targets, ANCHOR, TORCHVISION_WEIGHTS), TRUE_BOX)
    assert ops.encode_boxes(TRUE_BOX, ANCHOR)[0, :2].tolist() == [0.25, -0.25]
    assert decoded()[0].tolist() == pytest.approx([24, 14.30, 56, 33.70], abs=5e-3)
    assert ops.box_iou(decoded(), TRUE_BOX).item() < 0.7  # a miss at COCO's stricter thresholds
