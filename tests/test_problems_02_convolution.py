"""Problem set 02_convolution: every numeric answer in ``data/problems/02_convolution.yaml``, computed.

``COMPUTED`` maps ``(problem id, part number)`` to a function that works the answer out, with
PyTorch's convolutions; the other tests check claims of the text answers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import convolve2d
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from course_utils.ops import conv_matrix


def tensor(rows: list[list[float]]) -> torch.Tensor:
    """A matrix as a 1 x 1 x H x W float64 tensor."""
    return torch.tensor(rows, dtype=torch.float64)[None, None]


# ----------------------------------------------------------------------------- stride-padding-by-hand

X5 = tensor([[1, 0, 2, 1, 0], [0, 3, 1, 0, 2], [2, 1, 0, 1, 1], [0, 2, 1, 3, 0], [1, 0, 0, 2, 1]])
PREWITT_VERTICAL = tensor([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])


def strided_output() -> torch.Tensor:
    return F.conv2d(X5, PREWITT_VERTICAL, padding=1, stride=2)[0, 0]


def true_convolution_centre() -> float:
    """The textbook convolution (SciPy flips the kernel) at the same position as output (1, 1)."""
    padded = np.pad(X5[0, 0].numpy(), 1)
    full = convolve2d(padded, PREWITT_VERTICAL[0, 0].numpy(), mode="valid")  # stride 1, 5 x 5
    return float(full[2, 2])  # stride-2 output (1, 1) sits at stride-1 position (2, 2)


def multiplications(stride: int) -> int:
    with FlopCounterMode(display=False) as counter:
        F.conv2d(X5, PREWITT_VERTICAL, padding=1, stride=stride)
    return counter.get_total_flops() // 2  # a multiply-add is two FLOPs


# ----------------------------------------------------------------------------- design-a-sharpener


def centre_weight(c: float) -> torch.Tensor:
    kernel = -torch.ones(1, 1, 3, 3, dtype=torch.float64)
    kernel[0, 0, 1, 1] = c
    return kernel


def centre_that_keeps_flat_regions() -> int:
    flat = torch.full((1, 1, 5, 5), 0.4, dtype=torch.float64)
    return next(c for c in range(20) if torch.allclose(F.conv2d(flat, centre_weight(c)), flat[..., 1:-1, 1:-1]))


STEP = torch.full((1, 1, 8, 8), 0.2, dtype=torch.float64)  # 8 x 8: dark on the left ...
STEP[..., 4:] = 0.6  # ... bright from column 4 on


def sharpened_step() -> torch.Tensor:
    """Without padding: output (i, j) is centred on input pixel (i + 1, j + 1)."""
    return F.conv2d(STEP, centre_weight(9))[0, 0]


def changed_columns() -> list[int]:
    """The input columns whose pixels the sharpener changes."""
    out, before = sharpened_step(), STEP[0, 0, 1:-1, 1:-1]
    return [j + 1 for j in ((out - before).abs() > 1e-9).any(dim=0).nonzero().flatten().tolist()]


# ----------------------------------------------------------------------------- the-flip


SIGNAL = torch.tensor([1.0, 2, 3, 0, 0], dtype=torch.float64)[None, None]
W3 = torch.tensor([1.0, 0, -1], dtype=torch.float64)[None, None]


def correlation() -> list[float]:
    return F.conv1d(SIGNAL, W3)[0, 0].tolist()


def true_convolution() -> list[float]:
    return np.convolve(SIGNAL[0, 0].numpy(), W3[0, 0].numpy(), mode="valid").tolist()


GALLERY = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "darken": [[0, 0, 0], [0, 0.5, 0], [0, 0, 0]],
    "brighten": [[0, 0, 0], [0, 1.5, 0], [0, 0, 0]],
    "box blur": np.ones((3, 3)) / 9,
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "edge": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "Prewitt horizontal": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "Prewitt vertical": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


def flip_does_not_matter() -> list[str]:
    """The kernels whose correlation equals their true convolution on a random image."""
    image = np.random.default_rng(0).random((12, 12))
    same = []
    for name, kernel in GALLERY.items():
        k = torch.tensor(np.asarray(kernel, dtype=float))[None, None]
        correlated = F.conv2d(torch.from_numpy(image)[None, None], k)[0, 0].numpy()
        if np.allclose(correlated, convolve2d(image, np.asarray(kernel, dtype=float), mode="valid")):
            same.append(name)
    return same


def learned_kernel_for_true_convolution() -> list[float]:
    """Train a Conv1d on true convolutions with (1, 0, -1): it learns the flipped kernel."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 1, 20, dtype=torch.float64, generator=generator)
    target = torch.from_numpy(np.stack([np.convolve(s[0].numpy(), W3[0, 0].numpy(), mode="valid") for s in x]))[:, None]
    layer = nn.Conv1d(1, 1, 3, bias=False).double()
    # Least squares in closed form: the layer is linear in its 3 weights.
    patches = x.unfold(-1, 3, 1).reshape(-1, 3)  # every window of 3, as the layer sees it
    weights = torch.linalg.lstsq(patches, target.reshape(-1, 1)).solution.flatten()
    with torch.no_grad():
        layer.weight[:] = weights.view(1, 1, 3)
    assert torch.allclose(layer(x), target, atol=1e-9)
    return weights.round(decimals=9).tolist()


