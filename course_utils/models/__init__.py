"""Model definitions the lessons train and inspect.
"""

from course_utils.models.digits import digit_cnn, lenet5, mlp
from course_utils.models.plain import plain_mlp

__all__ = [
    "digit_cnn",
    "lenet5",
    "mlp",
    "plain_mlp",
]
