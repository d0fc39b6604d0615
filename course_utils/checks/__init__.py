"""Exercise checkers: each runs a student's function on cases from simple to hard and explains the first problem.

One module per exercise (its cases, how a result is judged, its catalogue of typical mistakes), all
on the shared skeleton of :mod:`course_utils.checks.core`:

* :func:`check_to_chw` (lesson 01), :func:`check_conv2d` (lesson 02), :func:`check_output_size`
  (lesson 03), :func:`check_receptive_field_size` (lesson 04), :func:`check_max_pool2d` (lesson 05),
  :func:`check_batch_norm` (lesson 06), :func:`check_forward_shapes` (lesson 07),
  :func:`check_basic_block` and :func:`check_vgg_block_params` (lesson 08), :func:`check_box_iou` and
  :func:`check_nms` (lesson 09),
  :func:`check_decoder_shapes` and :func:`check_vae_loss` (lesson 10), :func:`check_rotated_filters` (lesson 11),
  :func:`check_trapezoid_kernel` (lesson 12).

Each prints its verdict (``verbose=False`` keeps it quiet) and returns a :class:`CheckResult`, true when
every case passed; a function that is still the exercise's stub gets a friendly "Not written yet".
"""

from course_utils.checks.basic_block import check_basic_block
from course_utils.checks.batch_norm import check_batch_norm
from course_utils.checks.box_iou import check_box_iou
from course_utils.checks.conv2d import check_conv2d
from course_utils.checks.core import CheckResult
from course_utils.checks.decoder_shapes import check_decoder_shapes, exercise_encoder
from course_utils.checks.forward_shapes import check_forward_shapes
from course_utils.checks.max_pool2d import check_max_pool2d
from course_utils.checks.nms import check_nms
from course_utils.checks.output_size import check_output_size
from course_utils.checks.receptive_field_size import check_receptive_field_size
from course_utils.checks.rotated_filters import check_rotated_filters
from course_utils.checks.to_chw import check_to_chw
from course_utils.checks.trapezoid_kernel import check_trapezoid_kernel
from course_utils.checks.vae_loss import check_vae_loss
from course_utils.checks.vgg_block_params import check_vgg_block_params

__all__ = [
    "CheckResult",
    "check_basic_block",
    "check_batch_norm",
    "check_box_iou",
    "check_conv2d",
    "check_decoder_shapes",
    "check_forward_shapes",
    "check_max_pool2d",
    "check_nms",
    "check_output_size",
    "check_receptive_field_size",
    "check_rotated_filters",
    "check_to_chw",
    "check_trapezoid_kernel",
    "check_vgg_block_params",
    "check_vae_loss",
    "exercise_encoder",
]
