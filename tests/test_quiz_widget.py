"""The quiz widget, driven headlessly: set the input, click Check, read the feedback."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from course_utils import quiz
from course_utils.quiz import load_attempts
from course_utils.quiz import widget as quiz_widget
from course_utils.widgets.base import WIDGET_VIEW_MIME

BANK = """
notebook: sample
title: One question of each type
questions:
  - id: pick-one
    type: single
    prompt: Which layer has **no** parameters?
    choices:
      - {id: conv, text: a convolution}
      - {id: pool, text: max pooling}
      - {id: dense, text: a dense layer}
    answer: pool
    hint: What could pooling learn?
    explanation: Pooling applies a fixed rule, so nothing is learned.
    feedback:
      - {when: conv, message: A convolution learns its kernel.}
  - id: pick-all
    type: multiple
    prompt: Which are true?
    choices:
      - {id: t1, text: first true statement}
      - {id: t2, text: second true statement}
      - {id: f1, text: a false statement}
    answer: [t1, t2]
    hint: Two of them.
    explanation: Statements one and two hold, for reasons that teach.
    feedback:
      - {when: f1, message: The false statement is false because of a misconception.}
  - id: count
    type: numeric
    prompt: How many parameters does $(3 \\cdot 3 \\cdot 3 + 1) \\cdot 64$ make?
    answer: 1792
    unit: parameters
    hint: Multiply it out.
    explanation: Twenty-eight parameters per filter, times sixty-four filters.
    feedback:
      - {when: 1728, message: You forgot the biases.}
  - id: out-shape
    type: shape
    prompt: Which shape comes out?
    answer: [16, 14, 14]
    hint: Pooling halves the size.
    explanation: The pooling halves height and width and keeps the channels.
    feedback:
      - {when: [16, 28, 28], message: That is the shape before pooling.}
  - id: layout
    type: text
    prompt: Which layout does PyTorch use?
    answer: NCHW
    accept: [batch channels height width]
    explanation: Channels come first in PyTorch, right after the batch.
  - id: no-hint
    type: numeric
    prompt: Two plus two?
    answer: 4
    explanation: Counting on fingers gives four.
"""

# For each question: an input that is right, one that is wrong (with the words the feedback
# must contain), and one that cannot be read.
CASES = {
    "pick-one": ("pool", ("conv", "learns its kernel"), None),
    "pick-all": ({"t1", "t2"}, ({"t1", "t2", "f1"}, "misconception"), set()),
    "count": ("1,792", ("1728", "forgot the biases"), "lots"),
    "out-shape": ("(16, 14, 14)", ("16x28x28", "before pooling"), "16 by 14"),
    "layout": ("nchw", ("NHWC", "Try again"), "   "),
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A throw-away progress file, and instructor mode left to the environment."""
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    quiz.instructor_mode(None)
    yield
    quiz.instructor_mode(None)


@pytest.fixture(scope="module")
def questions(tmp_path_factory):
    path = tmp_path_factory.mktemp("bank") / "sample.yaml"
    path.write_text(BANK)
    return quiz.load_bank(path).questions


def enter(card: quiz.QuizCard, response) -> None:
    """Put ``response`` into the card's input as a student would."""
    if card.question.type == "multiple":
        for box in card.answer_input.children:
            box.value = box.choice_id in response
    elif card.question.type == "single":
        card.answer_input.value = response
    else:
        # Type without pressing Enter (which would check at once): the tests click Check.
        card.answer_input.unobserve(card._on_enter, names="value")
        card.answer_input.value = response
        card.answer_input.observe(card._on_enter, names="value")


def click_check(card: quiz.QuizCard) -> str:
    card.check_button.click()
    return card.feedback.value


@pytest.mark.parametrize("qid", CASES)
def test_wrong_then_right(questions, qid):
    right, (wrong, words), _ = CASES[qid]
    card = quiz.QuizCard(questions[qid])
    assert card.show_answer_button.disabled
    enter(card, wrong)
    feedback = click_check(card)
    assert "Not quite" in feedback and words in feedback
    assert "Correct" not in feedback
    assert not card.show_answer_button.disabled  # an attempt unlocks "Show answer"
    enter(card, right)
    feedback = click_check(card)
    assert "Correct" in feedback
    # The explanation appears after a correct answer: it teaches why.
    first_words = " ".join(questions[qid].explanation.split()[:3])
    assert first_words in feedback
    assert [(a.question, a.correct) for a in load_attempts()] == [(qid, False), (qid, True)]


@pytest.mark.parametrize("qid", CASES)
def test_bad_input_gets_a_friendly_line_and_is_no_attempt(questions, qid):
    card = quiz.QuizCard(questions[qid])
    enter(card, CASES[qid][2])
    feedback = click_check(card)
    assert "⚠" in feedback and "Traceback" not in feedback
    assert "Not quite" not in feedback and "Correct" not in feedback
    assert card.attempts == 0 and card.show_answer_button.disabled
    assert load_attempts() == []


