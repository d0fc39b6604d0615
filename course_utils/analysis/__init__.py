"""Measuring a network: its summary table, its response to shifts, the signal through its layers, its reconstructions.
"""

from course_utils.analysis.features import Hit, confusion_matrix, layer_outputs, patch_under, top_activations
from course_utils.analysis.reconstruction import checkerboard_energy, psnr
from course_utils.analysis.shifts import pan, relative_change, shift_sensitivity
from course_utils.analysis.signals import LayerStatistics, layer_statistics
from course_utils.analysis.stages import Stage, StageTable, longest_path, spatial_path, stage_table
from course_utils.analysis.summary import ModelSummary, multiply_adds, summary

__all__ = [
    "Hit",
    "LayerStatistics",
    "Stage",
    "StageTable",
    "ModelSummary",
    "checkerboard_energy",
    "confusion_matrix",
    "layer_outputs",
    "layer_statistics",
    "longest_path",
    "multiply_adds",
    "pan",
    "patch_under",
    "psnr",
    "relative_change",
    "shift_sensitivity",
    "spatial_path",
    "stage_table",
    "summary",
    "top_activations",
]
