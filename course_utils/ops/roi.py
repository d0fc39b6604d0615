"""RoI pooling and RoI align: a fixed-size feature grid for every box, read off a feature map.

A two-stage detector computes the feature map of the whole image once, then cuts out the
features of each proposed box (a *region of interest*, RoI) and squeezes them into a fixed
``output_size`` grid, so that one small head can classify boxes of every size.

* :func:`roi_pool` (Girshick, 2015, Fast R-CNN) rounds the box to whole feature cells and
  takes the maximum in each bin: the rounding shifts the features by up to half a cell.
* :func:`roi_align` (He et al., 2017, Mask R-CNN) keeps the box where it is: it samples the
  map bilinearly at regularly spaced points of each bin and averages them.

Both have torchvision's arguments and results. ``input``: ``(N, C, H, W)``; ``boxes``:
``(K, 5)`` rows ``(batch_index, x1, y1, x2, y2)`` in image pixels; ``spatial_scale``: feature
cells per image pixel (1/16 for a stride-16 map). Returns ``(K, C, out_h, out_w)``. Feature
cell ``(i, j)`` is taken to sit at the point ``(x, y) = (j, i)`` of the scaled box coordinates,
as in torchvision; ``aligned=True`` shifts the box by half a cell so that pixel centres line up.
"""

from __future__ import annotations

import math

import torch

from course_utils.ops.boxes import check_boxes


def _check_rois(input: torch.Tensor, boxes, output_size) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    input = torch.as_tensor(input)
    if input.ndim != 4:
        raise ValueError(f"input must be a feature map (N, C, H, W), got shape {tuple(input.shape)}")
    boxes = torch.as_tensor(boxes, dtype=input.dtype)
    if boxes.ndim != 2 or boxes.shape[1] != 5:
        raise ValueError(
            f"boxes must have shape (K, 5), rows (batch_index, x1, y1, x2, y2), got {tuple(boxes.shape)}; "
            "for boxes of image 0 use torch.cat([torch.zeros(K, 1), boxes], dim=1)"
        )
    check_boxes(boxes[:, 1:])
    index = boxes[:, 0]
    if (index != index.round()).any() or (index < 0).any() or (index >= len(input)).any():
        raise ValueError(f"batch indices must be integers in 0 .. {len(input) - 1}, got {index.tolist()}")
    out = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(out) != 2 or min(out) < 1:
        raise ValueError(f"output_size must be a positive int or a pair (height, width), got {output_size}")
    return input, boxes, out


def roi_pool(input, boxes, output_size, spatial_scale: float = 1.0) -> torch.Tensor:
    """Max-pool each box into an ``output_size`` grid, after rounding it to whole cells (Fast R-CNN).

    The box's corners are scaled and rounded to cells; the ``(x2 - x1 + 1)``-cell wide box is cut
    into ``out_w`` bins, bin ``b`` covering cells ``floor(b * w / out_w)`` to
    ``ceil((b + 1) * w / out_w) - 1``; each output is the maximum of its bin (0 for an empty one).

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_pool(x, [[0, 0, 0, 3, 3]], output_size=2)[0, 0]
    tensor([[ 5.,  7.],
            [13., 15.]])
    """
    input, boxes, (out_h, out_w) = _check_rois(input, boxes, output_size)
    _, channels, height, width = input.shape
    out = input.new_zeros((len(boxes), channels, out_h, out_w))
    for k, (index, *corners) in enumerate(boxes.tolist()):
        # C++ std::round: halves away from zero (Python's round() would round them to even)
        x1, y1, x2, y2 = (math.floor(v * spatial_scale + 0.5) for v in corners)
        roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bin_w, bin_h = roi_w / out_w, roi_h / out_h
        for i in range(out_h):
            top = min(max(math.floor(i * bin_h) + y1, 0), height)
            bottom = min(max(math.ceil((i + 1) * bin_h) + y1, 0), height)
            for j in range(out_w):
                left = min(max(math.floor(j * bin_w) + x1, 0), width)
                right = min(max(math.ceil((j + 1) * bin_w) + x1, 0), width)
                if bottom > top and right > left:
                    out[k, :, i, j] = input[int(index), :, top:bottom, left:right].amax(dim=(-2, -1))
    return out


def bilinear(plane: torch.Tensor, y: float, x: float) -> torch.Tensor:
    """Value of ``plane`` ``(C, H, W)`` at the real point ``(y, x)``, as RoI align reads it.

    Points more than one cell outside the map read 0; points up to one cell outside are
    moved onto the border. Inside, the four nearest cells are mixed by their distances.

    >>> bilinear(torch.tensor([[[0.0, 10.0], [20.0, 30.0]]]), 0.5, 0.25)
    tensor([12.5000])
    """
    _, height, width = plane.shape
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return plane.new_zeros(plane.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    dy, dx = y - y0, x - x0
    return (
        (1 - dy) * (1 - dx) * plane[:, y0, x0]
        + (1 - dy) * dx * plane[:, y0, x1]
        + dy * (1 - dx) * plane[:, y1, x0]
        + dy * dx * plane[:, y1, x1]
    )


def roi_align(
    input, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1, aligned: bool = False
) -> torch.Tensor:
    """Average of bilinear samples in each bin of each box, without rounding (Mask R-CNN).

    Each bin is sampled on a ``sampling_ratio x sampling_ratio`` grid of points at the centres
    of equal sub-bins (``sampling_ratio=-1``: ``ceil(bin size)`` points per axis, torchvision's
    default), each read with :func:`bilinear`, and the samples are averaged.

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)  # value = 4 * row + column
    >>> roi_align(x, [[0, 0.5, 0.5, 2.5, 2.5]], output_size=1, aligned=True)[0, 0]  # centre (1, 1)
    tensor([[5.]])
    """
    input, boxes, (out_h, out_w) = _check_rois(input, boxes, output_size)
    _, channels, height, width = input.shape
    shift = 0.5 if aligned else 0.0
    out = input.new_zeros((len(boxes), channels, out_h, out_w))
    for k, (index, *corners) in enumerate(boxes.tolist()):
        x1, y1, x2, y2 = (v * spatial_scale - shift for v in corners)
        roi_w, roi_h = x2 - x1, y2 - y1
        if not aligned:  # the legacy behaviour: every box at least one cell
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_w, bin_h = roi_w / out_w, roi_h / out_h
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / out_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / out_w)
        count = max(grid_h * grid_w, 1)
        plane = input[int(index)]
        for i in range(out_h):
            for j in range(out_w):
                total = input.new_zeros(channels)
                for a in range(grid_h):
                    y = y1 + i * bin_h + (a + 0.5) * bin_h / grid_h
                    for b in range(grid_w):
                        x = x1 + j * bin_w + (b + 0.5) * bin_w / grid_w
                        total = total + bilinear(plane, y, x)
                out[k, :, i, j] = total / count
    return out


__all__ = ["bilinear", "roi_align", "roi_pool"]