def test_unreadable_number_says_how_to_write_it(questions):
    card = quiz.QuizCard(questions["count"])
    enter(card, "12 apples")
    assert "Type digits" in click_check(card)


def test_checking_the_same_answer_twice_is_one_attempt(questions):
    card = quiz.QuizCard(questions["count"])
    enter(card, "100")
    click_check(card)
    click_check(card)
    assert card.attempts == 1 and len(load_attempts()) == 1


def test_hint_button_shows_the_hint(questions):
    card = quiz.QuizCard(questions["pick-one"])
    assert card.hint_area.value == ""
    card.hint_button.click()
    assert "What could pooling learn?" in card.hint_area.value
    assert card.attempts == 0  # asking for a hint is not an attempt


def test_no_hint_button_without_a_hint(questions):
    card = quiz.QuizCard(questions["no-hint"])
    buttons = card.widget.children[2].children
    assert card.hint_button not in buttons and card.check_button in buttons
    enter(card, "5")
    assert "Press <em>Hint</em>" not in click_check(card)


def test_show_answer_only_after_an_attempt(questions):
    card = quiz.QuizCard(questions["out-shape"])
    card.show_answer()  # a keyboard shortcut or a test may call it while the button is disabled
    assert "16 × 14 × 14" not in card.feedback.value and "Try an answer first" in card.feedback.value
    enter(card, "1x2x3")
    click_check(card)
    card.show_answer_button.click()
    assert "16 × 14 × 14" in card.feedback.value
    assert "halves height and width" in card.feedback.value


def test_enter_in_a_text_box_checks_the_answer(questions):
    card = quiz.QuizCard(questions["out-shape"])
    # The box only reports its value on Enter (or leaving it), not on every keystroke.
    assert card.answer_input.continuous_update is False
    card.answer_input.value = "16x14x14"  # what the front end sends when Enter is pressed
    assert "Correct" in card.feedback.value
    card.answer_input.value = ""  # emptying the box is not an answer
    assert "Correct" in card.feedback.value and card.attempts == 1


def test_inputs_suit_the_keyboard(questions):
    # One Tab stop per choice letter, pressed with Space or Enter; no arrow keys needed.
    single = quiz.QuizCard(questions["pick-one"])
    assert isinstance(single.answer_input, widgets.ToggleButtons)
    assert single.answer_input.value is None  # nothing preselected
    letters = [label for label, _ in single.answer_input.options]
    assert letters == ["A", "B", "C"]
    assert list(single.answer_input.tooltips) == [choice.text for choice in single.question.choices]
    boxes = quiz.QuizCard(questions["pick-all"]).answer_input.children
    assert all(isinstance(box, widgets.Checkbox) for box in boxes)
    assert [box.description for box in boxes] == ["A", "B", "C"]
    for qid in ["count", "out-shape", "layout"]:
        assert isinstance(quiz.QuizCard(questions[qid]).answer_input, widgets.Text)


def test_the_lettered_choices_are_in_the_question(questions):
    card = quiz.QuizCard(questions["pick-one"])
    for choice in card.question.choices:
        assert f"<strong>{card.question.letter(choice.id)}.</strong> {choice.text}</p>" in card.prompt.value


def test_instructor_mode_keeps_the_answer_folded_until_revealed(questions, monkeypatch):
    quiz.instructor_mode()
    card = quiz.QuizCard(questions["out-shape"])
    assert card.instructor_area.value == "" and card.show_answer_button.disabled  # nothing on the projector yet
    bundle = card._repr_mimebundle_()
    assert "<details open" not in bundle["text/html"] and "16 × 14 × 14" not in bundle["text/plain"]
    card.reveal_button.click()
    assert "16 × 14 × 14" in card.instructor_area.value
    assert "halves height and width" in card.instructor_area.value
    quiz.instructor_mode(False)
    monkeypatch.setenv("COURSE_INSTRUCTOR", "1")  # the explicit call wins over the environment
    assert not quiz.QuizCard(questions["out-shape"]).instructor


def test_the_room_votes_then_the_lecturer_reveals(questions):
    card = quiz.QuizCard(questions["pick-one"], instructor=True)
    assert card.reveal_button in _all_children(card.widget)
    letters = {choice.id: card.question.letter(choice.id) for choice in card.question.choices}
    for choice_id, clicks in [("pool", 3), ("conv", 1)]:
        for _ in range(clicks):
            card.vote_buttons[choice_id].click()
    assert card.vote_buttons["pool"].description == f"{letters['pool']}: 3"
    assert card.instructor_area.value == ""
    card.reveal_button.click()
    assert f"{letters['pool']}: 3" in card.instructor_area.value and "(4 votes)" in card.instructor_area.value


