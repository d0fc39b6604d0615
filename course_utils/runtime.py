"""Reproducible set-up for every notebook: seeds, threads, plots, device.

The first code cell of each lesson calls :func:`setup`, so that a fresh run
prints the same numbers as the stored outputs (nbval checks that).
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["seed_everything", "set_plot_defaults", "setup", "thread_count"]

THREADS_ENV = "COURSE_THREADS"
DEFAULT_THREADS = 2


def thread_count() -> int:
    """Threads PyTorch may use: ``$COURSE_THREADS`` if set, else 2.

    A fixed count keeps results (float sums split across threads) the same on
    every laptop; 2 is the smallest machine the course is tested on.
    """
    raw = os.environ.get(THREADS_ENV, str(DEFAULT_THREADS))
    try:
        threads = int(raw)
    except ValueError:
        raise ValueError(
            f"{THREADS_ENV}={raw!r} is not a whole number; set it to e.g. 2 or unset it"
        ) from None
    if threads < 1:
        raise ValueError(f"{THREADS_ENV}={threads} must be at least 1")
    return threads


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


FIGURE_DPI = 100  # 10-point text is then 14 px: as large as the notebook's own text at 100% zoom


def set_plot_defaults() -> None:
    """Figures readable on a laptop and a projector: text as large as the notebook's, 10 inches = 1,000 px wide."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (10, 4),
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": FIGURE_DPI,
            "image.cmap": "gray",
            "axes.grid": False,
            "font.size": 10,
        }
    )


def setup(seed: int = 0) -> torch.device:
    """Prepare a lesson: seeds, deterministic algorithms, threads, plots, ``%%gpu``.

    Returns the device to compute on: ``cuda`` when a CUDA GPU is present,
    else ``cpu``. Call it once, in the first code cell::

        device = course_utils.setup()
    """
    # cuBLAS needs this before its first call to be deterministic.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    seed_everything(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(thread_count())
    np.set_printoptions(precision=4, suppress=True)
    set_plot_defaults()

    from course_utils.gpu import register_gpu_magic

    register_gpu_magic()
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
