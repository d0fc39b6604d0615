"""check_to_chw accepts a correct student solution, reports the stub as not written yet, explains mistakes."""

from __future__ import annotations

import numpy as np
import pytest

import course_utils.checks.to_chw as checks_module
from course_utils.checks import CheckResult


def student_to_chw(image, *, mistake=None):
    """A solution as a student writes it; ``mistake`` switches on one typical bug."""
    import torch

    tensor = torch.from_numpy(image)
    if mistake == "not written":
        raise NotImplementedError("write to_chw: (H, W) or (H, W, C) in, (C, H, W) out")
    if mistake == "forgot gray":
        return tensor.permute(2, 0, 1) if tensor.ndim == 3 else tensor
    if mistake == "gray channel last":
        tensor = tensor.unsqueeze(-1) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
        return tensor
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    elif mistake == "reshape":
        return tensor.reshape(-1, image.shape[0], image.shape[1])
    elif mistake == "transpose":
        return torch.from_numpy(image.T)
    elif mistake == "permute(2, 1, 0)":
        return tensor.permute(2, 1, 0)
    elif mistake == "channels left last":
        return tensor
    elif mistake == "reversed channels":
        return tensor.permute(2, 0, 1).flip(0)
    else:
        tensor = tensor.permute(2, 0, 1)
    if mistake == "float":
        return tensor.float()
    if mistake == "numpy":
        return tensor.numpy()
    if mistake == "no return":
        return None
    return tensor


def wrong_layout(mistake: str):
    def to_chw(image):
        return student_to_chw(image, mistake=mistake)

    return to_chw


def test_a_correct_to_chw_passes_every_case(capsys) -> None:
    result = checks_module.check_to_chw(student_to_chw)
    assert isinstance(result, CheckResult) and result
    assert result.cases_passed == result.cases_total == len(checks_module.to_chw_cases()) >= 6
    printed = capsys.readouterr().out
    assert printed.strip() == result.message and f"All {result.cases_total} cases passed" in printed


def test_the_course_helper_to_tensor_passes() -> None:
    import course_utils

    # to_tensor keeps the dtype too, so it is a correct to_chw.
    assert checks_module.check_to_chw(course_utils.to_tensor, verbose=False).passed


def test_layout_cases_cover_gray_square_one_four_channels_and_uint8() -> None:
    cases = checks_module.to_chw_cases()
    shapes = [case.image.shape for case in cases]
    assert len(shapes[0]) == 2  # the simplest first: a gray image
    assert any(len(s) == 2 and s[0] == s[1] for s in shapes)  # square gray
    assert any(len(s) == 3 and s[0] == s[1] and s[2] == 3 for s in shapes)  # square colour
    assert any(len(s) == 3 and s[2] == 1 for s in shapes) and any(len(s) == 3 and s[2] == 4 for s in shapes)
    assert any(case.image.dtype == np.uint8 for case in cases)
    for case in cases:
        expected = case.expected()
        assert expected.shape[1:] == case.image.shape[:2]
        assert expected[0, 1, 0].item() == case.image.reshape(*case.image.shape[:2], -1)[1, 0, 0]


def test_a_stub_is_reported_as_not_written_yet_without_failing(capsys) -> None:
    result = checks_module.check_to_chw(wrong_layout("not written"))
    assert not result.passed and result.cases_passed == 0
    assert result.message.startswith("Not written yet: to_chw still raises NotImplementedError")
    assert "Replace the raise line with your code" in result.message
    assert capsys.readouterr().out.strip() == result.message


@pytest.mark.parametrize(
    ("mistake", "cause"),
    [
        ("forgot gray", "a gray image needs a channel axis: return (1, H, W)"),
        ("gray channel last", "the channel axis goes first, not last"),
        ("reshape", "you used reshape. reshape keeps the numbers in memory order"),
        ("transpose", "height and width are swapped: .T and permute(2, 1, 0) reverse every axis"),
        ("permute(2, 1, 0)", "height and width are swapped: .T and permute(2, 1, 0) reverse every axis"),
        ("channels left last", "the channels are still last: you returned (H, W, C)"),
        ("reversed channels", "the channels come out in reverse order (B, G, R)"),
        ("float", "the dtype changed from torch.uint8 to torch.float32"),
        ("numpy", "returned a NumPy array"),
        ("no return", "did you forget to return the tensor?"),
    ],
)
def test_a_typical_layout_mistake_is_explained(mistake: str, cause: str, capsys) -> None:
    result = checks_module.check_to_chw(wrong_layout(mistake))
    assert not result.passed and result.cases_passed < result.cases_total
    assert f"Case {result.cases_passed + 1} of {result.cases_total} failed" in result.message
    assert cause in result.message
    assert capsys.readouterr().out.strip() == result.message


def test_height_and_width_swapped_values_are_caught_on_a_square_image() -> None:
    # On a 4x4 image permute(2, 1, 0) has the right shape: only the values give it away.
    def swaps_only_square(image):
        import torch

        tensor = torch.from_numpy(image)
        if tensor.ndim == 2:
            return tensor.unsqueeze(0)
        order = (2, 1, 0) if image.shape[0] == image.shape[1] else (2, 0, 1)
        return tensor.permute(*order)

    message = checks_module.check_to_chw(swaps_only_square, verbose=False).message
    assert "square colour image" in message.splitlines()[0]
    assert "numbers are in the wrong place. The first is [0, 0, 1]" in message
    assert "Likely cause: height and width are swapped (the picture is transposed)" in message


def test_a_layout_exception_is_reported_with_a_gray_hint() -> None:
    def permute_only(image):
        import torch

        return torch.from_numpy(image).permute(2, 0, 1)

    message = checks_module.check_to_chw(permute_only, verbose=False).message
    assert "Case 1 of" in message and "Your function raised RuntimeError" in message
    assert "A gray image has only 2 axes" in message


def test_an_unexplained_layout_shape_gets_the_rule() -> None:
    def flattens(image):
        import torch

        return torch.from_numpy(image).flatten()

    message = checks_module.check_to_chw(flattens, verbose=False).message
    assert "but yours is (35,)" in message
    assert "The channels (the last axis of the NumPy image) go first" in message
