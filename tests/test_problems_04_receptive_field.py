"""Problem set 04_receptive_field: every numeric answer in ``data/problems/04_receptive_field.yaml``, computed.

Fields are measured with autograd: back-propagate from one output cell of a 1-D copy of the
network (convolution weights 1, no bias, average pooling with the max pooling's windows, so that
no gradient is lost or cancelled) and read which inputs receive a gradient. The design search uses
the course's recurrence (``course_utils.ops.receptive_field``) and checks its winner with autograd.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.ops import Layer, receptive_field

# ----------------------------------------------------------------------------- helpers


def conv(kernel: int = 3, padding: int = 0, dilation: int = 1) -> nn.Conv1d:
    layer = nn.Conv1d(1, 1, kernel, padding=padding, dilation=dilation, bias=False).double()
    nn.init.ones_(layer.weight)
    return layer


def pool() -> nn.AvgPool1d:
    return nn.AvgPool1d(2, stride=2)


def gradient(layers: list[nn.Module], length: int, cell: int | None = None) -> torch.Tensor:
    """Input gradient of one output cell (the middle one by default) of a 1-D stack."""
    net = nn.Sequential(*layers)
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[-1] // 2 if cell is None else cell].backward()
    return x.grad[0, 0]


def reached(layers: list[nn.Module], length: int = 401, cell: int | None = None) -> list[int]:
    return gradient(layers, length, cell).nonzero().flatten().tolist()


def width(layers: list[nn.Module], length: int = 401) -> int:
    where = reached(layers, length)
    return where[-1] - where[0] + 1


# ----------------------------------------------------------------------------- field-100-jump-8


def build(design: str) -> list[nn.Module]:
    """'c' is a 3 x 3 convolution (padding 1), 'p' a 2 x 2 pooling with stride 2."""
    return [conv(3, padding=1) if kind == "c" else pool() for kind in design]


def rf_of(design: str) -> int:
    return receptive_field([Layer(3, padding=1) if kind == "c" else Layer(2, stride=2) for kind in design]).rf


def allowed_designs(convs: int, max_pools: int = 3) -> list[str]:
    """Start with a convolution, never two poolings in a row, at most ``max_pools`` poolings (jump <= 8)."""
    found = []
    for pools in range(max_pools + 1):
        for places in itertools.combinations(range(1, convs + 1), pools):  # a pooling after conv number i
            design = "".join("c" + "p" * (i in places) for i in range(1, convs + 1))
            found.append(design)
    return found


@functools.cache
def best_design() -> str:
    for convs in itertools.count(1):
        reaching = [d for d in allowed_designs(convs) if rf_of(d) >= 100]
        if reaching:
            return max(reaching, key=rf_of)


def jump_of(design: str) -> int:
    """The distance between the fields of neighbouring output cells, measured with autograd."""
    net = build(design)
    first = [reached(net, 401, cell)[0] for cell in (10, 11)]
    return first[1] - first[0]


def max_pools_for_jump(limit: int = 8) -> int:
    return max(pools for pools in range(6) if jump_of("cp" * pools + "c") <= limit)


def output_side(design: str, side: int = 224) -> int:
    net = [nn.Conv2d(1, 1, 3, padding=1) if kind == "c" else nn.MaxPool2d(2) for kind in design]
    return nn.Sequential(*net).to("meta")(torch.zeros(1, 1, side, side, device="meta")).shape[-1]


# ----------------------------------------------------------------------------- dilated-context


def doubling(layers: int) -> list[nn.Module]:
    return [conv(3, padding=2**i, dilation=2**i) for i in range(layers)]


@functools.cache
def fewest_doubling_layers(target: int = 200) -> int:
    return next(n for n in itertools.count(1) if width(doubling(n), length=1201) >= target)


def plain_layers_for(field: int) -> int:
    return next(n for n in itertools.count(1) if 2 * n + 1 >= field and width([conv(3)] * n, 2 * n + 3) >= field)


def stack_weights(layers: int, channels: int = 64) -> int:
    return sum(nn.Conv2d(channels, channels, 3, bias=False).weight.numel() for _ in range(layers))


# ----------------------------------------------------------------------------- cell-on-the-map


def segment_net() -> list[nn.Module]:
    return [conv(3, padding=1), pool(), conv(3, padding=1), pool(), conv(5, padding=2)]


def cell_reach(cell: int) -> list[int]:
    return reached(segment_net(), length=64, cell=cell)


def interior_field() -> int:
    where = cell_reach(5)
    return where[-1] - where[0] + 1


def cells_fully_inside() -> int:
    cells = nn.Sequential(*segment_net())(torch.zeros(1, 1, 64, dtype=torch.float64)).shape[-1]
    return sum(1 for cell in range(cells) if len(cell_reach(cell)) == interior_field())


# ----------------------------------------------------------------------------- paths-and-the-bell


def paths_1d(layers: int) -> np.ndarray:
    return gradient([conv(3) for _ in range(layers)], 2 * layers + 1, cell=0).numpy()


def paths_2d(layers: int) -> np.ndarray:
    net = nn.Sequential(*[nn.Conv2d(1, 1, 3, bias=False).double() for _ in range(layers)])
    for layer in net:
        nn.init.ones_(layer.weight)
    x = torch.zeros(1, 1, 2 * layers + 1, 2 * layers + 1, dtype=torch.float64, requires_grad=True)
    net(x)[0, 0, 0, 0].backward()
    return x.grad[0, 0].numpy()


def spread(layers: int) -> float:
    counts = paths_1d(layers)
    offsets = np.arange(-layers, layers + 1)
    return float(np.sqrt((counts / counts.sum() * offsets**2).sum()))


def central_width(layers: int, share: float = 0.95) -> int:
    counts = paths_1d(layers)
    centre = layers
    return next(
        2 * h + 1 for h in range(centre + 1) if counts[centre - h : centre + h + 1].sum() >= share * counts.sum()
    )


COMPUTED: dict[tuple[str, int], Callable[[], object]] = {
    ("field-100-jump-8", 1): max_pools_for_jump,
    ("field-100-jump-8", 2): lambda: best_design().count("c"),
    ("field-100-jump-8", 3): lambda: width(build(best_design())),
    ("field-100-jump-8", 4): lambda: width(build("ccp" * 3 + "cc")),
    ("field-100-jump-8", 5): lambda: output_side(best_design()),
    ("dilated-context", 1): lambda: width(doubling(5)),
    ("dilated-context", 2): fewest_doubling_layers,
    ("dilated-context", 3): lambda: stack_weights(fewest_doubling_layers()),
    ("dilated-context", 4): lambda: plain_layers_for(width(doubling(fewest_doubling_layers()), length=1201)),
    ("dilated-context", 5): lambda: len(reached([conv(3, padding=2, dilation=2) for _ in range(4)])),
    ("cell-on-the-map", 1): interior_field,
    ("cell-on-the-map", 2): lambda: cell_reach(6)[0] - cell_reach(5)[0],
    ("cell-on-the-map", 3): lambda: cell_reach(5)[0] - 5 * (cell_reach(6)[0] - cell_reach(5)[0]),
    ("cell-on-the-map", 4): lambda: cell_reach(5)[-1],
    ("cell-on-the-map", 5): cells_fully_inside,
    ("paths-and-the-bell", 1): lambda: paths_1d(4)[4],
    ("paths-and-the-bell", 2): lambda: paths_2d(4)[4, 4],
    ("paths-and-the-bell", 3): lambda: paths_2d(4)[4, 4] / paths_2d(4).sum(),
    ("paths-and-the-bell", 4): lambda: spread(24),
    ("paths-and-the-bell", 5): lambda: central_width(24),
}


# ----------------------------------------------------------------------------- claims of the text answers


def test_the_best_design_pools_after_each_of_the_first_three_convolutions():
    assert best_design() == "cpcpcpccccc"
    assert jump_of(best_design()) == 8 and rf_of(best_design()) == width(build(best_design())) == 102
    assert max(rf_of(d) for d in allowed_designs(7)) == 86  # seven convolutions fall short of 100


def test_the_recurrence_gives_the_vgg_layout_the_same_field_as_autograd():
    assert rf_of("ccp" * 3 + "cc") == width(build("ccp" * 3 + "cc")) == 68


def test_a_constant_dilation_leaves_holes_and_doubling_does_not():
    holes = reached([conv(3, padding=2, dilation=2) for _ in range(4)])
    assert holes[-1] - holes[0] + 1 == 17 and all(b - a == 2 for a, b in zip(holes, holes[1:], strict=False))
    full = reached(doubling(7), length=1201)
    assert len(full) == full[-1] - full[0] + 1 == 255


def test_the_field_start_is_where_the_recurrence_puts_it():
    table = receptive_field([Layer(3, padding=1), Layer(2, stride=2), Layer(3, padding=1), Layer(2, stride=2),
                             Layer(5, padding=2)])  # fmt: skip
    assert (table.rf, table.jump, table.start) == (26, 4, -11)


def test_the_bell_is_much_narrower_than_the_field():
    assert spread(24) ** 2 == pytest.approx(2 * 24 / 3, rel=1e-12)
    assert len(paths_1d(24)) == 49 and central_width(24) < 49 / 2
