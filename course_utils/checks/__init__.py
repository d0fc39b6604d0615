"""Exercise checkers: each runs a student's function on cases from simple to hard and explains the first problem.
"""

from course_utils.checks.core import (
    CheckResult,
    check_batch_norm,
    check_conv2d,
    check_forward_shapes,
    check_max_pool2d,
    check_to_chw,
)
from course_utils.checks.output_size import check_output_size

__all__ = [
    "CheckResult",
    "check_batch_norm",
    "check_conv2d",
    "check_forward_shapes",
    "check_max_pool2d",
    "check_output_size",
    "check_to_chw",
]
