"""Anchors (grid, matching, deltas) and RoI pooling / RoI align: known values, properties, PyTorch's grid_sample."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from course_utils.ops import (
    BACKGROUND,
    IGNORED,
    anchor_grid,
    anchor_shapes,
    box_convert,
    box_iou,
    decode_boxes,
    encode_boxes,
    match_anchors,
    roi_align,
    roi_pool,
)

# ----------------------------------------------------------------------------------------
# Anchors
# ----------------------------------------------------------------------------------------


def test_faster_rcnn_has_nine_anchors_per_cell_of_equal_area_per_size():
    shapes = anchor_shapes([128, 256, 512], [0.5, 1.0, 2.0])
    assert len(shapes) == 9
    areas = (shapes[:, 0] * shapes[:, 1]).reshape(3, 3)  # ratio by ratio, size by size
    torch.testing.assert_close(areas, torch.tensor([128.0, 256, 512]).pow(2).expand(3, 3), rtol=1e-5, atol=0)
    ratios = (shapes[:, 1] / shapes[:, 0]).reshape(3, 3)
    torch.testing.assert_close(ratios, torch.tensor([0.5, 1.0, 2.0])[:, None].expand(3, 3))


@given(h=st.integers(1, 6), w=st.integers(1, 6), stride=st.integers(1, 16), k=st.integers(1, 3), r=st.integers(1, 3))
def test_anchor_grid_counts_and_centres(h, w, stride, k, r):
    sizes, ratios = [8 * (i + 1) for i in range(k)], [2.0**i for i in range(r)]
    anchors = anchor_grid((h, w), stride, sizes, ratios)
    assert anchors.shape == (h * w * k * r, 4)
    centres = box_convert(anchors, "xyxy", "cxcywh")[:, :2].reshape(h, w, k * r, 2)
    torch.testing.assert_close(centres[..., 0], ((torch.arange(w) + 0.5) * stride).expand(h, k * r, w).transpose(1, 2))
    torch.testing.assert_close(centres[..., 1], ((torch.arange(h) + 0.5) * stride)[:, None, None].expand(h, w, k * r))


def test_match_anchors_thresholds_and_low_quality_matches():
    iou = torch.tensor([[0.9, 0.5, 0.1, 0.0, 0.69], [0.0, 0.2, 0.4, 0.1, 0.0]])
    assert match_anchors(iou).tolist() == [0, IGNORED, 1, BACKGROUND, IGNORED]
    assert match_anchors(iou, allow_low_quality_matches=False).tolist() == [0, IGNORED, IGNORED, -1, IGNORED]
    assert match_anchors(iou, high=0.5, low=0.5).tolist() == [0, 0, 1, BACKGROUND, 0]
    assert match_anchors(torch.zeros((0, 3))).tolist() == [BACKGROUND] * 3


@given(seed=st.integers(0, 2**16), n=st.integers(1, 8))
def test_every_object_gets_its_best_anchor(seed, n):
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 48, (n, 2))
    objects = torch.tensor(np.concatenate([corner, corner + rng.uniform(6, 30, (n, 2))], 1), dtype=torch.float32)
    anchors = anchor_grid((8, 8), 8, [12, 24])
    iou = box_iou(objects, anchors)
    matches = match_anchors(iou)
    for g in range(n):
        best = iou[g].argmax()
        # foreground; torchvision's rule gives the anchor the object it overlaps most, maybe another one
        assert matches[best] >= 0 and iou[matches[best], best] >= iou[g, best]


@given(seed=st.integers(0, 2**16))
def test_decode_inverts_encode(seed):
    rng = np.random.default_rng(seed)
    def boxes(n):
        corner = rng.uniform(-50, 50, (n, 2))
        return torch.tensor(np.concatenate([corner, corner + rng.uniform(2, 80, (n, 2))], 1))
    gt, anchors = boxes(20), boxes(20)
    for weights in [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)]:
        torch.testing.assert_close(decode_boxes(encode_boxes(gt, anchors, weights), anchors, weights), gt)


def test_encode_known_values_and_decode_clips_wild_sizes():
    deltas = encode_boxes([[12.0, 10, 28, 42]], [[0.0, 0, 32, 32]])
    torch.testing.assert_close(deltas, torch.tensor([[0.125, 0.3125, math.log(0.5), 0.0]]))
    wild = decode_boxes([[0.0, 0.0, 100.0, 0.0]], [[0.0, 0, 16, 16]])
    assert wild[0, 2] - wild[0, 0] == pytest.approx(1000.0, rel=1e-5)


def test_anchor_errors_say_what_to_do():
    with pytest.raises(ValueError, match="Faster R-CNN used sizes"):
        anchor_grid((2, 2), 8, sizes=[-8])
    with pytest.raises(ValueError, match="must pair up row by row"):
        encode_boxes([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])
    with pytest.raises(ValueError, match="positive width and height"):
        encode_boxes([[0, 0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"use box_iou\(gt, anchors\)"):
        match_anchors(torch.zeros(3))


# ----------------------------------------------------------------------------------------
# RoI pooling and RoI align
# ----------------------------------------------------------------------------------------


def test_roi_pool_rounds_the_box_and_takes_bin_maxima():
    x = torch.arange(36.0).reshape(1, 1, 6, 6)
    # box 0.6..4.4 rounds to cells 1..4: a 4x4 block, maxima of its 2x2 quarters
    out = roi_pool(x, [[0, 0.6, 0.6, 4.4, 4.4]], output_size=2)
    torch.testing.assert_close(out[0, 0], torch.tensor([[14.0, 16.0], [26.0, 28.0]]))
    half = roi_pool(x, [[0, 1.4, 1.4, 8.6, 8.6]], output_size=2, spatial_scale=0.5)  # image pixels -> cells
    torch.testing.assert_close(half, out)


def reference_align(x, box, size, sampling_ratio):
    """RoI align (aligned=True) through PyTorch's grid_sample: the same sample points, averaged."""
    _, x1, y1, x2, y2 = box
    x1, y1, x2, y2 = x1 - 0.5, y1 - 0.5, x2 - 0.5, y2 - 0.5
    steps = size * sampling_ratio
    ys = y1 + (torch.arange(steps, dtype=torch.float64) + 0.5) * (y2 - y1) / steps
    xs = x1 + (torch.arange(steps, dtype=torch.float64) + 0.5) * (x2 - x1) / steps
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    height, width = x.shape[-2:]
    grid = torch.stack([(gx + 0.5) / width * 2 - 1, (gy + 0.5) / height * 2 - 1], -1)[None]
    samples = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return F.avg_pool2d(samples, sampling_ratio)


