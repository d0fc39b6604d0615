"""check_receptive_field_size: a stub is not written yet, the solution passes, each classic slip is named.

Each wrong solution below is written the way a student writes it on a first attempt; the test
asserts that the checker names the cause. The expected pairs themselves are checked against
autograd, so the checker cannot be wrong together with the course's ``receptive_field``.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import course_utils.checks as checks
import course_utils.checks.receptive_field_size as checks_module
from course_utils.checks import CheckResult


def student_receptive_field_size(layers, *, mistake=None):
    """The recurrence as a student writes it; ``mistake`` switches on one typical slip."""
    rf = 0 if mistake == "starts at 0" else 1
    jump = 1
    for kernel, stride, dilation in layers:
        if mistake == "jump first":
            jump *= stride
        k_eff = dilation * (kernel - 1) + 1
        if mistake in ("forgot dilation", "forgot both"):
            k_eff = kernel
        if mistake == "dilation times kernel":
            k_eff = dilation * kernel
        step = 1 if mistake in ("forgot jump", "forgot both", "jump never updated") else jump
        rf += (k_eff if mistake == "whole extent" else k_eff - 1) * step
        if mistake == "jump never updated" or mistake == "jump first":
            continue
        if mistake == "jump times kernel":
            jump *= kernel
        elif mistake == "jump is the stride":
            jump = stride
        else:
            jump *= stride
    if mistake == "swapped":
        return jump, rf
    if mistake == "field only":
        return rf
    return rf, jump


def with_mistake(mistake: str):
    def receptive_field_size(layers):
        return student_receptive_field_size(layers, mistake=mistake)

    return receptive_field_size


def autograd_pair(layers) -> tuple[int, int]:
    """(rf, jump) measured: which inputs reach output cells 0 and 1 of a 1-D stack with all weights 1."""
    strides = math.prod(s for _, s, _ in layers)
    length = 2 * strides * (1 + sum(d * (k - 1) for k, _, d in layers)) + 2  # room for two output cells
    convs = [nn.Conv1d(1, 1, k, stride=s, dilation=d, bias=False) for k, s, d in layers]
    for conv in convs:
        nn.init.ones_(conv.weight)
    net = nn.Sequential(*convs).double()
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    y = net(x)
    seen = [torch.autograd.grad(y[0, 0, cell], x, retain_graph=True)[0][0, 0].nonzero() for cell in (0, 1)]
    return int(seen[0].max() - seen[0].min() + 1), int(seen[1].min() - seen[0].min())


# ----------------------------------------------------------------------------- the stub


def test_the_stub_is_not_written_yet_and_nothing_raises(capsys) -> None:
    def receptive_field_size(layers):
        """Return (rf, jump) of the last layer."""
        raise NotImplementedError("write receptive_field_size")

    def empty(layers):
        """The exercise cell with only a docstring and the ellipsis."""
        ...

    def placeholder(layers):
        return ...

    result = checks.check_receptive_field_size(receptive_field_size)
    assert isinstance(result, CheckResult) and not result and result.cases_passed == 0
    assert result.message.startswith("Not written yet: receptive_field_size still raises NotImplementedError")
    assert capsys.readouterr().out == result.message + "\n"
    assert "has no code yet" in checks.check_receptive_field_size(empty, verbose=False).message
    assert "still returns ..., the placeholder" in checks.check_receptive_field_size(placeholder, verbose=False).message


# ----------------------------------------------------------------------------- right answers


def test_the_solution_passes_every_case(capsys) -> None:
    result = checks.check_receptive_field_size(student_receptive_field_size)
    assert result and result.cases_passed == result.cases_total == len(checks_module.receptive_field_size_cases())
    assert capsys.readouterr().out.strip() == result.message
    assert result.message.startswith(f"All {result.cases_total} cases passed")


def test_other_right_answers_pass_too() -> None:
    import numpy as np

    from course_utils.ops import Layer, receptive_field

    def with_the_course(layers):
        table = receptive_field([Layer(k, stride=s, dilation=d) for k, s, d in layers])
        return [table.rf, table.jump]  # a list is a pair too

    def with_numpy(layers):
        strides = np.array([1] + [s for _, s, _ in layers])
        jumps = np.cumprod(strides)[:-1]
        spans = np.array([d * (k - 1) for k, _, d in layers])
        return 1 + int((spans * jumps).sum()), np.prod(strides)  # a NumPy integer is an int

    assert checks.check_receptive_field_size(with_the_course, verbose=False)
    assert checks.check_receptive_field_size(with_numpy, verbose=False)


def test_every_expected_pair_is_what_autograd_measures() -> None:
    for case in checks_module.receptive_field_size_cases():
        assert case.expected() == autograd_pair(case.layers), case.name


def test_the_cases_go_from_simple_to_hard_and_cover_every_knob() -> None:
    cases = checks_module.receptive_field_size_cases()
    assert cases[0].layers == ((3, 1, 1),) and cases[0].expected() == (3, 1)
    quiz = next(c for c in cases if c.name.startswith("the quiz's stack"))
    assert quiz.expected() == (10, 2)  # the lesson's quiz rf-after-pool
    assert any(c.expected() == (13, 3) for c in cases)  # the lesson's autograd network, up to conv2
    assert any(c.expected() == (31, 1) for c in cases)  # dilations 1, 2, 4, 8
    layers = [layer for c in cases for layer in c.layers]
    assert {k for k, _, _ in layers} >= {1, 2, 3, 4, 5} and {s for _, s, _ in layers} >= {1, 2, 3}
    assert {d for _, _, d in layers} >= {1, 2, 3, 4, 8}
    assert len(cases) > 40


# ----------------------------------------------------------------------------- typical mistakes


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("forgot jump", "the jump is missing from the growth of the field"),
        ("jump never updated", "your jump never changes"),
        ("forgot dilation", "the dilation is missing"),
        ("forgot both", "the dilation is missing"),  # the simpler cases name one slip at a time
        ("whole extent", "you added the kernel's whole extent k_eff * jump"),
        ("dilation times kernel", "a dilated kernel spans k_eff = d * (k - 1) + 1 pixels, not d * k"),
        ("jump first", "you multiplied the jump by the layer's stride before growing the field"),
        ("jump times kernel", "the jump grows with each layer's stride, not its kernel size"),
        ("jump is the stride", "the jump is the product of all the strides so far, not the last stride alone"),
        ("starts at 0", "the field is one pixel short: start from rf = 1"),
        ("swapped", "you returned (jump, rf)"),
        ("field only", "You returned one number"),
    ],
)
def test_a_typical_mistake_is_named(mistake: str, cause: str, capsys) -> None:
    result = checks.check_receptive_field_size(with_mistake(mistake))
    assert not result and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message, result.message
    assert capsys.readouterr().out.strip() == result.message


def test_a_mistake_is_named_alone_when_it_is_the_only_explanation() -> None:
    message = checks.check_receptive_field_size(with_mistake("forgot jump"), verbose=False).message
    assert message.count("Likely cause:") == 1
    assert "We called fn([(3, 1, 1), (3, 1, 1), (2, 2, 1), (3, 1, 1)])." in message  # the quiz's stack
    assert "The right answer is (rf, jump) = (10, 2); you returned (8, 2): the field size rf differs." in message


def test_an_unknown_wrong_answer_gets_the_recurrence_worked_out() -> None:
    message = checks.check_receptive_field_size(lambda layers: (5, 7), verbose=False).message
    assert "both numbers differ" in message
    assert "layer 0 (k=3, s=1, d=1): rf = 1 + 2 * 1 = 3, jump = 1" in message


def test_floats_and_odd_return_values_are_explained() -> None:
    def with_division(layers):
        rf, jump = student_receptive_field_size(layers)
        return rf / 1, jump / 1

    floats = checks.check_receptive_field_size(with_division, verbose=False).message
    assert "with floats" in floats and "whole numbers" in floats
    text = checks.check_receptive_field_size(lambda layers: "3, 1", verbose=False).message
    assert "return a pair of whole numbers (rf, jump)" in text


def test_errors_and_a_wrong_signature_are_explained() -> None:
    def unpacks_pairs(layers):
        rf = 1
        for kernel, _stride in layers:  # forgets that each layer is a triple
            rf += kernel - 1
        return rf, 1

    def two_arguments(layers, input_size):
        return student_receptive_field_size(layers)

    def forgot_return(layers):
        student_receptive_field_size(layers)

    unpack = checks.check_receptive_field_size(unpacks_pairs, verbose=False).message
    assert "Your function raised ValueError" in unpack and "for kernel, stride, dilation in layers" in unpack
    signature = checks.check_receptive_field_size(two_arguments, verbose=False).message
    assert "fn(layers), one list of (kernel, stride, dilation) triples" in signature
    assert "did you forget to return the pair (rf, jump)?" in (
        checks.check_receptive_field_size(forgot_return, verbose=False).message
    )


def test_the_students_list_cannot_spoil_the_next_case() -> None:
    def eats_its_input(layers):
        answer = student_receptive_field_size(layers)
        layers.clear()
        return answer

    assert checks.check_receptive_field_size(eats_its_input, verbose=False)
