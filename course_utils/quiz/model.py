"""The quiz data model: a bank of questions for one notebook, its questions and their choices.

These are plain, frozen records. :mod:`course_utils.quiz.bank` reads them from YAML and
validates them, :mod:`course_utils.quiz.questions` judges answers to them, and
:mod:`course_utils.quiz.render` and :mod:`course_utils.quiz.widget` show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTION_TYPES = ("single", "multiple", "numeric", "shape", "text")


LETTERS = "ABCDEFGH"  # choices are shown as A, B, C, ...; more than 8 would not fit a slide


DEFAULT_REL_TOL = 1e-9


@dataclass(frozen=True)
class Choice:
    """One option of a single- or multiple-choice question (``text`` is plain text)."""

    id: str
    text: str


@dataclass(frozen=True)
class Feedback:
    """A message for one specific wrong answer (``when``), such as a forgotten padding."""

    when: Any
    message: str


@dataclass(frozen=True)
class Question:
    """One validated question. ``choices`` are already in the order a student sees them."""

    id: str
    notebook: str
    type: str
    prompt: str
    answer: Any
    explanation: str
    hint: str | None = None
    feedback: tuple[Feedback, ...] = ()
    choices: tuple[Choice, ...] = ()
    unit: str | None = None
    abs_tol: float = 0.0
    rel_tol: float = DEFAULT_REL_TOL
    accept: tuple[str, ...] = ()

    def choice_text(self, choice_id: str) -> str:
        """The text shown for the choice ``choice_id``."""
        return next(choice.text for choice in self.choices if choice.id == choice_id)

    def letter(self, choice_id: str) -> str:
        """The letter (A, B, C, ...) under which the choice ``choice_id`` is shown."""
        return LETTERS[[choice.id for choice in self.choices].index(choice_id)]


@dataclass(frozen=True)
class Bank:
    """All questions for one notebook, in file order, and named groups of them."""

    notebook: str
    title: str
    questions: dict[str, Question]
    groups: dict[str, tuple[str, ...]]
    path: Path

    def select(self, ids: str | Sequence[str] | None = None) -> list[Question]:
        """Questions for a question id, a group name, a list of ids, or all (``None``)."""
        if ids is None:
            return list(self.questions.values())
        if isinstance(ids, str):
            ids = self.groups.get(ids, (ids,))
        if not isinstance(ids, Sequence) or not all(isinstance(qid, str) for qid in ids):
            raise ValueError(f"Question ids are strings, like 'output-after-pool2'; got {ids!r}.")
        missing = [qid for qid in ids if qid not in self.questions]
        if missing:
            raise ValueError(
                f"{self.path.name}: no question or group named {missing[0]!r}. "
                f"Questions: {', '.join(self.questions)}. "
                f"Groups: {', '.join(self.groups) or 'none'}."
            )
        return [self.questions[qid] for qid in ids]
