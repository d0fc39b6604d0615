"""Problem set 01_images: every numeric answer in ``data/problems/01_images.yaml``, computed.

``COMPUTED`` maps ``(problem id, part number)`` to a function that works the answer out with
PyTorch (``tests/test_problem_sets.py`` compares it with the YAML). The other tests check
claims that the text answers make.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# ----------------------------------------------------------------------------- phone-photo-budget

PHONE = (3000, 4000)  # H, W of a 12-megapixel phone photo


def photo_bytes(dtype: torch.dtype, layout: str = "chw") -> int:
    """Bytes of one RGB phone photo; on the "meta" device PyTorch allocates nothing."""
    shape = (3, *PHONE) if layout == "chw" else (*PHONE, 3)
    photo = torch.empty(shape, dtype=dtype, device="meta")
    return photo.numel() * photo.element_size()


def dense_layer_on_photo() -> nn.Linear:
    flat = torch.empty(3, *PHONE, device="meta").flatten()
    return nn.Linear(flat.numel(), 100, device="meta")


def dense_parameters() -> int:
    return sum(p.numel() for p in dense_layer_on_photo().parameters())


def dense_gigabytes() -> float:
    layer = dense_layer_on_photo()
    return sum(p.numel() * p.element_size() for p in layer.parameters()) / 1e9


def conv_parameters_on_photo() -> int:
    return sum(p.numel() for p in nn.Conv2d(3, 100, 3, device="meta").parameters())


# ----------------------------------------------------------------------------- reshape-scramble

CAT = (300, 451)  # H, W of the lesson's cat


def labelled_cat() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Three (H, W, 3) arrays that hold, for every number of the photo, its row, column and channel."""
    rows, cols, channels = torch.meshgrid(torch.arange(CAT[0]), torch.arange(CAT[1]), torch.arange(3), indexing="ij")
    return rows, cols, channels


def reshaped(labels: torch.Tensor) -> torch.Tensor:
    return labels.reshape(3, *CAT)  # the mistake: same shape as permute(2, 0, 1), numbers in memory order


def red_values_in_channel_0() -> int:
    _, _, channels = labelled_cat()
    return int((reshaped(channels)[0] == 0).sum())


def photo_rows_in_channel_0() -> int:
    rows, _, _ = labelled_cat()
    return len(reshaped(rows)[0].unique())


def column_of_entry() -> int:
    _, cols, _ = labelled_cat()
    return int(reshaped(cols)[0, 0, 450])


def channel_of_entry() -> int:
    _, _, channels = labelled_cat()
    return int(reshaped(channels)[0, 0, 450])


# ----------------------------------------------------------------------------- pinned-or-shared

BUMP = torch.tensor([0.0, 0, 1, 2, 1, 0, 0, 0], dtype=torch.float64)
TEMPLATE = BUMP.clone()  # the dense neuron's 8 weights: the bump where it was trained


def shift(x: torch.Tensor, k: int) -> torch.Tensor:
    """Move a 1-D signal k places to the right; zeros come in on the left."""
    return F.pad(x, (k, -k))


def dense_response(k: int) -> float:
    neuron = nn.Linear(8, 1, bias=False).double()
    with torch.no_grad():
        neuron.weight[:] = TEMPLATE
        return neuron(shift(BUMP, k)).item()


def slid_max_response(k: int) -> float:
    kernel = torch.tensor([1.0, 2, 1], dtype=torch.float64)[None, None]
    return F.conv1d(shift(BUMP, k)[None, None], kernel).max().item()


def dense_weights_for_every_position(side: int = 100, obj: int = 10) -> int:
    """One dense neuron per position of a 10 x 10 object in a 100 x 100 gray image."""
    positions = F.conv2d(torch.zeros(1, 1, side, side), torch.zeros(1, 1, obj, obj)).numel()
    return nn.Linear(side * side, positions, bias=False, device="meta").weight.numel()


def conv_weights_for_every_position(obj: int = 10) -> int:
    return nn.Conv2d(1, 1, obj, bias=False).weight.numel()


# ----------------------------------------------------------------------------- equivariance-at-the-border

SMALL_CAT = (150, 226)
MOVE = 40


def border_maps(kernel_size: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    """shift-then-conv and conv-then-shift for a positive image and a kernel of ones."""
    image = torch.rand(1, 1, *SMALL_CAT, generator=torch.Generator().manual_seed(0), dtype=torch.float64) + 0.1
    kernel = torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64)

    def move(x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, (MOVE, -MOVE))

    return F.conv2d(move(image), kernel), move(F.conv2d(image, kernel))


def feature_map_width() -> int:
    return border_maps()[0].shape[-1]


def differing_columns() -> list[int]:
    a, b = border_maps()
    return (a - b).abs().amax(dim=(0, 1, 2)).nonzero().flatten().tolist()


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("phone-photo-budget", 1): lambda: photo_bytes(torch.uint8, layout="hwc"),
    ("phone-photo-budget", 2): lambda: photo_bytes(torch.float32),
    ("phone-photo-budget", 3): dense_parameters,
    ("phone-photo-budget", 4): dense_gigabytes,
    ("phone-photo-budget", 5): conv_parameters_on_photo,
    ("reshape-scramble", 1): red_values_in_channel_0,
    ("reshape-scramble", 2): photo_rows_in_channel_0,
    ("reshape-scramble", 3): column_of_entry,
    ("pinned-or-shared", 1): lambda: dense_response(0),
    ("pinned-or-shared", 2): lambda: dense_response(2),
    ("pinned-or-shared", 3): lambda: slid_max_response(2),
    ("pinned-or-shared", 4): dense_weights_for_every_position,
    ("pinned-or-shared", 5): lambda: dense_weights_for_every_position() // conv_weights_for_every_position(),
    ("equivariance-at-the-border", 1): feature_map_width,
    ("equivariance-at-the-border", 2): lambda: len(differing_columns()),
    ("equivariance-at-the-border", 3): lambda: differing_columns()[0],
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_the_scrambled_entry_is_a_red_value_and_permute_keeps_every_channel():
    assert channel_of_entry() == 0  # reshape-scramble, part 3: "the red value of pixel (0, 150)"
    _, _, channels = labelled_cat()
    assert (channels.permute(2, 0, 1)[0] == 0).all()  # permute: channel 0 is all red


def test_uint8_photo_is_a_quarter_of_the_float_one():
    assert 4 * photo_bytes(torch.uint8, layout="hwc") == photo_bytes(torch.float32)
    raw = np.array([200], dtype=np.uint8)
    assert (raw + np.uint8(100))[0] == 44  # the statement's reminder: uint8 wraps around


def test_the_slid_detector_answers_the_same_for_every_move_that_keeps_the_bump_inside():
    assert {slid_max_response(k) for k in range(-2, 4)} == {6.0}
    assert dense_response(1) == 4.0 and dense_response(3) == 0.0


def test_the_feature_maps_agree_from_the_column_where_the_zeros_are_out_of_reach():
    a, b = border_maps()
    assert torch.equal(a[..., MOVE:], b[..., MOVE:]) or torch.allclose(a[..., MOVE:], b[..., MOVE:], atol=1e-12)
    assert (a[..., : MOVE - 4] == 0).all() and (b[..., :MOVE] == 0).all()
    # With a 3 x 3 kernel the strip is k - 1 = 2 columns wide, as the lesson measured on the cat.
    a3, b3 = border_maps(kernel_size=3)
    assert (a3 - b3).abs().amax(dim=(0, 1, 2)).nonzero().flatten().tolist() == [MOVE - 2, MOVE - 1]
