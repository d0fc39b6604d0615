"""Quizzes for the course notebooks: question banks, answer checking, widgets, progress.

In a notebook::

    from course_utils import quiz

    quiz.show("03_conv_arithmetic", "output-after-pool2")   # one question
    quiz.show("03_conv_arithmetic", "output-size")          # a named group
    quiz.progress_table()                                   # how far you have got

Banks live in ``data/quizzes/<notebook>.yaml`` (see :mod:`course_utils.quiz.bank`).
"""

from course_utils.quiz.bank import list_banks, load_bank
from course_utils.quiz.model import Bank, Question
from course_utils.quiz.progress import (
    ProgressTable,
    load_attempts,
    progress_file,
    progress_table,
    record_attempt,
)
from course_utils.quiz.questions import Result, check_answer, format_answer
from course_utils.quiz.widget import (
    QuizCard,
    instructor_mode,
    is_instructor,
    reset_progress,
    show,
)

__all__ = [
    "Bank",
    "ProgressTable",
    "Question",
    "QuizCard",
    "Result",
    "check_answer",
    "format_answer",
    "instructor_mode",
    "is_instructor",
    "list_banks",
    "load_attempts",
    "load_bank",
    "progress_file",
    "progress_table",
    "record_attempt",
    "reset_progress",
    "show",
]
