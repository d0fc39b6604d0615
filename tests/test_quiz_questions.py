"""Reading and judging answers, for every question type, without any widget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.quiz import check_answer, format_answer, list_banks, load_bank
from course_utils.quiz.questions import AnswerFormatError, format_shape, normalise_text, parse_number, parse_shape

BANK = """
notebook: sample
title: One question of each type
questions:
  - id: pick-one
    type: single
    prompt: Which layer has no parameters?
    choices:
      - {id: conv, text: a convolution}
      - {id: pool, text: max pooling}
      - {id: dense, text: a dense layer}
    answer: pool
    explanation: Pooling applies a fixed rule.
    feedback:
      - {when: conv, message: A convolution learns its kernel.}
  - id: pick-all
    type: multiple
    prompt: Which are true?
    choices:
      - {id: t1, text: true one}
      - {id: t2, text: true two}
      - {id: f1, text: false one}
    answer: [t1, t2]
    explanation: Because.
    feedback:
      - {when: f1, message: f1 is false because of reasons.}
  - id: count
    type: numeric
    prompt: How many weights?
    answer: 1792
    unit: weights
    explanation: Count them.
    feedback:
      - {when: 1728, message: You forgot the biases.}
  - id: about
    type: numeric
    prompt: How many GB?
    answer: 1.64
    tolerance: {rel: 0.05}
    unit: GB
    explanation: Two bytes each.
  - id: near
    type: numeric
    prompt: Roughly?
    answer: 10
    tolerance: {abs: 0.5}
    explanation: Near ten.
  - id: out-shape
    type: shape
    prompt: Which shape?
    answer: [16, 14, 14]
    explanation: Halved.
    feedback:
      - {when: [16, 28, 28], message: That is before pooling.}
  - id: layout
    type: text
    prompt: Layout?
    answer: NCHW
    accept: [batch channels height width]
    explanation: Channels first.
    feedback:
      - {when: NHWC, message: That is channels last.}
