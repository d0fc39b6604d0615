"""summary(): shapes from the real forward pass, parameter totals, multiply-adds.

Multiply-adds are checked three ways: by hand for a small model, against PyTorch's own
FLOP counter (2 FLOPs per multiply-add), and against the formula on random layers.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from course_utils.analysis import summary
from course_utils.analysis.summary import COLUMNS, Column


def small_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2),
        nn.Flatten(),
        nn.Linear(72, 10),
    )


def digit_cnn() -> nn.Sequential:
    """Seed 004's digit network: 28x28 -> 16 maps 14x14 -> 36 maps 7x7 -> 128 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 36, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(36 * 7 * 7, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


def test_small_model_by_hand() -> None:
    table = summary(small_model(), (1, 8, 8))
    rows = [(r["type"], r["output_shape"], r["params"], r["macs"]) for r in table.rows]
    assert rows == [
        # 8 - 3 + 1 = 6; weights 4*1*3*3 + 4 biases; each of 4*6*6 outputs sums 1*3*3 products
        ("Conv2d", (4, 6, 6), 40, 1296),
        ("ReLU", (4, 6, 6), 0, 0),
        # (6 + 2 - 3) // 2 + 1 = 3; groups 2: each filter sees 4/2 channels: 8*2*3*3 + 8
        ("Conv2d", (8, 3, 3), 152, 8 * 3 * 3 * 18),
        ("Flatten", (72,), 0, 0),
        ("Linear", (10,), 72 * 10 + 10, 720),
    ]
    assert table.total_params == 40 + 152 + 730
    assert table.total_macs == 1296 + 1296 + 720
    assert table.input_shape == (1, 8, 8) and table.output_shape == (10,)


