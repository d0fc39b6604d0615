"""Plot of per-layer signal statistics (:func:`course_utils.analysis.layer_statistics`)."""

from __future__ import annotations

import numpy as np

from course_utils.analysis.signals import LayerStatistics


def plot_layer_statistics(
    runs: dict[str, LayerStatistics], title: str = "", ylim: tuple[float, float] | None = None, axes=None
):
    """Activation std (forward) and gradient std (backward) per layer, log scale; one line per run.

    ``ylim`` sets the same vertical range on both panels, so that two figures compare at a
    glance. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    else:
        fig = axes[0].figure
    for label, stats in runs.items():
        layers = np.arange(1, len(stats.activation_std) + 1)
        axes[0].plot(layers, stats.activation_std, label=label)
        axes[1].plot(layers, stats.gradient_std, label=label)
    axes[0].set(yscale="log", xlabel="layer", ylabel="std of its output", title="forward: activations")
    axes[1].set(yscale="log", xlabel="layer", ylabel="std of dloss/doutput", title="backward: gradients")
    if ylim is not None:
        for ax in axes:
            ax.set_ylim(*ylim)
    axes[0].legend(fontsize=10)
    if title:
        fig.suptitle(title)
    return fig
