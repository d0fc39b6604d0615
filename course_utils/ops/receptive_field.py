"""Receptive fields: which input pixels can one cell of a feature map see?

One 3x3 convolution sees 3x3 pixels. Stack a second one on top and each of its cells sees
3x3 cells of the first, which together see 5x5 pixels: stacking small convolutions lets a
network recognise large objects. For a stack of convolutions and poolings, three numbers per
layer (and per axis) describe the fields of all its cells:

* ``rf``, the size of a cell's field in input pixels;
* ``jump``, the distance in input pixels between the fields of two neighbouring cells
  (the product of the strides so far);
* ``start``, the first input pixel in the field of the layer's first cell (index 0); it is
  negative when padding lets the field hang over the image's edge.

Starting from the input (``rf = jump = 1``, ``start = 0``), a layer with kernel ``k``,
stride ``s``, padding ``p`` and dilation ``d`` (dilated extent ``k_eff = d (k - 1) + 1``) gives

.. math::

    r_{out} = r_{in} + (k_{eff} - 1)\\, j_{in}, \\qquad
    j_{out} = j_{in}\\, s, \\qquad
    start_{out} = start_{in} - p\\, j_{in}.

Cell ``i`` then sees the pixels ``start + i * jump`` to ``start + i * jump + rf - 1``, and
the centre of its field is ``start + i * jump + (rf - 1) / 2`` (the often-quoted recurrence
for the centre, ``c_out = c_in + ((k_eff - 1) / 2 - p) j_in``, says the same).

``receptive_field`` computes the table; ``empirical_receptive_field`` measures the same thing
with autograd, by back-propagating from one output cell to the input (Araujo, Norris and Sim,
2019, "Computing receptive fields of convolutional neural networks"). ``field_gradient``
gives the whole gradient map, whose bright centre is what Luo et al. (2016) call the
*effective* receptive field.
"""

from __future__ import annotations

import copy
import dataclasses
import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.ops.geometry import (
    AXES,
    IntOrTuple,
    check_geometry,
    conv_output_size,
    dilated_extent,
    per_axis,
    pool_output_size,
)

Box = tuple[tuple[int, int], ...]

_GEOMETRY = ("kernel", "stride", "padding", "dilation")
_CONVS = (nn.Conv1d, nn.Conv2d)
_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)
# Layers that act on each pixel separately and so leave the field alone. BatchNorm counts as
# one: in eval mode it is a per-channel affine map (in training mode it also mixes in batch
# statistics, which no receptive field describes).
_PER_PIXEL = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Identity,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
)


@dataclass(frozen=True)
class Layer:
    """The geometry of one convolution or pooling: all a receptive field depends on.

    Each of ``kernel``, ``stride``, ``padding``, ``dilation`` is an int (the same on every
    axis) or a tuple with one value per axis, e.g. ``(height, width)``. ``ceil_mode`` (pooling
    only) matters for the output size, not for the field.

    >>> Layer(3, padding=1)
    Layer(kernel=3, stride=1, padding=1, dilation=1, name='', ceil_mode=False)
    """

    kernel: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple = 0
    dilation: IntOrTuple = 1
    name: str = ""
    ceil_mode: bool = False