"""


@pytest.fixture(scope="module")
def questions(tmp_path_factory):
    path = tmp_path_factory.mktemp("bank") / "sample.yaml"
    path.write_text(BANK)
    return load_bank(path).questions


# ----------------------------------------------------------------------------- reading input


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("30000", 30000),
        ("30,000", 30000),
        ("30 000", 30000),
        ("30_000", 30000),
        ("3e4", 30000),
        ("  -2 ", -2),
        ("\u22122", -2),  # a typographic minus sign
        ("0.82 billion", 820_000_000),
        ("1.5 million", 1_500_000),
        ("1,234.5", 1234.5),
    ],
)
def test_numbers_are_read_as_people_type_them(typed, value):
    assert parse_number(typed) == pytest.approx(value)


def test_a_unit_after_the_number_is_optional():
    assert parse_number("1.6 GB", unit="GB") == parse_number("1.6gb", unit="GB") == 1.6


@pytest.mark.parametrize(
    ("typed", "advice"),
    [
        ("", "Type a number"),
        ("abc", "Type digits"),
        ("1,5", "dot for decimals"),
        ("12 apples", "Type digits"),
        ("nan", "finite"),
        ("inf", "finite"),
    ],
)
def test_unreadable_numbers_say_how_to_write_them(typed, advice):
    with pytest.raises(AnswerFormatError, match=advice):
        parse_number(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "16x14x14",
        "16 x 14 x 14",
        "(16, 14, 14)",
        "16 14 14",
        "16×14×14",
        "[16,14,14]",
        "16*14*14",
        "16X14X14",
        "torch.Size([16, 14, 14])",
    ],
)
def test_shapes_are_read_in_every_usual_notation(typed):
    assert parse_shape(typed) == (16, 14, 14)


@given(
    sizes=st.lists(st.integers(1, 10_000), min_size=1, max_size=5),
    separator=st.sampled_from(["x", " x ", "×", ", ", " ", "*"]),
    brackets=st.sampled_from(["{}", "({})", "[{}]", "torch.Size([{}])"]),
)
def test_any_written_shape_reads_back(sizes, separator, brackets):
    written = brackets.format(separator.join(map(str, sizes)))
    assert parse_shape(written) == tuple(sizes)


@pytest.mark.parametrize(
    ("typed", "advice"),
    [
        ("", "Type a shape"),
        ("16x14x", None),
        ("16 by 14", "separated by x"),
        ("3x0x4", "at least 1"),
        ("-3x4", None),
        ("3.5x2", None),
    ],
)
def test_malformed_shapes_are_refused(typed, advice):
    with pytest.raises(AnswerFormatError, match=advice):
        parse_shape(typed)


@given(st.integers(0, 10**12))
def test_numbers_with_thousands_separators_read_back(number):
    assert parse_number(f"{number:,}") == number
    assert parse_number(f"{number:_}") == number


def test_text_is_normalised():
    assert normalise_text("  Max-Pooling! ") == normalise_text("max pooling") == "max pooling"
    assert normalise_text("N, C, H, W") == "n c h w"


# ----------------------------------------------------------------------------- judging answers


def test_single_choice(questions):
    q = questions["pick-one"]
    assert check_answer(q, "pool").status == "correct"
    wrong = check_answer(q, "conv")
    assert wrong.status == "wrong" and "learns its kernel" in wrong.message
    assert check_answer(q, "dense") == check_answer(q, "dense")
    assert check_answer(q, "dense").message == ""
    assert check_answer(q, None).status == "invalid"
    assert check_answer(q, "nonsense").status == "invalid"


def test_multiple_choice_needs_exactly_the_true_statements(questions):
    q = questions["pick-all"]
    assert check_answer(q, {"t1", "t2"}).correct
    assert check_answer(q, ["t2", "t1"]).correct
    partial = check_answer(q, {"t1"})
    assert partial.status == "wrong" and "1 of the 3 boxes is set wrongly" in partial.message
    too_many = check_answer(q, {"t1", "t2", "f1"})
    assert too_many.status == "wrong" and "f1 is false" in too_many.message
    assert check_answer(q, set()).status == "invalid"
    assert check_answer(q, "t1").status == "invalid"


def test_numeric_exact_with_unit_and_feedback(questions):
    q = questions["count"]
    for typed in ["1792", "1,792", "1792 weights", 1792]:
        assert check_answer(q, typed).correct, typed
    assert check_answer(q, "1791").status == "wrong"
    assert "forgot the biases" in check_answer(q, "1,728").message
    assert check_answer(q, "many").status == "invalid"
    assert check_answer(q, "").status == "invalid"


def test_numeric_relative_and_absolute_tolerance(questions):
    assert check_answer(questions["about"], "1.6").correct  # within 5 %
    assert check_answer(questions["about"], "1.7 GB").correct
    assert not check_answer(questions["about"], "1.5").correct
    assert check_answer(questions["near"], "10.5").correct
    assert not check_answer(questions["near"], "10.6").correct


def test_shape_answers(questions):
    q = questions["out-shape"]
    assert check_answer(q, "16 × 14 × 14").correct
    assert "before pooling" in check_answer(q, "(16, 28, 28)").message
    assert "batch dimension" in check_answer(q, "1x16x14x14").message
    assert "needs 3" in check_answer(q, "16x14").message
    assert check_answer(q, "sixteen").status == "invalid"


def test_text_answers_accept_alternatives(questions):
    q = questions["layout"]
    for typed in ["NCHW", "nchw", " NCHW. ", "Batch, channels, height, width"]:
        assert check_answer(q, typed).correct, typed
    assert "channels last" in check_answer(q, "nhwc").message
    assert check_answer(q, "  ").status == "invalid"


def test_invalid_input_is_not_an_attempt(questions):
    assert not check_answer(questions["count"], "abc").is_attempt
    assert check_answer(questions["count"], "12").is_attempt


def test_answers_are_formatted_for_students(questions):
    pick_one = questions["pick-one"]
    assert format_answer(pick_one) == f"{pick_one.letter('pool')}. max pooling"
    assert format_answer(questions["count"]) == "1,792 weights"
    assert format_answer(questions["about"]) == "1.64 GB"
    assert format_answer(questions["out-shape"]) == "16 × 14 × 14"
    assert format_answer(questions["layout"]) == "NCHW"
    pick_all = questions["pick-all"]
    assert set(format_answer(pick_all).split("; ")) == {
        f"{pick_all.letter('t1')}. true one",
        f"{pick_all.letter('t2')}. true two",
    }


def test_choices_are_lettered_in_display_order(questions):
    q = questions["pick-one"]
    assert [q.letter(choice.id) for choice in q.choices] == ["A", "B", "C"]


def _as_typed(question, value):
    """A bank value written the way a student would enter it."""
    if question.type == "numeric":
        return f"{value:,}"
    if question.type == "shape":
        return format_shape(value)
    if question.type == "text":
        return value.lower()
    return value


def test_every_shipped_answer_passes_and_every_feedback_answer_fails():
    """Written as a student would, a bank's answer is right and its classic mistakes are wrong."""
    for name in list_banks():
        for q in load_bank(name).questions.values():
            answer = set(q.answer) if q.type == "multiple" else _as_typed(q, q.answer)
            assert check_answer(q, answer).correct, f"{name}/{q.id}: {answer!r}"
            for item in q.feedback:
                # For select-all questions, 'when' names the one choice judged wrongly.
                typed = set(q.answer) ^ {item.when} if q.type == "multiple" else _as_typed(q, item.when)
                result = check_answer(q, typed)
                if typed:
                    assert result.status == "wrong", f"{name}/{q.id}: {typed!r}"
                    assert item.message in result.message, f"{name}/{q.id}: {typed!r}"
