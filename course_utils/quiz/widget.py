"""The quiz as an ipywidgets card, plus the static view that stands in for it without a kernel.

A card is: the prompt, an input that fits the question type, the buttons Check, Hint and
Show answer, and a feedback area. All the judging happens in Python
(:func:`course_utils.quiz.questions.check_answer`), so tests can drive a card headlessly:
set the input's value, call ``card.check_button.click()``, read ``card.feedback.value``.

Everything works from the keyboard: Tab moves between the input and the buttons, arrow keys
move between radio buttons, Space ticks a box or presses a button, and Enter in a text box
checks the answer.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
from IPython.display import display

from course_utils.quiz import progress
from course_utils.quiz.bank import load_bank
from course_utils.quiz.model import Question
from course_utils.quiz.questions import Result, check_answer
from course_utils.quiz.render import answer_html, markdown_to_html, question_html, static_html, static_text
from course_utils.widgets.base import CourseWidget

_PLACEHOLDERS = {"numeric": "a number, e.g. 42", "shape": "e.g. 28x28 or 3x32x32", "text": "your answer"}
_GOOD, _BAD, _NOTE = "#1a7f37", "#b42318", "#6e5300"

# ----------------------------------------------------------------------------- instructor mode

_instructor_override: bool | None = None


def instructor_mode(enabled: bool | None = True) -> None:
    """Teach from the front: quizzes displayed from now on get vote counters and a Reveal button.

    The room votes first (a show of hands; click a letter's counter to record it), then the
    lecturer presses *Reveal answer*. Answers checked in this mode are not saved, so the
    lecturer's own progress stays as it was. ``instructor_mode(False)`` turns it off again, and
    ``instructor_mode(None)`` leaves the choice to the environment variable
    ``COURSE_INSTRUCTOR`` (``1`` means on), which also decides when this is never called.
    """
    global _instructor_override
    _instructor_override = None if enabled is None else bool(enabled)


def is_instructor() -> bool:
    """True in instructor mode (set by :func:`instructor_mode` or ``COURSE_INSTRUCTOR``)."""
    if _instructor_override is not None:
        return _instructor_override
    return os.environ.get("COURSE_INSTRUCTOR", "").strip().lower() in {"1", "true", "yes", "on"}


# ----------------------------------------------------------------------------- the card


class QuizCard(CourseWidget):
    """One interactive question. Display it in a notebook, or drive it from a test.

    Outside a live notebook it shows the question as HTML and text (:meth:`html`,
    :meth:`text`), which depend only on the question: the answer is folded away in both.
    """

    def __init__(self, question: Question, instructor: bool | None = None):
        super().__init__()
        self.question = question
        self.instructor = is_instructor() if instructor is None else instructor
        self.attempts = 0
        self._last_checked: object = None

        self.prompt = widgets.HTMLMath(question_html(question))
        self.answer_input = _make_input(question)
        self.check_button = widgets.Button(description="Check", button_style="primary", tooltip="Check your answer")
        self.hint_button = widgets.Button(description="Hint", tooltip="Show a hint")
        self.show_answer_button = widgets.Button(
            description="Show answer",
            tooltip="Available after your first attempt",
            disabled=True,
        )
        self.hint_area = widgets.HTMLMath()
        self.feedback = widgets.HTMLMath()
        self.instructor_area = widgets.HTMLMath()
        self.reveal_button = widgets.Button(
            description="Reveal answer", button_style="warning", tooltip="Show the room the answer and why"
        )
        self.votes = {choice.id: 0 for choice in question.choices}
        self.vote_buttons = {choice.id: widgets.Button(layout={"width": "5em"}) for choice in question.choices}

        self.check_button.on_click(self.check)
        self.hint_button.on_click(self.show_hint)
        self.show_answer_button.on_click(self.show_answer)
        self.reveal_button.on_click(self.reveal)
        for choice_id, button in self.vote_buttons.items():
            button.on_click(lambda _button, choice_id=choice_id: self.vote(choice_id))
            self._show_votes(choice_id)
        if isinstance(self.answer_input, widgets.Text):
            self.answer_input.observe(self._on_enter, names="value")

        buttons = [self.check_button, self.show_answer_button]
        if question.hint:
            buttons.insert(1, self.hint_button)
        rows = [self.prompt, self.answer_input, widgets.HBox(buttons), self.hint_area, self.feedback]
        if self.instructor:
            rows += [self._instructor_row(), self.instructor_area]
        self.widget = widgets.VBox(rows)
        self.widget.add_class("course-quiz")

    # -- reading the input --------------------------------------------------------------

    def response(self) -> object:
        """What the student entered, in the form :func:`check_answer` expects."""
        if self.question.type == "multiple":
            return frozenset(box.choice_id for box in self.answer_input.children if box.value)
        if self.question.type == "single":
            return self.answer_input.value
        return self.answer_input.value.strip()

    # -- actions (button callbacks) -----------------------------------------------------

    def check(self, _button: widgets.Button | None = None) -> Result:
        """Judge the current input, record the attempt, and show feedback."""
        response = self.response()
        result = check_answer(self.question, response)
        if not result.is_attempt:
            self.feedback.value = _note_html(result.message)
            return result
        save_error = None
        if response != self._last_checked:  # checking the same answer again is no new attempt
            self._last_checked = response
            self.attempts += 1
            if not self.instructor:  # a lecturer's demonstration is not their progress
                save_error = _record(self.question, result.correct)
        self.show_answer_button.disabled = False
        self.show_answer_button.tooltip = "Show the answer and why"
        self.feedback.value = _result_html(self.question, result) + _save_error_html(save_error)
        return result

    def show_hint(self, _button: widgets.Button | None = None) -> None:
        """Show the hint below the buttons."""
        if self.question.hint:
            self.hint_area.value = _box("#0b5cad", "💡 Hint", markdown_to_html(self.question.hint))

    def show_answer(self, _button: widgets.Button | None = None) -> None:
        """Reveal the answer and the explanation to the student (only after an attempt)."""
        if self.attempts == 0:
            self.feedback.value = _note_html("Try an answer first; then you can see the answer.")
            return
        self.feedback.value = _box(_NOTE, "The answer", answer_html(self.question))

    def vote(self, choice_id: str) -> None:
        """Count one more vote for a choice (the lecturer clicks after a show of hands)."""
        self.votes[choice_id] += 1
        self._show_votes(choice_id)

    def reveal(self, _button: widgets.Button | None = None) -> None:
        """Show the room the answer and the explanation, with the votes if any were counted."""
        self.instructor_area.value = _instructor_html(self.question, self.votes)

    def _show_votes(self, choice_id: str) -> None:
        self.vote_buttons[choice_id].description = f"{self.question.letter(choice_id)}: {self.votes[choice_id]}"

    def _instructor_row(self) -> widgets.Widget:
        if not self.vote_buttons:
            return widgets.HBox([self.reveal_button])
        label = widgets.HTML("<em>Votes</em> (click after a show of hands):")
        return widgets.HBox([label, *self.vote_buttons.values(), self.reveal_button])

    def _on_enter(self, change: dict) -> None:
        # With continuous_update=False the value arrives on Enter (or when the box loses
        # focus); an emptied box is no answer yet, so it is not judged.
        if change["new"].strip():
            self.check()

    # -- display --------------------------------------------------------------------------

    def text(self) -> str:
        """The question as plain text, for renderers without a kernel."""
        return static_text(self.question)

    def html(self) -> str:
        """The question as HTML, the answer folded away (also for a lecturer: it opens on a click)."""
        return static_html(self.question)


def _make_input(question: Question) -> widgets.Widget:
    """The input widget that fits the question type.

    Choices are answered by letter: one toggle button per letter (single choice) or one
    check box per letter (multiple choice). Each is its own Tab stop and reacts to Space
    and Enter. Radio buttons would need the arrow keys, which JupyterLab takes for moving
    between cells when the focus is in an output.
    """
    if question.type == "single":
        return widgets.ToggleButtons(
            options=[(question.letter(choice.id), choice.id) for choice in question.choices],
            tooltips=[choice.text for choice in question.choices],
            value=None,
            description="Answer:",
            style={"button_width": "3em"},
        )
    if question.type == "multiple":
        boxes = []
        for choice in question.choices:
            box = widgets.Checkbox(
                description=question.letter(choice.id),
                tooltip=choice.text,
                indent=False,
                layout=widgets.Layout(width="4em"),
            )
            box.choice_id = choice.id
            boxes.append(box)
        return widgets.HBox(boxes)
    placeholder = _PLACEHOLDERS[question.type]
    if question.unit:
        placeholder = f"{placeholder} ({question.unit})"
    return widgets.Text(placeholder=placeholder, continuous_update=False, description="Answer:")


def _record(question: Question, correct: bool) -> OSError | None:
    """Save the attempt; a read-only disk must not break the quiz, so report instead."""
    try:
        progress.record_attempt(question.notebook, question.id, correct)
    except OSError as error:
        return error
    return None


# ----------------------------------------------------------------------------- feedback HTML


def _box(color: str, title: str, body_html: str) -> str:
    return (
        f'<div class="course-quiz-feedback" style="border-left: 4px solid {color}; '
        f'padding: 0.2em 0.8em;"><strong style="color: {color}">{title}</strong> {body_html}</div>'
    )


def _note_html(message: str) -> str:
    return _box(_NOTE, "⚠", html.escape(message))


def _result_html(question: Question, result: Result) -> str:
    if result.correct:
        return _box(_GOOD, "✔ Correct!", markdown_to_html(question.explanation))
    advice = markdown_to_html(result.message) if result.message else "<p>Try again.</p>"
    nudge = "Press <em>Hint</em> for a nudge, or" if question.hint else "You can"
    return _box(_BAD, "✘ Not quite.", f"{advice}<p>{nudge} <em>Show answer</em> to see why.</p>")


def _save_error_html(error: OSError | None) -> str:
    if error is None:
        return ""
    return f"<p><small>(Your progress could not be saved: {html.escape(str(error))})</small></p>"


def _instructor_html(question: Question, votes: dict[str, int]) -> str:
    counted = sum(votes.values())
    tally = ", ".join(f"{question.letter(choice_id)}: {count}" for choice_id, count in votes.items())
    heard = f"<p>The room voted {tally} ({counted} votes).</p>" if counted else ""
    return _box("#6f42c1", "The answer", heard + answer_html(question))


# ----------------------------------------------------------------------------- public helpers


def show(notebook: str, ids: str | Sequence[str] | None = None) -> None:
    """Display quiz questions from the bank of ``notebook``.

    ``ids`` is one question id, a group name, a list of ids, or ``None`` for the whole bank::

        quiz.show("03_conv_arithmetic", "output-after-pool2")
    """
    for question in load_bank(notebook).select(ids):
        display(QuizCard(question))


def reset_progress(confirm: bool = False) -> Path | None:
    """Start your quiz progress afresh, keeping a backup of the old file.

    Nothing is deleted without confirmation: in a notebook this shows a confirm button;
    in a script, call ``reset_progress(confirm=True)``. Returns the backup's path (or
    ``None`` when nothing was reset).
    """
    if confirm:
        return progress.reset()
    if _in_kernel():
        display(ResetConfirmation())
    else:
        print("Nothing was reset. To reset your quiz progress, call reset_progress(confirm=True).")
    return None


def _in_kernel() -> bool:
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


class ResetConfirmation(CourseWidget):
    """A warning and a confirm button; pressing the button backs up and resets progress."""

    def __init__(self):
        super().__init__()
        self.message = widgets.HTML(
            f"<p>This starts your quiz progress from zero. The old file "
            f"<code>{html.escape(str(progress.progress_file()))}</code> is kept as a backup.</p>"
        )
        self.confirm_button = widgets.Button(
            description="Yes, reset my progress", button_style="danger", layout={"width": "auto"}
        )
        self.status = widgets.HTML()
        self.backup: Path | None = None
        self.confirm_button.on_click(self.confirm)
        self.widget = widgets.VBox([self.message, self.confirm_button, self.status])

    def text(self) -> str:
        """What to run instead; no path in it, so stored outputs do not depend on the machine."""
        return "Reset quiz progress? Run reset_progress(confirm=True) to confirm."

    def confirm(self, _button: widgets.Button | None = None) -> None:
        """Reset now and say where the backup went."""
        self.backup = progress.reset()
        self.confirm_button.disabled = True
        where = f" The old file is at <code>{html.escape(str(self.backup))}</code>." if self.backup else ""
        self.status.value = f"<p>Done: your progress starts afresh.{where}</p>"