@dataclass(frozen=True, repr=False)
class ReceptiveField:
    """The table made by ``receptive_field``: one row (a dict) per convolution or pooling.

    Each row has ``layer`` (its name), ``kernel``, ``stride``, ``padding``, ``dilation``,
    ``rf``, ``jump``, ``start`` and, when the input size was given, ``size`` (of the layer's
    output). A value is an int when it is the same on every axis, else a tuple per axis.
    ``rf``, ``jump``, ``start`` and ``size`` on the table itself are those of the last layer.
    """

    rows: list[dict]
    axes: int
    input_size: tuple[int, ...] | None = None

    @property
    def rf(self) -> IntOrTuple:
        return self.rows[-1]["rf"]

    @property
    def jump(self) -> IntOrTuple:
        return self.rows[-1]["jump"]

    @property
    def start(self) -> IntOrTuple:
        return self.rows[-1]["start"]

    @property
    def size(self) -> IntOrTuple | None:
        return self.rows[-1].get("size")

    def region(self, index: IntOrTuple) -> Box:
        """The input pixels seen by output cell ``index``: ``(first, last)`` per axis, inclusive.

        Without an input size this is ``start + index * jump`` to ``start + index * jump + rf - 1``.
        With one, the range is traced back through the layers and clipped to each layer's input,
        since the part of a window that lies on padding reaches no pixel. (Clipping only at the
        image is not enough: a window over the right padding of a feature map would claim pixels
        that no real cell of that map sees.)

        >>> receptive_field([Layer(3, padding=1)] * 2).region(0)
        ((-2, 2),)
        >>> receptive_field([Layer(3, padding=1)] * 2, input_size=8).region(0)
        ((0, 2),)
        """
        cell = per_axis(index, "index", self.axes)
        sizes = per_axis(self.size, "size", self.axes) if self.input_size else (None,) * self.axes
        if any(i < 0 or (n is not None and i >= n) for i, n in zip(cell, sizes, strict=True)):
            raise ValueError(f"index {index!r} is outside the output of size {self.size}; count cells from 0")
        return tuple(self._trace_back(cell[axis], axis) for axis in range(self.axes))

    def _trace_back(self, cell: int, axis: int) -> tuple[int, int]:
        """From one cell's range in a layer's output to the range it covers in that layer's input."""
        first = last = cell
        for i in reversed(range(len(self.rows))):
            kernel, stride, padding, dilation = (self._value(i, key, axis) for key in _GEOMETRY)
            first = first * stride - padding
            last = last * stride - padding + dilation * (kernel - 1)
            if self.input_size:
                n_in = self.input_size[axis] if i == 0 else self._value(i - 1, "size", axis)
                first, last = max(first, 0), min(last, n_in - 1)
        return first, last

    def _value(self, row: int, key: str, axis: int) -> int:
        return per_axis(self.rows[row][key], key, self.axes)[axis]

    def _columns(self) -> list[str]:
        return list(self.rows[0])

    def __repr__(self) -> str:
        columns = self._columns()
        cells = [columns] + [[_show(row[c]) for c in columns] for row in self.rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        lines = ("  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)) for line in cells)
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self._columns())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_show(row[c]))}</td>" for c in self._columns()) + "</tr>"
            for row in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def receptive_field(
    layers_or_model: nn.Module | Iterable[Layer | Mapping | nn.Module],
    input_size: IntOrTuple | None = None,
) -> ReceptiveField:
    """Receptive field size, jump and start of every convolution and pooling in a stack.

    ``layers_or_model`` is a PyTorch model (its layers are read in the order they were
    registered, which is the order ``nn.Sequential`` runs them) or a list of ``Layer``s,
    dicts with the same keys, or modules. Convolutions (``Conv1d``, ``Conv2d``) and poolings
    (``MaxPool1d/2d``, ``AvgPool1d/2d``) each get a row; per-pixel layers (activations,
    ``BatchNorm``, ``Dropout``) do not change the field and are skipped; anything else is a
    ``ValueError``. With ``input_size`` (an int or one size per axis) each row also gets the
    layer's output ``size``. See the module docstring for the recurrence.

    >>> table = receptive_field([Layer(3)] * 2 + [Layer(2, stride=2)], input_size=32)
    >>> [(row["rf"], row["jump"], row["start"], row["size"]) for row in table.rows]
    [(3, 1, 0, 30), (5, 1, 0, 28), (6, 2, 0, 14)]
    """
    layers = list(_layers(layers_or_model))
    if not layers:
        raise ValueError(
            "found no convolution or pooling: a stack without them has a receptive field of one pixel; "
            "pass the model (or its convolutional part) or a list of Layer(kernel, stride, padding, dilation)"
        )
    axes = _count_axes(layers, input_size)
    sizes = per_axis(input_size, "input_size", axes) if input_size is not None else None
    if sizes:
        _check_each_axis("n", sizes)
    walks = [list(_walk_axis(layers, axis, axes, sizes[axis] if sizes else None)) for axis in range(axes)]
    rows = []
    for i, layer in enumerate(layers):
        row: dict = {"layer": layer.name}
        for key in _GEOMETRY:
            row[key] = _collapse(per_axis(getattr(layer, key), key, axes))
        for key in ("rf", "jump", "start") + (("size",) if sizes else ()):
            row[key] = _collapse(tuple(walks[axis][i][key] for axis in range(axes)))
        rows.append(row)
    return ReceptiveField(rows, axes, sizes)


