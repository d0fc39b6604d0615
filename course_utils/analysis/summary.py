"""A per-layer table of a PyTorch model: output shape, parameters, multiply-adds.

``summary(model, (1, 28, 28))`` runs one real forward pass on a zero image and records,
for every layer that has no sub-layers, what came out of it. The table's columns are
declared once, in :data:`COLUMNS`; each row is a plain dict keyed by the columns' keys, so a
new column (a receptive field, say) is one more :class:`Column` with the function that
computes it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from course_utils.ops.receptive_field import receptive_field

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerCall:
    """One layer's forward call, as the hooks saw it (shapes without the batch axis).

    ``receptive_field`` is the size in input pixels of the field of one output cell, for the
    convolutions and poolings called so far, or ``None`` once a layer (Flatten, Linear) mixes
    every position: from there on each value depends on the whole input.
    """

    name: str
    module: nn.Module
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    receptive_field: int | tuple[int, ...] | None = None


@dataclass(frozen=True)
class Column:
    """One column of the table: where its value comes from and how it is printed."""

    key: str
    header: str
    value: Callable[[LayerCall], Any]
    format: Callable[[Any], str] = str
    align: str = ">"  # ">" right (numbers), "<" left (text)


def multiply_adds(call: LayerCall) -> int | None:
    """Multiply-adds of one layer for one example (biases, activations, pooling, norms: 0).

    * convolution: ``C_out * H_out * W_out * (C_in / groups * kH * kW)``: every output
      value is a dot product over one filter;
    * transposed convolution: ``C_in * H_in * W_in * (C_out / groups * kH * kW)``: every
      input value is spread over one patch of every filter of its group;
    * linear: ``out_features * in_features`` (times any leading axes);
    * ``None`` for any other layer with a weight matrix or kernel of its own (a p4 group
      convolution, say): its arithmetic is not known here, and the table says so rather
      than count it as 0.

    >>> call = LayerCall("conv", nn.Conv2d(3, 8, 3), ((3, 10, 10),), (8, 8, 8))
    >>> multiply_adds(call) == 8 * 8 * 8 * (3 * 3 * 3)
    True
    """
    module = call.module
    if isinstance(module, nn.ConvTranspose1d | nn.ConvTranspose2d | nn.ConvTranspose3d):
        per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
        return math.prod(call.input_shapes[0]) * per_input
    if isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return math.prod(call.output_shape) * per_output
    if isinstance(module, nn.Linear):
        return math.prod(call.output_shape) * module.in_features
    if any(p.dim() >= 2 for p in module.parameters(recurse=False)):
        return None
    return 0


def _own_parameters(call: LayerCall) -> int:
    return sum(p.numel() for p in call.module.parameters(recurse=False))


def _format_shape(shape: Shape) -> str:
    return str(tuple(shape))


def _thousands(number: int | None) -> str:
    return "?" if number is None else f"{number:,}"


def _format_field(field: int | tuple[int, ...] | None) -> str:
    if field is None:
        return "all"
    return "x".join(str(size) for size in field) if isinstance(field, tuple) else f"{field}x{field}"


def with_receptive_fields(calls: list[LayerCall]) -> list[LayerCall]:
    """The calls with each one's receptive field, by :func:`course_utils.ops.receptive_field.receptive_field`.

    Per-pixel layers (ReLU, batch norm) keep the field of the layer before; the first layer
    the recurrence cannot follow (Flatten, Linear, ...) and every layer after it see ``"all"``.
    """
    local: list[nn.Module] | None = []
    fields: list[LayerCall] = []
    for call in calls:
        field = None
        if local is not None:
            try:
                field = receptive_field([*local, call.module]).rf
                local.append(call.module)
            except ValueError:
                local = None
        fields.append(replace(call, receptive_field=field))
    return fields


COLUMNS: list[Column] = [
    Column("name", "Layer", lambda call: call.name, align="<"),
    Column("type", "Type", lambda call: type(call.module).__name__, align="<"),
    Column("output_shape", "Output shape", lambda call: call.output_shape, _format_shape, "<"),
    Column("params", "Parameters", _own_parameters, _thousands),
    Column("macs", "Mult-adds", multiply_adds, _thousands),
    Column("receptive_field", "Receptive field", lambda call: call.receptive_field, _format_field),
]


@dataclass(frozen=True)
class ModelSummary:
    """The table: ``rows`` (one dict per layer call), the model's totals, text and HTML."""

    rows: list[dict[str, Any]]
    columns: list[Column]
    input_shape: Shape
    output_shape: Shape
    total_params: int
    trainable_params: int
    total_macs: int  # of the layers counted; see ``uncounted``
    uncounted: tuple[str, ...] = ()  # layers whose multiply-adds are not known (marked ?)

    def _footer(self) -> list[str]:
        macs = f"Multiply-adds per example: {self.total_macs:,}"
        if self.uncounted:
            macs += f" plus the layers marked ? ({', '.join(self.uncounted)}), which this table cannot count"
        return [
            f"Input shape {_format_shape(self.input_shape)}, "
            f"output shape {_format_shape(self.output_shape)} (one example, no batch axis)",
            f"Parameters: {self.total_params:,} ({self.trainable_params:,} trainable)",
            macs,
        ]

    def __str__(self) -> str:
        cells = [[c.header for c in self.columns]]
        cells += [[c.format(row[c.key]) for c in self.columns] for row in self.rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(self.columns))]

        def line(values: list[str]) -> str:
            return "  ".join(f"{v:{c.align}{w}}" for v, c, w in zip(values, self.columns, widths, strict=True)).rstrip()

        rule = "-" * len(line(cells[0]))
        return "\n".join([line(cells[0]), rule, *map(line, cells[1:]), rule, *self._footer()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        def cell(tag: str, text: str, column: Column) -> str:
            side = "left" if column.align == "<" else "right"
            return f'<{tag} style="text-align: {side}">{html.escape(text)}</{tag}>'

        head = "".join(cell("th", c.header, c) for c in self.columns)
        body = "".join(
            "<tr>" + "".join(cell("td", c.format(row[c.key]), c) for c in self.columns) + "</tr>" for row in self.rows
        )
        foot = "<br>".join(html.escape(text) for text in self._footer())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{foot}</p>"


def summary(model: nn.Module, input_shape: Sequence[int], columns: list[Column] | None = None) -> ModelSummary:
    """Run ``model`` once on zeros and tabulate every leaf layer it called.

    ``input_shape`` is the shape of *one* example, without the batch axis, e.g.
    ``(1, 28, 28)`` for a grey 28x28 image: the forward pass sees a batch of one, and every
    shape and count in the table is for one example. A layer called twice gets two rows;
    the parameter total counts each parameter once. The model runs in eval mode, without
    gradients, and gets its train/eval modes back afterwards.

    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 10))
    >>> table = summary(model, (1, 8, 8))
    >>> [(row["output_shape"], row["params"], row["macs"]) for row in table.rows]
    [((4, 6, 6), 40, 1296), ((4, 6, 6), 0, 0), ((144,), 0, 0), ((10,), 1450, 1440)]
    """
    columns = COLUMNS if columns is None else columns
    input_shape = tuple(int(size) for size in input_shape)
    calls: list[LayerCall] = []
    output = _forward_with_hooks(model, input_shape, calls)
    calls = with_receptive_fields(calls)
    parameters = list(model.parameters())
    return ModelSummary(
        rows=[{c.key: c.value(call) for c in columns} for call in calls],
        columns=columns,
        input_shape=input_shape,
        output_shape=_shape_without_batch(output),
        total_params=sum(p.numel() for p in parameters),
        trainable_params=sum(p.numel() for p in parameters if p.requires_grad),
        total_macs=sum(multiply_adds(call) or 0 for call in calls),
        uncounted=tuple(call.name for call in calls if multiply_adds(call) is None),
    )


def _forward_with_hooks(model: nn.Module, input_shape: Shape, calls: list[LayerCall]) -> Any:
    """One forward pass on a zero batch of one, appending a LayerCall per leaf-layer call."""
    first = next(model.parameters(), None)
    zeros = torch.zeros(
        (1, *input_shape),
        dtype=torch.float32 if first is None else first.dtype,
        device="cpu" if first is None else first.device,
    )
    handles = [
        module.register_forward_hook(_recorder(name or type(module).__name__, calls))
        for name, module in model.named_modules()
        if not any(module.children())
    ]
    modes = {module: module.training for module in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            return model(zeros)
    except RuntimeError as error:
        raise ValueError(
            f"the forward pass on a zero batch of shape {tuple(zeros.shape)} failed: {error}. "
            f"input_shape is one example's shape without the batch axis, e.g. (1, 28, 28)"
        ) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training


def _recorder(name: str, calls: list[LayerCall]) -> Callable[..., None]:
    def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        shapes = tuple(_shape_without_batch(x) for x in inputs if isinstance(x, torch.Tensor))
        calls.append(LayerCall(name, module, shapes, _shape_without_batch(output)))

    return hook


def _shape_without_batch(output: Any) -> Shape:
    """Shape of a tensor without its batch axis; for a tuple of tensors, of the first."""
    while isinstance(output, tuple | list):
        output = output[0]
    return tuple(output.shape[1:])
