"""check_rotated_filters passes the solution, reports a stub, and names each typical slip it claims to catch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.checks import check_rotated_filters


def student(mistake: str | None = None):
    """The exercise as a student writes it, with NumPy-free torch code; ``mistake`` switches on one slip."""

    def rotated_filter_bank(weight):
        turns = {"clockwise": lambda w, r: torch.rot90(w, -r, dims=(2, 3)),
                 "dims reversed": lambda w, r: torch.rot90(w, r, dims=(3, 2)),
                 "no turn": lambda w, r: w,
                 "twice": lambda w, r: torch.rot90(w, 2 * r, dims=(2, 3)),
                 "transpose": lambda w, r: w.transpose(2, 3) if r % 2 else w,
                 "channel axes": lambda w, r: torch.rot90(w, r, dims=(0, 1))}
        turn = turns.get(mistake, lambda w, r: torch.rot90(w, r, dims=(2, 3)))
        orientations = [turn(weight, r) for r in range(4)]
        if mistake == "rotation first":
            return torch.stack(orientations, dim=0)
        if mistake == "rotation last":
            return torch.stack(orientations, dim=-1)
        if mistake == "concatenated":
            return torch.cat(orientations, dim=0)
        if mistake == "after channels":
            return torch.stack(orientations, dim=2)
        return torch.stack(orientations, dim=1)

    return rotated_filter_bank


def test_the_solution_passes_and_a_numpy_solution_too():
    assert check_rotated_filters(student(), verbose=False)
    numpy_solution = lambda w: np.stack([np.rot90(w.numpy(), r, axes=(2, 3)) for r in range(4)], axis=1)  # noqa: E731
    assert check_rotated_filters(numpy_solution, verbose=False)


def test_a_stub_is_not_written_yet():
    def rotated_filter_bank(weight):
        raise NotImplementedError("write rotated_filter_bank")

    result = check_rotated_filters(rotated_filter_bank, verbose=False)
    assert not result and result.message.startswith("Not written yet: rotated_filter_bank still raises")


@pytest.mark.parametrize(
    ("mistake", "says"),
    [
        ("clockwise", "your filters turn clockwise"),
        ("dims reversed", "your filters turn clockwise"),
        ("no turn", "every orientation is the same filter"),
        ("twice", "orientation r is turned 2r times"),
        ("transpose", "a transpose is a mirror image"),
        ("rotation first", "The rotation axis comes first"),
        ("rotation last", "The rotation axis comes last"),
        ("concatenated", "concatenated into C_out"),
        ("after channels", "The rotation axis sits after C_in"),
    ],
)
def test_each_typical_slip_is_named(mistake, says):
    result = check_rotated_filters(student(mistake), verbose=False)
    assert not result and says in result.message, result.message


def test_turning_over_a_channel_axis_is_caught_where_it_keeps_the_shape_and_where_it_does_not():
    result = check_rotated_filters(student("channel axes"), verbose=False)
    assert not result and result.cases_passed == 0  # the 1x1 filter bank: a turn over (0, 1) does nothing
    assert "every orientation is the same filter" in result.message

    def only_square_banks(weight):  # turns over the channel axes where the shapes allow it
        dims = (0, 1) if weight.shape[0] == weight.shape[1] > 1 else (2, 3)
        return torch.stack([torch.rot90(weight, r, dims=dims) for r in range(4)], dim=1)

    result = check_rotated_filters(only_square_banks, verbose=False)
    assert result.cases_passed == 3 and "wrong pair of axes" in result.message

    def wrong_dims(weight):
        return torch.stack([torch.rot90(weight, r, dims=(1, 2)) for r in range(4)], dim=1)

    assert "not both the kernel's" in check_rotated_filters(wrong_dims, verbose=False).message
