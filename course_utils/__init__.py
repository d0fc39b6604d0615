"""Helpers for the hands-on CNN course.

Every lesson starts with::

    import course_utils
    device = course_utils.setup()
"""

from course_utils.data import IMAGES, load_digits8, load_faces, load_image, load_mnist, to_tensor
from course_utils.gpu import has_gpu
from course_utils.runtime import setup

__all__ = [
    "IMAGES",
    "has_gpu",
    "load_digits8",
    "load_faces",
    "load_image",
    "load_mnist",
    "setup",
    "to_tensor",
]
