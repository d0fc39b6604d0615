"""course_utils.analysis.shifts measures how much feature maps change when the image pans by a few pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import load_image
from course_utils.analysis import pan, relative_change, shift_sensitivity


def test_relative_change_is_the_l2_distance_over_the_reference_norm() -> None:
    reference = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    assert relative_change(reference, reference) == 0
    assert relative_change(reference, torch.zeros(2, 2)) == pytest.approx(1.0)
    assert relative_change(reference, 2 * reference) == pytest.approx(1.0)
    assert relative_change(reference, reference + torch.tensor([[0.0, 0.5], [0.0, 0.0]])) == pytest.approx(0.1)


def test_relative_change_refuses_different_shapes_and_an_empty_reference() -> None:
    with pytest.raises(ValueError, match="same layer"):
        relative_change(torch.ones(2, 3), torch.ones(3, 2))
    with pytest.raises(ValueError, match="all zeros"):
        relative_change(torch.zeros(4), torch.ones(4))


def test_pan_cuts_the_window_further_right_or_down() -> None:
    image = torch.arange(100.0).reshape(10, 10)
    window = pan(image, 2, 3, size=4)
    assert window.shape == (1, 1, 4, 4) and torch.equal(window[0, 0], image[2:6, 3:7])
    assert torch.equal(pan(image, 2, 3, 4, shift=2)[0, 0], image[2:6, 5:9])
    assert torch.equal(pan(image, 2, 3, 4, shift=2, direction="down")[0, 0], image[4:8, 3:7])
    # The content moves left: what was at column 2 of the window is now at column 0.
    assert torch.equal(pan(image, 0, 0, 5, shift=2)[..., :3], pan(image, 0, 0, 5)[..., 2:])


def test_pan_keeps_colour_channels_and_accepts_numpy() -> None:
    cat = load_image("chelsea")  # (H, W, 3) NumPy
    chw = np.ascontiguousarray(cat.transpose(2, 0, 1))
    window = pan(chw, 10, 20, size=32, shift=1)
    assert window.shape == (1, 3, 32, 32)
    assert np.array_equal(window[0].numpy(), chw[:, 10:42, 21:53])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top": 0, "left": 8, "size": 4}, "does not fit"),
        ({"top": 0, "left": 0, "size": 8, "shift": 3}, "does not fit"),
        ({"top": 0, "left": 0, "size": 4, "shift": -1}, ">= 0"),
        ({"top": 0, "left": 0, "size": 4, "direction": "left"}, "direction"),
        ({"top": 0, "left": 0, "size": 2.5}, "whole number"),
    ],
)
def test_pan_explains_bad_windows(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pan(torch.zeros(10, 10), **kwargs)


def test_pan_wants_an_image() -> None:
    with pytest.raises(ValueError, match=r"\(H, W\) or \(C, H, W\)"):
        pan(torch.zeros(1, 1, 10, 10), 0, 0, 4)


def test_no_shift_no_change_and_a_periodic_pattern_repeats() -> None:
    stripes = torch.tensor([1.0, 0.0, 0.0]).repeat(20)[None].expand(60, 60)  # period 3 across
    change = shift_sensitivity(lambda x: x, stripes, shifts=range(7), size=32, directions=["right"])
    assert change[0] == 0 and change[3] == 0 and change[6] == 0
    assert change[1] > 1 and change[2] > 1  # the bright column lands where dark ones were


def test_a_global_average_hardly_moves_but_the_pixels_do() -> None:
    gray = torch.from_numpy(load_image("chelsea", gray=True))
    pixels = shift_sensitivity(lambda x: x, gray, shifts=[0, 1, 4], size=200)
    average = shift_sensitivity(lambda x: x.mean(dim=(-2, -1)), gray, shifts=[0, 1, 4], size=200)
    assert pixels[0] == average[0] == 0
    assert 0 < average[1] < average[2] < 0.01 < 0.05 < pixels[1] < pixels[2]


def test_max_pooling_an_edge_map_makes_it_less_sensitive() -> None:
    # The lesson's claim, on a small scale: edges move, their pooled maxima move less.
    gray = torch.from_numpy(load_image("chelsea", gray=True))
    edge = torch.tensor([[-1.0, -1, -1], [-1, 8, -1], [-1, -1, -1]])[None, None]

    def edges(x: torch.Tensor) -> torch.Tensor:
        return F.relu(F.conv2d(x, edge))

    before = shift_sensitivity(edges, gray, shifts=[1, 2], size=96)
    after = shift_sensitivity(lambda x: F.max_pool2d(edges(x), 4), gray, shifts=[1, 2], size=96)
    assert (after < 0.8 * before).all(), (before, after)


def test_shift_sensitivity_runs_without_gradients() -> None:
    weight = torch.ones(1, 1, 3, 3, requires_grad=True)

    def features(x: torch.Tensor) -> torch.Tensor:
        out = F.conv2d(x, weight)
        assert not out.requires_grad
        return out

    shift_sensitivity(features, torch.rand(40, 40), shifts=[0, 1], size=16)


def test_features_must_keep_the_batch_axis() -> None:
    with pytest.raises(ValueError, match="batch axis first"):
        shift_sensitivity(lambda x: x.mean(), torch.rand(40, 40), shifts=[0, 1], size=16)
    with pytest.raises(ValueError, match="batch axis first"):
        shift_sensitivity(lambda x: x.mean(dim=0), torch.rand(40, 40), shifts=[0, 1], size=16)


def test_one_batch_gives_the_same_numbers_as_one_window_at_a_time() -> None:
    gray = torch.from_numpy(load_image("coins", gray=True))
    corners, size = [(10, 20), (100, 150)], 48
    batched = shift_sensitivity(lambda x: F.max_pool2d(x, 2), gray, [0, 2, 3], size, corners)
    single = [
        np.mean(
            [
                relative_change(F.max_pool2d(pan(gray, *at, size), 2), F.max_pool2d(pan(gray, *at, size, d, way), 2))
                for at in corners
                for way in ("right", "down")
            ]
        )
        for d in [0, 2, 3]
    ]
    assert np.allclose(batched, single)


def test_shift_sensitivity_explains_bad_arguments() -> None:
    with pytest.raises(ValueError, match="needs 36x36 pixels"):
        shift_sensitivity(lambda x: x, torch.rand(30, 40), shifts=range(5), size=32)
    with pytest.raises(ValueError, match="non-empty"):
        shift_sensitivity(lambda x: x, torch.rand(30, 40), shifts=[], size=8)
    with pytest.raises(ValueError, match="whole number"):
        shift_sensitivity(lambda x: x, torch.rand(30, 40), shifts=[0.5], size=8)
