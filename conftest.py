"""Test set-up for unit tests and notebooks alike: throw-away quiz progress, GPU cells, hypothesis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# OpenMP threads that busy-wait starve each other when cores are shared (test workers,
# notebook kernels); waiting passively costs nothing here and is often many times faster.
# It must be set before torch loads; notebook kernels inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import matplotlib  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import settings

# Kernels that nbval starts inherit this, so lessons never touch a student's real progress.
os.environ["COURSE_PROGRESS_FILE"] = str(Path(tempfile.mkdtemp(prefix="course-progress-")) / "progress.json")
# No progress bars or live plots: the same quiet outputs that scripts/execute_notebooks.py stored.
os.environ["COURSE_HEADLESS"] = "1"

# No per-example deadline: timings on a busy 2-core machine are noise, not failures.
# One PyTorch thread per test worker: two workers already fill a 2-core machine, and tiny
# tensors run slower, not faster, when threads compete. (Notebook kernels set their own.)
torch.set_num_threads(1)
# Figures drawn by tests and doctests go nowhere (kernels that nbval starts keep their inline backend).
matplotlib.use("Agg")

settings.register_profile("course", deadline=None, print_blob=True)
settings.load_profile("course")

GPU_SKIP_REASON = "gpu cell: needs a CUDA GPU, and this machine has none"


def _is_gpu_cell(item: pytest.Item) -> bool:
    cell = getattr(item, "cell", None)
    return cell is not None and "gpu" in cell.get("metadata", {}).get("tags", [])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip notebook cells tagged ``gpu`` where CUDA is missing, saying so in the summary."""
    if torch.cuda.is_available():
        return
    for item in items:
        if _is_gpu_cell(item):
            item.add_marker(pytest.mark.skip(reason=GPU_SKIP_REASON))
