"""Without a live kernel (nbconvert HTML, GitHub, static slides) a quiz still reads well.

A tiny notebook is executed in a real kernel, as the course stores its lessons, then
converted to HTML. The question must be there as text, with the answer and explanation
folded in a ``<details>`` block.
"""

from __future__ import annotations

import html
import re

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from course_utils import quiz
from course_utils.quiz.render import static_html
from course_utils.widgets.base import WIDGET_VIEW_MIME


def _execute(tmp_path, *sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    # As scripts/execute_notebooks.py does: no saved widget state, so that HTML exports
    # fall back to the static view instead of loading a widget renderer from the web.
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    nbformat.write(notebook, tmp_path / "quiz.ipynb")
    return notebook


def _details_blocks(page: str) -> list[str]:
    return re.findall(r"<details>.*?</details>", page, flags=re.S)


def test_an_executed_quiz_reads_well_as_html(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    notebook = _execute(
        tmp_path,
        "from course_utils import quiz\nquiz.show('03_conv_arithmetic', 'output-after-pool2')",
        "quiz.show('05_pooling', 'mlhep-most-params')",
        "quiz.instructor_mode()\nquiz.show('02_convolution', 'binary-5x5-first-output')",
    )
    outputs = [cell.outputs for cell in notebook.cells]
    assert all(len(cell_outputs) == 1 for cell_outputs in outputs), outputs
    shape_output = outputs[0][0]
    assert {WIDGET_VIEW_MIME, "text/html", "text/plain"} <= set(shape_output.data)
    # nbval compares text/html and text/plain: they must equal a fresh rendering in this process.
    question = quiz.load_bank("03_conv_arithmetic").questions["output-after-pool2"]
    assert shape_output.data["text/html"] == static_html(question)

    page, _ = HTMLExporter().from_notebook_node(notebook)
    text = html.unescape(page)
    assert "What is the shape" in text and "after the second pooling" in text
    assert "Which layer has the most learnable parameters?" in text
    assert "E.</strong> dense1 (128 units)" in text  # the choices are listed, lettered
    folded = [html.unescape(block) for block in _details_blocks(page)]
    assert any("36 × 7 × 7" in block and "Padding 2 is" in block for block in folded)
    assert any("Answer:</strong> E. dense1 (128 units)" in block for block in folded)
    # The answer appears only inside the folded blocks, not in the visible page text.
    unfolded = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    assert "36 × 7 × 7" not in unfolded
    # Instructor mode too keeps the answer folded: the lecturer opens it after the room votes.
    assert "<details open" not in page
