"""Read a student's answer and decide whether it is right, for every question type.

Everything here is plain Python with no widgets, so the widget, the tests and a script
all judge answers the same way. A student's input that cannot be read (letters in a number
box, an empty answer, a malformed shape) raises :class:`AnswerFormatError`; the checker turns
it into an ``"invalid"`` result with a friendly line, which does not count as an attempt.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from course_utils.quiz.model import Question

Status = Literal["correct", "wrong", "invalid"]


class AnswerFormatError(ValueError):
    """A student's answer could not be read; the message says how to write it."""


@dataclass(frozen=True)
class Result:
    """The verdict on one answer.

    ``message`` is Markdown: feedback for a known wrong answer, or why the input could
    not be read. It is empty when there is nothing specific to say.
    """

    status: Status
    message: str = ""

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == "correct"

    @property
    def is_attempt(self) -> bool:
        """True unless the input could not be read (that does not count as an attempt)."""
        return self.status != "invalid"


# ----------------------------------------------------------------------------- numbers

_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_THOUSANDS_WITH_COMMAS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_number(text: str | float, unit: str | None = None) -> float:
    """Read a number the way a person types it.

    Accepts ``30000``, ``30,000``, ``30 000``, ``3e4``, ``0.82 billion``, and the unit at
    the end if there is one (``1.64 GB``).

    >>> parse_number("30,000")
    30000.0
    >>> parse_number("1.6 GB", unit="GB")
    1.6
    """
    if isinstance(text, bool):
        raise AnswerFormatError("Type a number, not True or False.")
    if isinstance(text, int | float):
        return _finite(float(text), str(text))
    original = text
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    if not cleaned:
        raise AnswerFormatError("Type a number first.")
    if unit and cleaned.casefold().endswith(unit.casefold()):
        cleaned = cleaned[: -len(unit)].strip()
    factor = 1.0
    words = cleaned.rsplit(maxsplit=1)
    if len(words) == 2 and words[1].casefold() in _MULTIPLIERS:
        cleaned, factor = words[0], _MULTIPLIERS[words[1].casefold()]
    cleaned = re.sub(r"(?<=\d)[ _](?=\d)", "", cleaned)
    if "," in cleaned:
        if not _THOUSANDS_WITH_COMMAS.fullmatch(cleaned):
            raise AnswerFormatError(
                f"Could not read {original!r} as a number. Use a dot for decimals (1.5) "
                "and commas only between groups of three digits (30,000)."
            )
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        unit_note = f" The unit ({unit}) is optional." if unit else ""
        raise AnswerFormatError(
            f"Could not read {original!r} as a number. Type digits, like 30000 or 3e4." + unit_note
        ) from None
    return _finite(value * factor, original)


def _finite(value: float, original: str) -> float:
    if not math.isfinite(value):
        raise AnswerFormatError(f"{original!r} is not a finite number; type an ordinary number.")
    return value


def numbers_match(value: float, target: float, abs_tol: float, rel_tol: float) -> bool:
    """True when ``value`` is within the question's tolerance of ``target``.

    The tolerance is the larger of ``abs_tol`` and ``rel_tol * |target|``, as in
    :func:`math.isclose`.
    """
    return abs(value - target) <= max(abs_tol, rel_tol * abs(target))


# ----------------------------------------------------------------------------- shapes

_SHAPE_SEPARATOR = re.compile(r"\s*[,x×X*]\s*|\s+")


def parse_shape(text: str | Iterable[int]) -> tuple[int, ...]:
    """Read a tensor shape written in any of the usual ways.

    >>> parse_shape("16x14x14") == parse_shape("(16, 14, 14)") == parse_shape("16 × 14 × 14")
    True
    >>> parse_shape("torch.Size([1, 3, 8, 8])")
    (1, 3, 8, 8)
    """
    if not isinstance(text, str):
        return _shape_from_numbers(list(text))
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = re.sub(r"^torch\.Size", "", cleaned).strip()
    cleaned = cleaned.strip("()[] ")
    if not cleaned:
        raise AnswerFormatError("Type a shape first: the sizes joined by x, such as 28x28 or 3x32x32.")
    parts = _SHAPE_SEPARATOR.split(cleaned)
    if not all(part.isdigit() for part in parts):
        raise AnswerFormatError(
            f"Could not read {text!r} as a shape. Write whole numbers separated by x, like 16x14x14 or (16, 14, 14)."
        )
    return _shape_from_numbers([int(part) for part in parts])


def _shape_from_numbers(sizes: list[int]) -> tuple[int, ...]:
    if not sizes or not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        raise AnswerFormatError("A shape is a list of whole numbers, like 16x14x14.")
    if any(size <= 0 for size in sizes):
        raise AnswerFormatError("Every size in a shape is at least 1; check for a zero.")
    return tuple(sizes)


def format_shape(shape: Iterable[int]) -> str:
    """Write a shape the way the course prints it: ``16 × 14 × 14``."""
    return " × ".join(str(size) for size in shape)


# ----------------------------------------------------------------------------- text


