"""Model definitions the lessons train and inspect.
"""

from course_utils.models import detector
from course_utils.models.detector import DigitDetector, decode_detections, detect, detection_loss, detector_targets
from course_utils.models.digits import digit_cnn, lenet5, mlp
from course_utils.models.plain import plain_mlp
from course_utils.models.segmenter import MASK_CLASSES, TinyUNet

__all__ = [
    "DigitDetector",
    "MASK_CLASSES",
    "TinyUNet",
    "decode_detections",
    "detect",
    "detection_loss",
    "detector",
    "detector_targets",
    "digit_cnn",
    "lenet5",
    "mlp",
    "plain_mlp",
]
