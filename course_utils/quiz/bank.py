"""Question banks: one YAML file per notebook in ``data/quizzes/``, loaded and validated.

A bank looks like this::

    notebook: 03_conv_arithmetic        # must equal the file name without .yaml
    title: What shape comes out
    groups:                             # optional: names for sets of questions
      output-size: [out-size-stride2, out-size-dilation]
    questions:
      - id: out-size-stride2            # stable: notebooks and progress refer to it
        type: numeric
        prompt: A $3 \\times 3$ kernel, stride 2, on a $5 \\times 5$ input. Output width?
        answer: 2
        explanation: Why, in a few sentences that teach (shown after an attempt).
        hint: An optional nudge.
        feedback:                       # optional: messages for classic wrong answers
          - when: 3
            message: That is the width with stride 1.

Every question has ``id``, ``type``, ``prompt`` (Markdown with LaTeX), ``answer`` and
``explanation``, and may have ``hint`` and ``feedback``. By type:

- ``single``: ``choices`` (a list of ``{id, text}``, 2 to 8, shown as A, B, C, ...),
  ``answer`` is a choice id, ``when`` names a wrong choice. ``shuffle: false`` keeps the
  file order (for choices with a natural order); otherwise the order is a fixed shuffle.
- ``multiple`` (select all that apply): like ``single``, but ``answer`` lists choice ids,
  and a ``when`` message is shown when that one choice is judged wrongly.
- ``numeric``: ``answer`` is a number; optional ``tolerance: {abs: ..., rel: ...}``
  (default: exact) and ``unit``. Write large numbers as ``820000000`` or ``8.2e+8``
  (YAML reads ``8.2e8``, without the sign, as text).
- ``shape``: ``answer`` is a list of sizes, like ``[16, 14, 14]``.
- ``text``: ``answer`` is a short text; ``accept`` lists other accepted spellings.
  Case, punctuation and spacing do not matter.

Loading checks every field; a malformed bank raises a ``ValueError`` that names the file,
the question id and the field, so the fix is obvious. Numeric and shape answers are
recomputed by ``tests/test_quiz_answers.py``; add each new one there.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from course_utils import integrity
from course_utils.quiz.model import DEFAULT_REL_TOL, LETTERS, QUESTION_TYPES, Bank, Choice, Feedback, Question
from course_utils.quiz.questions import normalise_text, numbers_match

# Fields every question has, and the extra ones each type allows.
_COMMON_FIELDS = {"id", "type", "prompt", "answer", "explanation", "hint", "feedback"}
_TYPE_FIELDS = {
    "single": {"choices", "shuffle"},
    "multiple": {"choices", "shuffle"},
    "numeric": {"unit", "tolerance"},
    "shape": set(),
    "text": {"accept"},
}
_BANK_FIELDS = {"notebook", "title", "groups", "questions"}
_ID_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


# ----------------------------------------------------------------------------- finding banks


def bank_dir() -> Path:
    """The folder that holds the banks: ``data/quizzes`` at the root of the repository."""
    return integrity.DATA_DIR / "quizzes"


def list_banks() -> list[str]:
    """Names (notebook stems) of all banks, sorted."""
    return sorted(path.stem for path in bank_dir().glob("*.yaml"))


def load_bank(source: str | Path) -> Bank:
    """Load and validate a bank, by notebook stem (``"03_conv_arithmetic"``) or by path.

    A bank named by its stem is one the course ships, so its SHA-256 is checked against
    ``data/SHA256SUMS`` first (after editing a bank on purpose, run ``make checksums``).
    Banks are cached and re-read when their file changes.
    """
    if isinstance(source, Path) or source.endswith((".yaml", ".yml")):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"No quiz bank at {path}.")
    else:
        if source not in list_banks():
            raise ValueError(
                f"No quiz bank named {source!r} in {bank_dir()}; banks: {', '.join(list_banks()) or 'none'}."
            )
        path = integrity.verified_path(f"quizzes/{source}.yaml")
    return _load_cached(path, path.stat().st_mtime_ns)


_CACHE: dict[Path, tuple[int, Bank]] = {}


def _load_cached(path: Path, mtime_ns: int) -> Bank:
    cached = _CACHE.get(path)
    if cached is None or cached[0] != mtime_ns:
        cached = (mtime_ns, parse_bank(path.read_text(encoding="utf-8"), path))
        _CACHE[path] = cached
    return cached[1]


# ----------------------------------------------------------------------------- validation


class _Where:
    """Builds error messages that name the file, the question and the field."""

    def __init__(self, path: Path, question_id: str | None = None):
        self.path = path
        self.question_id = question_id

    def error(self, field: str, problem: str) -> ValueError:
        place = f"{self.path.name}: "
        if self.question_id is not None:
            place += f"question {self.question_id!r}, "
        return ValueError(f"{place}field {field!r}: {problem}")


def parse_bank(text: str, path: Path) -> Bank:
    """Validate the YAML ``text`` of the bank stored at ``path`` and build a :class:`Bank`."""
    where = _Where(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{path.name}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: a bank is a mapping with {sorted(_BANK_FIELDS)}.")
    _reject_unknown(data, _BANK_FIELDS, where, "bank")
    if data.get("notebook") != path.stem:
        raise where.error("notebook", f"must be {path.stem!r}, the file name without .yaml")
    title = _text(data, "title", where)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise where.error("questions", "must be a non-empty list of questions")
    questions: dict[str, Question] = {}
    for index, raw in enumerate(raw_questions):
        question = _parse_question(raw, path, index)
        if question.id in questions:
            raise _Where(path, question.id).error("id", "is used twice; ids must be unique")
        questions[question.id] = question
    groups = _parse_groups(data.get("groups", {}), questions, where)
    return Bank(path.stem, title, questions, groups, path)


def _parse_groups(raw: Any, questions: dict[str, Question], where: _Where) -> dict:
    if not isinstance(raw, dict):
        raise where.error("groups", "must map a group name to a list of question ids")
    groups = {}
    for name, ids in raw.items():
        if not isinstance(name, str) or not _ID_PATTERN.fullmatch(name):
            raise where.error("groups", f"group name {name!r} must be lower-case-with-dashes")
        if name in questions:
            raise where.error("groups", f"group {name!r} has the same name as a question")
        if not isinstance(ids, list) or not ids:
            raise where.error("groups", f"group {name!r} must list at least one question id")
        unknown = [qid for qid in ids if qid not in questions]
        if unknown:
            raise where.error("groups", f"group {name!r} names unknown question {unknown[0]!r}")
        groups[name] = tuple(ids)
    return groups


def _parse_question(raw: Any, path: Path, index: int) -> Question:
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: question number {index + 1} is not a mapping")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID_PATTERN.fullmatch(qid):
        raise _Where(path, f"#{index + 1}").error(
            "id", f"{qid!r} must be lower-case words joined by dashes, like 'output-after-pool2'"
        )
    where = _Where(path, qid)
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise where.error("type", f"{qtype!r} is not one of {', '.join(QUESTION_TYPES)}")
    _reject_unknown(raw, _COMMON_FIELDS | _TYPE_FIELDS[qtype], where, f"{qtype} question")
    fields: dict[str, Any] = {
        "id": qid,
        "notebook": path.stem,
        "type": qtype,
        "prompt": _text(raw, "prompt", where),
        "explanation": _text(raw, "explanation", where),
        "hint": _text(raw, "hint", where) if "hint" in raw else None,
    }
    parse_typed_fields = {
        "single": _parse_single,
        "multiple": _parse_multiple,
        "numeric": _parse_numeric,
        "shape": _parse_shape_fields,
        "text": _parse_text_fields,
    }[qtype]
    fields.update(parse_typed_fields(raw, where))
    return Question(**fields)


def _reject_unknown(raw: dict, allowed: set[str], where: _Where, what: str) -> None:
    unknown = sorted(str(key) for key in set(raw) - allowed)
    if unknown:
        raise where.error(unknown[0], f"is not a field of a {what}; allowed: {sorted(allowed)}")


def _text(raw: dict, field: str, where: _Where) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise where.error(field, "must be non-empty text (quote it if YAML reads it as a number)")
    return value.strip()


def _feedback(raw: dict, where: _Where, parse_when) -> tuple[Feedback, ...]:
    """Parse the optional ``feedback`` list; ``parse_when`` checks each ``when`` value."""
    items = raw.get("feedback", [])
    if not isinstance(items, list):
        raise where.error("feedback", "must be a list of {when: ..., message: ...}")
    parsed = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"when", "message"}:
            raise where.error("feedback", f"each entry needs exactly 'when' and 'message': {item}")
        parsed.append(Feedback(parse_when(item["when"]), _text(item, "message", where)))
    return tuple(parsed)


# ----------------------------------------------------------------------------- per type


def _parse_choices(raw: dict, where: _Where) -> tuple[Choice, ...]:
    items = raw.get("choices")
    if not isinstance(items, list) or not 2 <= len(items) <= len(LETTERS):
        raise where.error("choices", f"must list 2 to {len(LETTERS)} {{id: ..., text: ...}} entries")
    choices = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"id", "text"}:
            raise where.error("choices", f"each choice needs exactly 'id' and 'text': {item}")
        if not isinstance(item["id"], str) or not _ID_PATTERN.fullmatch(item["id"]):
            raise where.error("choices", f"choice id {item['id']!r} must be lower-case-with-dashes")
        choices.append(Choice(item["id"], _text(item, "text", where)))
    ids = [choice.id for choice in choices]
    if len(set(ids)) != len(ids):
        raise where.error("choices", "two choices share an id")
    shuffle = raw.get("shuffle", True)
    if not isinstance(shuffle, bool):
        raise where.error("shuffle", "must be true or false")
    return shuffle_choices(where.question_id, choices) if shuffle else tuple(choices)


def shuffle_choices(question_id: str, choices: Iterable[Choice]) -> tuple[Choice, ...]:
    """Order choices by a hash of the question and choice ids.

    The order looks random to a student but is the same on every run and every machine
    (unlike Python's ``hash()``, which is salted per process), so stored notebook outputs
    do not change between runs.
    """

    def key(choice: Choice) -> str:
        return hashlib.sha256(f"{question_id}/{choice.id}".encode()).hexdigest()

    return tuple(sorted(choices, key=key))


def _choice_id(choices: tuple[Choice, ...], where: _Where, field: str):
    ids = {choice.id for choice in choices}

    def parse(value: Any) -> str:
        if value not in ids:
            raise where.error(field, f"{value!r} is not a choice id; choices: {sorted(ids)}")
        return value

    return parse


def _parse_single(raw: dict, where: _Where) -> dict:
    choices = _parse_choices(raw, where)
    answer = _choice_id(choices, where, "answer")(raw.get("answer"))
    parse_when = _choice_id(choices, where, "feedback")

    def wrong_choice(value: Any) -> str:
        if parse_when(value) == answer:
            raise where.error("feedback", f"{value!r} is the right answer, not a wrong one")
        return value

    return {
        "choices": choices,
        "answer": answer,
        "feedback": _feedback(raw, where, wrong_choice),
    }


def _parse_multiple(raw: dict, where: _Where) -> dict:
    choices = _parse_choices(raw, where)
    answer = raw.get("answer")
    if not isinstance(answer, list) or not answer or len(set(answer)) != len(answer):
        raise where.error("answer", "must be a non-empty list of distinct choice ids")
    parse_id = _choice_id(choices, where, "answer")
    return {
        "choices": choices,
        "answer": frozenset(parse_id(value) for value in answer),
        # For select-all questions, a message is shown when that choice is judged wrongly.
        "feedback": _feedback(raw, where, _choice_id(choices, where, "feedback")),
    }


def _number(value: Any, where: _Where, field: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise where.error(field, f"{value!r} must be a number (YAML reads 1e9 as text; write 1.0e+9)")
    return value


def _parse_numeric(raw: dict, where: _Where) -> dict:
    answer = _number(raw.get("answer"), where, "answer")
    abs_tol, rel_tol = _parse_tolerance(raw.get("tolerance"), where)
    unit = _text(raw, "unit", where) if "unit" in raw else None

    def wrong_number(value: Any) -> float | int:
        number = _number(value, where, "feedback")
        if numbers_match(number, answer, abs_tol, rel_tol):
            raise where.error("feedback", f"{value!r} counts as right within the tolerance")
        return number

    return {
        "answer": answer,
        "abs_tol": abs_tol,
        "rel_tol": rel_tol,
        "unit": unit,
        "feedback": _feedback(raw, where, wrong_number),
    }


def _parse_tolerance(raw: Any, where: _Where) -> tuple[float, float]:
    if raw is None:
        return 0.0, DEFAULT_REL_TOL
    if not isinstance(raw, dict) or not raw or not set(raw) <= {"abs", "rel"}:
        raise where.error("tolerance", "must be a mapping with 'abs' and/or 'rel'")
    tolerances = [_number(raw.get(key, 0.0), where, "tolerance") for key in ("abs", "rel")]
    if any(value < 0 for value in tolerances):
        raise where.error("tolerance", "must not be negative")
    return float(tolerances[0]), float(tolerances[1]) or DEFAULT_REL_TOL


def _shape(value: Any, where: _Where, field: str) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in value)
    ):
        raise where.error(field, f"{value!r} must be a list of positive integers, like [16, 14, 14]")
    return tuple(value)


def _parse_shape_fields(raw: dict, where: _Where) -> dict:
    answer = _shape(raw.get("answer"), where, "answer")

    def wrong_shape(value: Any) -> tuple[int, ...]:
        shape = _shape(value, where, "feedback")
        if shape == answer:
            raise where.error("feedback", f"{value!r} is the right answer, not a wrong one")
        return shape

    return {"answer": answer, "feedback": _feedback(raw, where, wrong_shape)}


def _parse_text_fields(raw: dict, where: _Where) -> dict:
    answer = _text(raw, "answer", where)
    accept = raw.get("accept", [])
    if not isinstance(accept, list) or not all(isinstance(a, str) and a.strip() for a in accept):
        raise where.error("accept", "must be a list of non-empty strings")
    accepted = {normalise_text(text) for text in (answer, *accept)}
    if "" in accepted:
        raise where.error("accept", "an accepted answer is empty after removing punctuation")

    def wrong_text(value: Any) -> str:
        if not isinstance(value, str) or normalise_text(value) in accepted:
            raise where.error("feedback", f"{value!r} must be text that is not an accepted answer")
        return value

    return {
        "answer": answer,
        "accept": tuple(accept),
        "feedback": _feedback(raw, where, wrong_text),
    }
