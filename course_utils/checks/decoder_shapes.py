"""The self-check of lesson 10's decoder exercise: a decoder that brings the encoder's shapes back.

The exercise gives a fully convolutional encoder (:func:`exercise_encoder`),

    1x28x28 -> conv 3x3, stride 2, padding 1 -> 8x14x14 -> ReLU -> conv 3x3, stride 2, padding 1 -> 16x7x7 -> ReLU,

and asks for its mirror: a decoder from ``16x7x7`` back to ``8x14x14`` and then ``1x28x28``, with values
in [0, 1] like the pixels. ``check_decoder_shapes(decoder)`` runs the decoder on the encoder's codes for
a batch of 2 digits, records every shape (:mod:`course_utils.checks.shape_trace`) and explains the first
of its four checks that fails: it runs; the first up-step gives 8x14x14; the output is 1x28x28; the
values lie in [0, 1]. A wrong size is explained layer by layer with the transposed convolution's size,

.. math:: n_{out} = (n_{in} - 1)\\,s - 2p + d\\,(k - 1) + p_{out} + 1,

naming the usual slips in plain words: output padding forgotten (``2n - 1`` instead of ``2n``),
padding 0 (``2n + 1``), stride 1 (no doubling), an ordinary ``Conv2d`` with stride 2 (halving).
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.checks import core
from course_utils.checks.shape_trace import describe_steps, map_size, trace_shapes

CODE = (16, 7, 7)
MIDDLE = (8, 14, 14)
IMAGE = (1, 28, 28)
CHECKS = 4  # it runs, the first up-step, the output shape, values in [0, 1]


def exercise_encoder() -> nn.Sequential:
    """The exercise's encoder: two 3x3 convolutions with stride 2 and padding 1 (1x28x28 -> 8x14x14 -> 16x7x7).

    >>> exercise_encoder()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 16, 7, 7])
    """
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU()
    )


def transposed_size(n: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0,
                    dilation: int = 1) -> int:
    """Output side of a transposed convolution (the ``nn.ConvTranspose2d`` formula).

    >>> transposed_size(7, 3, stride=2, padding=1, output_padding=1), transposed_size(7, 3, stride=2, padding=1)
    (14, 13)
    """
    return (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def check_decoder_shapes(decoder: object, verbose: bool = True) -> core.CheckResult:
    """Check a decoder for :func:`exercise_encoder`: 16x7x7 -> 8x14x14 -> 1x28x28, values in [0, 1].

    ``decoder`` is an ``nn.Module`` (instance or class) or a function of the codes ``(N, 16, 7, 7)``.
    Prints the verdict unless ``verbose=False``; returns a :class:`CheckResult`.

    >>> forgot = nn.Sequential(nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1), nn.ReLU(),
    ...                        nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1), nn.Sigmoid())
    >>> result = check_decoder_shapes(forgot, verbose=False)
    >>> result.passed, result.cases_passed
    (False, 1)
    >>> print(result.message.splitlines()[1])
    Your decoder never makes maps of 8x14x14, the mirror of the encoder's first maps: its first new maps are 8x13x13.
    """
    run = _DecoderRun(decoder)
    return core.run_checks(
        run.problems(),
        CHECKS,
        heading=lambda number: f"Check {number} of {CHECKS} failed.",
        all_passed=lambda: (
            f"All {CHECKS} checks passed: {describe_steps(run.steps, CODE)}. "
            "The shapes come back: 8x14x14, then 1x28x28, with values in [0, 1]."
        ),
        verbose=verbose,
    )


class _DecoderRun:
    def __init__(self, decoder: object) -> None:
        self.decoder = decoder
        self.steps: list = []
        self.wide: object = None  # the output for large codes

    def problems(self):
        output = self._run()
        maps = [step.shape[1:] for step in self.steps if len(step.shape) == 4]
        first_new = next((shape for shape in maps if shape != CODE), None)
        yield self._explained(self._runs(output))
        if MIDDLE in maps:
            yield ""
        else:
            got = f"its first new maps are {map_size((0, *first_new))}" if first_new else "its maps never change"
            yield self._explained(
                f"Your decoder never makes maps of {map_size((0, *MIDDLE))}, the mirror of the encoder's first maps: "
                f"{got}.\n{self._layers_explained()}".rstrip()
            )
        yield self._explained(self._output_shape(output))
        yield self._explained(_in_unit_range(output, self.wide))

    def _explained(self, problem: str) -> str:
        return f"{problem}\nYour decoder: {describe_steps(self.steps, CODE)}" if problem else ""

    def _run(self) -> object:
        decoder = self.decoder
        try:
            if isinstance(decoder, type) and issubclass(decoder, nn.Module):
                decoder = decoder()
        except NotImplementedError as error:
            raise core.CheckStopped(core.not_written_yet(self.decoder, error)) from None
        except Exception as error:
            raise core.CheckStopped(f"Building your decoder raised {type(error).__name__}: {error}") from None
        self.built = decoder
        torch.manual_seed(0)
        codes = exercise_encoder()(torch.rand(2, *IMAGE, generator=torch.Generator().manual_seed(3)))
        training = decoder.training if isinstance(decoder, nn.Module) else None
        if isinstance(decoder, nn.Module):
            decoder.eval()
        try:
            self.steps, output = trace_shapes(decoder, codes.detach())
        except NotImplementedError as error:
            raise core.CheckStopped(core.not_written_yet(self.decoder, error)) from None
        finally:
            if training is not None:
                decoder.train(training)
        if isinstance(output, torch.Tensor):  # large codes too: a decoder without a sigmoid leaves [0, 1] there
            large = 10 * torch.randn(codes.shape, generator=torch.Generator().manual_seed(4))
            self.wide = trace_shapes(decoder, large)[1]
        target = type(decoder).forward if isinstance(decoder, nn.Module) else decoder
        if stub := core.not_written_yet(target if callable(target) else decoder, output):
            raise core.CheckStopped(stub)
        if isinstance(decoder, nn.Sequential) and len(decoder) == 0:
            raise core.CheckStopped("Not written yet: your decoder has no layers. Add them, run that cell, then run "
                                    "this check again.")
        return output

    def _runs(self, output: object) -> str:
        if not isinstance(output, Exception):
            return ""
        said = f"Your decoder raised {type(output).__name__}: {output}"
        if "channels" in str(output) or "size mismatch" in str(output) or "shapes cannot" in str(output):
            said += (
                "\nThe decoder's first layer receives the encoder's 16 channels; each layer's in_channels must equal "
                "the previous layer's out_channels (16 -> 8 -> 1 for the mirror of the encoder)."
            )
        return f"{said}\n{self._layers_explained()}".rstrip()

    def _output_shape(self, output: torch.Tensor) -> str:
        if not isinstance(output, torch.Tensor):
            kind = type(output).__name__
            return f"Your decoder returned a {kind}; return the images, a tensor of shape (N, 1, 28, 28)."
        if tuple(output.shape[1:]) == IMAGE and len(output) == 2:
            return ""
        return (
            f"Your decoder returned {map_size(tuple(output.shape))} per image (shape {tuple(output.shape)}), "
            f"but it should be 1x28x28, the size of the digits.\n{self._layers_explained()}"
        ).rstrip()

    def _layers_explained(self) -> str:
        """Walk the decoder's size-changing layers and explain the first one that does not double the size."""
        decoder = getattr(self, "built", None)
        if not isinstance(decoder, nn.Module):
            return ""
        size = CODE[1]
        for layer in decoder.modules():
            if isinstance(layer, nn.ConvTranspose2d):
                k, s, p, op, d = (layer.kernel_size[0], layer.stride[0], layer.padding[0], layer.output_padding[0],
                                  layer.dilation[0])
                out = transposed_size(size, k, s, p, op, d)
                if out != 2 * size:
                    return _why_not_doubled(size, out, k, s, p, op, d)
                size = out
            elif isinstance(layer, nn.Conv2d):
                k, s, p, d = layer.kernel_size[0], layer.stride[0], layer.padding[0], layer.dilation[0]
                out = (size + 2 * p - d * (k - 1) - 1) // s + 1
                if s > 1:
                    return (f"Your layer {layer} takes {size}x{size} to {out}x{out}: an ordinary convolution with "
                            f"stride {s} shrinks the maps. The decoder must grow them: use nn.ConvTranspose2d "
                            f"(or nn.Upsample(scale_factor=2) followed by a convolution).")
                if out != size:
                    return (f"Your layer {layer} changes {size}x{size} to {out}x{out}. A convolution after an "
                            f"upsampling should keep the size: padding (kernel - 1) / 2 = {(k - 1) // 2}.")
            elif isinstance(layer, nn.Upsample) and layer.scale_factor is not None:
                size = int(size * float(layer.scale_factor if not isinstance(layer.scale_factor, tuple)
                                        else layer.scale_factor[0]))
        return ""


