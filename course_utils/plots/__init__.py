"""Figures: images and numbers, convolution steps, receptive fields, learned features, training curves.

:func:`check_image` and :func:`to_numpy` check what the figures (and the widgets) are given.
"""

from course_utils.plots.benchmarks import plot_accuracy_vs_compute, plot_challenge_history
from course_utils.plots.features import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_kernels,
    plot_top_patches,
    show_mistakes,
)
from course_utils.plots.fields import draw_field, nested_fields, table_for_image
from course_utils.plots.images import (
    bar_counts,
    check_image,
    plot_curves,
    show_images,
    show_numbers,
    show_patch,
    to_numpy,
)
from course_utils.plots.scenes import draw_boxes, show_masks, show_scenes
from course_utils.plots.signals import plot_layer_statistics
from course_utils.plots.steps import draw_frame, draw_positions, plot_steps, positions_figure

__all__ = [
    "bar_counts",
    "check_image",
    "draw_boxes",
    "draw_field",
    "draw_frame",
    "draw_positions",
    "nested_fields",
    "plot_accuracy_vs_compute",
    "plot_challenge_history",
    "plot_confusion_matrix",
    "plot_curves",
    "plot_feature_maps",
    "plot_kernels",
    "plot_layer_statistics",
    "plot_steps",
    "plot_top_patches",
    "positions_figure",
    "show_images",
    "show_masks",
    "show_mistakes",
    "show_numbers",
    "show_patch",
    "show_scenes",
    "table_for_image",
    "to_numpy",
]