def normalise_text(text: str) -> str:
    """Fold case, accents-compatible forms, punctuation and spacing away.

    >>> normalise_text("  Max-Pooling! ")
    'max pooling'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.sub(r"[^\w\s]|_", " ", folded)
    return " ".join(words.split())


# ----------------------------------------------------------------------------- checking


def check_answer(question: Question, response: object) -> Result:
    """Judge ``response`` for ``question``.

    ``response`` is a choice id (single choice), a collection of choice ids (multiple
    choice), or the text the student typed (numeric, shape and short-text questions).

    >>> from course_utils.quiz import load_bank
    >>> question = load_bank("03_conv_arithmetic").questions["output-after-pool2"]
    >>> check_answer(question, "(36, 7, 7)").status
    'correct'
    >>> check_answer(question, "36 by 7").status
    'invalid'
    """
    checkers = {
        "single": _check_single,
        "multiple": _check_multiple,
        "numeric": _check_numeric,
        "shape": _check_shape,
        "text": _check_text,
    }
    try:
        return checkers[question.type](question, response)
    except AnswerFormatError as error:
        return Result("invalid", str(error))


def _check_single(question: Question, response: object) -> Result:
    if response is None or response == "":
        raise AnswerFormatError("Pick one of the choices first.")
    if response not in {choice.id for choice in question.choices}:
        raise AnswerFormatError(f"{response!r} is not one of the choices.")
    if response == question.answer:
        return Result("correct")
    return Result("wrong", _feedback_when(question, lambda when: when == response))


def _check_multiple(question: Question, response: object) -> Result:
    if isinstance(response, str) or not isinstance(response, Iterable):
        raise AnswerFormatError("Tick the boxes that apply.")
    ticked = set(response)
    if not ticked:
        raise AnswerFormatError("Tick at least one box first.")
    unknown = ticked - {choice.id for choice in question.choices}
    if unknown:
        raise AnswerFormatError(f"{sorted(unknown)} are not among the choices.")
    misjudged = ticked.symmetric_difference(question.answer)
    if not misjudged:
        return Result("correct")
    # One message at a time: the first wrongly judged choice (in display order) that has
    # one, so that feedback corrects a misconception without giving away every answer.
    first = next(
        (
            item.message
            for choice in question.choices
            if choice.id in misjudged
            for item in question.feedback
            if item.when == choice.id
        ),
        "",
    )
    count = len(misjudged)
    summary = f"{count} of the {len(question.choices)} boxes {'is' if count == 1 else 'are'} set wrongly."
    return Result("wrong", f"{first}\n\n{summary}" if first else summary)


def _check_numeric(question: Question, response: object) -> Result:
    value = parse_number(_as_text_or_number(response), question.unit)

    def matches(target: float) -> bool:
        return numbers_match(value, target, question.abs_tol, question.rel_tol)

    if matches(question.answer):
        return Result("correct")
    return Result("wrong", _feedback_when(question, matches))


def _check_shape(question: Question, response: object) -> Result:
    shape = parse_shape(response if not isinstance(response, int) else str(response))
    if shape == question.answer:
        return Result("correct")
    message = _feedback_when(question, lambda when: when == shape)
    if not message and shape == (1, *question.answer):
        message = "You kept a batch dimension of 1 in front; give the shape of one example."
    elif not message and len(shape) != len(question.answer):
        message = f"Your shape has {len(shape)} sizes; this one needs {len(question.answer)}."
    return Result("wrong", message)


def _check_text(question: Question, response: object) -> Result:
    if not isinstance(response, str) or not normalise_text(response):
        raise AnswerFormatError("Type a word or two first.")
    typed = normalise_text(response)
    accepted = {normalise_text(text) for text in (question.answer, *question.accept)}
    if typed in accepted:
        return Result("correct")
    return Result("wrong", _feedback_when(question, lambda when: normalise_text(when) == typed))


def _as_text_or_number(response: object) -> str | float:
    if isinstance(response, str | int | float):
        return response
    raise AnswerFormatError("Type a number.")


def _feedback_when(question: Question, applies) -> str:
    """Join the bank's messages for the wrong answers that ``applies`` recognises."""
    return "\n\n".join(item.message for item in question.feedback if applies(item.when))


def format_answer(question: Question) -> str:
    """The right answer written for a student (Markdown).

    >>> from course_utils.quiz import load_bank
    >>> format_answer(load_bank("03_conv_arithmetic").questions["output-after-pool2"])
    '36 × 7 × 7'
    """
    if question.type in {"single", "multiple"}:
        right = {question.answer} if question.type == "single" else question.answer
        return "; ".join(
            f"{question.letter(choice.id)}. {choice.text}" for choice in question.choices if choice.id in right
        )
    if question.type == "numeric":
        number = format_number(question.answer)
        return f"{number} {question.unit}" if question.unit else number
    if question.type == "shape":
        return format_shape(question.answer)
    return question.answer


def format_number(value: float) -> str:
    """Write a number with thousands separators and no needless decimals.

    >>> format_number(820000000.0), format_number(1.64)
    ('820,000,000', '1.64')
    """
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}"
