"""Re-run lessons top to bottom and store their outputs (what nbval later compares).

Usage: python scripts/execute_notebooks.py [notebook ...]   (default: every lesson)

Run it with the course environment (``make notebooks``) after editing a lesson,
so that the committed outputs are exactly what a fresh run prints. Quiz
attempts made while executing go to a throw-away progress file, and training
runs headless (no progress bars or live plots), as under the tests.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
from lessons import notebooks_from_command_line
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook in its own folder; returns it with outputs, and the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start


def execute(path: Path) -> float:
    """Execute one notebook and store its outputs in place; returns the seconds it took."""
    notebook, seconds = run(path)
    nbformat.write(notebook, path)
    return seconds


@contextmanager
def recording_environment():
    """The environment lessons run in unattended: throw-away quiz progress, headless training."""
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["COURSE_PROGRESS_FILE"] = str(Path(scratch) / "progress.json")
        os.environ["COURSE_HEADLESS"] = "1"
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as under the tests (conftest.py)
        yield


def main() -> None:
    paths = notebooks_from_command_line(__doc__)
    with recording_environment():
        for path in paths:
            print(f"{path.name}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main()
