"""Interactive widgets: live in JupyterLab, plain text in stored notebooks and static slides.

All share :class:`CourseWidget` (state in Python, batched redraws, one way to be displayed).
"""

from course_utils.widgets.base import CourseWidget
from course_utils.widgets.field_explorer import FieldExplorer
from course_utils.widgets.kernel_editor import KernelEditor
from course_utils.widgets.size_explorer import SizeExplorer
from course_utils.widgets.step_player import StepPlayer

__all__ = [
    "CourseWidget",
    "FieldExplorer",
    "KernelEditor",
    "SizeExplorer",
    "StepPlayer",
]
