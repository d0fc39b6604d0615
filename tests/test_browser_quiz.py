"""The quiz widget in a real browser: JupyterLab in headless Chromium, driven by Playwright.

A student answers wrong, then right, with the mouse (a choice question) and with the
keyboard only (a shape typed in a text box, a choice question, a select-all question),
and the feedback must appear in the cell's output. A screenshot is saved under the test's
``tmp_path``. Needs ``/usr/bin/chromium`` (Debian/Ubuntu: ``apt-get install chromium``);
without it the test is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser import jupyterlab, launch, require_chromium

from course_utils.quiz import load_bank

pytestmark = pytest.mark.browser

WAIT_MS = 120_000  # generous: a cold kernel imports PyTorch first
CELLS = [
    "from course_utils import quiz\nquiz.show('03_conv_arithmetic', 'output-after-pool2')",
    "quiz.show('05_pooling', 'mlhep-most-params')",
    "quiz.show('05_pooling', 'mlhep-most-compute')",
    "quiz.show('01_images', 'dense-layer-on-images')",
    "quiz.instructor_mode()\nquiz.show('05_pooling', 'mlhep-most-compute')",
]


def _write_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    # "python3" is the kernel of the environment that runs the server (this venv).
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(notebook, path)


@pytest.fixture
def lab_url(tmp_path) -> Iterator[str]:
    """A JupyterLab on 127.0.0.1 with a random port and token, opening the quiz notebook."""
    require_chromium()
    root = tmp_path / "root"
    root.mkdir()
    _write_notebook(root / "quiz.ipynb")
    with jupyterlab(root, tmp_path) as (base, token):
        yield f"{base}/lab/tree/quiz.ipynb?token={token}"


def test_quiz_in_jupyterlab_with_mouse_and_keyboard(lab_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)
            page.goto(lab_url)
            cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")
            expect(cells).to_have_count(len(CELLS))
            expect(page.get_by_role("button", name=re.compile(r"\| Idle$"))).to_be_visible()  # kernel ready
            outputs = [cells.nth(i).locator(".jp-OutputArea-output") for i in range(len(CELLS))]
            for cell, output in zip(cells.all(), outputs, strict=True):
                cell.locator(".jp-InputArea-editor").click()
                page.keyboard.press("Control+Enter")  # run this cell, stay on it
                expect(output.locator(".course-quiz")).to_be_visible()
            try:
                _answer_with_the_mouse(outputs[1], expect)
                _answer_shape_with_the_keyboard(page, outputs[0], expect)
                _answer_choice_with_the_keyboard(page, outputs[2], expect)
                _answer_select_all_with_the_keyboard(page, outputs[3], expect)
                _vote_then_reveal(outputs[4], expect)
            finally:
                page.screenshot(path=str(tmp_path / "quiz.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "quiz.png").stat().st_size > 0


def _vote_then_reveal(output, expect) -> None:
    """Instructor mode: nothing gives the answer away until the lecturer counts the votes and reveals."""
    reveal = output.get_by_role("button", name="Reveal answer")
    expect(reveal).to_be_visible()
    expect(output.get_by_text("The answer")).to_have_count(0)
    output.get_by_role("button", name="A: 0").click()  # two hands up for A
    output.get_by_role("button", name="A: 1").click()
    expect(output.get_by_role("button", name="A: 2")).to_be_visible()
    reveal.click()
    expect(output.get_by_text("The room voted A: 2")).to_be_visible()
    expect(output.get_by_text("The answer")).to_be_visible()


def _choice(output, text: str):
    """The answer button for the choice that reads ``text`` (its letter; the text is its tooltip)."""
    return output.locator(f'button[title="{text}"]')


def _answer_with_the_mouse(output, expect) -> None:
    """mlhep-most-params: click a wrong letter, Check; show the answer; click the right one, Check."""
    _choice(output, "conv1 (100 filters of 5×5)").click()
    output.get_by_role("button", name="Check").click()
    expect(output.get_by_text("Not quite")).to_be_visible()
    expect(output.get_by_text("shared across all")).to_be_visible()  # the feedback for conv1
    output.get_by_role("button", name="Show answer").click()
    expect(output.locator(".course-quiz-feedback").get_by_text("The answer")).to_be_visible()
    _choice(output, "dense1 (128 units)").click()
    output.get_by_role("button", name="Check").click()
    expect(output.get_by_text("Correct!")).to_be_visible()


def _answer_shape_with_the_keyboard(page, output, expect) -> None:
    """output-after-pool2: type a shape and press Enter in the text box."""
    output.get_by_role("textbox").focus()  # where Tab would land; from here on only keys
    page.keyboard.type("36x4x4")
    page.keyboard.press("Enter")
    expect(output.get_by_text("Not quite")).to_be_visible()
    expect(output.get_by_text("You forgot the padding")).to_be_visible()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("oops")
    page.keyboard.press("Enter")
    expect(output.get_by_text("Could not read 'oops' as a shape")).to_be_visible()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("(36, 7, 7)")
    page.keyboard.press("Enter")
    expect(output.get_by_text("Correct!")).to_be_visible()


def _answer_choice_with_the_keyboard(page, output, expect) -> None:
    """mlhep-most-compute (letters in layer order): Tab moves, Space and Enter press."""
    check = output.get_by_role("button", name="Check")
    _choice(output, "conv1 (100 filters of 5×5)").focus()  # letter A, where Tab would land
    page.keyboard.press("Tab")  # to B, pool1: a wrong answer
    page.keyboard.press("Space")
    expect(_choice(output, "pool1 (max 3×3, stride 3)")).to_have_class(re.compile("mod-active"))
    for _ in range(5):  # past C, D, E, F to Check
        page.keyboard.press("Tab")
    expect(check).to_be_focused()
    page.keyboard.press("Enter")
    expect(output.get_by_text("Not quite")).to_be_visible()
    for _ in range(6):  # back to A, conv1
        page.keyboard.press("Shift+Tab")
    expect(_choice(output, "conv1 (100 filters of 5×5)")).to_be_focused()
    page.keyboard.press("Enter")
    # Wait for the choice to reach the kernel before checking: on a loaded machine the click can lag.
    expect(_choice(output, "conv1 (100 filters of 5×5)")).to_have_class(re.compile("mod-active"))
    for _ in range(6):
        page.keyboard.press("Tab")
    expect(check).to_be_focused()
    page.keyboard.press("Space")
    expect(output.get_by_text("Correct!")).to_be_visible()


def _answer_select_all_with_the_keyboard(page, output, expect) -> None:
    """dense-layer-on-images: Space ticks the focused box, Tab moves on; tick all, then fix."""
    question = load_bank("01_images").questions["dense-layer-on-images"]
    boxes = output.get_by_role("checkbox")
    expect(boxes).to_have_count(len(question.choices))
    check = output.get_by_role("button", name="Check")
    boxes.first.focus()  # where Tab would land; from here on only keys
    for _ in question.choices:  # tick every box: two statements are false
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    expect(check).to_be_focused()
    page.keyboard.press("Enter")
    expect(output.get_by_text("Not quite")).to_be_visible()
    for _ in question.choices:
        page.keyboard.press("Shift+Tab")
    for choice in question.choices:  # untick the false statements
        if choice.id not in question.answer:
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
    expect(check).to_be_focused()
    page.keyboard.press("Space")
    expect(output.get_by_text("Correct!")).to_be_visible()
