"""Reference implementations of what the lessons teach: convolution, pooling, normalization, receptive fields.

Each module is written to be read; a fast path sits beside its reference and is tested equal.
The geometry they share (settings per axis, output sizes, their checks) lives in ``geometry``.
"""

from course_utils.ops import pooling
from course_utils.ops.conv import (
    SlidingStep,
    check_conv_inputs,
    col2im,
    conv2d,
    conv2d_naive,
    conv_matrix,
    conv_transpose2d,
    convolve2d,
    correlate2d,
    im2col,
    sliding_steps,
)
from course_utils.ops.conv_fast import conv2d_shifted
from course_utils.ops.fields import Box, cell_at, field_box, field_centre, layer_table
from course_utils.ops.geometry import (
    AXES,
    check_geometry,
    conv_output_size,
    conv_transpose_output_size,
    dilated_extent,
    formula_text,
    kernel_positions,
    pad2d,
    per_axis,
    pool_output_size,
    pytorch_size,
    size_formula,
    strided_slice,
    unused_cells,
)
from course_utils.ops.norm import BatchNorm2d, batch_norm2d, group_norm
from course_utils.ops.pooling import (
    avg_pool2d,
    global_avg_pool2d,
    lp_pool2d,
    max_pool2d,
    max_pool2d_backward,
)
from course_utils.ops.receptive_field import (
    Layer,
    ReceptiveField,
    empirical_receptive_field,
    field_gradient,
    receptive_field,
)

__all__ = [
    "AXES",
    "BatchNorm2d",
    "Box",
    "Layer",
    "ReceptiveField",
    "SlidingStep",
    "avg_pool2d",
    "batch_norm2d",
    "cell_at",
    "check_conv_inputs",
    "check_geometry",
    "col2im",
    "conv2d",
    "conv2d_naive",
    "conv2d_shifted",
    "conv_matrix",
    "conv_output_size",
    "conv_transpose2d",
    "conv_transpose_output_size",
    "convolve2d",
    "correlate2d",
    "dilated_extent",
    "empirical_receptive_field",
    "field_box",
    "field_centre",
    "field_gradient",
    "formula_text",
    "global_avg_pool2d",
    "group_norm",
    "im2col",
    "kernel_positions",
    "layer_table",
    "lp_pool2d",
    "max_pool2d",
    "max_pool2d_backward",
    "pad2d",
    "per_axis",
    "pool_output_size",
    "pooling",
    "pytorch_size",
    "receptive_field",
    "size_formula",
    "sliding_steps",
    "strided_slice",
    "unused_cells",
]