def count_with_torch(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """PyTorch's FLOP counter, which counts 2 FLOPs (a multiply and an add) per mult-add."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros(1, *input_shape))
    return counter.get_total_flops() // 2


@pytest.mark.parametrize(
    ("model", "input_shape"),
    [
        (small_model(), (1, 8, 8)),
        (digit_cnn(), (1, 28, 28)),
        (
            nn.Sequential(
                nn.Conv2d(3, 6, (3, 5), stride=(2, 1), dilation=(1, 2), padding=(1, 0)),
                nn.Conv2d(6, 6, 3, groups=6),
                nn.ConvTranspose2d(6, 4, 3, stride=2, groups=2, output_padding=1),
                nn.Flatten(),
                nn.LazyLinear(5),
            ),
            (3, 11, 13),
        ),
        (nn.Sequential(nn.Conv1d(2, 3, 4), nn.Linear(7, 5)), (2, 10)),
    ],
)
def test_mult_adds_match_torchs_flop_counter(model: nn.Module, input_shape) -> None:
    expected = count_with_torch(model, input_shape)  # also materialises any lazy layer
    table = summary(model, input_shape)
    assert table.total_macs == expected > 0
    assert sum(row["macs"] for row in table.rows) == table.total_macs


def test_every_conv_row_follows_the_formula() -> None:
    model = digit_cnn()
    table = summary(model, (1, 28, 28))
    convs = [row for row in table.rows if row["type"] == "Conv2d"]
    assert [row["output_shape"] for row in convs] == [(16, 28, 28), (36, 14, 14)]
    # C_out * H_out * W_out * (C_in / groups * kH * kW)
    assert [row["macs"] for row in convs] == [16 * 28 * 28 * (1 * 5 * 5), 36 * 14 * 14 * (16 * 25)]


def test_parameter_total_is_the_models() -> None:
    model = digit_cnn()
    model[0].weight.requires_grad_(False)
    table = summary(model, (1, 28, 28))
    assert table.total_params == sum(p.numel() for p in model.parameters())
    assert table.trainable_params == table.total_params - model[0].weight.numel()
    assert sum(row["params"] for row in table.rows) == table.total_params


def test_a_shared_layer_is_listed_per_call_but_counted_once() -> None:
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    table = summary(model, (4,))
    assert [row["name"] for row in table.rows] == ["0", "1", "0"]
    assert table.total_params == 20
    assert table.total_macs == 2 * 16


def test_output_shapes_are_those_of_the_real_forward_pass() -> None:
    model = digit_cnn().eval()
    table = summary(model, (1, 28, 28))
    x = torch.zeros(1, 1, 28, 28)
    real = []
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            real.append(tuple(x.shape[1:]))
    assert [row["output_shape"] for row in table.rows] == real
    assert real[3] == (16, 14, 14) and real[6] == (36, 7, 7)  # seed 004's map sizes


def test_the_decks_parameter_counts() -> None:
    # Seed 002: 1,000 filters of 10x10 on one channel are 100,000 parameters.
    assert summary(nn.Conv2d(1, 1000, 10, bias=False), (1, 10, 10)).total_params == 100_000
    # Seed 001: 100 filters of 3x5x5 on a 3x100x100 image give 100x96x96.
    assert summary(nn.Conv2d(3, 100, 5), (3, 100, 100)).output_shape == (100, 96, 96)


def test_train_mode_is_restored_and_batch_norm_untouched() -> None:
    model = digit_cnn().train()
    model[10].eval()  # a mix of modes must come back as it was
    before = model[1].running_mean.clone()
    summary(model, (1, 28, 28))
    assert [m.training for m in model] == [i != 10 for i in range(len(model))]
    assert torch.equal(model[1].running_mean, before)


def test_text_and_html_show_every_row_and_the_totals() -> None:
    table = summary(small_model(), (1, 8, 8))
    text = str(table)
    assert text == repr(table)
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "Type", "Output", "shape", "Parameters", "Mult-adds", "Receptive", "field"]
    assert "(8, 3, 3)" in lines[4] and "152" in lines[4] and "1,296" in lines[4]
    assert "Parameters: 922 (922 trainable)" in text
    assert "Multiply-adds per example: 3,312" in text
    page = table._repr_html_()
    assert page.count("<tr>") == 1 + len(table.rows)
    assert "<th" in page and "(72,)" in page and "3,312" in page


def test_rows_have_one_key_per_column_and_new_columns_plug_in() -> None:
    table = summary(small_model(), (1, 8, 8))
    assert all(list(row) == [c.key for c in COLUMNS] for row in table.rows)
    kernel = Column("kernel", "Kernel", lambda call: getattr(call.module, "kernel_size", None))
    extended = summary(small_model(), (1, 8, 8), columns=[*COLUMNS, kernel])
    assert [row["kernel"] for row in extended.rows] == [(3, 3), None, (3, 3), None, None]
    assert "Kernel" in str(extended)


def test_a_batch_axis_in_input_shape_is_explained() -> None:
    with pytest.raises(ValueError, match="without the batch axis"):
        summary(small_model(), (1, 1, 8, 8))


def test_receptive_field_column_matches_an_autograd_measurement() -> None:
    from course_utils.models import digit_cnn
    from course_utils.ops import empirical_receptive_field

    model = digit_cnn()
    table = summary(model, (1, 28, 28))
    layers = list(model)
    for index, row in enumerate(table.rows):
        if isinstance(layers[index], nn.Flatten):
            break
        # Measure on the prefix that ends at this layer, from an interior output cell.
        prefix = nn.Sequential(*layers[: index + 1])
        size = prefix(torch.zeros(1, 1, 28, 28)).shape[-1]
        (rows, cols) = empirical_receptive_field(prefix, 28, (size // 2, size // 2))
        assert row["receptive_field"] == rows[1] - rows[0] + 1 == cols[1] - cols[0] + 1
    assert [row["receptive_field"] for row in table.rows][index:] == [None] * (len(table.rows) - index)
    assert "all" in repr(table) and "14x14" in repr(table)


class Bilinear(nn.Module):
    """A leaf layer with a weight of its own that summary has no formula for."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight


def test_a_layer_it_cannot_count_is_marked_not_counted_as_zero() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), Bilinear(), nn.Linear(4, 2))
    table = summary(model, (3,))
    assert [row["macs"] for row in table.rows] == [12, 0, None, 8]  # LayerNorm: 0 by convention
    assert table.total_macs == 20 and table.uncounted == ("2",)
    text = str(table)
    assert "?" in text.splitlines()[4] and "plus the layers marked ? (2)" in text
    with FlopCounterMode(display=False) as counter:  # what the ? hides is real work
        model(torch.zeros(1, 3))
    assert counter.get_total_flops() // 2 > table.total_macs


def test_stage_table_refuses_what_it_cannot_count() -> None:
    from course_utils.analysis import stage_table

    with pytest.raises(ValueError, match="cannot count the multiply-adds of mixer.0"):
        stage_table(nn.Sequential(OrderedDict(mixer=nn.Sequential(Bilinear()))), (4, 4))
