"""Live slides in a real browser: a lesson presented with jupyterlab-slideshow, its widgets working.

A lecturer runs lesson 02 in JupyterLab, selects a quiz and starts the deck (the command
palette's "Start Deck"): the quiz is live on the slide, a wrong and a right answer get their
feedback; PageDown (what a presenter's clicker sends) walks on to the kernel editor's slide,
where picking another preset re-filters the photo. Screenshots are saved under ``tmp_path``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import jupyterlab, launch, require_chromium

from course_utils.quiz import load_bank

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
LESSON = "02_convolution"
QUIZ = "which-filter-made-edges"
WAIT_MS = 180_000  # a cold kernel imports PyTorch, then the lesson runs
IDLE = re.compile(r"\| Idle$")


@pytest.fixture
def lesson_url(tmp_path):
    """JupyterLab on a copy of the lesson (autosave must not touch the committed file)."""
    require_chromium()
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{LESSON}.ipynb", root / "notebooks")
    with jupyterlab(root, tmp_path) as (base, token):
        yield f"{base}/lab/tree/notebooks/{LESSON}.ipynb?token={token}"


def command(page, name: str) -> None:
    """Run a JupyterLab command by its label, as a user does: the command palette."""
    page.keyboard.press("Control+Shift+c")
    page.keyboard.type(name)
    page.keyboard.press("Enter")


def test_a_lesson_presents_live_with_working_widgets(lesson_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    question = load_bank(LESSON).questions[QUIZ]
    right, wrong = question.choice_text(question.answer), question.choice_text("box-blur")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 720})  # a projector
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        try:
            page.goto(lesson_url)
            expect(page.get_by_role("button", name=IDLE)).to_be_visible()
            command(page, "Run All Cells")
            quiz_cell = page.locator(".jp-CodeCell", has=page.locator(".jp-Editor", has_text=QUIZ))
            expect(quiz_cell.locator(".course-quiz button").first).to_be_visible()  # the live widget, not text
            expect(page.get_by_role("button", name=IDLE)).to_be_visible()
            quiz_cell.locator(".jp-InputPrompt").click()  # select the quiz: the deck starts on its slide
            command(page, "Start Deck")
            expect(page.locator("body[data-jp-deck-mode='presenting']")).to_have_count(1)

            quiz = quiz_cell.locator(".course-quiz")
            expect(quiz).to_be_in_viewport()
            quiz.locator(f'button[title="{wrong}"]').click()
            quiz.get_by_role("button", name="Check").click()
            expect(quiz.get_by_text("Not quite")).to_be_visible()
            quiz.locator(f'button[title="{right}"]').click()
            quiz.get_by_role("button", name="Check").click()
            expect(quiz.get_by_text("Correct!")).to_be_visible()
            page.screenshot(path=str(tmp_path / "quiz-slide.png"))

            editor_cell = page.locator(".jp-CodeCell", has=page.locator(".jp-Editor", has_text="KernelEditor("))
            preset = editor_cell.get_by_role("combobox")
            presses = 0
            while not (preset.is_visible() and _in_viewport(preset)) and presses < 12:
                page.keyboard.press("PageDown")  # what a presenter's clicker sends
                page.wait_for_timeout(400)
                presses += 1
            assert 0 < presses < 12, f"PageDown did not walk from the quiz to the editor ({presses} presses)"
            expect(preset).to_be_in_viewport()
            filtered = editor_cell.locator("img").nth(1)
            before = filtered.get_attribute("src")
            preset.select_option("edge")
            expect(filtered).not_to_have_attribute("src", before)
            page.screenshot(path=str(tmp_path / "editor-slide.png"))
        finally:
            browser.close()


def _in_viewport(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 720