# ----------------------------------------------------------------------------- one-matrix-product


def matrix_entries(side: int = 32) -> int:
    return conv_matrix((1, side, side), np.ones((1, 1, 3, 3)), padding=1).size


def matrix_nonzeros(side: int = 32) -> int:
    return int(np.count_nonzero(conv_matrix((1, side, side), np.ones((1, 1, 3, 3)), padding=1)))


def im2col_rows_and_columns(channels: int = 64, side: int = 32) -> tuple[int, int]:
    """Rows x columns of the patch matrix: PyTorch's unfold is im2col."""
    return tuple(F.unfold(torch.zeros(1, channels, side, side), kernel_size=3, padding=1).shape[1:])


def gemm_multiply_adds() -> int:
    layer = nn.Conv2d(64, 64, 3, padding=1, bias=False)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        layer(torch.zeros(1, 64, 32, 32))
    return counter.get_total_flops() // 2


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("stride-padding-by-hand", 1): lambda: strided_output().shape[-1],
    ("stride-padding-by-hand", 2): lambda: strided_output()[0, 0].item(),
    ("stride-padding-by-hand", 3): lambda: strided_output()[1, 1].item(),
    ("stride-padding-by-hand", 4): true_convolution_centre,
    ("stride-padding-by-hand", 5): lambda: multiplications(stride=2),
    ("design-a-sharpener", 1): centre_that_keeps_flat_regions,
    ("design-a-sharpener", 2): lambda: sharpened_step()[3, 2].item(),
    ("design-a-sharpener", 3): lambda: sharpened_step()[3, 3].item(),
    ("design-a-sharpener", 4): lambda: len(changed_columns()),
    ("the-flip", 1): lambda: correlation()[0],
    ("the-flip", 2): lambda: true_convolution()[0],
    ("the-flip", 4): lambda: len(flip_does_not_matter()),
    ("one-matrix-product", 1): matrix_entries,
    ("one-matrix-product", 2): matrix_nonzeros,
    ("one-matrix-product", 3): lambda: im2col_rows_and_columns()[0],
    ("one-matrix-product", 4): gemm_multiply_adds,
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_stride_two_keeps_every_other_output_of_stride_one():
    full = F.conv2d(X5, PREWITT_VERTICAL, padding=1)[0, 0]
    assert torch.equal(strided_output(), full[::2, ::2])
    assert multiplications(stride=1) == 9 * 25


def test_the_sharpener_over_and_undershoots_next_to_the_step_only():
    assert changed_columns() == [3, 4]
    out = sharpened_step()
    assert out[3, 2].item() < 0 < 1 < out[3, 3].item()  # outside [0, 1]: clipped to black and white


def test_a_layer_trained_on_true_convolutions_learns_the_flipped_kernel():
    assert learned_kernel_for_true_convolution() == [-1.0, 0.0, 1.0]
    assert true_convolution() == [-v for v in correlation()]


def test_the_kernels_where_the_flip_matters_are_not_symmetric_under_a_half_turn():
    differ = set(GALLERY) - set(flip_does_not_matter())
    assert differ == {"Prewitt horizontal", "Prewitt vertical", "emboss"}
    for name in differ:
        kernel = np.asarray(GALLERY[name], dtype=float)
        assert not np.array_equal(kernel, kernel[::-1, ::-1])


def test_the_gemm_has_the_shapes_of_the_solution():
    rows, columns = im2col_rows_and_columns()
    assert (rows, columns) == (576, 1024)
    assert gemm_multiply_adds() == 64 * rows * columns
