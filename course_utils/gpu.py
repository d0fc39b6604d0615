"""GPU cells: run where CUDA exists, skip with one friendly line where it does not.

A notebook cell that needs CUDA starts with the ``%%gpu`` cell magic (registered
by :func:`course_utils.setup`) and carries the cell tag ``gpu``; the test suite
skips cells with that tag on machines without a GPU.
"""

from __future__ import annotations

import torch

__all__ = ["gpu_cell", "has_gpu", "register_gpu_magic"]

SKIP_MESSAGE = "This cell needs a CUDA GPU; skipped (none on this machine). Everything else runs on the CPU."


def has_gpu() -> bool:
    """True when PyTorch can see a CUDA device."""
    return torch.cuda.is_available()


def gpu_cell(line: str, cell: str) -> None:
    """Body of the ``%%gpu`` magic: run the cell on a GPU machine, else say why not."""
    if not has_gpu():
        print(SKIP_MESSAGE)
        return
    from IPython import get_ipython

    get_ipython().run_cell(cell)


def register_gpu_magic() -> bool:
    """Register ``%%gpu`` in the running IPython; returns False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.register_magic_function(gpu_cell, magic_kind="cell", magic_name="gpu")
    return True
