"""Quiz banks: every shipped bank is valid, and malformed banks fail with a precise message."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml

from course_utils import quiz
from course_utils.quiz import load_bank
from course_utils.quiz.model import QUESTION_TYPES
from course_utils.quiz.render import markdown_to_html, static_html, static_text

ROOT = Path(__file__).resolve().parent.parent
BANKS = quiz.list_banks()

# The lecture's four questions: lesson 05 asks three; lesson 04 asks the fourth, "mlhep-pixels-per-cell".
MLHEP_QUIZ = ["mlhep-shape-after-pool2", "mlhep-most-compute", "mlhep-most-params"]
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def quiz_calls() -> list[tuple[str, str, str]]:
    """Every ``quiz.show(...)`` in the lessons, as (lesson file, bank, source of the selection)."""
    calls = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for bank, selection in re.findall(r"quiz\.show\(\s*\"([^\"]+)\"\s*,?\s*([^)]*)\)", cell.source):
                    calls.append((path.name, bank, selection))
    return calls


# ----------------------------------------------------------------------------- shipped banks


def test_the_expected_banks_exist():
    assert {"00_welcome", "01_images", "02_convolution", "03_conv_arithmetic", "05_pooling"} <= set(BANKS)


@pytest.mark.parametrize("name", BANKS)
def test_every_shipped_bank_validates(name):
    bank = load_bank(name)
    assert bank.notebook == name
    for question in bank.questions.values():
        assert question.type in QUESTION_TYPES
        # Rendering must work for every question, with and without instructor mode.
        assert markdown_to_html(question.prompt)
        assert question.id in static_html(question) and question.id in static_text(question)


@pytest.mark.parametrize("name", BANKS)
def test_banks_are_a_lesson_sized_set_of_teaching_questions(name):
    bank = load_bank(name)
    low, high = (2, 4) if name == "00_welcome" else (3, 12)
    assert low <= len(bank.questions) <= high, f"{name} has {len(bank.questions)} questions"
    for question in bank.questions.values():
        assert question.hint, f"{name}/{question.id} has no hint"
        # An explanation teaches why: a few sentences, not just "correct".
        assert len(question.explanation.split()) >= 25, f"{name}/{question.id}: explanation too short"


def test_every_quiz_a_lesson_shows_exists():
    calls = quiz_calls()
    assert len(calls) >= 10, "the lessons should show their quizzes"
    for lesson, bank, selection in calls:
        # The selection is a literal: one id or group, a list of them, or nothing (the whole bank).
        try:
            load_bank(bank).select(ast.literal_eval(selection) if selection.strip() else None)
        except ValueError as error:
            pytest.fail(f"{lesson} shows a quiz that does not exist: {error}")


def test_the_mlhep_group_shows_the_lecture_questions_of_lesson_05():
    selected = load_bank("05_pooling").select("mlhep-quiz")
    assert [q.id for q in selected] == MLHEP_QUIZ


def test_select_takes_an_id_a_group_a_list_or_nothing():
    bank = load_bank("03_conv_arithmetic")
    assert [q.id for q in bank.select("output-after-pool2")] == ["output-after-pool2"]
    assert [q.id for q in bank.select(["conv-layer-params", "out-size-stride2"])] == [
        "conv-layer-params",
        "out-size-stride2",
    ]
    assert len(bank.select("output-size")) == 4
    assert len(bank.select()) == len(bank.questions)
    with pytest.raises(ValueError, match="03_conv_arithmetic.yaml.*'no-such-question'.*Groups: output-size"):
        bank.select("no-such-question")
    with pytest.raises(ValueError, match="ids are strings"):
        bank.select(3)


def test_an_unknown_bank_lists_the_ones_there_are():
    with pytest.raises(ValueError, match="no_such_lesson.*03_conv_arithmetic"):
        load_bank("no_such_lesson")


# ----------------------------------------------------------------------------- deterministic shuffling


def _choice_orders(bank_names: list[str]) -> dict[str, list[str]]:
    return {
        f"{name}/{q.id}": [c.id for c in q.choices]
        for name in bank_names
        for q in load_bank(name).questions.values()
        if q.choices
    }


def test_choice_order_is_the_same_in_a_fresh_process_with_another_hash_seed():
    script = (
        "import json; from course_utils import quiz; from test_quiz_bank import _choice_orders; "
        "print(json.dumps(_choice_orders(quiz.list_banks())))"
    )
    orders = set()
    for seed in ("1", "2"):
        path = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": path}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        orders.add(result.stdout)
    assert len(orders) == 1
    assert yaml.safe_load(orders.pop()) == _choice_orders(BANKS)


def test_choices_are_shuffled_independently_of_file_order(tmp_path):
    choices = [{"id": f"c{i}", "text": f"choice {i}"} for i in range(6)]
    forward = _bank_with(tmp_path, "forward", {**SINGLE, "choices": choices, "answer": "c0"})
    backward = _bank_with(tmp_path, "backward", {**SINGLE, "choices": choices[::-1], "answer": "c0"})
    order = [c.id for c in forward.questions["q-single"].choices]
    assert order == [c.id for c in backward.questions["q-single"].choices]
    assert order != [c["id"] for c in choices]  # the order is actually shuffled
    fixed = _bank_with(tmp_path, "fixed", {**SINGLE, "choices": choices, "answer": "c0", "shuffle": False})
    assert [c.id for c in fixed.questions["q-single"].choices] == [c["id"] for c in choices]


def test_shipped_banks_really_shuffle_some_choices():
    shuffled = 0
    for name in BANKS:
        raw = yaml.safe_load((quiz.bank.bank_dir() / f"{name}.yaml").read_text())
        for item in raw["questions"]:
            if "choices" in item and item.get("shuffle", True):
                loaded = load_bank(name).questions[item["id"]]
                shuffled += [c.id for c in loaded.choices] != [c["id"] for c in item["choices"]]
    assert shuffled >= 1


# ----------------------------------------------------------------------------- malformed banks

SINGLE = {
    "id": "q-single",
    "type": "single",
    "prompt": "Which one?",
    "choices": [{"id": "right", "text": "the right one"}, {"id": "wrong", "text": "the wrong one"}],
    "answer": "right",
    "explanation": "Because.",
}
NUMERIC = {"id": "q-number", "type": "numeric", "prompt": "How many?", "answer": 4, "explanation": "Count."}
SHAPE = {"id": "q-shape", "type": "shape", "prompt": "Shape?", "answer": [3, 4], "explanation": "Look."}
TEXT = {"id": "q-text", "type": "text", "prompt": "Name?", "answer": "max pooling", "explanation": "So."}
MULTIPLE = {
    **SINGLE,
    "id": "q-multiple",
    "type": "multiple",
    "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
    "answer": ["a", "b"],
}


def _bank_with(tmp_path: Path, name: str, *questions: dict, **top) -> quiz.Bank:
    path = tmp_path / f"{name}.yaml"
    data = {"notebook": name, "title": "A test bank", "questions": list(questions), **top}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_bank(path)


def test_a_valid_test_bank_loads(tmp_path):
    bank = _bank_with(tmp_path, "valid", SINGLE, NUMERIC, SHAPE, TEXT, MULTIPLE, groups={"pair": ["q-shape", "q-text"]})
    assert list(bank.questions) == ["q-single", "q-number", "q-shape", "q-text", "q-multiple"]
    assert bank.questions["q-shape"].answer == (3, 4)
    assert bank.questions["q-multiple"].answer == {"a", "b"}
    assert bank.groups == {"pair": ("q-shape", "q-text")}


# Each case: a broken question, the question id and the field the message must name.
BROKEN_QUESTIONS = {
    "missing answer": ({k: v for k, v in NUMERIC.items() if k != "answer"}, "q-number", "answer"),
    "unknown type": ({**NUMERIC, "type": "essay"}, "q-number", "type"),
    "misspelt field": ({**NUMERIC, "hnit": "psst"}, "q-number", "hnit"),
    "field of another type": ({**SHAPE, "unit": "px"}, "q-shape", "unit"),
    "number written as 1e9": ({**NUMERIC, "answer": "1e9"}, "q-number", "answer"),
    "boolean as number": ({**NUMERIC, "answer": True}, "q-number", "answer"),
    "negative tolerance": ({**NUMERIC, "tolerance": {"rel": -0.1}}, "q-number", "tolerance"),
    "unknown tolerance key": ({**NUMERIC, "tolerance": {"relative": 0.1}}, "q-number", "tolerance"),
    "shape with a zero": ({**SHAPE, "answer": [3, 0]}, "q-shape", "answer"),
    "shape as text": ({**SHAPE, "answer": "3x4"}, "q-shape", "answer"),
    "answer not a choice": ({**SINGLE, "answer": "maybe"}, "q-single", "answer"),
    "one choice only": ({**SINGLE, "choices": SINGLE["choices"][:1]}, "q-single", "choices"),
    "duplicate choice ids": (
        {**SINGLE, "choices": [{"id": "right", "text": "x"}, {"id": "right", "text": "y"}]},
        "q-single",
        "choices",
    ),
    "multiple answer not a list": ({**MULTIPLE, "answer": "a"}, "q-multiple", "answer"),
    "feedback for the right answer": (
        {**SINGLE, "feedback": [{"when": "right", "message": "hm"}]},
        "q-single",
        "feedback",
    ),
    "numeric feedback within tolerance": (
        {**NUMERIC, "tolerance": {"abs": 1}, "feedback": [{"when": 4.5, "message": "hm"}]},
        "q-number",
        "feedback",
    ),
    "feedback without message": ({**NUMERIC, "feedback": [{"when": 5}]}, "q-number", "feedback"),
    "text feedback that is accepted": (
        {**TEXT, "accept": ["maxpool"], "feedback": [{"when": "MaxPool", "message": "hm"}]},
        "q-text",
        "feedback",
    ),
    "empty explanation": ({**TEXT, "explanation": " "}, "q-text", "explanation"),
    "prompt as a number": ({**TEXT, "prompt": 42}, "q-text", "prompt"),
    "id with spaces": ({**TEXT, "id": "Max Pool"}, "#1", "id"),
}


@pytest.mark.parametrize("case", BROKEN_QUESTIONS)
def test_a_broken_question_names_file_question_and_field(tmp_path, case):
    question, qid, field = BROKEN_QUESTIONS[case]
    with pytest.raises(ValueError) as error:
        _bank_with(tmp_path, "broken", question)
    message = str(error.value)
    assert message.startswith("broken.yaml: "), message
    assert f"question {qid!r}" in message, message
    assert f"field {field!r}" in message, message


BROKEN_BANKS = {
    "duplicate ids": (lambda tmp: _bank_with(tmp, "broken", NUMERIC, NUMERIC), "'id'"),
    "group names an unknown id": (
        lambda tmp: _bank_with(tmp, "broken", NUMERIC, groups={"g": ["nope"]}),
        "field 'groups'",
    ),
    "group named like a question": (
        lambda tmp: _bank_with(tmp, "broken", NUMERIC, groups={"q-number": ["q-number"]}),
        "field 'groups'",
    ),
    "no questions": (lambda tmp: _bank_with(tmp, "broken"), "field 'questions'"),
    "notebook does not match the file": (
        lambda tmp: _bank_with(tmp, "broken", NUMERIC, notebook="other"),
        "field 'notebook'",
    ),
    "unknown top-level field": (lambda tmp: _bank_with(tmp, "broken", NUMERIC, author="me"), "field 'author'"),
}


@pytest.mark.parametrize("case", BROKEN_BANKS)
def test_a_broken_bank_names_file_and_field(tmp_path, case):
    build, expected = BROKEN_BANKS[case]
    with pytest.raises(ValueError) as error:
        build(tmp_path)
    assert str(error.value).startswith("broken.yaml: ") and expected in str(error.value)


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            notebook: broken
            title: t
            questions:
              - id: q
                message: Almost: colons need quotes
            """
        )
    )
    with pytest.raises(ValueError, match=r"(?s)broken.yaml: not valid YAML.*line 5"):
        load_bank(path)