def _walk_axis(layers: list[Layer], axis: int, axes: int, size: int | None) -> Iterator[dict]:
    """The recurrence along one of ``axes`` axes, one dict per layer."""
    rf, jump, start = 1, 1, 0
    for layer in layers:
        kernel, stride, padding, dilation = (per_axis(getattr(layer, key), key, axes)[axis] for key in _GEOMETRY)
        rf += (dilated_extent(kernel, dilation) - 1) * jump
        start -= padding * jump
        jump *= stride
        if size is not None:
            size = _output_size(layer, size, kernel, stride, padding, dilation)
        yield {"rf": rf, "jump": jump, "start": start, "size": size}


def _output_size(layer: Layer, n: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """The layer's output size along one axis; a pooling with ``ceil_mode`` rounds up."""
    try:
        if layer.ceil_mode:
            return pool_output_size(n, kernel, stride, padding, dilation, ceil_mode=True)
        return conv_output_size(n, kernel, stride, padding, dilation)
    except ValueError as error:
        raise ValueError(f"layer {layer.name!r}: {error}") from None


# ----------------------------------------------------------------------------------------
# Reading layers from specs and models
# ----------------------------------------------------------------------------------------


def _layers(source: nn.Module | Iterable[Layer | Mapping | nn.Module]) -> Iterator[Layer]:
    """Every convolution and pooling in ``source`` as a checked ``Layer`` with a name."""
    items = [("", source)] if isinstance(source, nn.Module) else enumerate(source)
    for position, item in items:
        if isinstance(item, nn.Module):
            for name, module in _leaf_modules(item, prefix=str(position)):
                layer = _from_module(name, module)
                if layer is not None:
                    yield _checked(layer)
        elif isinstance(item, Layer):
            yield _checked(item if item.name else dataclasses.replace(item, name=f"layer {position}"))
        elif isinstance(item, Mapping):
            yield _checked(_from_mapping(item, f"layer {position}"))
        else:
            raise ValueError(
                f"item {position} is a {type(item).__name__}; give a Layer(kernel, stride, padding, dilation), "
                "a dict with those keys, or a torch module"
            )


def _leaf_modules(model: nn.Module, prefix: str) -> Iterator[tuple[str, nn.Module]]:
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            yield ".".join(part for part in (prefix, name) if part), module


def _from_module(name: str, module: nn.Module) -> Layer | None:
    """The geometry of a convolution or pooling; None for a per-pixel layer."""
    label = f"{name} ({type(module).__name__})" if name else type(module).__name__
    if isinstance(module, _PER_PIXEL):
        return None
    if isinstance(module, _CONVS):
        padding = module.padding
        if isinstance(padding, str):  # "valid" or "same"
            padding = _same_padding(module, label) if padding == "same" else 0
        return Layer(module.kernel_size, module.stride, padding, module.dilation, label)
    if isinstance(module, _POOLS):
        dilation = getattr(module, "dilation", 1)  # average pooling has none
        return Layer(module.kernel_size, module.stride, module.padding, dilation, label, module.ceil_mode)
    raise ValueError(
        f"receptive_field does not know layer {label!r}: only convolutions (Conv1d, Conv2d), poolings "
        "(MaxPool1d/2d, AvgPool1d/2d) and per-pixel layers (activations, BatchNorm, Dropout) have a receptive "
        "field. Pass only the convolutional part of the model (e.g. model.features or model[:4]), or describe "
        "the layers with Layer(kernel, stride, padding, dilation)"
    )


def _same_padding(conv: nn.Module, label: str) -> tuple[int, ...]:
    extents = [d * (k - 1) for k, d in zip(conv.kernel_size, conv.dilation, strict=True)]
    if any(extent % 2 for extent in extents):
        raise ValueError(
            f"layer {label!r} uses padding='same' with an even kernel, which pads one pixel more on one side; "
            "give the padding as numbers instead"
        )
    return tuple(extent // 2 for extent in extents)


def _from_mapping(spec: Mapping, default_name: str) -> Layer:
    fields = {field.name for field in dataclasses.fields(Layer)}
    unknown = sorted(set(spec) - fields)
    if unknown or "kernel" not in spec:
        problem = f"unknown keys {unknown}" if unknown else "no 'kernel'"
        raise ValueError(f"layer spec {dict(spec)!r} has {problem}; use the keys {sorted(fields)}")
    return Layer(**{"name": default_name, **spec})


def _checked(layer: Layer) -> Layer:
    for key in _GEOMETRY:
        value = getattr(layer, key)
        try:
            _check_each_axis(key, per_axis(value, key, len(value) if isinstance(value, tuple | list) else 1))
        except ValueError as error:
            raise ValueError(f"layer {layer.name!r}: {error}") from None
    return layer


def _check_each_axis(key: str, values: tuple[int, ...]) -> None:
    """:func:`check_geometry` on every axis; the message names the axis of a (height, width) pair."""
    for axis, value in enumerate(values):
        check_geometry(**{key: value}, axis=AXES[axis] if len(values) == 2 else "")


def _count_axes(layers: list[Layer], input_size: IntOrTuple | None) -> int:
    """How many spatial axes: the length of any tuple given; 1 if everything is an int."""
    values = [getattr(layer, key) for layer in layers for key in _GEOMETRY]
    lengths = {len(value) for value in values if isinstance(value, tuple | list)}
    if isinstance(input_size, tuple | list):
        lengths.add(len(input_size))
    if len(lengths) > 1:
        raise ValueError(
            f"the layers and input_size mix {sorted(lengths)} spatial axes; give every tuple one value per axis "
            "(e.g. (height, width)), or plain ints for square settings"
        )
    return lengths.pop() if lengths else 1


def _collapse(values: tuple[int, ...]) -> IntOrTuple:
    """One number when every axis agrees (the square case), else the tuple."""
    return values[0] if len(set(values)) == 1 else values


def _show(value: object) -> str:
    return "" if value is None else str(value)


# ----------------------------------------------------------------------------------------
# Measuring the field with autograd
# ----------------------------------------------------------------------------------------


class _WindowSum(nn.Module):
    """A pooling whose every window adds up its inputs, channel by channel.

    Stands in for max pooling when measuring a field: a max pool sends the gradient to one
    input of each window only, a sum sends it to all of them.
    """

    def __init__(self, layer: Layer, axes: int) -> None:
        super().__init__()
        geometry = (per_axis(getattr(layer, key), key, axes) for key in _GEOMETRY)
        self.kernel, self.stride, self.padding, self.dilation = geometry
        self.ceil_mode = layer.ceil_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels, sizes = x.shape[1], x.shape[2:]
        conv = F.conv1d if len(self.kernel) == 1 else F.conv2d
        ones = x.new_ones(channels, 1, *self.kernel)
        if not self.ceil_mode:
            return conv(x, ones, stride=self.stride, padding=self.padding, dilation=self.dilation, groups=channels)
        # Zeros on the right make room for the partial last window; the extra cells this can add
        # are cut off, since a later layer would otherwise see them instead of its padding.
        x = F.pad(x, [side for s in reversed(self.stride) for side in (0, s - 1)])
        y = conv(x, ones, stride=self.stride, padding=self.padding, dilation=self.dilation, groups=channels)
        geometry = zip(sizes, self.kernel, self.stride, self.padding, self.dilation, strict=True)
        return y[(..., *(slice(pool_output_size(*axis, ceil_mode=True)) for axis in geometry))]


def _measuring_copy(source: nn.Module | Sequence, axes: int) -> tuple[nn.Sequential, int]:
    """A linear copy of ``source`` in float64 and the number of input channels it takes.

    Convolutions keep their shape with all weights 1 and biases 0, poolings become window sums,
    per-pixel layers are dropped. Then the gradient of an output cell at an input pixel counts
    the paths between them: positive exactly on the receptive field, never zero by chance.
    """
    steps: list[nn.Module] = []
    channels = None
    items = [source] if isinstance(source, nn.Module) else list(source)
    for item in items:
        modules = [m for _, m in _leaf_modules(item, "")] if isinstance(item, nn.Module) else [item]
        for module in modules:
            if isinstance(module, _CONVS):
                conv = copy.deepcopy(module).to(torch.float64).requires_grad_(False)
                nn.init.ones_(conv.weight)
                if conv.bias is not None:
                    nn.init.zeros_(conv.bias)
                steps.append(conv)
                channels = channels or module.in_channels
            elif not isinstance(module, _PER_PIXEL):
                steps.append(_WindowSum(next(_layers([module])), axes))
    return nn.Sequential(*steps), channels or 1


def field_gradient(
    model: nn.Module | Sequence[Layer | Mapping | nn.Module], input_size: IntOrTuple, out_index: IntOrTuple
) -> np.ndarray:
    """How strongly each input pixel reaches output cell ``out_index``, measured with autograd.

    Back-propagates from the cell (summed over its channels) to the input of a linear copy of
    the model: convolution weights 1, biases 0, poolings as window sums, activations,
    BatchNorm and Dropout removed. Each pixel's value is then the number of paths from it to
    the cell, so the map is positive exactly on the receptive field; with a random network a
    gradient could be zero by chance (a ReLU that is off, a max pool that chose another pixel).
    Returns an array of shape ``input_size`` (per axis).

    >>> field_gradient([Layer(3), Layer(3)], input_size=7, out_index=1)
    array([0., 1., 2., 3., 2., 1., 0.])
    """
    table = receptive_field(model, input_size)
    cell = per_axis(out_index, "out_index", table.axes)
    sizes = per_axis(table.size, "size", table.axes)
    if any(not 0 <= i < n for i, n in zip(cell, sizes, strict=True)):
        raise ValueError(f"out_index {out_index!r} is outside the model's output of size {table.size}")
    net, channels = _measuring_copy(model, table.axes)
    x = torch.zeros(1, channels, *table.input_size, dtype=torch.float64, requires_grad=True)
    net(x)[(0, slice(None), *cell)].sum().backward()
    return x.grad[0].sum(0).numpy()


def empirical_receptive_field(
    model: nn.Module | Sequence[Layer | Mapping | nn.Module], input_size: IntOrTuple, out_index: IntOrTuple
) -> Box:
    """The bounding box of the input pixels that reach output cell ``out_index``.

    ``(first, last)`` per axis, inclusive, measured with ``field_gradient``; compare it with
    ``receptive_field(model, input_size).region(out_index)``. With dilation (or a stride larger
    than the kernel) the field has holes: the box spans them.

    >>> empirical_receptive_field([Layer(3), Layer(2, stride=2)], input_size=8, out_index=1)
    ((2, 5),)
    """
    reached = np.nonzero(field_gradient(model, input_size, out_index))
    if reached[0].size == 0:
        raise ValueError(f"output cell {out_index!r} sees only padding: no input pixel reaches it")
    return tuple((int(axis.min()), int(axis.max())) for axis in reached)