@given(seed=st.integers(0, 2**16), size=st.integers(1, 4), sampling=st.integers(1, 3))
def test_roi_align_equals_grid_sample_inside_the_map(seed, size, sampling):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.standard_normal((1, 3, 9, 11)))
    x1, y1 = rng.uniform(0.5, 5), rng.uniform(0.5, 4)
    box = [0, x1, y1, x1 + rng.uniform(1, 5), y1 + rng.uniform(1, 4)]  # sample points stay inside the map
    expected = reference_align(x, box, size, sampling)
    torch.testing.assert_close(roi_align(x, [box], size, sampling_ratio=sampling, aligned=True), expected)


def test_roi_align_of_a_linear_map_is_the_bin_centre_value():
    x = (4 * torch.arange(8.0)[:, None] + torch.arange(8.0)[None]).reshape(1, 1, 8, 8)  # 4 * row + column
    out = roi_align(x, [[0, 1.5, 2.5, 5.5, 6.5]], output_size=2, aligned=True)
    # aligned: pixel (i, j) is the point (j + 0.5, i + 0.5); bins are 2x2, centres at (2.5, 3.5) ... (4.5, 5.5)
    torch.testing.assert_close(out[0, 0], torch.tensor([[4 * 3.0 + 2, 4 * 3.0 + 4], [4 * 5.0 + 2, 4 * 5.0 + 4]]))


def test_roi_errors_say_what_to_do():
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"rows \(batch_index, x1, y1, x2, y2\)"):
        roi_align(x, [[0, 0, 2, 2]], 2)
    with pytest.raises(ValueError, match=r"batch indices must be integers in 0 .. 0"):
        roi_pool(x, [[1, 0, 0, 2, 2]], 2)
    with pytest.raises(ValueError, match="x2 < x1"):
        roi_pool(x, [[0, 3, 0, 2, 2]], 2)
