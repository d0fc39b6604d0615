"""Quick checks on every lesson file, before nbval runs them."""

import ast
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from student_view import for_the_lecturer  # noqa: E402

from course_utils.quiz import load_bank  # noqa: E402

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
BENCH_RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results" / "notebooks.csv"
MAX_BYTES = 3_000_000  # figures readable at 100 dpi; the conventions' limit
# A cell with no slide_type continues the slide above it (nbconvert, RISE and jupyterlab-slideshow
# agree on that); the explicit "-" means the same to nbconvert, but jupyterlab-slideshow hides such cells.
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", None}


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_there_are_lessons():
    assert NOTEBOOKS, "no notebooks found"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    nb = nbformat.read(request.param, as_version=4)
    nbformat.validate(nb)
    return request.param, nb


def test_small_on_disk(notebook):
    path, _ = notebook
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: lower figure dpi or show fewer images"


def test_executed_top_to_bottom_in_one_run(notebook):
    path, nb = notebook
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run `make notebooks NB={path}`"


def test_no_error_outputs(notebook):
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises-exception" in tags(cell):
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}, cell {index}: stored error {errors[0].ename}"


def test_standard_first_cells(notebook):
    path, nb = notebook
    title, setup = nb.cells[0], nb.cells[1]
    assert title.cell_type == "markdown" and title.source.startswith("# "), path.name
    assert setup.cell_type == "code" and "course_utils.setup()" in setup.source, path.name
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_slide_types_work_in_every_slideshow_tool(notebook):
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        slide_type = cell.metadata.get("slideshow", {}).get("slide_type")
        hint = ' (to continue the slide above, leave slide_type out rather than "-")' if slide_type == "-" else ""
        assert slide_type in SLIDE_TYPES, f"{path.name}, cell {index}: slide_type {slide_type!r}{hint}"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"


def test_gpu_cells_are_ignored_leaves_with_the_magic(notebook):
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if "gpu" in tags(cell):
            assert "nbval-ignore-output" in tags(cell), f"{path.name}, cell {index}"
            assert cell.source.startswith("%%gpu"), f"{path.name}, cell {index}: start with %%gpu"


def test_speaker_notes_never_name_a_choice_by_position(notebook):
    """Choices are shuffled per question, so "the first choice" or "answer B" misleads the lecturer."""
    path, nb = notebook
    ordinal = r"\b(first|second|third|fourth|last) (choice|option)\b"
    position = re.compile(ordinal + r"|\b(choice|option|answer) [A-H]\b", re.I)
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("slideshow", {}).get("slide_type") == "notes":
            match = position.search(cell.source)
            assert not match, f"{path.name}, cell {index}: a note names a choice by position ({match.group(0)!r})"


def test_lecturer_material_is_folded_in_the_student_view(notebook):
    """Speaker notes and assert-only checks are collapsed (one click away); nbval still runs the checks."""
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if for_the_lecturer(cell):
            hidden = cell.metadata.get("jupyter", {}).get("source_hidden")
            assert hidden, f"{path.name}, cell {index}: fold it (python scripts/student_view.py {path})"


def shown_quizzes(nb) -> list[tuple[int, str, list[str]]]:
    """Every ``quiz.show(bank, selection)`` of a lesson, as (cell index, bank, the question ids it shows)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "quiz.show" not in cell.source:
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            func = getattr(node, "func", None)
            if isinstance(func, ast.Attribute) and func.attr == "show" and getattr(func.value, "id", None) == "quiz":
                bank, *selection = [ast.literal_eval(arg) for arg in node.args]
                ids = [q.id for q in load_bank(bank).select(*selection[:1])]
                found.append((index, bank, ids))
    return found


def test_each_quiz_question_is_asked_in_one_lesson_only():
    """A question shown in two lessons is asked twice: keep it where it fits best, refer back from the other."""
    asked = defaultdict(set)  # question id: the lessons that show it
    for path in NOTEBOOKS:
        for _, _, ids in shown_quizzes(nbformat.read(path, as_version=4)):
            for qid in ids:
                asked[qid].add(path.stem)
    twice = {qid: sorted(lessons) for qid, lessons in asked.items() if len(lessons) > 1}
    assert not twice, f"questions asked in more than one lesson: {twice}"
    assert len(asked) >= 10, "the lessons should show their quizzes"


def test_the_title_quotes_the_measured_cpu_time(notebook):
    """The promise "CPU time: about N s" is the row of `make bench` (bench/results/notebooks.csv)."""
    path, nb = notebook
    rows = {row["notebook"]: float(row["seconds"]) for row in csv.DictReader(open(BENCH_RESULTS))}
    quoted = re.search(r"\*CPU time:\* about (\d+) s", nb.cells[0].source)
    assert quoted, f"{path.name}: say the CPU time in the title cell, from `make bench`"
    assert path.stem in rows, f"{path.name}: not timed yet; run `make bench`"
    assert int(quoted.group(1)) == round(rows[path.stem]), f"{path.name}: `make bench` measured {rows[path.stem]} s"
