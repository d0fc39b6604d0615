"""check_conv2d accepts a correct student solution and explains typical wrong ones.

Each wrong solution below is a mistake a student makes on a first attempt, written the way
the student would write it; the test asserts the checker names the cause.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import course_utils.checks.conv2d as checks_module
from course_utils.checks import CheckResult, check_conv2d
from course_utils.checks.conv2d import conv2d_cases
from course_utils.ops import conv2d


def student_conv2d(x, weight, bias=None, stride=1, padding=0, *, mistake=None):
    """A loop solution as a student writes it; ``mistake`` switches on one typical bug."""
    c_out, c_in, kh, kw = weight.shape
    if mistake == "transposed kernel":
        weight = weight.transpose(0, 1, 3, 2)
    if mistake == "flipped kernel":
        weight = weight[:, :, ::-1, ::-1]
    if mistake != "forgot padding":
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    step = 1 if mistake in ("forgot stride", "moves one pixel") else stride
    h_out = (x.shape[1] - kh) // step + 1
    w_out = (x.shape[2] - kw) // step + 1
    if mistake == "forgot + 1":
        h_out, w_out = h_out - 1, w_out - 1
    if mistake == "moves one pixel":
        h_out = (x.shape[1] - kh) // stride + 1
        w_out = (x.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * step, j * step
                if mistake == "overwrites channels":
                    for c in range(c_in):
                        patch = x[c, top : top + kh, left : left + kw]
                        out[o, i, j] = np.sum(patch * weight[o, c])
                else:
                    patch = x[:, top : top + kh, left : left + kw]
                    out[o, i, j] = np.sum(patch * weight[o])
                if bias is not None and mistake != "forgot bias":
                    out[o, i, j] += bias[o]
    return out


def wrong(mistake: str):
    def fn(x, weight, bias=None, stride=1, padding=0):
        return student_conv2d(x, weight, bias, stride, padding, mistake=mistake)

    return fn


def test_a_correct_loop_solution_passes_every_case(capsys) -> None:
    result = check_conv2d(student_conv2d)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(conv2d_cases()) >= 12
    printed = capsys.readouterr().out
    assert printed.strip() == result.message
    assert printed.count("\n") == 1 and f"All {result.cases_total} cases passed" in printed


def test_the_course_reference_passes() -> None:
    def reference(x, weight, bias=None, stride=1, padding=0):
        return conv2d(x[None], weight, bias, stride, padding)[0]

    assert check_conv2d(reference, verbose=False).passed


def test_cases_go_from_one_channel_to_everything_at_once() -> None:
    cases = conv2d_cases()
    first, last = cases[0], cases[-1]
    assert first.x.shape[0] == first.weight.shape[0] == 1 and first.bias is None
    assert (first.stride, first.padding) == (1, 0)
    assert any(c.weight.shape[2] != c.weight.shape[3] for c in cases)  # a non-square kernel
    assert any(c.x.shape[1] != c.x.shape[2] for c in cases)  # a non-square image
    assert last.bias is not None and last.x.shape[0] > 1 and last.weight.shape[0] > 1
    assert not np.allclose(last.x, np.round(last.x))  # real numbers, not only integers


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("forgot padding", "2 too small in each direction: did you forget the padding?"),
        ("forgot stride", "did you forget the stride?"),
        ("moves one pixel", "you move the kernel one pixel at a time"),
        ("forgot bias", "you forgot the bias"),
        ("transposed kernel", "your kernel is transposed"),
        ("flipped kernel", "you flipped the kernel"),
        ("overwrites channels", "only the last input channel counts"),
        ("forgot + 1", "remember the + 1"),
    ],
)
def test_a_typical_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = check_conv2d(wrong(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_a_value_mismatch_names_the_first_wrong_position() -> None:
    result = check_conv2d(wrong("forgot bias"), verbose=False)
    case = conv2d_cases()[result.cases_passed]
    expected = case.expected()
    got = expected - case.bias[:, None, None]
    assert "The first is output[0, 0, 0]" in result.message
    assert f"expected {expected[0, 0, 0]:.4g}, got {got[0, 0, 0]:.4g}" in result.message


def test_an_exception_is_reported_with_the_case() -> None:
    def sizes_with_padding_but_no_padding(x, weight, bias=None, stride=1, padding=0):
        c_out, c_in, kh, kw = weight.shape
        h_out = (x.shape[1] + 2 * padding - kh) // stride + 1
        w_out = (x.shape[2] + 2 * padding - kw) // stride + 1
        out = np.zeros((c_out, h_out, w_out))
        for o, i, j in itertools.product(range(c_out), range(h_out), range(w_out)):
            for c, u, v in itertools.product(range(c_in), range(kh), range(kw)):
                out[o, i, j] += x[c, i * stride + u, j * stride + v] * weight[o, c, u, v]
        return out

    result = check_conv2d(sizes_with_padding_but_no_padding, verbose=False)
    assert "padding 1" in result.message.splitlines()[0]
    assert "Your function raised IndexError" in result.message
    assert "did you pad the input" in result.message


def test_a_wrong_signature_is_explained() -> None:
    def no_bias_argument(x, weight, stride=1, padding=0):
        return student_conv2d(x, weight, None, stride, padding)

    result = check_conv2d(no_bias_argument, verbose=False)
    assert result.cases_passed == 0
    assert "TypeError" in result.message
    assert "fn(x, weight, bias=None, stride=1, padding=0)" in result.message


def test_returning_nothing_is_explained() -> None:
    def forgot_return(x, weight, bias=None, stride=1, padding=0):
        student_conv2d(x, weight, bias, stride, padding)

    assert "did you forget to return" in check_conv2d(forgot_return, verbose=False).message


def test_a_2d_output_for_one_filter_is_explained() -> None:
    def squeezed(x, weight, bias=None, stride=1, padding=0):
        return student_conv2d(x, weight, bias, stride, padding).squeeze()

    message = check_conv2d(squeezed, verbose=False).message
    assert "Keep the output-channel axis" in message


def test_an_unexplained_shape_gets_the_formula_with_the_case_numbers() -> None:
    def seven_by_seven(x, weight, bias=None, stride=1, padding=0):
        return np.zeros((weight.shape[0], 7, 7))

    message = check_conv2d(seven_by_seven, verbose=False).message
    assert "Likely cause: check your output size" in message
    assert "H_out = (H + 2*padding - kH) // stride + 1 = (4 + 2*0 - 3) // 1 + 1 = 2" in message


def test_every_case_can_be_explained() -> None:
    # The explanations compute PyTorch's output for each mistake; none may crash on any case.
    for case in conv2d_cases():
        mistakes = checks_module._value_mistakes(case) + checks_module._shape_mistakes(case)
        assert mistakes


# ----------------------------------------------------------------------------------------
# Lesson 02 as it ships: the stub, the demonstration of a wrong answer, and the rest of the catalogue
# ----------------------------------------------------------------------------------------


def test_the_lessons_stub_is_not_written_yet_and_does_not_raise(capsys) -> None:
    def my_conv2d(x, weight, bias=None, stride=1, padding=0):
        """One image through a convolution layer, with loops (the lesson's docstring, shortened)."""
        raise NotImplementedError("write the loops here")

    result = check_conv2d(my_conv2d)
    assert not result.passed and result.cases_passed == 0
    assert result.message.startswith("Not written yet: my_conv2d still raises NotImplementedError (write the loops")
    assert capsys.readouterr().out.strip() == result.message


def test_the_lessons_demonstration_of_a_forgotten_padding() -> None:
    # The lesson shows the checker's diagnosis on this simulated wrong answer, built on the course's conv2d.
    def forgot_padding(x, weight, bias=None, stride=1, padding=0):
        return conv2d(x[None], weight, bias, stride, padding=0)[0]

    result = check_conv2d(forgot_padding, verbose=False)
    assert result.message.startswith("Case 4 of 15 failed: padding 1")
    assert "did you forget the padding?" in result.message


def student_with(mistake: str):
    """A loop solution with one more typical bug of the catalogue switched on."""

    def fn(x, weight, bias=None, stride=1, padding=0):
        c_out, c_in, kh, kw = weight.shape
        sides = {
            "pads one side": ((0, 0), (padding, 0), (padding, 0)),
            "pads bottom right": ((0, 0), (0, 2 * padding), (0, 2 * padding)),
        }
        x = np.pad(x, sides.get(mistake, ((0, 0), (padding, padding), (padding, padding))))
        h_out, w_out = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
        maps = c_in if mistake == "one map per input channel" else c_out
        out = np.zeros((maps, h_out, w_out))
        for o, i, j in itertools.product(range(maps), range(h_out), range(w_out)):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            if mistake == "one map per input channel":
                value = np.sum(patch[o] * weight[0, o])
            elif mistake == "first channel only":
                value = np.sum(patch[0] * weight[o, 0])
            elif mistake == "first filter for all":
                value = np.sum(patch * weight[0])
            else:
                value = np.sum(patch * weight[o])
            if mistake != "never stores":
                out[o, i, j] = value + (0 if bias is None else bias[o])
        return out

    return fn


@pytest.mark.parametrize(
    ("mistake", "first_failure", "cause"),
    [
        ("pads one side", "Case 4 of", "did you pad only one side?"),
        ("pads bottom right", "Case 4 of", "you put all the padding at the bottom and right"),
        ("one map per input channel", "Case 9 of", "you return one map per input channel"),
        ("first channel only", "Case 9 of", "only the first input channel counts"),
        ("first filter for all", "Case 10 of", "every output channel uses the first filter"),
        ("never stores", "Case 1 of", "your output is all zeros: did you store each sum in it?"),
    ],
)
def test_more_typical_mistakes_are_explained(mistake: str, first_failure: str, cause: str) -> None:
    result = check_conv2d(student_with(mistake), verbose=False)
    assert not result.passed
    assert result.message.startswith(first_failure), result.message
    assert cause in result.message, result.message
