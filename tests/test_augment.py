import pytest
import torch

from course_utils.training import affine, random_affine, shift


def dot(row, col, size=9):
    x = torch.zeros(1, 1, size, size)
    x[0, 0, row, col] = 1.0
    return x


def test_shift_moves_pixels_and_fills_with_zeros():
    assert torch.equal(shift(dot(4, 4), 2, -3), dot(1, 6))
    assert shift(dot(4, 8), 1, 0).sum() == 0  # moved out of view


def test_shift_refuses_to_move_everything_out():
    with pytest.raises(ValueError, match="entirely out of view"):
        shift(dot(4, 4), 9, 0)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        shift(torch.zeros(9, 9), 1, 0)


def one(value):
    return torch.tensor([float(value)])


def test_affine_shift_equals_the_integer_shift():
    moved = affine(dot(4, 4), one(0), one(1), one(2), one(-1))
    assert torch.allclose(moved, shift(dot(4, 4), 2, -1), atol=1e-6)


def test_positive_degrees_turn_counter_clockwise_about_the_centre():
    rotated = affine(dot(4, 7), one(90), one(1), one(0), one(0))
    assert torch.allclose(rotated, torch.rot90(dot(4, 7), k=1, dims=(2, 3)), atol=1e-6)


def test_random_affine_keeps_shape_and_is_seeded():
    x = torch.rand(5, 1, 28, 28)
    torch.manual_seed(0)
    first = random_affine(x)
    torch.manual_seed(0)
    assert first.shape == x.shape and torch.equal(first, random_affine(x))
