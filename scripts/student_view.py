"""Fold the lecturer's material away in the student's reading view: speaker notes and claim checks.

Usage: python scripts/student_view.py [notebook ...]   (default: every lesson)

A speaker note (a markdown cell whose slide type is ``notes``) and a check (a code cell made only
of ``assert`` statements, or a silent ``skip`` cell that asserts: CI runs it, a student need not
read it) get JupyterLab's
``"jupyter": {"source_hidden": true}``: collapsed to one line, one click away. Only metadata
changes; nbval still runs every check. ``tests/test_notebooks_structure.py`` keeps it so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
from lessons import notebooks_from_command_line

ROOT = Path(__file__).resolve().parent.parent


def is_speaker_note(cell) -> bool:
    return cell.cell_type == "markdown" and cell.metadata.get("slideshow", {}).get("slide_type") == "notes"


def is_check(cell) -> bool:
    """A code cell of asserts only, or an off-slide (``skip``) cell with no output that asserts."""
    if cell.cell_type != "code" or cell.source.lstrip().startswith("%"):
        return False
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return False
    if tree.body and all(isinstance(node, ast.Assert) for node in tree.body):
        return True
    off_slide = cell.metadata.get("slideshow", {}).get("slide_type") == "skip"
    asserts = any(isinstance(node, ast.Assert) for node in ast.walk(tree))
    return off_slide and asserts and not cell.get("outputs")


def for_the_lecturer(cell) -> bool:
    return is_speaker_note(cell) or is_check(cell)


def fold(path: Path) -> int:
    """Collapse the lecturer's cells of one notebook; returns how many changed."""
    notebook = nbformat.read(path, as_version=4)
    changed = 0
    for cell in notebook.cells:
        if for_the_lecturer(cell) and not cell.metadata.get("jupyter", {}).get("source_hidden"):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            changed += 1
    if changed:
        nbformat.write(notebook, path)
    return changed


def main() -> None:
    paths = notebooks_from_command_line(__doc__)
    for path in paths:
        print(f"{path.name}: {fold(path)} cells folded")


if __name__ == "__main__":
    main()