def _why_not_doubled(n: int, out: int, k: int, s: int, p: int, op: int, d: int) -> str:
    formula = (f"(n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1 = "
               f"({n} - 1) * {s} - 2 * {p} + {d} * ({k} - 1) + {op} + 1 = {out}")
    said = f"Your transposed convolution (kernel {k}, stride {s}, padding {p}, output_padding {op}) takes {n}x{n} " \
           f"to {out}x{out}, not {2 * n}x{2 * n}: {formula}."
    if s == 1:
        return said + "\nWith stride 1 a transposed convolution cannot double the size: use stride=2."
    if out == 2 * n - 1:
        return said + (
            "\nOne row and column are missing: add output_padding=1. In the encoder, a 3x3 convolution with stride 2 "
            f"and padding 1 turns both {2 * n - 1} and {2 * n} into {n}, so the transposed convolution cannot tell "
            "which size to return; output_padding picks the larger one."
        )
    if p == 0 and out > 2 * n:
        return said + "\nWith padding 0 the maps grow by kernel - 1 too many pixels: mirror the encoder's padding=1."
    return said + f"\nChoose kernel, padding and output_padding so that the result is {2 * n}; kernel 3, stride 2, " \
                  "padding 1, output_padding 1 mirrors the encoder."


def _in_unit_range(output: torch.Tensor, wide: object) -> str:
    values = torch.cat([output.flatten(), wide.flatten()]) if isinstance(wide, torch.Tensor) else output.flatten()
    if values.min() >= 0 and values.max() <= 1:
        return ""
    return (
        f"Your decoder's values run from {values.min().item():.2f} to {values.max().item():.2f}, but pixels lie in "
        "[0, 1]. End the decoder with nn.Sigmoid(), which squeezes any number into (0, 1)."
    )
