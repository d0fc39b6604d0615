"""`make guide`: a lecturer's guide per lesson, generated from the notebook's tags and its quiz bank."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_guide  # noqa: E402


def md(source: str, slide: str | None = None, tags: tuple[str, ...] = ()):
    metadata = {"tags": list(tags)}
    if slide:
        metadata["slideshow"] = {"slide_type": slide}
    return nbformat.v4.new_markdown_cell(source, metadata=metadata)


def lesson(tmp_path: Path) -> Path:
    """A small lesson named like lesson 02, so that its real quiz bank answers for the quizzes."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        md("# 02 · Convolution\n\nThe promise.", "slide"),
        md("You can:\n\n* compute a convolution by hand\n* read a kernel's effect", tags=("objectives",)),
        md("## By hand\n\nText.", "slide", ("core", "minutes-20")),
        md("Speaker note: draw the 5 x 5 grid first.", "notes"),
        nbformat.v4.new_code_cell('quiz.show("02_convolution", "which-filter-made-edges")'),
        md("## The kernel editor\n\nText.", "slide", ("core", "minutes-15")),
        nbformat.v4.new_code_cell("editor = KernelEditor(gray, KERNELS)\neditor"),
        md("## Speed\n\nText.", "slide", ("optional", "minutes-30")),
        md(
            "## Summary\n\n* A kernel slides over the image.\n* Padding keeps the size.",
            "slide",
            ("core", "minutes-5"),
        ),
    ]
    path = tmp_path / "02_convolution.ipynb"
    nbformat.write(notebook, path)
    return path


def test_the_guide_gathers_objectives_sections_questions_and_misconceptions(tmp_path):
    text = build_guide.guide(lesson(tmp_path))
    assert "* compute a convolution by hand" in text
    assert "## 1. By hand (20 min, core)" in text and "## 3. Speed (30 min, optional)" in text
    assert "* Say: draw the 5 x 5 grid first." in text
    assert "* Ask the room: quiz `which-filter-made-edges`" in text
    assert "* Run live: KernelEditor" in text
    assert "Misconception (which-filter-made-edges:" in text  # from the bank's wrong-answer feedback
    assert "* Padding keeps the size." in text.split("## Recap")[1]


def test_the_cuts_follow_from_the_tags(tmp_path):
    parts = build_guide.sections(nbformat.read(lesson(tmp_path), as_version=4))
    assert [s.title for s in build_guide.cut(parts, 45)] == ["By hand", "The kernel editor", "Summary"]
    everything = ["By hand", "The kernel editor", "Speed", "Summary"]
    assert [s.title for s in build_guide.cut(parts, 90)] == everything


def test_an_untagged_section_is_named_with_the_fix(tmp_path):
    path = lesson(tmp_path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[2].metadata["tags"] = []
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match="'By hand'.*tag it 'core' or 'optional' and 'minutes-N'"):
        build_guide.guide(path)


def test_estimate_tags_untagged_sections_and_keeps_a_lecturers_own_tags(tmp_path):
    path = lesson(tmp_path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[2].metadata["tags"] = []  # "By hand": untagged
    notebook.cells[7] = md("## Going further (optional)\n\n" + "word " * 240, "slide")
    nbformat.write(notebook, path)
    assert build_guide.estimate(path) == 2
    parts = {s.title: s for s in build_guide.sections(nbformat.read(path, as_version=4))}
    assert parts["By hand"].core and parts["By hand"].minutes == 2  # one quiz (2 min) and a few words
    assert not parts["Going further (optional)"].core and parts["Going further (optional)"].minutes == 2
    assert parts["The kernel editor"].minutes == 15  # tagged by the lecturer: unchanged


LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_guide_whose_core_fits_a_lecture(path):
    notebook = nbformat.read(path, as_version=4)
    assert "objectives" in build_guide.tags(notebook.cells[0]), "the objectives belong on the first slide"
    assert 4 <= len(build_guide.objectives(notebook)) <= 5, "write the objectives as 4-5 bullets"
    parts = build_guide.sections(notebook)  # raises, naming the section, where a tag is missing
    core = sum(s.minutes for s in parts if s.core)
    assert core <= 90, f"the core sections take {core} minutes; mark some optional"
    text = build_guide.guide(path)
    assert "## Recap" in text and "45-minute cut" in text
