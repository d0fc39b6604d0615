"""check_max_pool2d accepts a correct student solution and explains typical wrong ones.

Each wrong solution below is a mistake a student makes on a first attempt, written the way
the student would write it; the test asserts the checker names the cause.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import course_utils.checks.max_pool2d as checks_module
from course_utils.checks import CheckResult


def student_max_pool2d(x, kernel_size, stride, *, mistake=None):
    """A loop solution as a student writes it; ``mistake`` switches on one typical bug."""
    channels, height, width = x.shape
    k, s = kernel_size, stride
    h_out, w_out = (height - k) // s + 1, (width - k) // s + 1
    if mistake == "forgot + 1":
        h_out, w_out = h_out - 1, w_out - 1
    if mistake == "divides by stride":
        h_out, w_out = height // s, width // s
    if mistake in ("stride ignored", "stride ignored everywhere"):
        step = 1
        if mistake == "stride ignored everywhere":
            h_out, w_out = height - k + 1, width - k + 1
    else:
        step = k if mistake == "steps by kernel" else s
    size = s if mistake == "window of stride" else k - 1 if mistake == "window one short" else k
    out = np.zeros((channels, h_out, w_out))
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x[c, i * step : i * step + size, j * step : j * step + size]
                if mistake == "average":
                    out[c, i, j] = window.mean()
                elif mistake == "all channels":
                    out[c, i, j] = x[:, i * step : i * step + size, j * step : j * step + size].max()
                elif mistake == "starts at 0":
                    best = 0
                    for value in window.flat:
                        best = max(best, value)
                    out[c, i, j] = best
                else:
                    out[c, i, j] = window.max()
    if mistake == "drops channel axis":
        return out[0]
    return out


def wrong_pool(mistake: str):
    def fn(x, kernel_size, stride):
        return student_max_pool2d(x, kernel_size, stride, mistake=mistake)

    return fn


def test_a_correct_max_pooling_passes_every_case(capsys) -> None:
    result = checks_module.check_max_pool2d(student_max_pool2d)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.max_pool2d_cases()) >= 12
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_the_course_reference_and_pytorch_pass() -> None:
    import torch
    import torch.nn.functional as F

    from course_utils.ops import max_pool2d

    def with_torch(x, kernel_size, stride):
        return F.max_pool2d(torch.from_numpy(x), kernel_size, stride)  # a tensor is accepted too

    assert checks_module.check_max_pool2d(max_pool2d, verbose=False).passed
    assert checks_module.check_max_pool2d(with_torch, verbose=False).passed


def test_pool_cases_cover_overlap_gaps_channels_and_negatives() -> None:
    cases = checks_module.max_pool2d_cases()
    first = cases[0]
    assert first.x.shape == (1, 4, 4) and (first.kernel_size, first.stride) == (2, 2)
    assert first.expected().tolist() == [[[3.0, 1.0], [4.0, 2.0]]]  # the lecture's answer
    assert any(c.stride < c.kernel_size for c in cases)  # overlapping windows
    assert any(c.stride > c.kernel_size for c in cases)  # gaps between windows
    assert any((c.x.shape[1] - c.kernel_size) % c.stride for c in cases)  # a size that does not divide
    assert any(c.x.shape[1] != c.x.shape[2] for c in cases) and any(c.x.shape[0] > 1 for c in cases)
    assert any((c.x < 0).all() for c in cases)
    assert not np.allclose(cases[-1].x, np.round(cases[-1].x))  # real numbers, not only integers


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("average", "you took the average"),
        ("forgot + 1", "output size off by one: remember the + 1 in floor((n - k) / s) + 1"),
        ("stride ignored", "stride ignored: the window for output (i, j) starts at row i * stride"),
        ("stride ignored everywhere", "stride ignored: your windows move one pixel at a time, so they overlap"),
        ("divides by stride", "you divided the size by the stride"),
        ("steps by kernel", "A window came out empty: it started beyond the edge of the map."),
        ("window of stride", "your windows are 1x1 (the stride)"),
        ("window one short", "your windows are one pixel short"),
        ("starts at 0", "you started the running maximum at 0"),
        ("all channels", "you took the maximum over all channels at once"),
        ("drops channel axis", "Keep the channel axis"),
    ],
)
def test_a_typical_pooling_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_max_pool2d(wrong_pool(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_a_pooling_value_mismatch_names_the_position_and_its_window() -> None:
    result = checks_module.check_max_pool2d(wrong_pool("average"), verbose=False)
    assert result.cases_passed == 0
    assert "The first is output[0, 0, 0]: expected 3, got 2." in result.message
    assert "Its window is channel 0, rows 0..1, columns 0..1" in result.message


def test_a_pooling_exception_is_reported_with_a_hint() -> None:
    def loops_too_far(x, kernel_size, stride):
        channels, height, width = x.shape
        out = np.zeros((channels, height // stride, width // stride))
        for c, i, j in itertools.product(range(channels), range(height // stride), range(width // stride)):
            taps = itertools.product(range(kernel_size), repeat=2)
            out[c, i, j] = max(x[c, i * stride + u, j * stride + v] for u, v in taps)
        return out

    result = checks_module.check_max_pool2d(loops_too_far, verbose=False)
    assert "Your function raised IndexError" in result.message
    assert "do your loops stop at H_out = (H - kernel_size) // stride + 1" in result.message


def test_a_wrong_pooling_signature_or_no_return_is_explained() -> None:
    def no_stride(x, kernel_size):
        return student_max_pool2d(x, kernel_size, kernel_size)

    def forgot_return(x, kernel_size, stride):
        student_max_pool2d(x, kernel_size, stride)

    assert "fn(x, kernel_size, stride)" in checks_module.check_max_pool2d(no_stride, verbose=False).message
    assert "did you forget to return" in checks_module.check_max_pool2d(forgot_return, verbose=False).message


def test_a_pooling_shape_without_a_known_cause_gets_the_formula() -> None:
    def seven_by_seven(x, kernel_size, stride):
        return np.zeros((x.shape[0], 7, 7))

    message = checks_module.check_max_pool2d(seven_by_seven, verbose=False).message
    assert "Likely cause: check your output size" in message
    assert "H_out = (H - kernel_size) // stride + 1 = (4 - 2) // 2 + 1 = 2" in message


def test_pooling_channels_must_be_kept() -> None:
    def one_map(x, kernel_size, stride):
        return student_max_pool2d(x, kernel_size, stride).max(axis=0, keepdims=True)

    message = checks_module.check_max_pool2d(one_map, verbose=False).message
    assert "three channels" in message.splitlines()[0]
    assert "pooling works on each channel separately" in message


def test_windows_that_step_by_the_kernel_size_are_explained() -> None:
    case = checks_module.max_pool2d_cases()[4]  # 7x7 map, 3x3 windows, stride 2: the last window is cut off
    got = wrong_pool("steps by kernel")(case.x, case.kernel_size, case.stride)
    message = checks_module._explain_pool_values(case, got, case.expected())
    assert "your windows start every kernel_size = 3 pixels; they start every stride = 2 pixel(s)" in message


def test_every_pooling_case_can_be_explained() -> None:
    for case in checks_module.max_pool2d_cases():
        assert checks_module._pool_value_mistakes(case) and checks_module._pool_shape_mistakes(case)
