"""Problem set 05_pooling: every numeric answer in ``data/problems/05_pooling.yaml``, computed.

Layers run in PyTorch: shapes are measured, parameters counted with ``.numel()``, multiply-adds
with ``FlopCounterMode``; what a strided convolution can learn is solved by least squares.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from measure import multiply_adds, n_params
from torch import nn

# ----------------------------------------------------------------------------- strided-conv-vs-max


def one_hot_windows() -> torch.Tensor:
    """The four 2 x 2 windows with a single 1, as a batch (4, 1, 2, 2), in float64."""
    return torch.eye(4, dtype=torch.float64).reshape(4, 1, 2, 2)


def fit_conv_weights(windows: torch.Tensor, pool: Callable[..., torch.Tensor]) -> torch.Tensor:
    """The 2 x 2 kernel (stride 2, no bias) closest, in least squares, to ``pool`` on these windows."""
    targets = pool(windows, 2).reshape(-1, 1)
    return torch.linalg.lstsq(windows.reshape(len(windows), 4), targets).solution.reshape(1, 1, 2, 2)


def forced_weights() -> torch.Tensor:
    return fit_conv_weights(one_hot_windows(), F.max_pool2d)


def forced_conv_on_ones() -> float:
    return F.conv2d(torch.ones(1, 1, 2, 2, dtype=torch.float64), forced_weights(), stride=2).item()


def average_pool_weight() -> float:
    windows = torch.rand(200, 1, 2, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    weights = fit_conv_weights(windows, F.avg_pool2d)
    assert torch.allclose(weights, weights.flatten()[0].expand_as(weights), atol=1e-12)  # one value, four times
    return weights.flatten()[0].item()


def saved_multiply_adds() -> int:
    conv_then_pool = nn.Sequential(nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    strided = nn.Sequential(nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.ReLU())
    with torch.no_grad():
        shapes = [m(torch.zeros(1, 64, 56, 56)).shape for m in (conv_then_pool, strided)]
    assert shapes[0] == shapes[1] == (1, 128, 28, 28)
    return multiply_adds(conv_then_pool, (64, 56, 56)) - multiply_adds(strided, (64, 56, 56))


# ----------------------------------------------------------------------------- quiz-network-bigger-photo


def network(pool2: int = 2) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 100, 5),
            pool1=nn.MaxPool2d(2, stride=2),
            conv2=nn.Conv2d(100, 20, 3),
            pool2=nn.MaxPool2d(pool2, stride=pool2),
            flatten=nn.Flatten(),
            dense1=nn.LazyLinear(128),
            dense2=nn.Linear(128, 10),
        )
    )


def built(pool2: int = 2) -> nn.Sequential:
    net = network(pool2)
    with torch.no_grad():
        net(torch.zeros(1, 3, 128, 128))  # materialises dense1
    return net


def flattened_length() -> int:
    with torch.no_grad():
        return network()[:5](torch.zeros(1, 3, 128, 128)).shape[-1]


def conv2_field_width() -> int:
    """Back-propagate from one conv2 cell (all-one weights, average pooling) and measure the field."""
    layers = [nn.Conv2d(1, 1, 5, bias=False), nn.AvgPool2d(2), nn.Conv2d(1, 1, 3, bias=False)]
    net = nn.Sequential(*layers).double()
    for layer in (net[0], net[2]):
        nn.init.ones_(layer.weight)
    image = torch.zeros(1, 1, 128, 128, dtype=torch.float64, requires_grad=True)
    out = net(image)
    out[0, 0, 30, 30].backward()
    columns = (image.grad[0, 0] != 0).any(dim=0).nonzero().flatten()
    return int(columns.max() - columns.min() + 1)


def smallest_pool2_below(limit: int = 500_000) -> int:
    return next(k for k in range(2, 60) if n_params(built(k).dense1) < limit)


# ----------------------------------------------------------------------------- shift-and-pool


def unchanged_moves(window: int | None) -> int:
    """A length-16 map with one spike at p, moved to p + 1: count moves that leave the pooled map alone."""
    count = 0
    for p in range(15):
        before, after = torch.zeros(1, 1, 16), torch.zeros(1, 1, 16)
        before[..., p], after[..., p + 1] = 1.0, 1.0
        size = 16 if window is None else window  # None: global max pooling
        count += torch.equal(F.max_pool1d(before, size), F.max_pool1d(after, size))
    return count


def most_windows_won() -> int:
    """Overlapping 3 x 3 max pooling, stride 2: gradient that one pixel collects from the windows it wins."""
    x = torch.rand(1, 1, 9, 9, generator=torch.Generator().manual_seed(0))
    x[0, 0, 2, 2] = 2.0  # larger than every other value
    x.requires_grad_()
    F.max_pool2d(x, 3, stride=2).sum().backward()
    return int(x.grad.max().item())


# ----------------------------------------------------------------------------- global-average-head


def flatten_head() -> nn.Linear:
    return nn.Linear(512 * 7 * 7, 1000, device="meta")


def gap_head() -> nn.Sequential:
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000))


def backbone_side(side: int) -> int:
    """A stand-in for a backbone that halves the side five times (total stride 32), as VGG and ResNet do."""
    downsample = nn.Sequential(*[nn.MaxPool2d(2) for _ in range(5)])
    return downsample(torch.zeros(1, 1, side, side, device="meta")).shape[-1]


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("strided-conv-vs-max", 1): lambda: forced_weights()[0, 0, 0, 0].item(),
    ("strided-conv-vs-max", 2): forced_conv_on_ones,
    ("strided-conv-vs-max", 3): average_pool_weight,
    ("strided-conv-vs-max", 4): saved_multiply_adds,
    ("quiz-network-bigger-photo", 1): flattened_length,
    ("quiz-network-bigger-photo", 2): lambda: n_params(built().dense1),
    ("quiz-network-bigger-photo", 3): conv2_field_width,
    ("quiz-network-bigger-photo", 4): smallest_pool2_below,
    ("quiz-network-bigger-photo", 5): lambda: multiply_adds(nn.Conv2d(3, 100, 5), (3, 128, 128)),
    ("shift-and-pool", 1): lambda: unchanged_moves(2),
    ("shift-and-pool", 2): lambda: unchanged_moves(4),
    ("shift-and-pool", 3): lambda: unchanged_moves(None),
    ("shift-and-pool", 4): most_windows_won,
    ("global-average-head", 1): lambda: n_params(flatten_head()),
    ("global-average-head", 2): lambda: n_params(gap_head()),
    ("global-average-head", 3): lambda: backbone_side(448),
    ("global-average-head", 4): lambda: 512 * backbone_side(448) ** 2,
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_no_strided_convolution_equals_max_pooling():
    """The best least-squares kernel on many windows still misses the max: it is not linear."""
    windows = torch.rand(500, 1, 2, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    kernel = fit_conv_weights(windows, F.max_pool2d)
    error = F.conv2d(windows, kernel, stride=2) - F.max_pool2d(windows, 2)
    assert error.abs().max() > 0.1
    assert forced_weights().flatten().tolist() == [1.0, 1.0, 1.0, 1.0]


def test_a_relu_between_two_linear_steps_computes_the_max_of_a_pair():
    a, b = torch.randn(1000, dtype=torch.float64), torch.randn(1000, dtype=torch.float64)
    assert torch.allclose(b + F.relu(a - b), torch.maximum(a, b), rtol=0, atol=1e-15)


def test_dense1_holds_most_parameters_and_pool2_of_5_fits_the_map():
    net = built()
    counts = {name: n_params(layer) for name, layer in net.named_children()}
    assert max(counts, key=counts.get) == "dense1"
    with torch.no_grad():
        assert built(5)[:4](torch.zeros(1, 3, 128, 128)).shape[1:] == (20, 12, 12)


def test_global_average_pooling_accepts_any_size():
    with torch.no_grad():
        head = gap_head()
        for side in (7, 14):
            assert head(torch.zeros(1, 512, side, side)).shape == (1, 1000)
    assert backbone_side(224) == 7
