"""check_output_size: the self-check of lesson 03's output-size exercise."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import check_output_size
from course_utils.checks.output_size import output_size_cases as size_cases


def torch_width(n, kernel, stride=1, padding=0, dilation=1) -> int:
    """The width of a real 2D convolution of an n x n image with a k x k kernel."""
    out = F.conv2d(
        torch.zeros(1, 1, n, n), torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding, dilation=dilation
    )
    return out.shape[-1]


def right(n, kernel, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def student(formula):
    """A student's function, from a formula in short names (n, k, s, p, d)."""

    def output_size(n, kernel, stride=1, padding=0, dilation=1):
        return formula(n, kernel, stride, padding, dilation)

    return output_size


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (student(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1), "dilation"),
        (student(lambda n, k, s, p, d: (n - d * (k - 1) - 1) // s + 1), "padding"),
        (student(lambda n, k, s, p, d: right(n, k, s, p, d) - 1), "+ 1"),
        (student(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1), "float"),
        (student(lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1), "rounded up"),
        (student(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1), "one side"),
        (student(lambda n, k, s, p, d: (n + 2 * p - d * k) // s + 1), "d*k"),
        (student(lambda n, k, s, p, d: n + 2 * p - d * (k - 1)), "the stride is missing"),
        (student(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1)) // s), "room left after the first position"),
        (student(lambda n, k, s, p, d: None), "None"),
        (lambda n, kernel: n - kernel + 1, "must accept"),
    ],
)
def test_check_names_the_classic_mistakes(fn, says):
    result = check_output_size(fn, verbose=False)
    assert not result.passed
    assert says in result.message, result.message
    assert "We called fn(" in result.message


def test_check_passes_a_right_answer_and_prints_the_verdict(capsys):
    result = check_output_size(right)
    assert result.passed and result.cases_passed == result.cases_total > 100
    assert "All" in capsys.readouterr().out


def test_check_cases_are_sizes_pytorch_accepts():
    for case in size_cases():
        assert torch_width(**case.args) == right(**case.args)


def test_numpy_ints_count_as_ints():
    assert check_output_size(lambda **a: np.int64(right(**a)), verbose=False).passed


LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "03_conv_arithmetic.ipynb"


def lesson_cell(starts_with: str) -> str:
    """The source of the lesson's code cell that starts with ``starts_with``."""
    cells = nbformat.read(LESSON, as_version=4).cells
    return next(cell.source for cell in cells if cell.cell_type == "code" and cell.source.startswith(starts_with))


def test_the_lessons_stub_is_not_written_yet_and_does_not_raise(capsys):
    namespace: dict = {}
    exec(lesson_cell("def output_size("), namespace)
    result = check_output_size(namespace["output_size"])
    assert not result.passed and result.cases_passed == 0
    assert result.message.startswith("Not written yet: output_size still raises NotImplementedError")
    assert capsys.readouterr().out.strip() == result.message


def test_the_lessons_solution_passes_with_the_same_check(capsys):
    namespace: dict = {"check_output_size": check_output_size}
    exec(lesson_cell("# Solution (open only after trying)"), namespace)
    assert namespace["result"].passed and namespace["result"].cases_total > 2000
    assert capsys.readouterr().out.startswith("All 2373 cases passed")
