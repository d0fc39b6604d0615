"""Interactive widgets: live in JupyterLab, plain text in stored notebooks and static slides.
"""

from course_utils.widgets.field_explorer import FieldExplorer
from course_utils.widgets.kernel_editor import KernelEditor
from course_utils.widgets.size_explorer import SizeExplorer
from course_utils.widgets.step_player import StepPlayer

__all__ = [
    "FieldExplorer",
    "KernelEditor",
    "SizeExplorer",
    "StepPlayer",
]