def test_a_lecturers_answers_leave_their_progress_untouched(questions):
    card = quiz.QuizCard(questions["count"], instructor=True)
    card.answer_input.value = "1728"
    card.check()
    assert card.attempts == 1 and "Not quite" in card.feedback.value
    assert load_attempts() == []


def test_students_see_no_instructor_controls(questions):
    card = quiz.QuizCard(questions["pick-one"], instructor=False)
    assert card.reveal_button not in _all_children(card.widget)
    assert not any(button in _all_children(card.widget) for button in card.vote_buttons.values())


def test_instructor_mode_from_the_environment(questions, monkeypatch):
    assert not quiz.is_instructor()
    assert not quiz.QuizCard(questions["count"]).instructor
    monkeypatch.setenv("COURSE_INSTRUCTOR", "1")
    assert quiz.is_instructor()
    card = quiz.QuizCard(questions["count"])
    assert card.instructor and card.instructor_area.value == ""
    card.reveal_button.click()
    assert "1,792 parameters" in card.instructor_area.value


def _all_children(widget) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _all_children(child)
    return found


def test_the_display_bundle_has_the_widget_and_a_static_fallback(questions):
    card = quiz.QuizCard(questions["out-shape"])
    bundle = card._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == card.widget.model_id
    html, text = bundle["text/html"], bundle["text/plain"]
    assert "Which shape comes out?" in html and "Which shape comes out?" in text
    details = html[html.index("<details><summary>Answer") :]
    assert "16 × 14 × 14" in details and "halves height and width" in details
    assert "16 × 14 × 14" not in html[: html.index("<details><summary>Answer")]
    assert "16 × 14 × 14" not in text
    # nbval compares these outputs, so they must not change from one card (or run) to the next.
    again = quiz.QuizCard(questions["out-shape"])._repr_mimebundle_()
    assert (again["text/html"], again["text/plain"]) == (html, text)


def test_static_fallback_lists_the_choices(questions):
    html = quiz.QuizCard(questions["pick-all"])._repr_mimebundle_()["text/html"]
    for text in ["first true statement", "second true statement", "a false statement"]:
        assert f"</strong> {text}</p>" in html
    assert "Select all that apply" in html


def test_show_displays_a_question_a_group_or_a_list(monkeypatch):
    shown = []
    monkeypatch.setattr(quiz_widget, "display", shown.append)
    quiz.show("03_conv_arithmetic", "output-after-pool2")
    assert [card.question.id for card in shown] == ["output-after-pool2"]
    shown.clear()
    quiz.show("03_conv_arithmetic", "output-size")
    assert len(shown) == len(quiz.load_bank("03_conv_arithmetic").groups["output-size"])
    shown.clear()
    quiz.show("05_pooling", ["mlhep-most-params", "pooling-parameters"])
    assert [card.question.id for card in shown] == ["mlhep-most-params", "pooling-parameters"]
    with pytest.raises(ValueError, match="no question or group named 'typo'"):
        quiz.show("05_pooling", "typo")


def test_a_progress_file_that_cannot_be_written_does_not_break_the_quiz(questions, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(blocker / "progress.json"))
    card = quiz.QuizCard(questions["count"])
    enter(card, "1792")
    feedback = click_check(card)
    assert "Correct" in feedback and "could not be saved" in feedback


def test_reset_progress_needs_confirmation(capsys, tmp_path):
    quiz.record_attempt("sample", "count", True)
    assert quiz.reset_progress() is None
    assert "confirm=True" in capsys.readouterr().out
    assert len(load_attempts()) == 1  # nothing was deleted
    backup = quiz.reset_progress(confirm=True)
    assert load_attempts() == [] and "count" in backup.read_text()


def test_reset_confirmation_widget(monkeypatch):
    quiz.record_attempt("sample", "count", True)
    shown = []
    monkeypatch.setattr(quiz_widget, "_in_kernel", lambda: True)
    monkeypatch.setattr(quiz_widget, "display", shown.append)
    quiz.reset_progress()
    assert len(load_attempts()) == 1  # showing the question deletes nothing
    confirmation = quiz_widget.ResetConfirmation()
    confirmation.confirm_button.click()
    assert load_attempts() == []
    assert confirmation.backup.exists() and str(confirmation.backup) in confirmation.status.value
    assert confirmation.confirm_button.disabled
    assert isinstance(shown[0], quiz_widget.ResetConfirmation)
    # What a notebook stores does not depend on where the progress file is.
    assert str(quiz.progress_file()) not in str(shown[0]._repr_mimebundle_())
