"""The shared core of the checkers: every checker reports a stub as not written yet, in the same words.

The checker-specific tests live in ``test_check_<name>.py``; here is what all of them share: the
"not written yet" diagnosis of the exercise's stub (it raises ``NotImplementedError``, returns
``...``, or has an empty body), the skeleton's numbering and verdict, and the package's API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from torch import nn

import course_utils.checks as checks
from course_utils.checks.core import CheckStopped, not_written_yet, run_checks

CHECKERS = {  # each checker, and the name the exercise gives the student's function
    "check_to_chw": "to_chw",
    "check_conv2d": "my_conv2d",
    "check_output_size": "output_size",
    "check_receptive_field_size": "receptive_field_size",
    "check_max_pool2d": "my_max_pool2d",
    "check_batch_norm": "my_batch_norm",
    "check_forward_shapes": "forward",
    "check_vgg_block_params": "vgg_block_params",
    "check_box_iou": "box_iou",
    "check_nms": "nms",
    "check_decoder_shapes": "forward",
    "check_vae_loss": "my_vae_loss",
    "check_rotated_filters": "rotated_filter_bank",
    "check_trapezoid_kernel": "my_trapezoid_kernel",
}
GIVEN = ["exercise_encoder"]  # what an exercise hands the student, exported beside its checker
CLASS_CHECKERS = ["check_basic_block"]  # the student writes a module class; its stub is tested in its own file


def raises_not_implemented(name: str):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"write {name}")

    stub.__name__ = name
    return stub


def empty_body(name: str):
    def stub(*args, **kwargs):
        """The exercise cell as it ships: a docstring, then the ellipsis."""
        ...

    stub.__name__ = name
    return stub


def returns_ellipsis(name: str):
    def stub(*args, **kwargs):
        return ...

    stub.__name__ = name
    return stub


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize(
    ("make_stub", "says"),
    [
        (raises_not_implemented, "still raises NotImplementedError (write {name}). Replace the raise line"),
        (empty_body, "has no code yet (its body is only ... or pass, so it returns None)"),
        (returns_ellipsis, "still returns ..., the placeholder. Replace it with your code"),
    ],
)
def test_every_checker_reports_its_stub_as_not_written_yet(checker: str, make_stub, says: str, capsys) -> None:
    name = CHECKERS[checker]
    result = getattr(checks, checker)(make_stub(name))
    assert not result and result.cases_passed == 0 and result.cases_total > 0
    assert result.message.startswith(f"Not written yet: {name} " + says.format(name=name)), result.message
    assert result.message.endswith("run that cell, then run this check again.")
    assert capsys.readouterr().out == result.message + "\n"


def test_a_model_whose_forward_is_still_empty_is_not_written_yet() -> None:
    class MyDigitCNN(nn.Module):
        def forward(self, x):
            """Write the forward pass."""
            ...

    message = checks.check_forward_shapes(MyDigitCNN(), verbose=False).message
    assert message.startswith("Not written yet: MyDigitCNN has no code yet")


def test_written_code_that_returns_none_is_asked_about_its_return() -> None:
    def forgot_return(x, weight, bias=None, stride=1, padding=0):
        x = x * 2  # some real work, then no return

    for fn in (forgot_return, lambda x, weight, bias=None, stride=1, padding=0: None):
        message = checks.check_conv2d(fn, verbose=False).message
        assert message.startswith("Case 1 of ") and "did you forget to return the output?" in message


def test_not_written_yet_is_empty_for_real_results() -> None:
    def written(x):
        return x

    assert not_written_yet(written, 3) == not_written_yet(written, None) == ""


def test_the_skeleton_numbers_the_first_problem_and_stops_there() -> None:
    seen = []

    def problems():
        for problem in ["", "", "the third is wrong", "never looked at"]:
            seen.append(problem)
            yield problem

    result = run_checks(problems(), 4, "Case {} of 4 failed.".format, lambda: "unused", verbose=False)
    assert (result.passed, result.cases_passed, result.cases_total) == (False, 2, 4)
    assert result.message == "Case 3 of 4 failed.\nthe third is wrong"
    assert seen == ["", "", "the third is wrong"]


def test_a_stopped_check_keeps_its_message_and_the_count_so_far() -> None:
    def problems():
        yield ""
        raise CheckStopped("Not written yet: ...")

    result = run_checks(problems(), 3, "Case {} failed.".format, lambda: "unused", verbose=False)
    assert (result.passed, result.cases_passed, result.message) == (False, 1, "Not written yet: ...")
    passed = run_checks(["", ""], 2, "Case {} failed.".format, lambda: "All 2 passed.", verbose=False)
    assert passed and str(passed) == "All 2 passed." and passed.cases_passed == 2


def test_the_package_exports_the_checkers_and_their_result() -> None:
    assert sorted(checks.__all__) == sorted(["CheckResult", *GIVEN, *CHECKERS, *CLASS_CHECKERS])
    assert all(callable(getattr(checks, name)) for name in checks.__all__)


def test_no_checker_module_reaches_into_another_modules_private_names() -> None:
    for path in Path(checks.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils")
            for alias in node.names
        ]
        attributes_of_core = [
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "core"
        ]
        assert not [name for name in imported if name.startswith("_")], path.name
        assert not [name for name in attributes_of_core if name.startswith("_")], path.name
