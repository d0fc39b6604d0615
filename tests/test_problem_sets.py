"""Problem sets: 3-5 exam-style problems per lesson, with worked solutions, for the lecturer.

They live in ``data/problems/<lesson>.yaml``, outside the student notebooks. A problem has an
``id``, a ``title``, a ``statement`` (Markdown), ``parts`` (each a ``question`` and an ``answer``:
a number, or text for a reasoning part) and a worked ``solution``. Every numeric answer is
computed, not trusted: ``tests/test_problems_<lesson>.py`` maps ``(problem id, part number)``
to a function that works it out (``COMPUTED``), as ``test_quiz_answers.py`` does for quizzes.
"""

from __future__ import annotations

import importlib
import numbers
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LESSONS = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if p.stem != "00_welcome"]


def problems(lesson: str) -> list[dict]:
    path = ROOT / "data" / "problems" / f"{lesson}.yaml"
    assert path.exists(), f"lesson {lesson} has no problem set: write {path.relative_to(ROOT)}"
    document = yaml.safe_load(path.read_text())
    assert document["lesson"] == lesson
    return document["problems"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_a_problem_set_with_worked_solutions(lesson):
    found = problems(lesson)
    assert 3 <= len(found) <= 5, f"{lesson}: {len(found)} problems; write 3 to 5"
    assert len({p["id"] for p in found}) == len(found)
    for problem in found:
        assert {"id", "title", "statement", "parts", "solution"} <= set(problem), problem.get("id")
        assert len(problem["parts"]) >= 2, f"{problem['id']}: a problem has several steps"
        assert all({"question", "answer"} <= set(part) for part in problem["parts"]), problem["id"]
        assert len(problem["solution"].split()) >= 40, f"{problem['id']}: work the solution out"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_numeric_answer_is_computed(lesson):
    numeric = {
        (problem["id"], number): part["answer"]
        for problem in problems(lesson)
        for number, part in enumerate(problem["parts"], 1)
        if isinstance(part["answer"], numbers.Number)
    }
    assert numeric, f"{lesson}: at least one part should have a numeric answer"
    computed = importlib.import_module(f"test_problems_{lesson}").COMPUTED
    missing = sorted(set(numeric) - set(computed))
    assert not missing, f"{lesson}: compute these answers in tests/test_problems_{lesson}.py: {missing}"
    for key, answer in numeric.items():
        assert computed[key]() == pytest.approx(answer, rel=1e-9, abs=1e-9), key
